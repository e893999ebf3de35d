"""One layer's pre-activation distribution: a histogram of ẑ_l, f'(ẑ) over it, dead and saturated marked.

    render_distribution(dist, width, height)   the histogram, exactly ``height`` lines of ``width``
    distribution_readout(dist)                 two lines: the shares, and what they mean

Each bin is stacked by class — units with f' = 0 (dead), with f' below the saturation threshold
(saturated) and the rest (active) — each with its own glyph as well as colour, so the picture reads
under NO_COLOR; the columns of the dead and saturated regions are edged (``┆``) and named, and
f'(z) is drawn behind the bars as a dotted curve scaled to the chart's height (its top is max f').
"""

from __future__ import annotations

import math

import numpy as np

from gradtui.engine.distribution import (
    LayerDistribution, boundaries, classify, histogram,
)
from gradtui.engine.kernels import max_derivative

from .canvas import frame_lines, legend_line, thin, title, to_ascii
from .numbers import fmt_value
from .text import fit, message_block, runs

#: glyph per class and of the f' curve and region edges: (Unicode, ASCII)
GLYPHS = {
    "active": ("█", "#"), "saturated": ("▒", "="), "dead": ("░", "."),
    "curve": ("•", "*"), "edge": ("┆", ":"),
}
COLOR = {"active": "32", "saturated": "94", "dead": "90", "curve": "1;93", "edge": "90",
         "title": "1", "label": "90"}
#: region boundaries this close to the data (in data spans) widen the x range to show them
REACH = 3.0
#: only boundaries within |z| ≤ this are drawn (gelu's far one at -38.6 is not worth the width)
NEAR = 12.0


def _g(ascii: bool) -> dict[str, str]:
    return {k: v[1 if ascii else 0] for k, v in GLYPHS.items()}


def x_range(dist: LayerDistribution) -> tuple[float, float]:
    """The z range drawn: the data, the nearby region boundaries, a small margin."""
    lo, hi = dist.data_range()
    if not (hi - lo > 1e-12 * max(1.0, abs(lo), abs(hi))):  # one value: a window around it
        half = max(1.0, 0.25 * abs(lo))
        lo, hi = lo - half, hi + half
    span = hi - lo
    edges = [b for b in boundaries(dist.config.activation, dist.threshold) if abs(b) <= NEAR]
    near = {b for b in edges if lo - REACH * span <= b <= hi + REACH * span}
    # a symmetric activation's region is shown whole (sigmoid's, tanh's |z| beyond the threshold)
    near |= {b for b in edges if any(abs(b + a) < 1e-9 for a in near)}
    for b in near:
        lo, hi = min(lo, b), max(hi, b)
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


def _pct_ticks(top: float, rows: int) -> tuple[float, list[float]]:
    """A nice percentage step and the y top so ticks sit ≥ 3 rows apart (top in percent)."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 25, 50, 100):
        hi = max(step, math.ceil(top / step - 1e-9) * step)
        if (rows - 1) * step / hi >= 3 or step == 100:
            n = int(round(hi / step))
            return hi, [k * step for k in range(n + 1)]
    raise AssertionError("unreachable")


def _pct(x: float) -> str:
    return f"{x:g}%"


def _regions(dist: LayerDistribution, lo: float, hi: float, columns: int) -> list[int]:
    """The class of each column's centre (0 dead, 1 saturated, 2 active)."""
    w = (hi - lo) / columns
    mid = lo + (np.arange(columns) + 0.5) * w
    if dist.config.activation == "linear":
        return [2] * columns
    return [int(c) for c in classify(dist.deriv(mid), dist.threshold)]


def _titles(dist: LayerDistribution) -> list[str]:
    c = dist.config
    what = {"sampled": f"sampled, width {c.width} × batch {c.batch}, seed {c.seed}",
            "expected": "expected: N(μ, q)", "chain": "chain: one neuron"}[dist.kind]
    normed = f" after {c.norm} norm" if c.norm != "none" else ""
    head = f"layer {dist.layer}/{c.depth}"
    return [
        f"{head}: pre-activations z{normed}, what f sees · {c.activation}, {c.init} · {what}",
        f"{head}: pre-activations z{normed} · {c.activation} · {what}",
        f"{head}: pre-activations z{normed} · {c.activation} · {dist.kind}",
        f"{head}: z{normed} · {c.activation} · {dist.kind}",
        head,
    ]


