"""The chart of a result: per-layer log10 values as bars, for the TUI widget and for ``--print``.

Layout of the text block ``render_chart`` returns (exactly ``height`` lines of ``width`` cells)::

    gradient reaching each layer ÷ output gradient · log scale       <- title (when height allows)
        │      ═                                                     <- canvas: bars, markers
       1┼─────██─██─██──                                                 (the line at 1 = nothing lost)
        │  ██ ██ ██ ██ ██
    1e-5┤  ██ ██ ██ ██ ██
        └┬──┬────────┬──                                             <- plotext axis and ticks
         1  2        16                                              <- layer numbers (thinned)
    ░ vanishing  █ stable  ─ 1 = nothing lost                        <- legend

plotext 6 draws the frame: the y axis with its power-of-ten tick labels and the x axis with the
thinned layer numbers. The canvas inside the frame is painted cell by cell here, so bar widths, gaps
and the special markers land on exact cells whatever the size. The y axis is linear in log10 and its
range is chosen so every tick (a whole number of decades) and the line at 1 sit exactly on a row.

Everything is readable without colour: each regime has its own bar glyph and the legend names every
glyph on screen. ``ascii=True`` uses ASCII characters only (the ANSI colour codes are ASCII too).
plotext keeps one global figure; every render clears it completely first, so the output is a pure
function of the arguments.
"""

from __future__ import annotations

import math

import numpy as np

from gradtui.engine.result import OVERFLOW, STABLE, Result, regime_of

from .bars_layout import Canvas, aggregate, bar_layout, view_values, x_ticks, y_axis
from .bars_legend import aggregation_texts, legend_items, pick_legend, pick_title, title_texts
from .glyphs import BarGlyphs, bar_glyphs
from .numbers import decade_label
from .palette import BAR_COLOR
from .plot import LOCK, plotext_frame
from .text import asciify, fit, message_block, sgr

__all__ = ["render_chart", "VIEWS", "MIN_WIDTH", "MIN_HEIGHT"]

VIEWS = ("grad", "forward", "weight")

#: the weight view of a result without absolute weight gradients (expected mode)
WEIGHT_ONLY_SAMPLED = "absolute weight gradients: sampled mode only (press m)"

#: the chart never draws beyond ±CLIP decades; bars past it are marked as clipped (▼ / ▲)
CLIP = 9999.0
#: smallest size that still gets a chart (below it, a one-line message)
MIN_WIDTH, MIN_HEIGHT = 16, 6


