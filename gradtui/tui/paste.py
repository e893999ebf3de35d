"""A bracketed paste is text, never keys.

Textual's terminal parser (8.x) turns an escape character inside a bracketed paste back into keys
when the bytes after it are no known sequence: pasting ``x<ESC>q`` pressed escape and ``q`` (quit).
:class:`PasteSafeParser` drops every key event produced while a paste is open; the paste still
arrives whole as one ``Paste`` event. :func:`install` makes the Linux driver use it.
"""

from __future__ import annotations

from textual import events
from textual._xterm_parser import XTermParser


class PasteSafeParser(XTermParser):
    """XTermParser whose key events inside ``ESC[200~ … ESC[201~`` are dropped."""

    def parse(self, token_callback):
        inner = super().parse(lambda token: self._pass(token, token_callback, inner))
        return inner

    @staticmethod
    def _pass(token, token_callback, inner) -> None:
        if isinstance(token, events.Key):
            frame = inner.gi_frame
            if frame is not None and frame.f_locals.get("bracketed_paste"):
                return  # a byte of pasted text, not a key press
        token_callback(token)


def install() -> None:
    """The Linux driver builds its parser when its input thread starts: have it build this one."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # not on a Unix-like system
        return
    linux_driver.XTermParser = PasteSafeParser
