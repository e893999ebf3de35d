"""The probe file's contract, shared by the recorder and the reader (no torch, no textual).

A probe file is JSON Lines: one header line, then one record per recorded step (docs/probe.md).
"""

from __future__ import annotations

import math
import unicodedata

FORMAT = "gradtui-probe"
VERSION = 1

#: an output counts as saturated when it is this close to the activation's bounds
SIGMOID_SATURATED = 0.01  # sigmoid output < 0.01 or > 0.99
TANH_SATURATED = 0.99  # |tanh output| > 0.99
#: module kinds whose output saturates, and how (recorded only for these)
SATURATING_KINDS = {"Sigmoid": "sigmoid", "Tanh": "tanh"}

#: non-finite floats are written as these strings, so every line is strict JSON and nothing is lost
NONFINITE_TEXT = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def number_out(x: float) -> float | str:
    """A float as the file stores it: itself when finite, else "NaN" / "Infinity" / "-Infinity"."""
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


#: bidirectional-text controls (Unicode category Cf) and line/paragraph separators
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
MAX_TEXT = 200


def clean_text(s: str, limit: int = MAX_TEXT) -> str:
    """Text from a file made safe to show: control characters, bidi overrides, zero-width and
    surrogate characters removed, and at most ``limit`` characters (an ellipsis marks a cut)."""
    out = "".join(ch for ch in s if unicodedata.category(ch) not in _DROP_CATEGORIES)
    return out if len(out) <= limit else out[: limit - 1] + "…"
