"""The distribution view of a recorded run (``d`` under ``gradtui --open FILE``): what the probe keeps.

A recorded run has no values to make a histogram of: the probe keeps each module's output mean and
std and its dead and saturated shares. This screen draws those for every module of the step shown
(:func:`gradtui.render.distribution.recorded_shares`), the inspected module marked, and says that
there is no histogram.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from gradtui.render.canvas import to_ascii
from gradtui.render.distribution import RECORDED_NOTE, recorded_shares

__all__ = ["RecordedDistributionScreen"]


class RecordedDistributionScreen(Screen[None]):
    """Every recorded module's output moments and dead / saturated shares at one step."""

    HELP_TITLE = "recorded distribution"
    DEFAULT_CSS = """
    RecordedDistributionScreen { layout: vertical; }
    RecordedDistributionScreen #recorded-note { height: auto; padding: 0 1; color: $text-muted; }
    RecordedDistributionScreen #recorded-shares { height: 1fr; }
    /* --ascii: Textual's scrollbar is drawn with block glyphs; ↑↓ still scroll */
    RecordedDistributionScreen.-ascii #recorded-shares { scrollbar-size-vertical: 0; }
    """
    BINDINGS = [
        Binding("escape,q,d", "close", "back", key_display="esc", id="recorded.distribution.close",
                tooltip="back to the recorded run"),
    ]

    def __init__(self, rows: list[dict], step: int, cursor: int | None, *, ascii: bool = False) -> None:
        super().__init__(classes="-ascii" if ascii else None)
        self.rows, self.step, self.cursor, self.ascii = rows, step, cursor, ascii

    def compose(self) -> ComposeResult:
        title = f"step {self.step}: per-module output moments and shares. {RECORDED_NOTE}"
        yield Static(Text(to_ascii(title) if self.ascii else title), id="recorded-note")
        with VerticalScroll(id="recorded-shares"):
            yield Static(id="recorded-table")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#recorded-shares").focus()
        self.call_after_refresh(self._fill)

    def on_resize(self) -> None:
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#recorded-table", Static)
        width = max(40, self.query_one("#recorded-shares").content_size.width - 1)
        lines = recorded_shares(self.rows, width, ascii=self.ascii, cursor=self.cursor)
        table.update(Text("\n".join(lines), no_wrap=True))  # module names are data: never markup

    def action_close(self) -> None:
        if self.is_current:
            self.dismiss(None)
