"""ANSI text → Textual strips, line by line, for widgets that draw what the drawing kit renders.

A chart changes a few rows per keypress; turning its whole ANSI text into a Rich ``Text`` and then
into Textual content on every press cost more than drawing it. :func:`ansi_strip` makes one line's
:class:`Strip` straight from its escape sequences (the same styles rich's ``AnsiDecoder`` reads),
on the widget's base style; the widgets keep the strips of the lines they show.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from rich.ansi import AnsiDecoder
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.visual import Visual, visualize

_SGR = re.compile(r"\x1b\[([0-9;]*)m")


@lru_cache(maxsize=1024)
def _after(style: Style, codes: str) -> Style:
    """The style after the SGR ``codes`` from ``style`` (rich's own reading of the codes)."""
    decoder = AnsiDecoder()
    decoder.style = style
    decoder.decode_line(f"\x1b[{codes}m")
    return decoder.style


def ansi_strip(line: str, width: int, base: Style) -> Strip:
    """One line of ANSI text as a Strip of exactly ``width`` cells on ``base``."""
    segments = []
    style = Style.null()
    at = 0
    for match in _SGR.finditer(line):
        if match.start() > at:
            segments.append(Segment(line[at:match.start()], base + style if style else base))
        style = _after(style, match.group(1))
        at = match.end()
    if at < len(line):
        segments.append(Segment(line[at:], base + style if style else base))
    cells = sum(cell_len(s.text) for s in segments)
    return Strip(segments, cells).adjust_cell_length(width, base)


class LineCache:
    """The strips of recently shown lines, by what they were made from (line, width, base style)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._strips: dict[tuple, Strip] = {}

    def get(self, key: tuple, make: Callable[[], Strip]) -> Strip:
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) >= self.size:
                self._strips.clear()  # a new size or theme: the old lines will not come back
            strip = self._strips[key] = make()
        return strip

    def strip(self, line: str, width: int, base: Style) -> Strip:
        """An ANSI line's strip (:func:`ansi_strip`)."""
        return self.get((line, width, base), lambda: ansi_strip(line, width, base))

    def text_strip(self, widget, text: Text, width: int) -> Strip:
        """A one-line rich Text's strip, as the widget would draw it."""
        style = widget.visual_style
        key = (text.plain, text.style, tuple(text.spans), width, style)
        return self.get(key, lambda: Visual.to_strips(widget, visualize(widget, text), width, 1, style)[0])