def render_distribution(
    dist: LayerDistribution, width: int, height: int, *, color: bool = True, ascii: bool = False,
    busy: bool = False,
) -> str:
    """The layer's histogram with f' over it, exactly ``height`` lines of ``width`` cells."""
    width, height = int(width), int(height)
    g = _g(ascii)
    head = title(_titles(dist), width, color, ascii, busy)
    if dist.overflow:
        return head + "\n" + message_block(
            f"the forward pass is not finite float64 at layer {dist.layer}: no values to draw",
            width, height - 1, wrap=True)
    lo0, hi0 = dist.data_range()
    if not (math.isfinite(lo0) and math.isfinite(hi0)):
        return head + "\n" + message_block(f"z = {fmt_value(lo0)}: beyond float64, nothing to draw",
                                           width, height - 1, wrap=True)
    fig_h = height - 2
    rows = fig_h - 2
    if rows < 3 or width < 30:
        return message_block("distribution: window too small", width, height)
    lo, hi = x_range(dist)
    label_w = 1
    for _ in range(2):  # the y labels' width sets the canvas width
        columns = width - label_w - 1
        if dist.kind == "sampled":
            n = dist.values.size
            bins = int(min(columns, max(16, round(4.0 * math.sqrt(n)))))
        else:
            bins = columns
        hist = histogram(dist, bins, lo, hi)
        top, yt = _pct_ticks(100.0 * float(hist.total.max()), rows)
        labels = [_pct(t) for t in yt]
        label_w = max(len(s) for s in labels)
    columns = width - label_w - 1
    starts = [b * columns // bins for b in range(bins + 1)]
    canvas = [[(" ", "")] * columns for _ in range(rows)]  # [row from bottom][col]

    def put(col: int, row: int, key: str, ch: str | None = None, only_empty: bool = False) -> None:
        if 0 <= col < columns and 0 <= row < rows:
            if only_empty and canvas[row][col][0] not in (" ", g["edge"]):
                return
            canvas[row][col] = (ch or g[key], COLOR[key] if color else "")

    # the regions: edges where a column's class changes, and a name inside a wide enough region
    region = _regions(dist, lo, hi, columns)
    names = {0: "dead", 1: "saturated"}
    shown = set()
    for col in range(1, columns):
        if region[col] != region[col - 1]:
            shown.add("edge")
            edge = col if region[col] != 2 else col - 1
            for r in range(rows):
                put(edge, r, "edge")
    col = 0
    while col < columns:
        end = col
        while end < columns and region[end] == region[col]:
            end += 1
        name = names.get(region[col])
        if name is not None:
            text = name if end - col - 2 >= len(name) else name[:3] if end - col - 2 >= 3 else ""
            start = col + max(1, (end - col - len(text)) // 2)
            for i, ch in enumerate(text):
                put(start + i, rows - 1, "label", ch)
        col = end
    # the stacked bars: dead at the bottom, then saturated, then active
    share = hist.share
    keys = ("dead", "saturated", "active")
    for b in range(bins):
        total = float(share[:, b].sum())
        if total <= 0.0:
            continue
        h = int(round(100.0 * total / top * rows))
        if h == 0 and (dist.kind != "expected" or total >= 1e-3):  # a real unit is never invisible
            h = 1
        if h == 0:
            continue
        cum, made = 0.0, 0
        for c in range(3):
            cum += float(share[c, b])
            upto = h if c == 2 else int(round(h * cum / total))
            for r in range(made, min(upto, rows)):
                for col in range(starts[b], starts[b + 1]):
                    put(col, r, keys[c])
            made = max(made, upto)
    # f'(z), scaled: the chart's top row is the activation's largest f'
    fmax = max_derivative(dist.config.activation)
    w = (hi - lo) / columns
    mids = lo + (np.arange(columns) + 0.5) * w
    curve = dist.deriv(mids) / fmax
    for col, y in enumerate(curve):
        if math.isfinite(y):
            # over the edges and the air, never over a bar: every unit stays visible
            put(col, int(round(min(1.0, max(0.0, float(y))) * (rows - 1))), "curve", only_empty=True)

    # x ticks: round values of z, thinned; 0 first
    xcols, xlabels = _x_ticks(lo, hi, columns)
    frame = frame_lines(width, fig_h, columns, xcols, xlabels, (0, top), yt, labels, ascii)
    left = width - columns
    lines = [head]
    lines += [frame[r][:left] + runs(canvas[rows - 1 - r], color) for r in range(rows)]
    label_line = frame[rows + 1]
    if label_line[:2].strip() == "":
        label_line = "z " + label_line[2:]
    lines += [frame[rows], label_line]
    shown |= {keys[c] for c in range(3) if share[c].any()}
    lines.append(_legend(dist, fmax, width, color, ascii, hist.outside, shown))
    return "\n".join(lines)


def _x_ticks(lo: float, hi: float, columns: int) -> tuple[list[float], list[str]]:
    span = hi - lo
    raw = span / max(1, columns / 8)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    vals = [k * step for k in range(math.ceil(lo / step), math.floor(hi / step) + 1)]
    order = sorted(vals, key=lambda v: (v != 0, abs(v)))
    w = span / columns
    cols = [(v - lo) / w - 0.5 for v in order]
    return thin(cols, [f"{v:.3g}" if v else "0" for v in order])


def _legend(dist: LayerDistribution, fmax: float, width: int, color: bool, ascii: bool,
            outside: float, shown: set[str]) -> str:
    """The glyphs on screen (the classes drawn, the f' curve) and any mass off the chart."""
    g = _g(ascii)
    thr = f"{dist.threshold:.2g}"
    items = [(g["active"], "active", " active"), (g["saturated"], "saturated", f" saturated f'<{thr}"),
             (g["dead"], "dead", " dead f'=0"), (g["edge"], "edge", " f'≈0 beyond"),
             (g["curve"], "curve", f" f'(z), top {fmt_value(fmax)}")]
    items = [i for i in items if i[1] in shown or i[1] == "curve"]
    extra = f"  {100 * outside:.1f}% off the chart" if outside > 0.0005 else ""
    return legend_line(items, COLOR, extra, width, color, ascii)


def _share(x: float) -> str:
    if math.isnan(x):
        return "?"
    p = 100.0 * x
    return "0%" if p == 0 else "<0.1%" if p < 0.1 else ">99.9%" if 99.9 < p < 100 else f"{p:.1f}%"


def distribution_readout(dist: LayerDistribution, *, ascii: bool = False) -> str:
    """Two lines: the dead and saturated shares with the RMS of f', then what they mean."""
    c = dist.config
    rms = math.sqrt(dist.mean_sq_deriv) if dist.mean_sq_deriv >= 0 else math.nan
    parts = []
    if dist.activation.can_die:
        parts.append(f"dead {_share(dist.dead_frac)} (f' = 0)")
    parts.append(f"saturated {_share(dist.saturated_frac)} (f' < {dist.threshold:.2g}"
                 + (", dead incl.)" if dist.activation.can_die else ")"))
    parts.append(f"RMS f' {fmt_value(rms)}")
    line1 = " · ".join(parts)
    if dist.kind == "expected":
        line1 += f" · q {fmt_value(dist.q)}" + (f" (f sees {fmt_value(dist.var)})" if dist.var != dist.q else "")
    line2 = _meaning(dist)
    text = line1 + "\n" + line2
    return to_ascii(text) if ascii else text


def _meaning(dist: LayerDistribution) -> str:
    act = dist.config.activation
    dead, sat = dist.dead_frac, dist.saturated_frac
    if dist.overflow or math.isnan(sat):
        return "the forward pass overflowed: no shares"
    if dist.activation.can_die and dead >= 0.3:
        share = "half" if 0.4 <= dead <= 0.6 else f"{100 * dead:.0f}%"
        return f"{share} the {act} units are dead (z < 0): they pass no gradient back"
    if sat - dead >= 0.2:
        return (f"{act} saturates: {100 * (sat - dead):.0f}% of units sit where f' is nearly 0, "
                f"and the gradient through them is lost")
    if sat - dead >= 0.001:
        return (f"{_share(sat - dead)} of units are saturated (f' nearly 0): what reaches them "
                f"goes no further back")
    if act == "sigmoid":
        return "no unit saturates, yet sigmoid's f' ≤ 1/4: every layer shrinks the gradient"
    return "no unit is dead or saturated at this layer"




# -- a recorded run: what the probe keeps ---------------------------------------------------------
RECORDED_NOTE = (
    "A recorded run keeps each module's output mean and std and its shares of dead units (exact "
    "zeros) and saturated ones (the probe's test: sigmoid output within 0.01 of 0 or 1, |tanh| > "
    "0.99), not the values: there is no histogram to draw. A Linear's output is the pre-activation "
    "z of the activation after it.")


def _bar(share: float | None, cells: int, glyph: str) -> str:
    if share is None or not math.isfinite(share):
        return " " * cells
    n = int(round(min(1.0, max(0.0, share)) * cells))
    if n == 0 and share > 0:
        n = 1
    return glyph * n + " " * (cells - n)


def recorded_shares(rows: list[dict], width: int, *, ascii: bool = False,
                    cursor: int | None = None) -> list[str]:
    """One line per recorded module: name, kind, output mean and std, dead and saturated shares as
    bars and percentages (— where the probe does not record one); ``cursor`` (1-based) is marked."""
    g = _g(ascii)
    name_w = min(16, max([len(str(r["name"]) or "(root)") for r in rows] + [6]))
    cells = max(4, min(20, (width - name_w - 52) // 2))
    head = (f"  {'#':>3} {'module':<{name_w}} {'kind':<10} {'mean':>8} {'std':>8}  "
            f"{'dead':<{cells + 6}} saturated")
    out = [fit(head, width)]
    for r in rows:
        mark = (">" if ascii else "▸") if r["layer"] == cursor else " "
        name = (str(r["name"]) or "(root)")[:name_w]
        mean = "—" if r["act_mean"] is None else fmt_value(r["act_mean"])
        std = "—" if r["act_std"] is None else fmt_value(r["act_std"])
        dead, sat = r["dead_frac"], r["saturated_frac"]
        line = (f"{mark} {r['layer']:>3} {name:<{name_w}} {str(r['kind'])[:10]:<10} {mean:>8} {std:>8}  "
                f"{_bar(dead, cells, g['dead'])} {_share(dead) if dead is not None else '—':>5}"
                f" {_bar(sat, cells, g['saturated'])} {_share(sat) if sat is not None else '—':>5}")
        out.append(fit(to_ascii(line) if ascii else line, width))
    return out


__all__ = [
    "GLYPHS", "RECORDED_NOTE", "distribution_readout", "recorded_shares", "render_distribution",
    "x_range",
]
