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
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.cells import cell_len

from gradtui.engine.result import EXPLODING, OVERFLOW, STABLE, VANISHING, Result, regime_of
from gradtui.numbers import format_pow10
from gradtui.render.palette import SGR
from gradtui.render.plot import LOCK, plotext_frame
from gradtui.render.text import asciify, fit, message_block, runs, sgr

if TYPE_CHECKING:
    from gradtui.engine.config import Config

__all__ = [
    "render_chart", "verdict", "format_pow10", "asciify", "VIEWS", "total_weight_grad_log10", "clip_text",
]

VIEWS = ("grad", "forward", "weight")

#: the weight view of a result without absolute weight gradients (expected mode)
WEIGHT_ONLY_SAMPLED = "absolute weight gradients: sampled mode only (press m)"

#: the chart never draws beyond ±CLIP decades; bars past it are marked as clipped (▼ / ▲)
CLIP = 9999.0
#: widest bar, in cells (a single layer in a wide window should still look like a bar)
MAX_BAR_WIDTH = 7
#: smallest size that still gets a chart (below it, a one-line message)
MIN_WIDTH, MIN_HEIGHT = 16, 6

@dataclass(frozen=True)
class Glyphs:
    bar: dict[str, str]
    zero: str
    below: str
    above: str
    overflow: str
    pin: str
    overlay: str
    join: str
    ref: str
    cursor: str
    pointer: str
    sep: str
    divide: str
    dash: str
    times: str
    clip: str


UNICODE = Glyphs(
    bar={VANISHING: "░", STABLE: "█", EXPLODING: "▓"},
    zero="0", below="▼", above="▲", overflow="!", pin="═", overlay="•", join="·", ref="─",
    cursor="┊", pointer="▲", sep="·", divide="÷", dash="–", times="×", clip="╌",
)
ASCII = Glyphs(
    bar={VANISHING: ":", STABLE: "#", EXPLODING: "@"},
    zero="0", below="v", above="^", overflow="!", pin="=", overlay="o", join=".", ref="-",
    cursor="|", pointer="^", sep="-", divide="/", dash="-", times="x", clip="~",
)

#: SGR colour codes (16-colour palette, so every terminal shows them)
_COLOR = {
    **SGR,
    "zero": "90", "below": SGR[VANISHING], "above": SGR[EXPLODING], "pin": "97", "overlay": "1;93", "join": "93",
    "ref": "90", "cursor": "97", "title": "1", "clip": "1;96",
}

# -- numbers -------------------------------------------------------------------------------------

def _tick_label(decade: int) -> str:
    return "1" if decade == 0 else f"1e{decade}"


def _factor_text(log10: float) -> str:
    x = 10.0**log10 if abs(log10) < 300 else math.inf
    if x < 10:
        return f"{x:.2f}"
    return format_pow10(log10)


# -- verdict -------------------------------------------------------------------------------------

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
    per_layer = f"×{_factor_text(result.mean_log10_factor)} per layer"
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


# -- the chart -----------------------------------------------------------------------------------

def _view_values(result: Result, view: str) -> np.ndarray | None:
    """The log10 values a view draws; None for the weight view of a result without them."""
    if view == "forward":
        return np.asarray(result.log10_act_std, dtype=float)
    if view == "weight":
        lw = result.log10_weight_grad
        return None if lw is None else np.asarray(lw, dtype=float)
    return np.asarray(result.log10_grad, dtype=float)


