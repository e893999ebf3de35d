"""The compare screen (``C``, ``gradtui --compare …``): up to four settings side by side.

The settings live on the app (``app.comparison``, a list of Configs kept between openings), so a
setting can be added, the screen left, the main setting changed and added next to it. The first
opening starts with the pinned setting (if any) and the current one. Keys: ``a`` adds the current
main setting, ``x``/delete removes the selected one, ←/→ (tab, shift+tab) select, ``enter`` makes
the selected one the main setting (and goes back to it), ``esc`` closes; ``?`` and ``q`` are the
app's (help, quit).

The results come from the app's runner (one request for every setting not yet in its cache, in a
thread, latest request wins; nothing is delivered to a dismissed screen); the drawing is
:func:`gradtui.render.compare.render_compare`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Footer, Static

from gradtui.argv import command_line
from gradtui.engine import Config, Result

from .theme import themed, themed_ansi
from .view_request import RequestView


__all__ = ["CompareActions", "CompareScreen", "MAX_SETTINGS"]

#: the issue's "up to four" (the drawing kit's MAX_SETTINGS; not imported here: plotext is slow)
MAX_SETTINGS = 4

_STEP = Binding.Group("select", compact=True)
_STEP_HELP = "select the previous / next setting"
_TAB_HELP = "select the previous / next setting, as ← → do"


def comparison_of(app) -> list[Config]:
    """The app's comparison: its settings, kept between openings of the screen."""
    if not isinstance(getattr(app, "comparison", None), list):
        app.comparison = []
    return app.comparison


class CompareActions:
    """GradApp's ``C``: open the compare screen on the app's comparison."""

    def action_compare(self) -> None:
        comparison = comparison_of(self)
        if not comparison:
            pinned = getattr(self, "pinned", None)
            if pinned is not None and pinned.config != self.config:
                comparison.append(pinned.config)
            comparison.append(self.config)
        self.push_screen(CompareScreen(ascii=self.ascii))


class _Panels(Widget):
    """The small multiples, drawn by the screen at this widget's content size."""

    DEFAULT_CSS = "_Panels { height: 1fr; }"

    def render(self) -> Text:
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return Text("")
        try:
            ansi = self.screen.draw(width, height)
        except Exception as error:  # a drawing bug must not take the app down
            return Text(f"compare failed: {type(error).__name__}: {error}", style="bold")
        return themed_ansi(self.app, ansi)


