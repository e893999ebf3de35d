"""The compare view where small multiples would be too small (80×24 with three or four settings):
every setting on one chart, each drawn as its number at the top of each of its bars, with a line per
setting naming it, its verdict and its command line::

    gradient reaching each layer ÷ output · 1–4: the settings below
        │
       1┤──4──4──4──4──4──2──2──2──4──
    0.1 ┤┈┈┈┈┈┈┈┈┈┈┈┈┈┈┈2┈┈3┈┈3┈┈┈┈┈┈   <- the regime bounds 0.1 and 10, dotted
        │        3  3  3
    ...
    ▸1 sigmoid, xavier-normal  ▼ VANISHING 1.2e-12 at layer 1, ×0.23/layer
       $ gradtui --depth 20 --activation sigmoid --init xavier-normal

A point is coloured by its regime (the bar chart's palette); without colour the dotted bounds at
0.1 and 10 say which side of them a point is on. The selected setting is drawn last (on top) and
bold.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from gradtui.engine.result import regime_of

from .bars_layout import Canvas, aggregate, bar_layout, with_axis_title, x_ticks, y_axis
from .glyphs import glyphs
from .numbers import decade_label
from .palette import BAR_COLOR, SGR
from .plot import plotext_frame
from .text import asciify, fit, pick, sgr

__all__ = ["render_overlay"]

#: below this many chart rows the per-setting lines drop their command lines
_CHART_MIN = 8


def render_overlay(items: Sequence, names: Sequence[str], width: int, height: int, *, color: bool,
                   ascii: bool, selected: int | None, main, y_range, short_verdict) -> str:
    """``items`` (render.compare.Setting) on one chart: exactly ``height`` lines of ``width`` cells;
    ``short_verdict(result, width, ascii=)`` gives each setting's words (the small multiples')."""
    g = glyphs(ascii)
    per = 2 if height - 2 * len(items) >= _CHART_MIN else 1
    chart_h = height - per * len(items)
    lines = _chart(items, width, chart_h, color=color, ascii=ascii, selected=selected, y_range=y_range)
    for k, item in enumerate(items):
        mark = g.marker if k == selected else " "
        name = f"{mark}{k + 1} {'main: ' if main is not None and item.config == main else ''}{names[k]}"
        name = asciify(name) if ascii else name
        if len(name) > width - 24:  # a long name leaves room for the verdict's regime at least
            name = fit(name, max(4, width - 24 - len(g.ellipsis))).rstrip() + g.ellipsis
        head = sgr(name, "1;7" if k == selected else "1", color)
        if item.result is None:
            words, style = "computing" + g.ellipsis, None
        else:
            words = short_verdict(item.result, max(1, width - len(name) - 2), ascii=ascii)
            style = "1;" + SGR[item.result.regime].removeprefix("1;") if item.result.regime in SGR else None
        plain = fit(f"{name}  {words}", width)
        tail = plain[len(name) + 2:]
        lines.append(head + "  " + sgr(tail.rstrip(), style, color) + " " * (len(tail) - len(tail.rstrip())))
        if per == 2:
            command = "   $ " + (asciify(item.command) if ascii else item.command)
            if len(command) > width:
                command = fit(command, width - len(g.ellipsis)).rstrip() + g.ellipsis
            plain = fit(command, width)
            lines.append(sgr(plain.rstrip(), "2", color) + " " * (len(plain) - len(plain.rstrip())))
    return "\n".join((lines + [" " * width] * height)[:height])


def _chart(items, width: int, height: int, *, color: bool, ascii: bool, selected: int | None,
           y_range) -> list[str]:
    g = glyphs(ascii).bars
    depth = max(item.config.depth for item in items)
    title_options = [
        f"gradient reaching each layer {g.divide} output gradient {g.sep} log scale {g.sep} "
        f"1{g.dash}{len(items)}: the settings below",
        f"gradient per layer {g.divide} output {g.sep} 1{g.dash}{len(items)}: the settings below",
        f"gradient per layer {g.sep} 1{g.dash}{len(items)}: settings",
    ]
    title = fit(pick(title_options, width), width)
    fig_h = height - 2  # the title and the legend
    rows = fig_h - 2
    values = [np.asarray(i.result.log10_grad, dtype=float) for i in items if i.result is not None]
    finite = np.concatenate([np.array([-1.0, 0.0]), *(v[np.isfinite(v)] for v in values)])
    if y_range is not None:
        finite = np.concatenate([finite, np.asarray(y_range, dtype=float)])
    yaxis = y_axis(np.clip(finite, -9999.0, 9999.0), max(rows, 1))
    labels = [decade_label(t) for t in yaxis.ticks]
    label_w = max((len(s) for s in labels), default=1)
    columns = width - label_w - 1
    bars = bar_layout(depth, columns)
    canvas = Canvas(columns, rows)

    def style(key: str, bold: bool = False) -> str:
        if not color:
            return ""
        code = BAR_COLOR[key]
        return f"1;{code}" if bold and not code.startswith("1;") else code

    def row_of(v: float) -> int | None:
        r = yaxis.row(v)
        return int(round(r)) if -0.5 <= r <= rows - 0.5 else None

    for c in range(columns):  # the line at 1, then the regime bounds 0.1 and 10 where in range
        canvas.put(c, int(round(yaxis.row(0.0))), g.ref, style("ref"))
        for bound in (-1.0, 1.0):
            r = row_of(bound)
            if r is not None and c % 3 == 0:
                canvas.put(c, r, g.join, style("ref"))
    order = [k for k in range(len(items)) if k != selected] + ([selected] if selected is not None
                                                                 and selected < len(items) else [])
    # the cells of a bar and of the gap after it: the settings share them, one column each
    pitch = max(1, bars.starts[1] - bars.starts[0] if bars.count > 1 else bars.width)
    pitch = min(pitch, columns)
    for k in order:
        result = items[k].result
        if result is None:
            continue
        vals = aggregate(np.asarray(result.log10_grad, dtype=float), result.depth, bars.group)
        for b, v in enumerate(vals[: bars.count]):
            v = float(v)
            if not math.isfinite(v):
                continue
            r = row_of(v)
            if r is None:
                continue
            # side by side within the bar's cells where it is wide enough, so equal values show both
            at = bars.starts[b] + k % pitch
            canvas.put(at, r, str(k + 1), style(regime_of(v), k == selected))
    xt_cols, xt_labels = x_ticks(depth, bars, columns, None)
    frame = plotext_frame(width, fig_h, columns, xt_cols, xt_labels, (yaxis.lo, yaxis.hi), yaxis.ticks, labels)
    left = width - columns
    out = [sgr(title.rstrip(), BAR_COLOR["title"], color) + " " * (len(title) - len(title.rstrip()))]
    out += [frame[r][:left] + canvas.line(r, color) for r in range(rows)]
    out += [frame[rows], with_axis_title(frame[rows + 1], label_w)]
    legend = pick([
        f"digit: a setting's bar top, coloured by regime  {g.join} 0.1 and 10: vanishing below, "
        f"exploding above  {g.ref} 1",
        f"{g.join} 0.1 and 10: vanishing below, exploding above  {g.ref} 1 = nothing lost",
        f"{g.join} 0.1, 10: vanishing below, exploding above",
    ], width)
    out.append(fit(legend, width))
    return [line if not ascii else asciify(line) for line in out]
