"""Up to four results side by side as small multiples, for the compare screen (``C``) and
``gradtui --compare … --print``.

Each panel is one setting: a header naming it (what differs between the settings, numbered), its
bar chart (:func:`gradtui.render.bars.render_chart`, the same glyphs and regime colours), its
verdict and the command line that reproduces it (given by the caller: the drawing kit does not
know the command line's flags). Every chart shares one y axis, so a bar's height means the same
in every panel. Panels are laid out 1×n, 2×2 or n×1, whichever gives the most readable charts at
the size::

    ▸ 1 sigmoid, xavier-normal              2 relu, he-normal
         │                                      │
        1┤──────────────░░██───                1┤───██████████████───
     1e-10┤   ░░░░░░░░░░░░░██                ...
    ▼ VANISHING 1.2e-12 at layer 1 …        ● STABLE 1.00× at layer 1 …
    $ gradtui --depth 20 --activation …     $ gradtui --depth 20 …

``render_compare`` returns exactly ``height`` lines of ``width`` cells; colours are ANSI SGR codes
unless ``color=False``, and ``ascii=True`` uses ASCII characters only.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from gradtui.engine.config import LIMITS, Config, float_text
from gradtui.engine.result import OVERFLOW, Result

from .glyphs import glyphs
from .numbers import factor_text, format_pow10
from .palette import SGR
from .text import asciify, fit, message_block, pick, sgr

__all__ = ["MAX_SETTINGS", "Setting", "grid_shape", "labels", "render_compare", "short_verdict"]

#: the most settings a comparison holds (the issue's "up to four")
MAX_SETTINGS = 4
#: a panel's chart is never given fewer rows than this (bars.MIN_HEIGHT is 6: one more reads better)
CHART_MIN = 7
#: from this many rows a chart gets the full verdict under it rather than the short one
CHART_FULL = 12
#: small multiples whose charts would get fewer rows than this give way to one overlaid chart
OVERLAY_BELOW = 9
#: what the selected panel's header is drawn in (reverse video) and its label (bold)
_SELECTED, _LABEL, _COMMAND = "1;7", "1", "2"


@dataclass(frozen=True)
class Setting:
    """One panel: the setting's result (None while it is computed), its reproducing command line
    and the header's label (default: from ``labels`` over all panels)."""

    config: Config
    result: Result | None
    command: str
    label: str | None = None


# -- words -----------------------------------------------------------------------------------------
def _value_text(field: str, value) -> str:
    kind = LIMITS[field].kind
    name = field.replace("_", "-")
    if kind == "choice":
        return str(value).replace("_", "-")
    if kind == "bool":
        return name if value else f"no {name}"
    if value is None:
        return f"{name} default"
    return f"{name} {float_text(value) if kind == 'float' else int(value)}"


def labels(configs: Sequence[Config]) -> list[str]:
    """A short name for each config: the settings that differ between them, in the command line's
    order (``sigmoid, xavier-normal`` …); activation and init when nothing differs."""
    configs = list(configs)
    differ = [f for f in LIMITS if len({repr(getattr(c, f)) for c in configs}) > 1]
    if not differ:
        differ = ["activation", "init"] if all(c.mode != "chain" for c in configs) else ["activation", "mode"]
    return [", ".join(_value_text(f, getattr(c, f)) for f in differ) for c in configs]


def short_verdict(result: Result, width: int, *, ascii: bool = False) -> str:
    """The verdict in the fewest words that fit ``width`` (the full one when it does), glyph first."""
    from .verdict import verdict

    glyph = glyphs(ascii).regime.get(result.regime, "?")
    head = result.regime.upper()
    first = result.log10_grad_first
    options = [f"{glyph} {verdict(result)}"]
    if result.depth == 1:
        options += [f"{glyph} {head} — 1 layer", f"{glyph} {head}"]
    elif result.regime == OVERFLOW or math.isnan(first):
        options += [f"{glyph} {head} — layer 1 unknown", f"{glyph} {head}"]
    elif first == -math.inf:
        options += [f"{glyph} {head} — exactly 0 at layer 1", f"{glyph} {head} 0 at layer 1", f"{glyph} {head}"]
    else:
        amount = f"{10.0 ** first:.2f}×" if abs(first) < 0.05 else format_pow10(first)
        per = factor_text(result.mean_log10_factor)
        options += [
            f"{glyph} {head} — layer 1 gets {amount}, ×{per} per layer",
            f"{glyph} {head} {amount} at layer 1, ×{per}/layer",
            f"{glyph} {head} {amount} at layer 1",
            f"{glyph} {head} {amount}",
            f"{glyph} {head}",
        ]
    return pick([asciify(o) for o in options] if ascii else options, width)


