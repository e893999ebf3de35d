"""The chart's words: the verdict line, the weight view's clip readout, the depth-scale line."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from gradtui.engine.result import OVERFLOW, Result

from .numbers import factor_text, format_pow10, setting_text
from .text import asciify

if TYPE_CHECKING:
    from gradtui.engine.config import Config


def verdict(result: Result, *, ascii: bool = False) -> str:
    """One line saying what happens to the gradient on its way from the output to layer 1."""
    text = _verdict(result)
    return asciify(text) if ascii else text


def _verdict(result: Result) -> str:
    depth = result.depth
    first = result.log10_grad_first
    regime = result.regime
    head = regime.upper()
    if depth == 1:
        return f"{head} — 1 layer: layer 1 is the output layer, so it receives the whole output gradient"
    if regime == OVERFLOW:
        over = np.flatnonzero(np.asarray(result.overflow, dtype=bool))
        where = (
            f"the forward pass overflows float64 from layer {int(over[0]) + 1} on"
            if over.size
            else "the values overflow float64"
        )
        return f"{head} — the gradient reaching layer 1 is unknown: {where}"
    if first == -math.inf:
        lg = np.asarray(result.log10_grad, dtype=float)
        zero = np.flatnonzero(lg == -math.inf)
        last = int(zero[-1]) + 1
        span = "layer 1" if last == 1 else f"layers 1–{last}"
        return (
            f"{head} — layer 1 receives exactly 0 of the output gradient: nothing at all reaches {span}"
        )
    per_layer = f"×{factor_text(result.mean_log10_factor)} per layer"
    config = result.config
    if config.norm == "batch" and not config.residual:
        # name the cause: batch norm's own rate (expected: √λ(B); sampled: the measured mean)
        lam = result.extras.get("batchnorm_lambda")
        rate = 0.5 * math.log10(lam) if lam else result.mean_log10_factor
        per_layer = f"batch norm: ×{factor_text(rate)} per layer at batch {config.batch}"
    amount = format_pow10(first)
    if abs(first) < 0.05:
        receives = f"layer 1 receives {10.0**first:.2f}× the output gradient"
    elif first < 0:
        receives = f"layer 1 receives {amount} of the output gradient"
    else:
        receives = f"layer 1 receives {amount} times the output gradient"
    decades = abs(first)
    if decades < 0.05:
        change = f"nothing lost over {depth} layers"
    else:
        word = "lost" if first < 0 else "gained"
        unit = "decade" if round(decades, 1) == 1.0 else "decades"
        change = f"{decades:.1f} {unit} {word} over {depth} layers"
    return f"{head} — {receives}: {change}, {per_layer}"


def total_weight_grad_log10(result: Result) -> float | None:
    """log10 of the total norm √Σ_l ‖∂loss/∂W_l‖² (in log space: no overflow at any depth).

    None without absolute weight gradients (expected mode); nan when a layer's is unknown.
    """
    lw = result.log10_weight_grad
    if lw is None:
        return None
    v = 2.0 * np.asarray(lw, dtype=float)
    if v.size == 0:
        return -math.inf
    if np.any(np.isnan(v)) or np.any(v == math.inf):
        return math.nan
    top = float(np.max(v))
    if top == -math.inf:
        return -math.inf
    return 0.5 * (top + math.log10(float(np.sum(10.0 ** (v - top)))))


def clip_text(result: Result, threshold: float | None, *, ascii: bool = False) -> str | None:
    """The weight view's readout: the total norm and what clipping at ``threshold`` would do.

    e.g. ``total ‖∇W‖ 3.2e5 > clip 10: every layer's step ×3.1e-5``; None in expected mode.
    """
    total = total_weight_grad_log10(result)
    if total is None:
        return None
    norm = f"total ‖∇W‖ {format_pow10(total)}" if not math.isnan(total) else "total ‖∇W‖ unknown"
    if threshold is None:
        text = f"{norm} = √Σ bars²; k sets a clip norm"
    elif math.isnan(total):
        text = f"{norm} (overflow): clip {setting_text(threshold)} cannot be judged"
    elif total > math.log10(threshold):
        scale = format_pow10(math.log10(threshold) - total)
        text = f"{norm} > clip {setting_text(threshold)}: every layer's step ×{scale}"
    else:
        text = f"{norm} ≤ clip {setting_text(threshold)}: no clipping, steps unchanged"
    return asciify(text) if ascii else text


def depth_scale_text(config: Config, *, ascii: bool = False) -> str:
    """One short line for beside the verdict in expected mode: χ₁, ξ and layers per 10×.

    Costs a fixed-point solve (well under a millisecond), no critical-σ_w search, and is computed
    once per config: the line does not depend on the depth, so every depth shares one entry.
    """
    return _depth_scale_text(config.replace(depth=1) if config.depth != 1 else config, ascii)


@lru_cache(maxsize=512)
def _depth_scale_text(config: Config, ascii: bool) -> str:
    from gradtui.engine import theory

    s = theory.theory_summary(config, critical=False)
    chi, xi, lpd = s["chi1"], s["depth_scale"], s["layers_per_decade"]
    if "batchnorm_lambda" in s and config.residual:
        text = f"residual: every factor ≥ 1; the skip tames batch norm's λ = {chi:.3g}"
    elif "batchnorm_lambda" in s and chi > 0:
        text = (f"batch norm λ(B={config.batch}) = {chi:.3g}: 10× per {lpd:.3g} layers "
                f"(1/ln λ = {s['batchnorm_depth_scale']:.3g})")
    elif config.residual:
        text = f"residual: every factor ≥ 1 (branch χ₁ = {chi:.3g})"
    elif chi == 0:
        text = "χ₁ = 0: nothing passes a layer"
    elif xi is None:
        text = "fixed point χ₁ = 1, ξ = ∞: critical, no change with depth"
    elif chi < 1:
        text = f"fixed point χ₁ = {chi:.3g}, ξ = {xi:.3g}: 10× smaller every {lpd:.3g} layers"
    else:
        text = f"fixed point χ₁ = {chi:.3g}: explodes with scale |ξ| = {abs(xi):.3g}, 10× per {lpd:.3g} layers"
    return asciify(text) if ascii else text
