"""A recorded step as an engine :class:`Result`, so the drawing kit draws it like a simulated one.

Torch-free. The chart draws ``log10_grad`` (the gradient reaching each module ÷ the last module's),
``log10_act_std`` and ``log10_weight_grad`` (absolute ‖∂L/∂weight‖); the engine-only numbers
(factors' weight and derivative gains, norm gain) are unknown (nan) for a real model.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from gradtui.engine import Config, Result
from gradtui.engine.config import MAX_DEPTH


def _log10(v: float | None) -> float:
    """log10 of a recorded number: -inf for an exact zero, nan when unknown."""
    if v is None or not math.isfinite(v) or v < 0:
        return math.nan
    return -math.inf if v == 0 else math.log10(v)


def recorded_result(layers: Sequence[dict[str, Any]], keep: Sequence[int] | None = None,
                    anchor: int | None = None) -> Result:
    """``layers`` (``ProbeRun.layers(step)``) as a Result over the modules ``keep`` (0-based
    indices into ``layers``; all when None). ``anchor``: the index whose gradient becomes 1
    (log10 0); by default the file's own reference, the last module that received a gradient."""
    idx = list(range(len(layers))) if keep is None else list(keep)
    if not idx:
        raise ValueError("no module to draw")
    lg = np.array([math.nan if layers[i]["log10_grad"] is None and layers[i]["grad"] != 0.0
                   else (-math.inf if layers[i]["log10_grad"] is None else layers[i]["log10_grad"])
                   for i in idx], dtype=float)
    if anchor is not None:
        ref = layers[anchor]["log10_grad"]
        lg = lg - (ref if ref is not None else math.nan)
    n = len(idx)
    nan = np.full(n, math.nan)
    with np.errstate(invalid="ignore"):
        factor = np.concatenate([[math.nan], lg[:-1] - lg[1:]])
    rows = [layers[i] for i in idx]
    # a Config only to carry the number of bars; nothing of it is shown for a recorded run
    depth = min(n, MAX_DEPTH["expected"])
    return Result(
        config=Config(depth=depth), log10_factor=factor, weight_gain=nan, deriv_gain=nan,
        log10_act_std=np.array([_log10(r["act_std"]) for r in rows]), norm_gain=nan,
        overflow=np.zeros(n, dtype=bool), log10_grad=lg,
        dead_frac=np.array([math.nan if r["dead_frac"] is None else r["dead_frac"] for r in rows]),
        saturated_frac=np.array([math.nan if r["saturated_frac"] is None else r["saturated_frac"]
                                 for r in rows]),
        log10_weight_grad=np.array([_log10(r["weight_grad"]) for r in rows]),
    )
