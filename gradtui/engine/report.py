"""The JSON document ``gradtui --json`` prints (DESIGN §5): the result, optionally theory and the
Jacobian spectrum, as strict JSON (no NaN or Infinity tokens)."""

from __future__ import annotations

import json
import math
from typing import Any

from .config import Config

#: above this many layers the Jacobian spectrum (a dense product per layer) is computed on a copy
#: capped to this depth, and the JSON says so
SPECTRUM_MAX_DEPTH = 400


def json_safe(obj: Any) -> Any:
    """JSON-safe copy: NaN and ±Infinity become null (the log10 fields next to them stay numbers)."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return obj
    try:
        x = float(obj)
    except (TypeError, ValueError):
        return str(obj)
    if hasattr(obj, "dtype") and getattr(obj.dtype, "kind", "f") in "iu":
        return int(obj)
    if hasattr(obj, "dtype") and getattr(obj.dtype, "kind", "f") == "b":
        return bool(obj)
    return x if math.isfinite(x) else None


def json_document(config: Config, *, theory: bool = False, spectrum: bool = False) -> dict[str, Any]:
    """The result of ``config`` as ``to_json()`` gives it, plus "theory" and "spectrum" if asked."""
    from . import compute

    data = compute(config).to_json()
    if theory:
        from .theory import theory_summary

        data["theory"] = theory_summary(config)
    if spectrum:
        from .theory import jacobian_spectrum, spectrum_summary

        # the depth cap only: jacobian_spectrum derives (and validates) the network it computes
        capped = config.replace(depth=min(config.depth, SPECTRUM_MAX_DEPTH))
        data["spectrum"] = {**spectrum_summary(jacobian_spectrum(capped)), "depth_used": capped.depth}
    return data


def json_text(config: Config, *, theory: bool = False, spectrum: bool = False) -> str:
    """:func:`json_document` as indented strict JSON text (no trailing newline)."""
    document = json_document(config, theory=theory, spectrum=spectrum)
    return json.dumps(json_safe(document), allow_nan=False, indent=2)


def compare_json_text(configs, *, theory: bool = False, spectrum: bool = False) -> str:
    """``--compare … --json``: ``{"compare": [doc, …]}``, each doc the one ``--json`` prints for
    that setting alone (strict JSON, no trailing newline)."""
    documents = [json_safe(json_document(c, theory=theory, spectrum=spectrum)) for c in configs]
    return json.dumps({"compare": documents}, allow_nan=False, indent=2)