class CompareScreen(RequestView):
    """Up to four settings as small multiples, each with its verdict and command line."""

    HELP_TITLE = "compare view"
    #: a binding's tooltip is its line in the help (the pairs share one)
    BINDINGS = [
        Binding("left", "step(-1)", "select", key_display="←", group=_STEP,
                id="compare.previous", tooltip=_STEP_HELP),
        Binding("right", "step(1)", "select", key_display="→", group=_STEP,
                id="compare.next", tooltip=_STEP_HELP),
        Binding("shift+tab", "step(-1)", "previous", show=False, id="compare.previous.tab",
                tooltip=_TAB_HELP),
        Binding("tab", "step(1)", "next", show=False, id="compare.next.tab", tooltip=_TAB_HELP),
        Binding("a", "add", "add current", id="compare.add",
                tooltip="add the main screen's current setting (at most four)"),
        Binding("x,delete", "remove", "remove", key_display="x", id="compare.remove",
                tooltip="remove the selected setting"),
        Binding("enter", "apply", "make main", key_display="enter", id="compare.apply",
                tooltip="make the selected setting the main one and go back to it"),
        Binding("escape", "close", "back", key_display="esc", id="compare.close",
                tooltip="back to the main screen"),
    ]

    def __init__(self, ascii: bool = False) -> None:
        super().__init__(classes="-ascii" if ascii else None)
        self.ascii = ascii
        self.selected = 0
        self.message: Text | None = None
        self._results: dict[Config, Result] = {}
        self._errors: dict[Config, str] = {}

    # -- state ----------------------------------------------------------------------------------
    @property
    def settings(self) -> list[Config]:
        """The app's comparison (kept on the app between openings)."""
        return comparison_of(self.app)

    @property
    def settled(self) -> bool:
        """Every setting's result is on screen (for tests and snapshots)."""
        return all(c in self._results or c in self._errors for c in self.settings)

    @property
    def color(self) -> bool:
        return not getattr(self.app, "no_color", False)

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-main"):
            yield _Panels(id="compare-panels")
            yield Static("", id="compare-status")
            yield Footer()

    def on_mount(self) -> None:
        if self.settings:
            current = self.app.config
            self.selected = self.settings.index(current) if current in self.settings else 0
        self.follow_config(self._redraw)
        self._request()

    # -- computing ------------------------------------------------------------------------------
    def _request(self) -> None:
        missing = []
        for config in self.settings:
            if config in self._results or config in self._errors:
                continue
            cached = self.cached(config)
            if cached is not None:
                self._results[config] = cached
            else:
                missing.append(config)
        if missing:
            self.submit_cached("compare", lambda ticket: _compute_all(missing, ticket),
                               self._computed,
                               entries=lambda done: [(config, result) for config, result, _ in done])
        self._redraw()

    def _computed(self, done: list[tuple[Config, Result | None, str | None]]) -> None:
        for config, result, error in done:
            if result is not None:
                self._results[config] = result
            elif error is not None:
                self._errors[config] = error
        self._request()  # settings added while this ran

    # -- keys -----------------------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        if self.settings:
            self.selected = (self.selected + delta) % len(self.settings)
            self._say(None)

    def action_add(self) -> None:
        current = self.app.config
        if current in self.settings:
            self.selected = self.settings.index(current)
            self._say(f"the current setting is already here (number {self.selected + 1})")
        elif len(self.settings) >= MAX_SETTINGS:
            self._say(Text(f"at most {MAX_SETTINGS} settings: x removes the selected one", style="bold red"))
            return
        else:
            self.settings.append(current)
            self.selected = len(self.settings) - 1
            self._say(f"added the current setting as number {self.selected + 1}")
        self._request()

    def action_remove(self) -> None:
        if not self.settings:
            self._say("nothing to remove")
            return
        gone = self.settings.pop(self.selected)
        self.selected = min(self.selected, max(0, len(self.settings) - 1))
        self._say(f"removed {command_line(gone)}")

    def action_apply(self) -> None:
        if not self.settings or not self.is_current:
            return
        config = self.settings[self.selected]
        number = self.selected + 1
        self.dismiss(None)
        if config != self.app.config:
            self.app.change_config(config, f"setting {number} of the comparison")

    def action_close(self) -> None:
        if self.is_current:  # a second esc typed ahead must not pop the main screen
            self.dismiss(None)

    # -- drawing --------------------------------------------------------------------------------
    def _say(self, message: str | Text | None) -> None:
        self.message = Text(message) if isinstance(message, str) else message
        self._redraw()

    def _redraw(self) -> None:
        found = self.widgets("#compare-panels", "#compare-status")
        if found is None:
            return
        panels, status = found
        panels.refresh()
        status.update(themed(self.app, self._status()))

    def _status(self) -> Text:
        if self.message is not None:
            return self.message
        n = len(self.settings)
        if n == 0:
            return Text("no settings: a adds the main screen's current one")
        dots = "..." if self.ascii else "…"
        if not self.settled:
            return Text(f"computing{dots}", style="dim")
        hint = f"{self.selected + 1} of {n} selected: enter makes it the main setting"
        if self.app.config not in self.settings:
            hint += "; a adds the current one" if n < MAX_SETTINGS else "; x frees a place for the current one"
        return Text(hint, style="dim")

    def draw(self, width: int, height: int) -> str:
        from gradtui.render.compare import Setting, render_compare

        items = []
        for config in self.settings:
            error = self._errors.get(config)
            command = command_line(config) if error is None else f"{command_line(config)}  ({error})"
            items.append(Setting(config, self._results.get(config), command))
        return render_compare(items, width, height, color=self.color, ascii=self.ascii,
                              selected=self.selected if items else None, main=self.app.config)


def _compute_all(configs: list[Config], ticket) -> list[tuple[Config, Result | None, str | None]]:
    """Runs in the runner's thread: each setting's result (or why not), until superseded."""
    from gradtui.engine import Stopped, compute

    import gradtui.render.compare  # noqa: F401  (plotext is slow to import: here, off the UI thread)

    done = []
    for config in configs:
        if ticket.stopped:
            break
        try:
            # a sampled setting stops within a layer once superseded
            done.append((config, compute(config, cancel=lambda: ticket.stopped), None))
        except Stopped:
            break
        except ValueError as error:
            done.append((config, None, str(error)))
        except Exception as error:  # an engine bug must not take the app down
            done.append((config, None, f"engine error: {type(error).__name__}: {error}"))
    return done
