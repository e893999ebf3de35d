"""One recorded step as the per-layer data gradtui draws, with the checklist's findings.

Layers are the recorded modules in forward order, numbered 1…L. ``grad`` is DESIGN §2's number for
a real model: the gradient reaching the module's output ÷ the one reaching the last module's.
"""

from __future__ import annotations

import math
from typing import Any

from gradtui.engine import regime_of

#: the checklist's thresholds: a ReLU's output is ~50 % exact zeros when healthy
DEAD_FLAG = 0.6
SATURATED_FLAG = 0.5
#: ‖Δθ‖/‖θ‖ per step below this: the weights do not move; above UPDATE_LARGE: steps too large
UPDATE_SMALL, UPDATE_LARGE = 1e-6, 1e-1
#: kinds whose exact zeros are by design, not dead units
_ZEROS_BY_DESIGN = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")
_MAX_NAMES = 3


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _log10(x: float | None) -> float | None:
    return math.log10(x) if x is not None and math.isfinite(x) and x > 0 else None


def _is_weight(name: str) -> bool:
    return "weight" in name.rsplit(".", 1)[-1]


def _combined(params: list[dict[str, Any]], names: list[str], key: str) -> float | None:
    """√Σ of ``key`` over the weight parameters (None when none of them has one)."""
    values = [p[key] for p, n in zip(params, names) if _is_weight(n) and p[key] is not None]
    return math.sqrt(sum(v * v for v in values)) if values else None


def _update_ratio(params: list[dict[str, Any]], names: list[str]) -> float | None:
    """‖Δθ‖/‖θ‖ over all weight parameters together: √Σ(ratio·‖θ‖)² / √Σ‖θ‖²."""
    pairs = [(p["update_ratio"], p["norm"]) for p, n in zip(params, names)
             if _is_weight(n) and p["update_ratio"] is not None and p["norm"] is not None]
    if not pairs:
        return None
    den = math.sqrt(sum(w * w for _, w in pairs))
    return math.sqrt(sum((r * w) ** 2 for r, w in pairs)) / den if den > 0 else None


def _reference(record: dict[str, Any]) -> float | None:
    """‖∂L/∂output‖ of the last module that received a gradient."""
    for m in reversed(record["modules"]):
        if m is not None and m["grad_norm"] is not None:
            return m["grad_norm"]
    return None


def layers(header: dict[str, Any], record: dict[str, Any]) -> list[dict[str, Any]]:
    """Per module in forward order: layer, name, kind, grad_norm, grad, log10_grad, weight_grad, …"""
    ref = _log10(_reference(record))
    out = []
    for i, (spec, m) in enumerate(zip(header["modules"], record["modules"])):
        m = m or {"params": [], "called": False}
        names = [p["name"] for p in spec["params"]]
        params = m["params"] or [{"grad_norm": None, "norm": None, "update_ratio": None, "grad_nonfinite": 0}
                                 for _ in names]
        g = m.get("grad_norm")
        lg = _log10(g)
        log10_grad = lg - ref if lg is not None and ref is not None else None
        if g == 0.0 and ref is not None:
            grad: float | None = 0.0
        else:
            grad = 10.0**log10_grad if log10_grad is not None and -307 < log10_grad < 308 else None
        out.append({
            "layer": i + 1, "name": spec["name"], "kind": spec["kind"], "call": spec["call"],
            "grad_norm": g, "grad": grad, "log10_grad": log10_grad,
            "weight_grad": _combined(params, names, "grad_norm"),
            "weight_norm": _combined(params, names, "norm"),
            "update_ratio": _update_ratio(params, names),
            "act_mean": m.get("mean"), "act_std": m.get("std"), "dead_frac": m.get("dead"),
            "saturated_frac": m.get("saturated"), "called": m["called"],
            "nonfinite_output": m.get("nonfinite", 0),
            "nonfinite_grad": m.get("grad_nonfinite", 0) + sum(p["grad_nonfinite"] for p in params),
        })
    return out


def _span(a: int, b: int) -> str:
    return f"layer {a}" if a == b else f"layers {a}–{b}"


def _spans(rows: list[dict[str, Any]], key: str, test) -> list[list[dict[str, Any]]]:
    """Runs of layers for which ``test(value)`` holds; layers without a ``key`` value (an
    activation has no weights, a Linear no saturation) neither break nor join a run."""
    runs: list[list[dict[str, Any]]] = []
    last_in = False
    for row in rows:
        if row[key] is None:
            continue
        if test(row[key]) and row["kind"] not in _ZEROS_BY_DESIGN:
            if last_in:
                runs[-1].append(row)
            else:
                runs.append([row])
            last_in = True
        else:
            last_in = False
    return runs


def sci(log10: float) -> str:
    """10**log10 in two significant digits, even beyond float64's range (e.g. "3.1e-10")."""
    e = math.floor(log10)
    m = 10.0 ** (log10 - e)
    if round(m, 1) >= 10.0:
        m, e = m / 10.0, e + 1
    return f"{m:.2g}" if e == 0 else f"{m:.2g}e{e:+d}"


def _kind_of_bad(norm: float | None) -> str:
    return "NaN" if norm is not None and math.isnan(norm) else "inf"


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES])
    return shown + (f" and {len(names) - _MAX_NAMES} more" if len(names) > _MAX_NAMES else "")


