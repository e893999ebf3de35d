"""Where the bar chart's pieces go: values per view, layers per bar, the y axis rows, the x ticks.

    view_values(result, view)   the log10 values a view draws
    bar_layout(n, columns)      bars per layer group, their widths and starts
    y_axis(finite, rows)        the decade ticks and the row of any log10 value
    x_ticks(n, bars, ...)       thinned layer numbers under the bars
    Canvas(columns, rows)       the cells painted inside plotext's frame
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gradtui.engine.result import Result

from .text import runs

#: widest bar, in cells (a single layer in a wide window should still look like a bar)
MAX_BAR_WIDTH = 7


def view_values(result: Result, view: str) -> np.ndarray | None:
    """The log10 values a view draws; None for the weight view of a result without them."""
    if view == "forward":
        return np.asarray(result.log10_act_std, dtype=float)
    if view == "weight":
        lw = result.log10_weight_grad
        return None if lw is None else np.asarray(lw, dtype=float)
    return np.asarray(result.log10_grad, dtype=float)


def aggregate(values: np.ndarray, n: int, group: int) -> np.ndarray:
    """Geometric mean (mean of log10) of each group of ``group`` layers among the first n.

    A group holding an unknown value (nan, or +inf) is unknown; one holding an exact zero (-inf)
    has geometric mean 0. Layers missing from ``values`` (a shorter pinned result) are left out.
    """
    out = np.full((n + group - 1) // group, np.nan)
    v = np.asarray(values, dtype=float)[:n]
    whole = v.size // group  # groups with every layer present, in one array operation
    if whole:
        rows = v[: whole * group].reshape(whole, group)
        unknown = np.isnan(rows).any(axis=1) | (rows == math.inf).any(axis=1)
        zero = (rows == -math.inf).any(axis=1)
        with np.errstate(invalid="ignore"):
            means = rows.mean(axis=1) if group > 1 else rows[:, 0].copy()
        means[zero] = -math.inf
        means[unknown] = np.nan
        out[:whole] = means
    rest = v[whole * group:]
    if rest.size:  # the last group, with fewer layers
        if np.isnan(rest).any() or (rest == math.inf).any():
            out[whole] = np.nan
        elif (rest == -math.inf).any():
            out[whole] = -math.inf
        else:
            out[whole] = float(np.mean(rest))
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
class YAxis:
    lo: float      # value at the centre of the bottom row (a multiple of `step`)
    step: float    # decades per row
    rows: int
    ticks: list[int]

    @property
    def hi(self) -> float:
        return self.lo + (self.rows - 1) * self.step

    def row(self, v: float) -> float:
        return (v - self.lo) / self.step


def y_axis(finite: np.ndarray, rows: int) -> YAxis:
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
    return YAxis(lo=lo, step=d, rows=rows, ticks=ticks)


@dataclass(frozen=True)
class Bars:
    group: int          # layers per bar
    count: int          # number of bars
    width: int          # cells per bar
    starts: list[int]   # first canvas column of each bar

    def centre(self, k: int) -> int:
        return self.starts[k] + (self.width - 1) // 2


def bar_layout(n: int, columns: int) -> Bars:
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
    return Bars(group=group, count=count, width=width, starts=starts)


class Canvas:
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


def with_axis_title(label_line: str, label_w: int) -> str:
    """The x axis's tick-label line with "layer" in its blank start, right-aligned to the y
    labels' width (``label_w``) when that is 5 or more; with narrower y labels ("1e-1") it takes
    the first tick label's blank lead-in too, if a space is left before that label."""
    width = max(label_w, 5)
    lead = len(label_line) - len(label_line.lstrip(" "))
    if lead >= width + (label_w < 5):
        return "layer".rjust(width) + label_line[width:]
    return label_line


def x_ticks(n: int, bars: Bars, columns: int, cursor: int | None) -> tuple[list[int], list[str]]:
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
