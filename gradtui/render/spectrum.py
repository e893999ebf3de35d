"""The Jacobian spectrum: a histogram of the input→output Jacobian's singular values (log-x).

    render_spectrum(spec, width, height)   the histogram, σ = 1 marked, regimes by glyph and colour
    spectrum_readout(spec)                 two lines: min/median/max, condition number, what it means
"""

from __future__ import annotations

import math

import numpy as np

from gradtui.engine.result import regime_of
from gradtui.engine.theory import Spectrum, spectrum_summary

from .canvas import frame_lines, legend_line, thin, title, to_ascii
from .glyphs import glyphs
from .numbers import format_pow10
from .palette import MAP_COLOR as COLOR
from .text import message_block, runs


def _count_ticks(top: int, rows: int) -> tuple[int, list[int]]:
    """A nice count step and the y range top so ticks sit ≥ 2 rows apart."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        hi = max(step, math.ceil(top / step) * step)
        if (rows - 1) * step / hi >= 2 or step == 5000:
            return hi, list(range(0, hi + 1, step))
    raise AssertionError("unreachable")


def render_spectrum(
    spec: Spectrum, width: int, height: int, *, color: bool = True, ascii: bool = False, busy: bool = False,
) -> str:
    """Histogram of log10 singular values (log-x), exactly ``height`` lines of ``width`` cells."""
    g = glyphs(ascii).map
    bar = glyphs(ascii).bars.bar
    c = spec.config
    if not spec.ok:
        text = (f"Jacobian spectrum: the forward pass overflows float64 at layer {spec.overflow_layer}"
                if spec.overflow_layer else "Jacobian spectrum: no singular values")
        return message_block(text, width, height)
    lg = spec.log10_sv
    finite = lg[np.isfinite(lg)]
    fig_h = height - 2
    rows = fig_h - 2
    if rows < 3 or width < 24:
        return message_block("spectrum: window too small", width, height)
    fmin, fmax = float(finite.min()), float(finite.max())
    lo, hi = min(fmin, 0.0), max(fmax, 0.0)
    span = hi - lo
    if span < 1.0:  # one spike (an isometry): centre it on a column, ±1 decade around it
        mid = 0.5 * (lo + hi)
        lo, hi = mid - 1.0, mid + 1.0
    else:
        lo, hi = lo - 0.04 * span, hi + 0.04 * span
    # y labels are counts: their width sets the canvas width
    label_w = 1
    base = (lo, hi)
    for _ in range(2):
        columns = width - label_w - 1
        # about 2√n bins (at least 8, at most one per column), each a run of whole columns
        bins = int(min(columns, max(8, round(2.0 * math.sqrt(finite.size)))))
        lo, hi = base
        if span < 1.0:  # one spike (an isometry): its bin centred on its value
            bw = 2.0 / bins
            lo = 0.5 * (lo + hi) - (bins // 2 + 0.5) * bw
            hi = lo + bins * bw
        bw = (hi - lo) / bins
        idx = np.clip(((finite - lo) / bw).astype(int), 0, bins - 1)
        counts = np.bincount(idx, minlength=bins)
        top, yt = _count_ticks(int(counts.max()), rows)
        label_w = max(len(str(t)) for t in yt)
    columns = width - label_w - 1
    w = (hi - lo) / columns  # decades per column
    starts = [b * columns // bins for b in range(bins + 1)]
    canvas = [[(" ", "")] * columns for _ in range(rows)]  # [row from bottom][col]
    zero_col = int((0.0 - lo) / w)
    if 0 <= zero_col < columns:
        for r in range(rows):
            canvas[r][zero_col] = (g.ref, COLOR["ref"])
    for b in range(bins):
        n = int(counts[b])
        if n == 0:
            continue
        reg = regime_of(lo + (b + 0.5) * bw)
        height_rows = max(1, int(round(n / top * (rows - 1))) + 1)
        for col in range(starts[b], starts[b + 1]):
            for r in range(min(rows, height_rows)):
                canvas[r][col] = (bar[reg], COLOR[reg])
    # x ticks: whole decades, thinned; 1 (σ = 1) first
    step = 1
    for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        label_len = max(len(f"1e{math.floor(lo)}"), len(f"1e{math.ceil(hi)}"))
        if s / w >= label_len + 2:
            step = s
            break
        step = s
    decades = [d for d in range(math.ceil(lo / step) * step, math.floor(hi) + 1, step)]
    order = sorted(decades, key=lambda d: (d != 0, abs(d)))
    xcols = [(d - lo) / w - 0.5 for d in order]
    xcols, xlabels = thin(xcols, ["1" if d == 0 else f"1e{d}" for d in order])
    frame = frame_lines(width, fig_h, columns, xcols, xlabels, (0, top), [float(t) for t in yt],
                   [str(t) for t in yt], ascii)
    left = width - columns
    lines = [frame[r][:left] + runs([(ch, st) for ch, st in canvas[rows - 1 - r]], color)
             for r in range(rows)]
    labels = frame[rows + 1]
    if label_w >= 1 and labels[:3].strip() == "":
        labels = ("sv " if ascii else " σ ") + labels[3:]
    lines += [frame[rows], labels]

    where = f"width {spec.width_used}" + (f" of {c.width}" if spec.capped else "")
    lines.insert(0, title([
        f"singular values of the input-output Jacobian · {c.activation}, {c.init}, depth {c.depth}, "
        f"{where}, seed {c.seed} · log scale",
        f"Jacobian singular values · {c.activation}, depth {c.depth}, {where}, seed {c.seed}",
        f"Jacobian singular values · depth {c.depth}",
    ], width, color, ascii, busy))
    zero = spec.zero_count
    items = [
        (bar["vanishing"], "vanishing", " σ < 0.1"),
        (bar["stable"], "stable", " 0.1–10"),
        (bar["exploding"], "exploding", " > 10"),
        (g.ref, "ref", " σ = 1"),
    ]
    extra = f"  {zero} exactly 0 (not drawn)" if zero else ""
    lines.append(legend_line(items, COLOR, extra, width, color, ascii))
    return "\n".join(lines)


def spectrum_readout(spec: Spectrum, *, ascii: bool = False) -> str:
    """Two lines: min/median/max and the condition number, then what that means."""
    if not spec.ok:
        return ""
    s = spectrum_summary(spec)
    sep = " · "
    cond = spec.log10_condition
    smallest = format_pow10(spec.log10_min)
    if spec.zero_count and spec.zero_count < spec.log10_sv.size:
        smallest += f" (least nonzero {format_pow10(float(spec.log10_sv[spec.log10_sv > -math.inf][-1]))})"
    line1 = (
        f"σ min {smallest}{sep}median {format_pow10(spec.log10_median)}{sep}"
        f"max {format_pow10(spec.log10_max)}{sep}condition number "
        + ("∞" if cond == math.inf else format_pow10(cond))
    )
    if s["isometry"]:
        line2 = "isometry: every singular value is 1, no input direction loses gradient"
    elif spec.zero_count:
        line2 = (f"{spec.zero_count} of {spec.width_used} input directions get exactly 0 gradient "
                 f"(dead units, norm)")
    elif cond < 1.0:
        line2 = f"near isometry: all directions within {format_pow10(cond)}× of each other"
    else:
        line2 = f"far from isometry: some input directions get {format_pow10(cond)}× less gradient"
    text = line1 + "\n" + line2
    return to_ascii(text) if ascii else text