def _nonfinite_findings(header: dict[str, Any], record: dict[str, Any]) -> list[str]:
    step = record["step"]
    found: dict[str, list[str]] = {}
    specs = [(f"{s['name']}.{p['name']}" if s["name"] != "(model)" else p["name"], q)
             for s, m in zip(header["modules"], record["modules"]) if m
             for p, q in zip(s["params"], m["params"])]
    specs += [(p["name"], q) for p, q in zip(header["other_params"], record["other_params"])]
    for name, q in specs:
        if q["grad_nonfinite"] or (q["grad_norm"] is not None and math.isnan(q["grad_norm"])):
            found.setdefault(f"{_kind_of_bad(q['grad_norm'])} in {{}} grad", []).append(name)
    for i, (s, m) in enumerate(zip(header["modules"], record["modules"])):
        if m and m["nonfinite"]:
            found.setdefault(f"{_kind_of_bad(m['mean'])} in the output of {{}}", []).append(
                f"layer {i + 1} ({s['name']})")
    out = [f"{what.format(_names(names))} at step {step}" for what, names in found.items()]
    loss = record["loss"]
    if loss is not None and not math.isfinite(loss):
        out.insert(0, f"loss is {'NaN' if math.isnan(loss) else 'inf'} at step {step}")
    return out


def _first_bad_step(header: dict[str, Any], history: list[dict[str, Any]]) -> str | None:
    for r in history[:-1]:
        bad = _nonfinite_findings(header, r)
        if bad:
            return f"non-finite values first appear at step {r['step']}: {bad[0]}"
    return None


def findings(header: dict[str, Any], record: dict[str, Any], rows: list[dict[str, Any]],
             history: list[dict[str, Any]]) -> list[str]:
    """The checklist items that fire on this step, as short sentences."""
    out = _nonfinite_findings(header, record)
    if out:
        first = _first_bad_step(header, history)
        if first:
            out.append(first)
    if _reference(record) in (None, 0.0):
        out.append("no gradient reaches the last module")
    for run in _spans(rows, "log10_grad", lambda v: v < -1):
        low = min(run, key=lambda r: r["log10_grad"])
        out.append(f"{_span(run[0]['layer'], run[-1]['layer'])}: gradient vanishing "
                   f"(×{sci(low['log10_grad'])} at layer {low['layer']})")
    for run in _spans(rows, "log10_grad", lambda v: v > 1):
        high = max(run, key=lambda r: r["log10_grad"])
        out.append(f"{_span(run[0]['layer'], run[-1]['layer'])}: gradient exploding "
                   f"(×{sci(high['log10_grad'])} at layer {high['layer']})")
    checks = (
        ("dead_frac", DEAD_FLAG, "dead units (exact zeros)"),
        ("saturated_frac", SATURATED_FLAG, "saturated"),
    )
    for key, flag, words in checks:
        for run in _spans(rows, key, lambda v, flag=flag: v >= flag):
            mean = sum(r[key] for r in run) / len(run)
            out.append(f"{_span(run[0]['layer'], run[-1]['layer'])}: {mean * 100:.0f} % {words}")
    for run in _spans(rows, "update_ratio", lambda v: v < UPDATE_SMALL):
        out.append(f"{_span(run[0]['layer'], run[-1]['layer'])}: weights barely move "
                   f"(‖Δθ‖/‖θ‖ < {UPDATE_SMALL:g} per step)")
    for run in _spans(rows, "update_ratio", lambda v: v > UPDATE_LARGE):
        top = max(r["update_ratio"] for r in run)
        out.append(f"{_span(run[0]['layer'], run[-1]['layer'])}: weights change by up to "
                   f"{top * 100:.0f} % in one step")
    return out


def summary(header: dict[str, Any], record: dict[str, Any], history: list[dict[str, Any]],
            rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """regime (of the first layer that received a gradient), log10_grad_first, totals, findings."""
    rows = layers(header, record) if rows is None else rows
    first = next((r for r in rows if r["log10_grad"] is not None), None)
    log10_first = first["log10_grad"] if first else math.nan
    grads = [q["grad_norm"] for m in record["modules"] if m for q in m["params"] if q["grad_norm"] is not None]
    grads += [q["grad_norm"] for q in record["other_params"] if q["grad_norm"] is not None]
    return {
        "regime": regime_of(log10_first), "regime_layer": first["layer"] if first else None,
        "log10_grad_first": first["log10_grad"] if first else None,
        "step": record["step"], "loss": record["loss"],
        "grad_norm_last": _reference(record),
        "weight_grad_total": math.sqrt(sum(g * g for g in grads)) if grads else None,
        "findings": findings(header, record, rows, history),
    }


def _strict(v: Any) -> Any:
    if isinstance(v, float):
        return _finite(v)
    if isinstance(v, dict):
        return {k: _strict(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_strict(x) for x in v]
    return v


def json_document(header: dict[str, Any], record: dict[str, Any], history: list[dict[str, Any]],
                  path: str) -> dict[str, Any]:
    rows = layers(header, record)
    config = {
        "source": "probe", "file": path, "model": header.get("model"), "step": record["step"],
        "steps_recorded": len(history), "modules": len(header["modules"]),
        "parameters": header["parameters"], "every": header["every"],
        **{k: header.get(k) for k in ("torch", "device", "dtype", "created")},
    }
    return _strict({"config": config, "layers": rows, "summary": summary(header, record, history, rows)})
