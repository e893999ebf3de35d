"""What the theory renderers share: plotext's frame, thinned tick labels, the title line.

Drawing follows the bar chart's (:mod:`gradtui.render.bars`): plotext 6 builds the frame (axes,
ticks, labels) and the canvas inside it is painted cell by cell. plotext's own ``heatmap`` is not used because it draws every cell
with one symbol, so under NO_COLOR (or on a monochrome terminal) the map would be a blank block; it
also has no way to put the χ₁ = 1 boundary and the cursor on cells. Here every cell has a glyph from
a shade ramp *and* a colour, so the map reads without colour, and ``ascii=True`` keeps to ASCII.
"""

from __future__ import annotations

from rich.cells import cell_len

from .palette import MAP_COLOR
from .plot import plotext_frame
from .text import asciify, fit, pick, sgr


def to_ascii(text: str) -> str:
    """``asciify`` plus the few characters only these views use."""
    for u, a in (("ξ", "xi"), ("◆", "O"), ("μ", "mu")):
        text = text.replace(u, a)
    return asciify(text)


def frame_lines(width: int, fig_h: int, columns: int, xticks, xlabels, ylim, yticks, ylabels, ascii: bool):
    """plotext's frame (y labels, axes, x ticks and labels) as plain lines, ``fig_h`` of them."""
    lines = plotext_frame(width, fig_h, columns, xticks, xlabels, ylim, yticks, ylabels)
    return [fit(to_ascii(line), width) for line in lines] if ascii else lines


def thin(positions: list[float], labels: list[str], gap: int = 1) -> tuple[list[float], list[str]]:
    """Keep labels (in the given order of preference) whose cells don't touch a kept one."""
    taken: list[tuple[float, float]] = []
    keep = []
    for p, lab in zip(positions, labels):
        half = cell_len(lab) / 2 + gap
        if any(abs(p - q) < half + h for q, h in taken):
            continue
        taken.append((p, half))
        keep.append((p, lab))
    keep.sort()
    return [p for p, _ in keep], [lab for _, lab in keep]


def legend_line(items: list[tuple[str, str, str]], colors: dict[str, str], extra: str, width: int,
                color: bool, ascii: bool) -> str:
    """One legend line of (glyph, colour key, words) items and a plain ``extra``, padded to ``width``."""
    plain = "  ".join(gl + wd for gl, _, wd in items) + extra
    styled = "  ".join(sgr(gl, colors[k], color) + wd for gl, k, wd in items) + extra
    if ascii:
        plain, styled = to_ascii(plain), to_ascii(styled)
    if cell_len(plain) > width:
        styled = plain = fit(plain, width)
    return styled + " " * (width - cell_len(plain))


def title(options: list[str], width: int, color: bool, ascii: bool, busy: bool) -> str:
    """The first title that fits (with "computing…" while a newer result is on its way), padded."""
    if busy:
        options = [t + " · computing…" for t in options]
    text = pick([to_ascii(t) if ascii else t for t in options], width)
    return sgr(text, MAP_COLOR["title"], color) + " " * (width - cell_len(text))