def _aggregate(values: np.ndarray, n: int, group: int) -> np.ndarray:
    """Geometric mean (mean of log10) of each group of ``group`` layers among the first n.

    A group holding an unknown value (nan, or +inf) is unknown; one holding an exact zero (-inf)
    has geometric mean 0. Layers missing from ``values`` (a shorter pinned result) are left out.
    """
    out = np.full((n + group - 1) // group, np.nan)
    v = np.asarray(values, dtype=float)[:n]
    for k in range(out.size):
        chunk = v[k * group:(k + 1) * group]
        if chunk.size == 0:
            continue
        if np.any(np.isnan(chunk)) or np.any(chunk == math.inf):
            out[k] = np.nan
        elif np.any(chunk == -math.inf):
            out[k] = -math.inf
        else:
            out[k] = float(np.mean(chunk))
    return out


def _nice_group(ratio: int) -> int:
    """Smallest 'round' number of layers per bar that is at least ``ratio``."""
    if ratio <= 5:
        return max(1, ratio)
    scale = 1
    while True:
        for m in (1, 2, 2.5, 5):
            g = int(m * scale)
            if m * scale == g and g >= ratio:
                return g
        scale *= 10


def _nice_steps(limit: float):
    """1, 2, 5, 10, 20, 50, ... up to at least ``limit``."""
    scale = 1
    while True:
        for m in (1, 2, 5):
            yield m * scale
            if m * scale >= limit:
                return
        scale *= 10


def _tick_steps(limit: float):
    """Whole-decade tick steps 1, 2, 3, 4, 5, 10, 15, 20, 25, 30, 40, 50, 100, ... up to ``limit``."""
    yield from (1, 2, 3, 4)
    scale = 1
    while True:
        for m in ((5,) if scale == 1 else (1, 1.5, 2, 2.5, 3, 4, 5)):
            step = int(m * scale)
            yield step
            if step >= limit:
                return
        scale *= 10


@dataclass(frozen=True)
class _YAxis:
    lo: float      # value at the centre of the bottom row (a multiple of `step`)
    step: float    # decades per row
    rows: int
    ticks: list[int]

    @property
    def hi(self) -> float:
        return self.lo + (self.rows - 1) * self.step

    def row(self, v: float) -> float:
        return (v - self.lo) / self.step


def _y_axis(finite: np.ndarray, rows: int) -> _YAxis:
    """Pick decades per row so ticks (whole decades, every k ≥ 2 rows) fall exactly on rows.

    The range holds 1 (the reference line) and every finite value with a little headroom; among
    tick steps of 1, 2, 3, 4, 5, 10, 15, ... decades and k rows per step, the finest row height
    that fits with at least three labelled ticks wins. Spare rows are split above and below.
    """
    data_lo = min(0.0, float(np.min(finite))) if finite.size else 0.0
    data_hi = max(0.0, float(np.max(finite))) if finite.size else 0.0
    pad = max(0.5, 0.03 * (data_hi - data_lo))  # headroom so no bar ends on the frame
    need_lo, need_hi = data_lo - pad, data_hi + pad
    span = need_hi - need_lo
    min_k = 2 if rows >= 5 else 1
    # at least three labelled ticks where the height allows (two on a short canvas)
    min_ticks = 3 if rows >= 7 else 2 if rows >= 3 else 1
    best = None
    for s in _tick_steps(span):
        for k in range(max(min_k, rows - 1), min_k - 1, -1):
            d = s / k
            lo = math.floor(need_lo / d + 1e-9) * d
            if lo + (rows - 1) * d < need_hi - 1e-9:
                continue
            hi = lo + (rows - 1) * d
            ticks = math.floor(hi / s + 1e-9) - math.ceil(lo / s - 1e-9) + 1
            if ticks < min_ticks:
                continue
            if best is None or d < best[2] - 1e-12:
                best = (s, k, d, lo)
            break
    if best is None:  # a very short canvas: one tick step over the whole height
        for s in _tick_steps(4 * span):
            lo = math.floor(need_lo / s) * s
            if s >= span and lo + s >= need_hi:
                break
        best = (s, 1, s / max(1, rows - 1), lo)
    s, k, d, lo = best
    # spare rows: half below the data (taller bars), half above (headroom over the line at 1)
    spare = max(0, rows - 1 - math.ceil((need_hi - lo) / d - 1e-9))
    lo -= (spare // 2) * d
    hi = lo + (rows - 1) * d
    ticks = [int(round(t * s)) for t in range(math.ceil(lo / s - 1e-9), math.floor(hi / s + 1e-9) + 1)]
    return _YAxis(lo=lo, step=d, rows=rows, ticks=ticks)


@dataclass(frozen=True)
class _Bars:
    group: int          # layers per bar
    count: int          # number of bars
    width: int          # cells per bar
    starts: list[int]   # first canvas column of each bar

    def centre(self, k: int) -> int:
        return self.starts[k] + (self.width - 1) // 2


def _bars(n: int, columns: int) -> _Bars:
    """One bar per layer when they fit, else the fewest 'round' layers per bar that keep the bars
    spread over most of the width (a narrow block of touching bars reads worse than coarser bars)."""
    if n <= columns:
        group = 1
    else:
        group = _nice_group(-(-n // columns))
        while True:
            count = -(-n // group)
            if count * (columns // count) >= 0.6 * columns or count <= 1:
                break
            group = _nice_group(group + 1)
    count = -(-n // group)
    slot = max(1, columns // count)
    if slot <= 2:
        width = 1
    else:
        width = min(MAX_BAR_WIDTH, slot - max(1, slot // 4))
    margin = (columns - count * slot) // 2 + (slot - width + 1) // 2
    starts = [margin + k * slot for k in range(count)]
    return _Bars(group=group, count=count, width=width, starts=starts)


class _Canvas:
    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.cells = [[(" ", "") for _ in range(columns)] for _ in range(rows)]

    def put(self, col: int, row: int, ch: str, style: str = "", *, only_empty: bool = False) -> None:
        """Row 0 is the bottom row."""
        if 0 <= col < self.columns and 0 <= row < self.rows:
            r = self.rows - 1 - row
            if only_empty and self.cells[r][col][0] != " ":
                return
            self.cells[r][col] = (ch, style)

    def get(self, col: int, row: int) -> str:
        return self.cells[self.rows - 1 - row][col][0]

    def line(self, r: int, color: bool) -> str:
        return runs(self.cells[r], color)


def _x_ticks(n: int, bars: _Bars, columns: int, cursor: int | None) -> tuple[list[int], list[str]]:
    """Layer numbers under the bars, thinned so labels never touch; 1, L and the cursor first."""
    group = bars.group

    def col_of(layer: int) -> int:
        return bars.centre((layer - 1) // group)

    label_w = len(str(n))
    pitch = (bars.starts[1] - bars.starts[0]) if bars.count > 1 else columns
    step = None
    for s in _nice_steps(n):
        if s / group * pitch >= label_w + 2:
            step = s
            break
    wanted: list[int] = []
    if cursor is not None and 1 <= cursor <= n:
        wanted.append(cursor)
    wanted += [1, n]
    if step is not None:
        # multiples of the step, except those crowding layer 1 or layer L
        wanted += [m for m in range(step, n, step) if m - 1 >= 0.6 * step and n - m >= 0.6 * step]
    taken: list[tuple[int, int]] = []
    chosen: dict[int, str] = {}
    for layer in wanted:
        label = str(layer)
        c = col_of(layer)
        if c in chosen:
            continue
        start = min(max(0, c - (len(label) - 1) // 2), max(0, columns - len(label)))
        span = (start - 1, start + len(label) + 1)  # keep a blank cell on either side
        if any(span[0] < b and a < span[1] for a, b in taken):
            continue
        taken.append((start, start + len(label)))
        chosen[c] = label
    cols = sorted(chosen)
    return cols, [chosen[c] for c in cols]


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
    g = ASCII if ascii else UNICODE
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


def _render(result, width, height, color, g: Glyphs, view, pinned, overlay, cursor, threshold) -> str:
    n = result.depth
    values = _view_values(result, view)
    # a pinned or overlaid result without this view's values (expected mode) is left out
    if pinned is not None and _view_values(pinned, view) is None:
        pinned = None
    if overlay is not None and _view_values(overlay, view) is None:
        overlay = None
    clip_log = math.log10(threshold) if view == "weight" and threshold is not None else None
    has_title = height >= 10
    fig_h = height - 1 - (1 if has_title else 0)
    rows = fig_h - 2  # the x axis line and its labels take two rows

    # y range over everything drawn (bars, pin, overlay), clipped to ±CLIP
    extra = [_view_values(r, view)[:n] for r in (pinned, overlay) if r is not None]
    if clip_log is not None:
        extra.append(np.array([clip_log]))
    everything = np.concatenate([values, *extra]) if extra else values
    finite = everything[np.isfinite(everything)]
    finite = np.clip(finite, -CLIP, CLIP)
    yaxis = _y_axis(finite, rows)
    labels = [_tick_label(t) for t in yaxis.ticks]
    label_w = max((len(s) for s in labels), default=1)
    columns = width - label_w - 1
    if columns < 4:
        return message_block("too small", width, height)

    bars = _bars(n, columns)
    vals = _aggregate(values, n, bars.group)
    pin_vals = _aggregate(_view_values(pinned, view), n, bars.group) if pinned is not None else None
    ov_vals = _aggregate(_view_values(overlay, view), n, bars.group) if overlay is not None else None
    cursor_bar = (cursor - 1) // bars.group if cursor is not None and 1 <= cursor <= n else None
    # bars are coloured by the regime of the gradient reaching the layer (the grad view's)
    regime_vals = _aggregate(result.log10_grad, n, bars.group) if view == "weight" else vals

    canvas = _Canvas(columns, rows)
    used: set[str] = set()
    floor_row = -0.5  # bottom edge of the canvas, in rows
    top_row = rows - 0.5

    def style(key: str, bold: bool = False) -> str:
        if not color:
            return ""
        code = _COLOR[key]
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
    xt_cols, xt_labels = _x_ticks(n, bars, columns, cursor)
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
    agg = _aggregation_texts(bars.group, g)
    legend = _legend(used, view, g, yaxis, overlay, threshold, ref_shown)
    if has_title:
        title = _pick(_title_texts(view, g), agg, width)
        title = fit(title, width)
        bare = title.rstrip()
        lines.insert(0, sgr(bare, style("title")) + " " * (len(title) - len(bare)))
        lines.append(_pick_legend(legend, width, color, ""))
    else:
        suffix = agg[-1] if bars.group > 1 else ""
        lines.append(_pick_legend(legend, width, color, suffix))
    return "\n".join(lines)


def _title_texts(view: str, g: Glyphs) -> list[str]:
    if view == "weight":
        return [
            f"‖∂loss/∂W_l‖ per layer, absolute {g.sep} log scale",
            "‖∂loss/∂W_l‖ per layer, absolute",
            "‖∂loss/∂W‖ per layer",
            "‖∂loss/∂W‖",
            "weight grad",
        ]
    if view == "forward":
        return [
            f"forward activation std of each layer {g.sep} log scale",
            "forward activation std per layer",
            "forward activation std",
            "activation std",
        ]
    return [
        f"gradient reaching each layer {g.divide} output gradient {g.sep} log scale",
        f"gradient reaching each layer {g.divide} output gradient",
        f"gradient per layer {g.divide} output",
        "gradient per layer",
        "gradient",
    ]


def _aggregation_texts(group: int, g: Glyphs) -> list[str]:
    if group == 1:
        return [""]
    return [
        f" {g.sep} {group} layers per bar (geometric mean)",
        f" {g.sep} {group} layers per bar",
        f" {g.sep} {group}/bar",
    ]


def _pick(titles: list[str], suffixes: list[str], width: int) -> str:
    """The best title + suffix that fits: both as long as possible, the suffix never dropped."""
    combos = sorted(
        ((t, u) for t in range(len(titles)) for u in range(len(suffixes))),
        key=lambda tu: (tu[0] + tu[1], tu[1]),
    )
    for t, u in combos:
        if cell_len(titles[t] + suffixes[u]) <= width:
            return titles[t] + suffixes[u]
    return (titles[-1] + suffixes[-1]).strip()


def _legend(
    used: set[str], view: str, g: Glyphs, yaxis: _YAxis, overlay,
    threshold: float | None = None, ref_shown: bool = True,
) -> list[tuple]:
    """Legend items present on screen: (glyph, colour, long text, short text, tiny text)."""
    if view == "forward":
        names = {
            VANISHING: ("std < 0.1", "<0.1", "<.1"),
            STABLE: (f"0.1{g.dash}10", f".1{g.dash}10", "ok"),
            EXPLODING: ("std > 10", ">10", ">10"),
        }
        ref = ("1 = unit std", "std 1", "1")
    elif view == "weight":
        names = {
            VANISHING: ("vanishing", "vanish", "van"),
            STABLE: ("stable", "stable", "ok"),
            EXPLODING: ("exploding", "explode", "exp"),
        }
        ref = ("norm 1", "1", "1")
    else:
        names = {
            VANISHING: ("vanishing", "vanish", "van"),
            STABLE: ("stable", "stable", "ok"),
            EXPLODING: ("exploding", "explode", "exp"),
        }
        ref = ("1 = nothing lost", "1 = no loss", "1")
    items = []
    for regime in (VANISHING, STABLE, EXPLODING):
        if regime in used:
            items.append((g.bar[regime], _COLOR[regime], *names[regime]))
    if ref_shown:
        items.append((g.ref, _COLOR["ref"], *ref))
    if "clip" in used and threshold is not None:
        clip = f"clip {_number(threshold)}"
        items.append((g.clip, _COLOR["clip"], clip, clip, clip))
    floor_text = format_pow10(yaxis.lo - yaxis.step / 2, 1)
    ceiling_text = format_pow10(yaxis.hi + yaxis.step / 2, 1)
    extras = {
        "below": (g.below, _COLOR["below"], f"below {floor_text}", "below", "low"),
        "above": (g.above, _COLOR["above"], f"above {ceiling_text}", "above", "high"),
        "zero": (g.zero, _COLOR["zero"], "exact zero", "zero", "zero"),
        "overflow": (g.overflow, _COLOR[OVERFLOW], "overflow (unknown)", "overflow", "ovf"),
        "pin": (g.pin, _COLOR["pin"], "pinned", "pinned", "pin"),
    }
    for key in ("below", "above", "zero", "overflow", "pin"):
        if key in used:
            items.append(extras[key])
    if "overlay" in used and overlay is not None:
        mode = overlay.config.mode
        items.append((g.overlay, _COLOR["overlay"], mode, mode, mode[:3]))
    return items


def _pick_legend(items, width: int, color: bool, suffix: str) -> str:
    """The most explicit legend that fits: words are shortened one at a time, longest first
    (long → short → tiny → glyph only), so the essential short words survive longest."""
    tier = [2] * len(items)

    def build(gap: str, styled: bool) -> str:
        parts = []
        for item, t in zip(items, tier):
            glyph = sgr(item[0], item[1]) if styled else item[0]
            word = item[t] if t <= 4 else ""
            parts.append(f"{glyph} {word}" if word else glyph)
        return gap.join(parts) + suffix

    gap = "  "
    while True:
        plain = build(gap, False)
        if cell_len(plain) <= width:
            text = build(gap, color)
            return text + " " * (width - cell_len(plain))
        if gap == "  ":
            gap = " "
            continue
        open_ = [i for i, t in enumerate(tier) if t <= 4]
        if not open_:
            return fit(plain, width)
        i = max(open_, key=lambda j: (len(items[j][tier[j]]), j))
        tier[i] += 1


def _number(x: float) -> str:
    """A setting for people: 1, 10, 1000, 1e6, 0.5."""
    return f"{x:g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


# -- gradient clipping ---------------------------------------------------------------------------

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
        text = f"{norm} (overflow): clip {_number(threshold)} cannot be judged"
    elif total > math.log10(threshold):
        scale = format_pow10(math.log10(threshold) - total)
        text = f"{norm} > clip {_number(threshold)}: every layer's step ×{scale}"
    else:
        text = f"{norm} ≤ clip {_number(threshold)}: no clipping, steps unchanged"
    return asciify(text) if ascii else text


def depth_scale_text(config: Config, *, ascii: bool = False) -> str:
    """One short line for beside the verdict in expected mode: χ₁, ξ and layers per 10×.

    Costs a fixed-point solve (a few ms), no critical-σ_w search, so the app can call it inline.
    """
    from gradtui.engine.theory import theory_summary

    s = theory_summary(config, critical=False)
    chi, xi, lpd = s["chi1"], s["depth_scale"], s["layers_per_decade"]
    if config.residual:
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
