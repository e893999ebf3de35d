"""What every screen of gradtui needs from its app: one Config, one compute runner, one size guard.

The phase map, the spectrum, the training view and the tour read ``app.config`` (and watch it),
change it with ``app.change_config`` and run their background work on ``app.runner``. GradApp is
one such app; tests host a single screen in a bare one.

Below the minimum size (80×24) the app puts :class:`SizeGuard` over whatever screen is on top (the
main screen, help, presets, any view, the tour): it says how large the terminal must be and takes no
key but quit (``q``, ctrl+c) and suspend (ctrl+z); a screen pushed meanwhile goes under it. Once the
terminal is large enough the guard goes and the screen below carries on (:class:`ViewScreen`
recomputes for its new size). ``q`` and ctrl+c quit from every screen (modal screens get them too); ``esc``
closes an overlay or view.
"""

from __future__ import annotations

import os
import sys
import threading

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from gradtui.engine import Config
from gradtui.render.glyphs import glyphs
from gradtui.render.palette import css_variables

from .runner import Runner
from .widgets import MIN_HEIGHT, MIN_WIDTH, TooSmall


class SizeGuard(Screen[None]):
    """The terminal is too small: the message, and nothing else (no key reaches a screen below)."""

    DEFAULT_CSS = """
    SizeGuard { align: center middle; }
    SizeGuard #too-small { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield TooSmall(id="too-small")

    def on_resize(self) -> None:
        self.query_one(TooSmall).refresh()


class ViewScreen(Screen[None]):
    """A screen of the app that may be dismissed while its callbacks are still queued.

    ``alive`` is False once it has left the screen stack; a method of the screen's own scheduled with
    ``call_after_refresh`` or ``call_later`` is dropped then, so the screen never acts (queries its
    widgets, submits work) after dismissal. Other callbacks (Textual's, a test's) run as usual.
    ``resumed`` runs when the screen is on top again (after the size guard or a view above it)."""

    @property
    def alive(self) -> bool:
        try:
            return self.is_attached and self in self.app.screen_stack
        except Exception:  # noqa: BLE001  (no app any more)
            return False

    def _guarded(self, callback):
        if getattr(callback, "__self__", None) is not self:
            return callback

        def run(*args, **kwargs):
            if self.alive:
                return callback(*args, **kwargs)
            return None

        return run

    def call_after_refresh(self, callback, *args, **kwargs) -> bool:
        return super().call_after_refresh(self._guarded(callback), *args, **kwargs)

    def call_later(self, callback, *args, **kwargs) -> bool:
        return super().call_later(self._guarded(callback), *args, **kwargs)

    def on_screen_resume(self) -> None:
        self.call_after_refresh(self.resumed)

    def resumed(self) -> None:
        """On top again, maybe at another size: to override."""


class MainScreen:
    """What gradtui's two main screens share (GradApp's simulated network and RecordedApp's
    recorded run): the stylesheet and its size classes, the regime palette in the CSS variables,
    the ASCII look, and running in a terminal."""

    CSS_PATH = "app.tcss"
    TITLE = "gradtui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (MIN_WIDTH, "-normal"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (MIN_HEIGHT, "-tall")]

    def _drawing(self, ascii: bool) -> None:
        """Draw with ASCII characters only (``--ascii``) or not; call from ``__init__``."""
        self.ascii = ascii
        self.glyphs = glyphs(ascii)

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables and the regime palette's (``$regime-vanishing`` … in app.tcss)."""
        from .theme import theme_of

        return {**super().get_css_variables(), **css_variables(theme_of(self))}  # type: ignore[misc]

    def get_key_display(self, binding: Binding) -> str:
        """The footer's arrow keys in the glyph set: ``<`` ``>`` … with --ascii."""
        if self.ascii:
            names = {"↑": "up", "↓": "down", "←": "left", "→": "right"}
            name = names.get(binding.key_display or "")
            if name is not None:
                return self.glyphs.keys[name]
        return super().get_key_display(binding)  # type: ignore[misc]

    def _mount_look(self) -> None:
        """The ASCII look's CSS class on the main screen; call from ``on_mount``."""
        if self.ascii:
            self.screen.add_class("-ascii")  # type: ignore[attr-defined]