def render_chart(
    result: Result,
    width: int,
    height: int,
    *,
    color: bool = True,
    ascii: bool = False,
    view: str = "grad",
    pinned: Result | None = None,
    overlay: Result | None = None,
    cursor: int | None = None,
    threshold: float | None = None,
) -> str:
    """The chart of ``result`` as text of exactly ``height`` lines, each ``width`` cells wide.

    ``view`` is "grad" (gradient reaching each layer), "forward" (forward activation std) or
    "weight" (absolute ‖∂loss/∂W_l‖, sampled mode only; bars keep the regime of the grad view).
    ``threshold`` (a clip norm, weight view only) is drawn as a horizontal line.
    ``pinned`` is drawn as a ghost mark at each of its bar tops, ``overlay`` as a dotted line,
    ``cursor`` (1-based layer) as a highlighted bar. ANSI colours unless ``color=False``.
    """
    width, height = int(width), int(height)
    if view not in VIEWS:
        raise ValueError(f"view: unknown value {view!r}; choose one of {', '.join(VIEWS)}")
    if threshold is not None and not (math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold: {threshold!r} is not a positive number")
    g = bar_glyphs(ascii)
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        msg = "chart: window too small" if width >= 23 else "too small"
        return message_block(msg, width, height)
    if view == "weight" and result.log10_weight_grad is None:
        import textwrap

        wrapped = textwrap.wrap(WEIGHT_ONLY_SAMPLED, width)[:height]
        text = "\n".join(fit(line, width) for line in wrapped + [""] * (height - len(wrapped)))
        return asciify(text) if ascii else text
    with LOCK:
        text = _render(result, width, height, color, g, view, pinned, overlay, cursor, threshold)
    if ascii:
        text = asciify(text)
    return text


def _render(result, width, height, color, g: BarGlyphs, view, pinned, overlay, cursor, threshold) -> str:
    n = result.depth
    values = view_values(result, view)
    # a pinned or overlaid result without this view's values (expected mode) is left out
    if pinned is not None and view_values(pinned, view) is None:
        pinned = None
    if overlay is not None and view_values(overlay, view) is None:
        overlay = None
    clip_log = math.log10(threshold) if view == "weight" and threshold is not None else None
    has_title = height >= 10
    fig_h = height - 1 - (1 if has_title else 0)
    rows = fig_h - 2  # the x axis line and its labels take two rows

    # y range over everything drawn (bars, pin, overlay), clipped to ±CLIP
    extra = [view_values(r, view)[:n] for r in (pinned, overlay) if r is not None]
    if clip_log is not None:
        extra.append(np.array([clip_log]))
    everything = np.concatenate([values, *extra]) if extra else values
    finite = everything[np.isfinite(everything)]
    finite = np.clip(finite, -CLIP, CLIP)
    yaxis = y_axis(finite, rows)
    labels = [decade_label(t) for t in yaxis.ticks]
    label_w = max((len(s) for s in labels), default=1)
    columns = width - label_w - 1
    if columns < 4:
        return message_block("too small", width, height)

    bars = bar_layout(n, columns)
    vals = aggregate(values, n, bars.group)
    pin_vals = aggregate(view_values(pinned, view), n, bars.group) if pinned is not None else None
    ov_vals = aggregate(view_values(overlay, view), n, bars.group) if overlay is not None else None
    cursor_bar = (cursor - 1) // bars.group if cursor is not None and 1 <= cursor <= n else None
    # bars are coloured by the regime of the gradient reaching the layer (the grad view's)
    regime_vals = aggregate(result.log10_grad, n, bars.group) if view == "weight" else vals

    canvas = Canvas(columns, rows)
    used: set[str] = set()
    floor_row = -0.5  # bottom edge of the canvas, in rows
    top_row = rows - 0.5

    def style(key: str, bold: bool = False) -> str:
        if not color:
            return ""
        code = BAR_COLOR[key]
        return f"1;{code}" if bold and not code.startswith("1;") else code

    # the reference line at 1 (log10 0): behind everything else
    zero_row = int(round(yaxis.row(0.0)))
    for c in range(columns):
        canvas.put(c, zero_row, g.ref, style("ref"))

    for k in range(bars.count):
        v = float(vals[k])
        cols = range(bars.starts[k], bars.starts[k] + bars.width)
        hot = k == cursor_bar
        mid = bars.centre(k)
        if math.isnan(v):
            canvas.put(mid, rows - 1, g.overflow, style(OVERFLOW))
            used.add("overflow")
            continue
        if v == -math.inf:
            canvas.put(mid, 0, g.zero, style("zero", hot))
            used.add("zero")
            continue
        r = yaxis.row(v)
        if r < floor_row:
            canvas.put(mid, 0, g.below, style("below", hot))
            used.add("below")
            continue
        rv = float(regime_vals[k])
        # a layer whose gradient is unknown but whose weight gradient is known is drawn plain
        regime = STABLE if math.isnan(rv) else regime_of(rv)
        used.add(regime)
        top = min(rows - 1, int(round(r)))
        for row in range(0, top + 1):
            for c in cols:
                canvas.put(c, row, g.bar[regime], style(regime, hot))
        if r > top_row:
            for c in cols:
                canvas.put(c, rows - 1, g.above, style("above", hot))
            used.add("above")

    if cursor_bar is not None:  # a guide line above the bar (and a pointer on the axis, below)
        c = bars.centre(cursor_bar)
        for row in range(rows):
            if canvas.get(c, row) in (" ", g.ref):
                canvas.put(c, row, g.cursor, style("cursor"))

    ref_shown = True
    if clip_log is not None:  # the clip norm: over the bars, under the pin and the overlay
        clip_row = int(round(yaxis.row(clip_log)))
        for c in range(columns):
            if canvas.get(c, clip_row) != g.cursor:
                canvas.put(c, clip_row, g.clip, style("clip"))
        used.add("clip")
        ref_shown = clip_row != zero_row

    if pin_vals is not None:
        for k in range(bars.count):
            v = float(pin_vals[k])
            if not math.isfinite(v):
                continue
            r = yaxis.row(v)
            if floor_row <= r <= top_row:
                for c in range(bars.starts[k], bars.starts[k] + bars.width):
                    canvas.put(c, int(round(r)), g.pin, style("pin"))
                used.add("pin")

    if ov_vals is not None:
        points = []
        for k in range(bars.count):
            v = float(ov_vals[k])
            if math.isfinite(v) and floor_row <= yaxis.row(v) <= top_row:
                points.append((bars.centre(k), yaxis.row(v)))
            else:
                points.append(None)
        for a, b in zip(points, points[1:]):
            if a is None or b is None:
                continue
            (c0, r0), (c1, r1) = a, b
            for c in range(c0 + 1, c1):
                r = r0 + (r1 - r0) * (c - c0) / (c1 - c0)
                ch = canvas.get(c, int(round(r)))
                if ch in (" ", g.ref):
                    canvas.put(c, int(round(r)), g.join, style("join"))
        for p in points:
            if p is not None:
                canvas.put(p[0], int(round(p[1])), g.overlay, style("overlay"))
                used.add("overlay")

    # -- the plotext frame ----------------------------------------------------------------------
    xt_cols, xt_labels = x_ticks(n, bars, columns, cursor)
    frame = plotext_frame(width, fig_h, columns, xt_cols, xt_labels, (yaxis.lo, yaxis.hi), yaxis.ticks, labels)

    left = width - columns
    lines = []
    for r in range(rows):
        lines.append(frame[r][:left] + canvas.line(r, color))
    axis_line, label_line = frame[rows], frame[rows + 1]
    if cursor_bar is not None:
        at = left + bars.centre(cursor_bar)
        axis_line = axis_line[:at] + sgr(g.pointer, style("cursor", True)) + axis_line[at + 1:]
    if label_w >= 5 and label_line[:label_w].strip() == "":
        label_line = "layer".rjust(label_w) + label_line[label_w:]
    lines += [axis_line, label_line]

    # -- title and legend -----------------------------------------------------------------------
    agg = aggregation_texts(bars.group, g)
    legend = legend_items(used, view, g, yaxis, overlay, threshold, ref_shown)
    if has_title:
        title = pick_title(title_texts(view, g), agg, width)
        title = fit(title, width)
        bare = title.rstrip()
        lines.insert(0, sgr(bare, style("title")) + " " * (len(title) - len(bare)))
        lines.append(pick_legend(legend, width, color, ""))
    else:
        suffix = agg[-1] if bars.group > 1 else ""
        lines.append(pick_legend(legend, width, color, suffix))
    return "\n".join(lines)
