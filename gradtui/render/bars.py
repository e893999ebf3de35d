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
from dataclasses import dataclass, field

import numpy as np

from gradtui.engine.result import OVERFLOW, STABLE, Result, regime_of

from .bars_layout import (
    Bars, Canvas, YAxis, aggregate, bar_layout, view_values, with_axis_title, x_ticks, y_axis,
)
from .bars_legend import aggregation_texts, legend_items, pick_legend, pick_title, title_texts
from .glyphs import BarGlyphs, glyphs
from .numbers import decade_label
from .palette import BAR_COLOR, recolor
from .plot import LOCK, plotext_frame
from .text import asciify, fit, message_block, sgr

__all__ = ["layer_at", "render_chart", "VIEWS", "MIN_WIDTH", "MIN_HEIGHT"]

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
    y_range: tuple[float, float] | None = None,
    theme: str = "dark",
) -> str:
    """The chart of ``result`` as text of exactly ``height`` lines, each ``width`` cells wide.

    ``view`` is "grad" (gradient reaching each layer), "forward" (forward activation std) or
    "weight" (absolute ‖∂loss/∂W_l‖, sampled mode only; bars keep the regime of the grad view).
    ``threshold`` (a clip norm, weight view only) is drawn as a horizontal line.
    ``pinned`` is drawn as a ghost mark at each of its bar tops, ``overlay`` as a dotted line,
    ``cursor`` (1-based layer) as a highlighted bar. ANSI colours unless ``color=False``, for a
    dark background or (``theme="light"``) a light one (:func:`gradtui.render.palette.recolor`).
    ``y_range`` (log10 lo, hi) is kept inside the y axis, so charts side by side share one scale.
    """
    width, height = int(width), int(height)
    if view not in VIEWS:
        raise ValueError(f"view: unknown value {view!r}; choose one of {', '.join(VIEWS)}")
    if threshold is not None and not (math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold: {threshold!r} is not a positive number")
    g = glyphs(ascii).bars
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        msg = "chart: window too small" if width >= 23 else "too small"
        return message_block(msg, width, height)
    if view == "weight" and result.log10_weight_grad is None:
        import textwrap

        wrapped = textwrap.wrap(WEIGHT_ONLY_SAMPLED, width)[:height]
        text = "\n".join(fit(line, width) for line in wrapped + [""] * (height - len(wrapped)))
        return asciify(text) if ascii else text
    with LOCK:
        text = _render(result, width, height, color, g, view, pinned, overlay, cursor, threshold, y_range)
    text = recolor(text, theme)
    if ascii:
        text = asciify(text)
    return text


@dataclass
class _Painter:
    """The canvas inside the frame and what every painter needs to put cells on it."""

    canvas: Canvas
    g: BarGlyphs
    yaxis: YAxis
    bars: Bars
    color: bool
    used: set[str] = field(default_factory=set)  # what is on screen, for the legend

    @property
    def rows(self) -> int:
        return self.canvas.rows

    def style(self, key: str, bold: bool = False) -> str:
        if not self.color:
            return ""
        code = BAR_COLOR[key]
        return f"1;{code}" if bold and not code.startswith("1;") else code

    def visible(self, v: float) -> bool:
        return -0.5 <= self.yaxis.row(v) <= self.rows - 0.5


def _geometry(values, n, width, height, view, pinned, overlay, clip_log, y_range=None):
    """Where the frame goes: (has_title, fig_h, rows, y axis, its labels, label width, columns)."""
    has_title = height >= 10
    fig_h = height - 1 - (1 if has_title else 0)
    rows = fig_h - 2  # the x axis line and its labels take two rows
    # y range over everything drawn (bars, pin, overlay), clipped to ±CLIP
    extra = [view_values(r, view)[:n] for r in (pinned, overlay) if r is not None]
    if clip_log is not None:
        extra.append(np.array([clip_log]))
    if y_range is not None:
        extra.append(np.asarray(y_range, dtype=float))
    everything = np.concatenate([values, *extra]) if extra else values
    finite = np.clip(everything[np.isfinite(everything)], -CLIP, CLIP)
    yaxis = y_axis(finite, rows)
    labels = [decade_label(t) for t in yaxis.ticks]
    label_w = max((len(s) for s in labels), default=1)
    return has_title, fig_h, rows, yaxis, labels, label_w, width - label_w - 1


def layer_at(result: Result, width: int, height: int, x: int, *, view: str = "grad",
             pinned: Result | None = None, overlay: Result | None = None,
             threshold: float | None = None) -> tuple[int, int] | None:
    """The layers (first, last; 1-based) of the bar slot at column ``x`` of the chart that
    ``render_chart`` draws with the same arguments, or None off the bars (the y labels, a margin)."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return None
    values = view_values(result, view)
    if values is None:
        return None
    n = result.depth
    pinned = pinned if pinned is not None and view_values(pinned, view) is not None else None
    overlay = overlay if overlay is not None and view_values(overlay, view) is not None else None
    clip_log = math.log10(threshold) if view == "weight" and threshold is not None else None
    columns = _geometry(values, n, width, height, view, pinned, overlay, clip_log)[-1]
    col = x - (width - columns)
    if columns < 4 or not 0 <= col < columns:
        return None
    bars = bar_layout(n, columns)
    pitch = bars.starts[1] - bars.starts[0] if bars.count > 1 else columns
    gap = (pitch - bars.width) // 2  # a click in the gap goes to the nearer bar
    for k, start in enumerate(bars.starts):
        if start - gap <= col < start + bars.width + (pitch - bars.width - gap):
            return k * bars.group + 1, min(n, (k + 1) * bars.group)
    return None


def _render(result, width, height, color, g: BarGlyphs, view, pinned, overlay, cursor, threshold,
            y_range=None) -> str:
    n = result.depth
    values = view_values(result, view)
    # a pinned or overlaid result without this view's values (expected mode) is left out
    if pinned is not None and view_values(pinned, view) is None:
        pinned = None
    if overlay is not None and view_values(overlay, view) is None:
        overlay = None
    clip_log = math.log10(threshold) if view == "weight" and threshold is not None else None
    has_title, fig_h, rows, yaxis, labels, label_w, columns = _geometry(
        values, n, width, height, view, pinned, overlay, clip_log, y_range)
    if columns < 4:
        return message_block("too small", width, height)

    bars = bar_layout(n, columns)
    vals = aggregate(values, n, bars.group)
    cursor_bar = (cursor - 1) // bars.group if cursor is not None and 1 <= cursor <= n else None
    # bars are coloured by the regime of the gradient reaching the layer (the grad view's)
    regime_vals = aggregate(result.log10_grad, n, bars.group) if view == "weight" else vals

    p = _Painter(Canvas(columns, rows), g, yaxis, bars, color)
    zero_row = int(round(yaxis.row(0.0)))
    _paint_reference(p, zero_row)
    _paint_bars(p, vals, regime_vals, cursor_bar)
    if cursor_bar is not None:
        _paint_cursor(p, cursor_bar)
    ref_shown = True
    if clip_log is not None:
        ref_shown = _paint_clip(p, clip_log) != zero_row
    if pinned is not None:
        _paint_pin(p, aggregate(view_values(pinned, view), n, bars.group))
    if overlay is not None:
        _paint_overlay(p, aggregate(view_values(overlay, view), n, bars.group))

    xt_cols, xt_labels = x_ticks(n, bars, columns, cursor)
    frame = plotext_frame(width, fig_h, columns, xt_cols, xt_labels, (yaxis.lo, yaxis.hi), yaxis.ticks, labels)
    lines = _framed(p, frame, width, label_w, cursor_bar)

    agg = aggregation_texts(bars.group, g)
    legend = legend_items(p.used, view, g, yaxis, overlay, threshold, ref_shown)
    if has_title:
        title = fit(pick_title(title_texts(view, g), agg, width), width)
        bare = title.rstrip()
        lines.insert(0, sgr(bare, p.style("title")) + " " * (len(title) - len(bare)))
        lines.append(pick_legend(legend, width, color, ""))
    else:
        suffix = agg[-1] if bars.group > 1 else ""
        lines.append(pick_legend(legend, width, color, suffix))
    return "\n".join(lines)


def _paint_reference(p: _Painter, zero_row: int) -> None:
    """The line at 1 (log10 0): behind everything else."""
    for c in range(p.canvas.columns):
        p.canvas.put(c, zero_row, p.g.ref, p.style("ref"))


def _paint_bars(p: _Painter, vals: np.ndarray, regime_vals: np.ndarray, cursor_bar: int | None) -> None:
    """A bar per group in its regime's glyph and colour; a marker for unknown, zero, off-scale."""
    canvas, g, rows = p.canvas, p.g, p.rows
    for k in range(p.bars.count):
        v = float(vals[k])
        cols = range(p.bars.starts[k], p.bars.starts[k] + p.bars.width)
        hot = k == cursor_bar
        mid = p.bars.centre(k)
        if math.isnan(v):
            canvas.put(mid, rows - 1, g.overflow, p.style(OVERFLOW))
            p.used.add("overflow")
            continue
        if v == -math.inf:
            canvas.put(mid, 0, g.zero, p.style("zero", hot))
            p.used.add("zero")
            continue
        r = p.yaxis.row(v)
        if r < -0.5:
            canvas.put(mid, 0, g.below, p.style("below", hot))
            p.used.add("below")
            continue
        rv = float(regime_vals[k])
        # a layer whose gradient is unknown but whose weight gradient is known is drawn plain
        regime = STABLE if math.isnan(rv) else regime_of(rv)
        p.used.add(regime)
        top = min(rows - 1, int(round(r)))
        for row in range(0, top + 1):
            for c in cols:
                canvas.put(c, row, g.bar[regime], p.style(regime, hot))
        if r > rows - 0.5:
            for c in cols:
                canvas.put(c, rows - 1, g.above, p.style("above", hot))
            p.used.add("above")


def _paint_cursor(p: _Painter, cursor_bar: int) -> None:
    """A guide line above the cursor's bar (the pointer on the axis is drawn with the frame)."""
    c = p.bars.centre(cursor_bar)
    for row in range(p.rows):
        if p.canvas.get(c, row) in (" ", p.g.ref):
            p.canvas.put(c, row, p.g.cursor, p.style("cursor"))


def _paint_clip(p: _Painter, clip_log: float) -> int:
    """The clip norm: over the bars, under the pin and the overlay. Returns its row."""
    clip_row = int(round(p.yaxis.row(clip_log)))
    for c in range(p.canvas.columns):
        if p.canvas.get(c, clip_row) != p.g.cursor:
            p.canvas.put(c, clip_row, p.g.clip, p.style("clip"))
    p.used.add("clip")
    return clip_row


def _paint_pin(p: _Painter, pin_vals: np.ndarray) -> None:
    """The pinned result: a mark across each bar at its top."""
    for k in range(p.bars.count):
        v = float(pin_vals[k])
        if math.isfinite(v) and p.visible(v):
            for c in range(p.bars.starts[k], p.bars.starts[k] + p.bars.width):
                p.canvas.put(c, int(round(p.yaxis.row(v))), p.g.pin, p.style("pin"))
            p.used.add("pin")


def _paint_overlay(p: _Painter, ov_vals: np.ndarray) -> None:
    """The other engine's result: a point per bar, joined by dots where the canvas is empty."""
    points = []
    for k in range(p.bars.count):
        v = float(ov_vals[k])
        points.append((p.bars.centre(k), p.yaxis.row(v)) if math.isfinite(v) and p.visible(v) else None)
    for a, b in zip(points, points[1:]):
        if a is None or b is None:
            continue
        (c0, r0), (c1, r1) = a, b
        for c in range(c0 + 1, c1):
            r = int(round(r0 + (r1 - r0) * (c - c0) / (c1 - c0)))
            if p.canvas.get(c, r) in (" ", p.g.ref):
                p.canvas.put(c, r, p.g.join, p.style("join"))
    for point in points:
        if point is not None:
            p.canvas.put(point[0], int(round(point[1])), p.g.overlay, p.style("overlay"))
            p.used.add("overlay")


def _framed(p: _Painter, frame: list[str], width: int, label_w: int, cursor_bar: int | None) -> list[str]:
    """plotext's frame with the canvas inside it, the cursor's pointer and "layer" on the axis."""
    rows, left = p.rows, width - p.canvas.columns
    lines = [frame[r][:left] + p.canvas.line(r, p.color) for r in range(rows)]
    axis_line, label_line = frame[rows], frame[rows + 1]
    if cursor_bar is not None:
        at = left + p.bars.centre(cursor_bar)
        axis_line = axis_line[:at] + sgr(p.g.pointer, p.style("cursor", True)) + axis_line[at + 1:]
    return lines + [axis_line, with_axis_title(label_line, label_w)]
