"""The gradtui app: change a network with the arrow keys and watch its per-layer gradients.

State is one frozen :class:`Config` in a reactive (plus the selected control, the view and the layer
cursor); results are derived from it by the engine, off the UI thread, latest request wins
(:mod:`.compute`). The keys are :mod:`.bindings`; the text around the chart is :mod:`.status`.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.widgets import Footer

from gradtui.engine import MODES, PRESET_ORDER, PRESETS, Config, Result
from gradtui.engine.cost import duration_text

from .bindings import MAIN_BINDINGS
from .budget import confirmed_estimate
from .commands import GradCommands
from .compare_view import CompareActions
from .compute import ComputeChart, Outcome, has_weight_grads
from .controls import CONTROLS, cycle, inactive_reason, with_mode
from .host import ConfigApp, MainScreen, run_in_terminal
from .repaint import Repaint, repaints
from .status import CLIP_NORMS, NEXT_VIEW, clip_label, pinned_note
from .theme import install as install_theme
from .view_actions import ViewActions
from .widgets import (
    ChartView, ControlPanel, Inspector, TextLine, TooSmall, Verdict,
)

#: a sampled network slower than this to compute gets a note saying so (and what makes it faster)
SLOW_SECONDS = 2.0


class GradApp(ViewActions, CompareActions, Repaint, ComputeChart, MainScreen, ConfigApp):
    """Keyboard-only explorer of vanishing and exploding gradients."""

    #: ctrl+p: gradtui's own commands (tui/commands.py), not Textual's system ones
    COMMANDS = {GradCommands}

    #: every key of the main screen (:mod:`.bindings`); a binding's tooltip is its line in the help
    BINDINGS = MAIN_BINDINGS

    selected: var[int] = var(0, init=False)
    view: var[str] = var("grad", init=False)
    #: the clip norm shown in the weight view (None: off); ``k`` steps through CLIP_NORMS
    clip: var[float | None] = var(None, init=False)
    cursor: var[int | None] = var(None, init=False)

    def __init__(self, config: Config | None = None, ascii: bool = False, tour: list | None = None,
                 compare: tuple[Config, ...] | None = None, prefetch=None,
                 theme: str = "dark", freeze_gc: bool = False) -> None:
        super().__init__(config, ascii=ascii)
        self._drawing(ascii)
        install_theme(self, theme)  # "dark" or "light" (tui/theme.py)
        #: the compare screen's settings (C, ``--compare``), kept between its openings
        self.comparison: list[Config] = list(compare or ())
        #: the first chart's computation, already under way (:mod:`.start`), or None
        self._prefetch = prefetch
        #: tour steps to open with (``gradtui --tour``), or None
        self.tour = tour
        self.color = not self.no_color
        self.result: Result | None = None
        self.overlay: Result | None = None
        self.pinned: Result | None = None
        self.message: Text | None = None
        self._message_is_error = False
        self._preset: str | None = None
        #: activations whose expected-mode tables are built (computing them is then instant)
        self._warm: set[str] = set()
        self._warming = False
        #: move what start-up made out of the garbage collector's sight once warmed up (run_app)
        self._freeze_gc = freeze_gc

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            with Horizontal(id="body"):
                with Vertical(id="side"):
                    yield ControlPanel(ascii=self.ascii, id="controls").data_bind(
                        GradApp.config, GradApp.selected
                    )
                    yield Inspector(ascii=self.ascii, id="inspector").data_bind(GradApp.cursor)
                yield ChartView(ascii=self.ascii, color=self.color, id="chart").data_bind(
                    GradApp.view, GradApp.cursor, GradApp.clip
                )
            yield Verdict(ascii=self.ascii, id="verdict")
            yield TextLine("", id="status")
            yield TextLine("", id="command")
            yield Footer()
        yield TooSmall(id="too-small")

    def on_mount(self) -> None:
        from . import signals

        signals.install(self)  # SIGTERM, SIGHUP, … restore the terminal; fg redraws in full
        self._mount_look()
        side = self.query_one("#side")
        side.border_title = "controls"
        side.border_subtitle = self._keys_hint()
        self._config_changed()
        if self._freeze_gc:  # start-up ends once warmed up (after the first chart), or by then
            self.set_timer(self.START_UP_SECONDS, self._end_start_up)
        if self.tour:
            self.action_tour(self.tour)
        elif self.comparison:
            self.action_compare()

    def _keys_hint(self) -> str:
        k = self.glyphs.keys
        return f"{k['up']}{k['down']} choose  {k['left']}{k['right']} change"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # keys of the main screen do nothing under another screen, but q quits, and ? opens the help
        # from the views (not over the help itself or the presets picker, which close first);
        # export (e) and the command palette (ctrl+p) work on every screen
        if self.guarded:  # the terminal is too small (host.SizeGuard): only quit and suspend
            return super().check_action(action, parameters)
        if action == "export":
            from .export import key_is_free

            return key_is_free(self)
        if len(self.screen_stack) > 1 and action not in ("quit", "suspend_process", "command_palette"):
            from .screens import HelpScreen, PresetsScreen

            return action == "help" and not isinstance(self.screen, (HelpScreen, PresetsScreen))
        return True

    # -- state changes ------------------------------------------------------------------------
    def watch_config(self) -> None:
        self._config_changed()  # the other screens watch the config themselves

    @repaints
    def _config_changed(self) -> None:
        config = self.config
        self._update_status()
        if self.cursor is not None and self.cursor > config.depth:
            self.cursor = config.depth
        self._update_command()
        self._request()
        self._update_chart_title()

    def watch_selected(self) -> None:
        self._let_go()

    def _let_go(self) -> None:
        """No control is being stepped any more: the text lines fit their text again (TextLine)."""
        self._stepping = None
        for line in self.query(TextLine):
            line.refit()

    def watch_view(self) -> None:
        self._let_go()
        if self.view == "weight" and self.result is not None and not has_weight_grads(self.result):
            self._request()  # computed without the weight view's products: now they are shown
        self._update_chart_title()
        self._update_status()

    def watch_clip(self) -> None:
        self._let_go()
        self._update_chart_title()
        self._update_status()

    @repaints
    def _set(self, make: Callable[[], Config], note: str | Text | None = None, *,
             hold: bool = False) -> bool:
        """Apply a new config, or keep the old one and say why not (never crash on a bad value).
        ``hold``: a repeated ←/→ step of the selected control (the text lines keep their height)."""
        try:
            new = make()
        except ValueError as error:
            self._error(str(error))
            return False
        if not hold:
            self._let_go()
        self._preset = None
        self._say(note)
        self.config = new
        return True

    def _say(self, message: str | Text | None) -> None:
        self.message = Text(message) if isinstance(message, str) else message
        self._message_is_error = False
        self._update_status()

    def _error(self, message: str) -> None:
        self._say(Text(message, style="bold red"))
        self._message_is_error = True

    # -- actions ------------------------------------------------------------------------------
    def action_select(self, delta: int) -> None:
        self.selected = (self.selected + delta) % len(CONTROLS)

    def action_change(self, direction: int) -> None:
        control = CONTROLS[self.selected]
        if control.key == "mode":
            self.action_mode()
            return
        try:
            new = control.step(self.config, direction)
        except ValueError as error:
            self._error(str(error))
            return
        self._last_direction = direction
        # the second and later steps of one control keep the text lines' height (TextLine)
        hold = self._stepping == self.selected
        # a dim setting still changes; say why the view does not follow it
        if self._set(lambda: new, inactive_reason(new, control.key), hold=hold):
            self._stepping = self.selected

    def action_mode(self) -> None:
        new, note = with_mode(self.config, cycle(self.config.mode, MODES, +1))
        if new.mode == "chain" and note is None:
            note = "chain: one neuron per layer, w = weight, b = bias mean, x0 = input mean"
        self._set(lambda: new, note)

    def action_residual(self) -> None:
        self._set(lambda: self.config.replace(residual=not self.config.residual))

    def action_seed(self) -> None:
        seed = self.config.seed + 1 if self.config.seed < 2**32 - 1 else 0
        note = None if self.config.mode == "sampled" else "the seed matters in sampled mode (m)"
        self._set(lambda: self.config.replace(seed=seed), note)

    def action_defaults(self) -> None:
        self._set(Config, "default settings")

    def action_preset(self, number: int) -> None:
        if 1 <= number <= len(PRESET_ORDER):
            self.load_preset(PRESET_ORDER[number - 1])

    def load_preset(self, name: str) -> None:
        preset = PRESETS[name]
        number = PRESET_ORDER.index(name) + 1
        title, caption = preset.title, preset.caption
        if self.ascii:
            from .screens import _asciify

            title, caption = _asciify(title), _asciify(caption)
        dash = "-" if self.ascii else "—"
        note = Text.assemble((f"preset {number}: {title} {dash} ", "bold"), caption)
        if self._set(lambda: preset.config(self.config), note):
            self._preset = name

    @repaints
    def action_pin(self) -> None:
        if self.pinned is not None:
            self.pinned = None
            self._say("unpinned")
        elif self.result is not None:
            self.pinned = self.result
            self._say(pinned_note(self.pinned, self.glyphs, self.ascii))
        self.query_one(ChartView).pin(self.pinned)
        self._update_chart_title()

    @repaints
    def action_view(self) -> None:
        self.view = NEXT_VIEW[self.view]
        if self.view == "weight" and self.message is not None and not self._message_is_error:
            self._say(None)  # the status line holds the weight view's clip readout

    @repaints
    def action_clip(self) -> None:
        ladder = (None, *CLIP_NORMS)
        self.clip = ladder[(ladder.index(self.clip) + 1) % len(ladder)]
        if self.message is not None and not self._message_is_error:
            self._say(None)
        if self.view != "weight":
            self._say(f"clip norm {clip_label(self.clip)}: shown in the weight view (v)")

    def watch_cursor(self) -> None:
        # the inspector needs the rows: a note (preset caption, pin) gives way, an error stays
        if self.message is not None and not self._message_is_error:
            self._say(None)

    def action_layer(self, delta: int) -> None:
        depth = self.config.depth
        if self.cursor is None:
            self.cursor = depth if delta < 0 else 1
        else:
            self.cursor = min(depth, max(1, self.cursor + delta))

    def on_chart_view_layer_clicked(self, message: ChartView.LayerClicked) -> None:
        self.cursor = message.layer

    def on_control_panel_selected(self, message: ControlPanel.Selected) -> None:
        self.selected = message.index

    def action_layer_end(self, last: int) -> None:
        self.cursor = self.config.depth if last else 1

    def action_hide_cursor(self) -> None:
        self.cursor = None

    def change_config(self, config: Config, note: str | Text | None = None) -> None:
        """A screen (phase map, spectrum, tour) changed the config with its own keys."""
        self._set(lambda: config, note)

    def hide_answer(self, hide: bool) -> None:
        """A tour question waits for its answer: the chart, inspector and verdict keep it."""
        for widget in (self.query_one(ChartView), self.query_one(Inspector)):
            widget.answer_hidden = hide
            widget.refresh()
        verdict = self.query_one(Verdict)
        verdict.display = not hide

    @repaints
    def _show(self, outcome: Outcome) -> None:
        """Display an outcome of the current config (the runner drops stale ones)."""
        if outcome.error is not None or outcome.result is None:
            self._update_chart_title()
            self._error(outcome.error or "no result")
            return
        from gradtui.render.verdict import verdict

        self.result, self.overlay = outcome.result, outcome.overlay
        c = self.result.config
        estimate = confirmed_estimate(self, c) if c == self.config else None
        if (c.mode == "sampled" and (outcome.seconds > SLOW_SECONDS or estimate is not None)
                and not self._message_is_error):
            told = "" if estimate is None else f" (estimated {duration_text(estimate)})"
            self._say(
                f"this network (depth {c.depth}, width {c.width}, batch {c.batch}) took "
                f"{outcome.seconds:.1f} s to compute{told}: lower depth or width for instant changes"
            )
        self.query_one(ChartView).show(self.result, self.overlay)
        self.query_one(Inspector).show(self.result)
        try:
            words = verdict(self.result, ascii=self.ascii)
        except Exception as error:  # keep going without words rather than crash
            words = f"{self.result.regime.upper()} (verdict failed: {error})"
        self.query_one(Verdict).show(self.result.regime, words, hold=self._stepping is not None)
        self._update_status()
        self._update_chart_title()
        if self.result.config == self.config and self._inline(self.config):
            self.call_after_refresh(self._look_ahead, self.config)  # the next step's chart, ready
        elif self.result.config == self.config and c.mode == "sampled" and not self.provisional:
            self.call_after_refresh(self._draw_weights_ahead, self.config)  # its weights, drawn
        if not self._warming and not self.provisional:  # not beside a slow start's exact answer
            self._warming = True
            self.call_after_refresh(
                lambda: self.runner.submit("warmup", lambda ticket: self._warm_up(), self._warmed)
            )

    # -- text around the chart ------------------------------------------------------------------
    @property
    def computing(self) -> bool:
        """True while the chart shows an older config than the controls (a result is on its way)."""
        return self.result is None or self.result.config != self.config

    @property
    def busy(self) -> bool:
        """True while a computation of the chart runs (or waits) in the background."""
        return self.runner.busy("chart")

    @property
    def settled(self) -> bool:
        """Nothing in flight and the chart shows the current config (for tests and benchmarks)."""
        return not self.busy and not self.computing


def run_app(config: Config, *, ascii: bool = False, tour: list | None = None,
            compare: tuple[Config, ...] | None = None, theme: str = "dark") -> int:
    """Run the TUI until the user quits; the exit status for the CLI."""
    from .start import take

    app = GradApp(config=config, ascii=ascii, tour=tour, compare=compare, prefetch=take(config),
                  theme=theme, freeze_gc=True)
    return run_in_terminal(app)