# -- layout ----------------------------------------------------------------------------------------
def grid_shape(count: int, width: int, height: int) -> tuple[int, int]:
    """(rows, columns) of the panels: of 1×n, 2×⌈n/2⌉ and n×1, the one whose smallest panel side
    is largest, a column counting a third of a row (bars want to be wider than tall)."""
    count = max(1, min(int(count), MAX_SETTINGS))
    shapes = {(1, count), ((count + 1) // 2, 2) if count > 2 else (1, count), (count, 1)}

    def score(shape: tuple[int, int]) -> tuple[float, int]:
        rows, cols = shape
        pw, ph = (width - (cols - 1)) / cols, height / rows
        return (min(pw / 3.0, ph), -rows * cols)

    return max(sorted(shapes), key=score)


def _shared_range(results: Sequence[Result | None]) -> tuple[float, float] | None:
    """log10 range of every finite bar of every panel (within the chart's ±CLIP decades)."""
    from .bars import CLIP

    values = [np.asarray(r.log10_grad, dtype=float) for r in results if r is not None]
    if not values:
        return None
    v = np.concatenate(values)
    v = np.clip(v[np.isfinite(v)], -CLIP, CLIP)
    return (float(v.min()), float(v.max())) if v.size else None


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=True) or [""]


def _styled(text: str, width: int, style: str | None, color: bool) -> str:
    """``text`` cut and padded to ``width`` cells, its visible part in ``style``."""
    plain = fit(text, width)
    bare = plain.rstrip()
    return sgr(bare, style, color) + " " * (len(plain) - len(bare)) if bare else plain


def _words(items: Sequence[Setting], width: int, height: int, ascii: bool) -> list[tuple[list[str], list[str]]]:
    """Each panel's verdict and command lines, on one budget so every chart gets the same rows
    (and so the same y axis): the full verdict and the whole command where the charts keep their
    titles, else the short verdict and the command cut to what is left."""
    g = glyphs(ascii)
    from .verdict import verdict

    commands = [_wrap("$ " + (asciify(i.command) if ascii else i.command), width) for i in items]
    fulls = [_wrap(f"{g.regime.get(i.result.regime, '?')} {verdict(i.result, ascii=ascii)}", width)
             if i.result is not None else [""] for i in items]
    need = max(len(f) + len(c) for f, c in zip(fulls, commands))
    if height - 1 - need >= CHART_FULL and max(map(len, fulls)) <= 3:
        return list(zip(fulls, commands))
    shorts = [[short_verdict(i.result, width, ascii=ascii)] if i.result is not None else [""] for i in items]
    keep = max(1, height - 2 - CHART_MIN)
    out = []
    for short, command in zip(shorts, commands):
        if len(command) > keep:
            rest = fit(" ".join(command[keep - 1:]), width - len(g.ellipsis)).rstrip() + g.ellipsis
            command = command[:keep - 1] + [rest]
        out.append((short, command))
    return out


def _panel(number: int, item: Setting, label: str, words: tuple[list[str], list[str]], width: int,
           height: int, chart_h: int, *, selected: bool, main: bool, color: bool, ascii: bool,
           y_range) -> list[str]:
    """One panel as ``height`` lines of ``width`` cells: header, chart (``chart_h`` rows), words."""
    from .bars import render_chart

    g = glyphs(ascii)
    marker = g.marker if selected else " "
    head = f"{marker} {number} {'main: ' if main else ''}{asciify(label) if ascii else label}"
    lines = [_styled(head, width, _SELECTED if selected else _LABEL, color)]
    verdict_lines, command = words
    result = item.result
    if result is None:
        lines += message_block("computing" + g.ellipsis, width, chart_h).split("\n")
    else:
        lines += render_chart(result, width, chart_h, color=color, ascii=ascii, y_range=y_range).split("\n")
        style = SGR.get(result.regime)
        lines += [_styled(w, width, style and "1;" + style.removeprefix("1;"), color) for w in verdict_lines]
    lines += [_styled(c, width, _COMMAND, color) for c in command]
    return (lines + [" " * width] * height)[:height]


def render_compare(
    items: Sequence[Setting],
    width: int,
    height: int,
    *,
    color: bool = True,
    ascii: bool = False,
    selected: int | None = None,
    main: Config | None = None,
    shape: tuple[int, int] | None = None,
    layout: str = "auto",
) -> str:
    """The settings as small multiples: exactly ``height`` lines of ``width`` cells.

    ``selected`` (0-based) is marked (``▸``, reverse video); the panel whose config is ``main`` says
    so; ``shape`` (rows, columns) overrides :func:`grid_shape`. ``layout`` is "grid" (small
    multiples), "overlay" (one chart, :mod:`.compare_overlay`) or "auto": the grid unless its charts
    would get fewer than OVERLAY_BELOW rows (80×24 with three or four settings).
    """
    width, height = int(width), int(height)
    items = list(items)[:MAX_SETTINGS]
    if not items:
        text = message_block("nothing to compare: a adds the current setting", width, height, wrap=True)
        return asciify(text) if ascii else text
    rows, cols = shape or grid_shape(len(items), width, height)
    pw = (width - (cols - 1)) // cols
    ph = height // rows
    if pw < 16 or ph < 4:
        text = message_block("compare: window too small", width, height)
        return asciify(text) if ascii else text
    names = labels([item.config for item in items])
    y_range = _shared_range([item.result for item in items])
    words = _words(items, pw, ph, ascii)
    chart_h = max(1, ph - 1 - max(len(v) + len(c) for v, c in words))
    if layout == "overlay" or (layout == "auto" and shape is None and chart_h < OVERLAY_BELOW
                               and height >= 2 * len(items) + 8):
        from .compare_overlay import render_overlay

        return render_overlay(items, [item.label or names[i] for i, item in enumerate(items)], width,
                              height, color=color, ascii=ascii, selected=selected, main=main,
                              y_range=y_range, short_verdict=short_verdict)
    panels = [
        _panel(i + 1, item, item.label or names[i], words[i], pw, ph, chart_h, selected=i == selected,
               main=main is not None and item.config == main, color=color, ascii=ascii,
               y_range=y_range)
        for i, item in enumerate(items)
    ]
    blank = [" " * pw] * ph
    lines: list[str] = []
    for r in range(rows):
        row = [panels[k] if k < len(panels) else blank for k in range(r * cols, (r + 1) * cols)]
        for i in range(ph):
            # the last column takes the cells the division left over
            extra = " " * (width - cols * pw - (cols - 1))
            lines.append(" ".join(p[i] for p in row) + extra)
    lines += [" " * width] * (height - len(lines))
    return "\n".join(lines)