def run_in_terminal(app: App) -> int:
    """Run ``app`` until the user quits; the exit status. Textual sizes the screen with
    shutil.get_terminal_size(), which prefers exported COLUMNS and LINES over the terminal itself:
    with them set, a resized terminal would never be noticed, so they go first.

    After a signal, or when a thread is still running a second after the app ended, the process
    ends here (with 128 + the signal, else 0): when the terminal hangs up while the app exits (its
    tmux or ssh session closed just after q), Textual's driver cannot write to it, never tells its
    input thread to stop, and that thread (not a daemon) would keep the interpreter alive for
    ever, spinning on the dead terminal's end of file."""
    from . import paste, signals

    paste.install()  # a bracketed paste is text, never keys (before the driver's input thread)
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)
    app.run()
    status = signals.exit_status(app)
    left = [t for t in threading.enumerate()
            if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    for thread in left:  # Textual's own threads end at once when the terminal is still there
        thread.join(timeout=1.0)
    if status is not None or any(t.is_alive() for t in left):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(status or 0)
    return 0


class ConfigApp(App[None]):
    """An app holding the one Config its screens share, and the runner they compute on."""

    config: var[Config] = var(Config, init=False)

    def __init__(self, config: Config | None = None, *, ascii: bool = False) -> None:
        super().__init__()
        self.ascii = ascii
        self.set_reactive(ConfigApp.config, config if config is not None else Config())
        #: the one runner of background work, for the chart and every screen
        self.runner = Runner(self)
        # ctrl+z suspends from every screen (after the app's own keys, so the footer keeps its order);
        # q and ctrl+c quit from every screen: the app's binding, and on a modal screen (which hides
        # the app's keys) one that push_screen adds
        self._bindings.bind("ctrl+z", "suspend_process", "suspend", show=False, priority=True)

    def change_config(self, config: Config, note: str | Text | None = None) -> None:
        """A screen's new config (already validated); GradApp also shows ``note``."""
        self.config = config

    def hide_answer(self, hide: bool) -> None:
        """A tour question waits for its answer; GradApp hides its chart, inspector and verdict."""

    # -- the size guard -----------------------------------------------------------------------
    @property
    def guarded(self) -> bool:
        """The size guard is on top: only quit and suspend act."""
        try:
            return isinstance(self.screen, SizeGuard)
        except Exception:  # noqa: BLE001  (no screen yet)
            return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.guarded:
            return action in ("quit", "suspend_process")
        return True

    def on_mount(self) -> None:
        self.call_after_refresh(self._guard_size)

    def on_resize(self, event: events.Resize) -> None:
        self._guard_size(event.size)

    def _guard_size(self, size=None) -> None:
        width, height = size if size is not None else self.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small and not self.guarded:
            super().push_screen(SizeGuard())
        elif not small and self.guarded:
            super().pop_screen()

    def push_screen(self, screen, *args, **kwargs):
        """A screen opened while the terminal is too small goes under the size guard; a modal
        screen gets the quit keys (the main screen's footer says "q quit" behind it)."""
        if getattr(screen, "is_modal", False) and not isinstance(screen, str):
            screen._bindings.bind("q,ctrl+c", "app.quit", "quit", show=False)
        if not self.guarded or isinstance(screen, SizeGuard):
            return super().push_screen(screen, *args, **kwargs)
        super().pop_screen()
        pushed = super().push_screen(screen, *args, **kwargs)
        super().push_screen(SizeGuard())
        return pushed

    def pop_screen(self):
        """A screen that closes while the size guard stands over it (its dismissal was queued before
        the terminal shrank) leaves from under the guard; the guard stays on top."""
        if not self.guarded or len(self.screen_stack) <= 2:
            return super().pop_screen()
        super().pop_screen()  # the guard
        popped = super().pop_screen()
        super().push_screen(SizeGuard())
        return popped
