"""The text around GradApp's chart, updated once per change and only where it changed.

A keypress runs through several handlers (the note, the config watcher, the inline result), each of
which used to re-render the status line, the chart's titles and the command line. Within
:func:`repaints` (a change's handler) those updates are only marked, and done once at its end; and
each update touches a widget only when its text differs from what the widget already shows, so
Textual repaints the controls, the chart and the verdict, and nothing whose content is unchanged.
"""

from __future__ import annotations

import functools
from typing import Callable, TypeVar

from rich.text import Text

from gradtui.argv import command_line

from .budget import pending
from .status import chart_subtitle, chart_title, provisional_note, status_text
from .widgets import ChartView, TextLine, Verdict, set_border

F = TypeVar("F", bound=Callable)
#: what a change may leave to its end, in the order it is done then
_UPDATES = {"status": "_update_status", "title": "_update_chart_title", "command": "_update_command"}


def repaints(method: F) -> F:
    """Run a GradApp method as one change: its text updates are done once, when it returns."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        self._repaint_depth = getattr(self, "_repaint_depth", 0) + 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._repaint_depth -= 1
            if not self._repaint_depth:
                self._flush_text()

    return wrapper  # type: ignore[return-value]


class Repaint:
    """GradApp's status line, chart titles and command line (it provides config, result, view,
    clip, pinned, message, computing, provisional, ascii and glyphs)."""

    _repaint_depth = 0
    #: the control whose value the last change stepped with ←/→, None after any other change or
    #: selection: while one control is stepped, the text lines keep their height (TextLine)
    _stepping: int | None = None

    def _deferred(self, what: str) -> bool:
        """Inside a change: mark ``what`` for its end and say so."""
        if not self._repaint_depth:
            return False
        if not hasattr(self, "_pending_text"):
            self._pending_text: set[str] = set()
        self._pending_text.add(what)
        return True

    def _flush_text(self) -> None:
        pending = getattr(self, "_pending_text", set())
        self._pending_text = set()
        for what, update in _UPDATES.items():
            if what in pending:
                getattr(self, update)()

    def _update_chart_title(self) -> None:
        if self._deferred("title"):
            return
        try:
            chart = self.query_one(ChartView)
        except Exception:
            return
        note = None
        if self.provisional and self.result is not None:
            note = provisional_note(self.glyphs)
        set_border(chart, title=chart_title(self.config), subtitle=chart_subtitle(
            self.view, self.clip, self.pinned is not None, self.computing, self.glyphs, note,
            held=self.computing and pending(self),
        ))
        chart.set_class(self.computing, "-stale")
        self.query_one(Verdict).set_class(self.computing, "-stale")

    def _update_status(self) -> None:
        if self._deferred("status"):
            return
        try:
            status = self.query_one("#status", TextLine)
        except Exception:
            return
        text = status_text(self.message, self.result, self.config, self.view, self.clip, self.ascii)
        hold = self._stepping is not None
        # while a control is stepped the line stays, blank while its readout is being computed
        shown = bool(text) or (hold and status.display)
        status.set_text(text or Text(""), hold=hold)
        if status.display != shown:
            status.display = shown

    def _command(self) -> str:
        return command_line(self.config)

    def _update_command(self) -> None:
        if self._deferred("command"):
            return
        try:
            command = self.query_one("#command", TextLine)
        except Exception:
            return
        line = Text.assemble(("$ ", "dim"), self._command())
        command.set_text(line, hold=self._stepping is not None)
