"""The training view (``t``): watch the current network (not) learn.

A few hundred steps of SGD or Adam on a synthetic regression task (:mod:`gradtui.engine.train`) run
on the app's runner (a daemon thread: quitting never waits; esc, closing the view or a new setting
stops a run within one layer of its current step, see :func:`gradtui.engine.train.train`), on
the app's config, retrained when that changes; the screen shows the loss curve (plotext, log scale) and, per layer, how far the
weights moved relative to their size, ‖ΔW_l‖/‖W_l‖, as log-scale bars. Regimes read without colour
too: a glyph per bar, and the words in the status line.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Footer, Static

from gradtui.engine import Config
from gradtui.engine.train import DEFAULT_LR, LR_RANGE, OPTIMIZERS, TrainConfig, TrainResult, train
from gradtui.render.glyphs import glyphs
from gradtui.render.numbers import fmt_value
from gradtui.render.training import (
    FROZEN,
    JUMPING,
    MOVING,
    bar_values,
    layers_note,
    outcome_text,
    render_bars,
    render_loss,
)

from .budget import pending, timed, train_over_budget, train_seconds
from .host import ViewScreen
from .runner import Ticket
from .theme import theme_of, themed

#: the choices the `c` and `k` keys cycle through
CLIP_CHOICES: tuple[float | None, ...] = (None, 10.0, 1.0, 0.1)
STEP_CHOICES = (50, 100, 200, 500, 1000)
#: seconds between progress reports from the training thread
PROGRESS_EVERY = 0.05


# -- widgets ------------------------------------------------------------------------------------
class _RunView(Widget):
    """A widget that draws one training result (or a note while there is none)."""

    def __init__(self, *, ascii: bool = False, color: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii, self.color = ascii, color
        self.result: TrainResult | None = None
        self.note = ""

    def show(self, result: TrainResult | None, note: str = "") -> None:
        self.result, self.note = result, note
        self.refresh()


class LossChart(_RunView):
    """The loss curve of the last run, drawn at this widget's own size."""

    _cache_key: tuple | None = None
    _cache_text: Text | None = None

    def render(self) -> Text:
        width, height = self.content_size
        if self.result is None or self.result.steps_run == 0:
            return Text(self.note, style="dim")
        if width < 12 or height < 5:
            return Text("")
        key = (id(self.result), width, height, theme_of(self.app))
        if key != self._cache_key or self._cache_text is None:
            try:
                self._cache_text = themed(self.app, render_loss(
                    self.result, width, height, ascii=self.ascii, color=self.color))
            except Exception as error:  # a chart bug must not take the app down
                self._cache_text = Text(f"chart failed: {type(error).__name__}: {error}",
                                        style="bold")
            self._cache_key = key
        return self._cache_text


class UpdateBars(_RunView):
    """Per-layer relative update bars of the last run."""

    def render(self) -> Text:
        width, height = self.content_size
        if self.result is None or self.result.steps_taken == 0 and not self.result.diverged:
            return Text(self.note, style="dim")
        return themed(self.app, render_bars(bar_values(self.result), width, height,
                                            ascii=self.ascii, color=self.color))


def _train_job(ticket: Ticket, config: Config, tc: TrainConfig) -> TrainResult:
    """Runs in the runner's thread: reports progress now and then, stops when the ticket is."""
    last = [0.0]

    def progress(step: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            ticket.report((step, total))

    return train(config, tc, progress=progress, cancel=lambda: ticket.stopped)


_LR = Binding.Group("lr", compact=True)
_LR_HELP = "learning rate ÷2 / ×2"


# -- the screen ---------------------------------------------------------------------------------
class TrainingScreen(ViewScreen):
    """Train the given config and show the loss curve and how far each layer moved."""

    DEFAULT_CSS = """
    TrainingScreen {
        layout: vertical;
    }
    TrainingScreen #train-header {
        height: 2;
        padding: 0 1;
    }
    TrainingScreen #train-body {
        height: 1fr;
    }
    TrainingScreen #train-loss {
        width: 1fr;
        height: 1fr;
        border: round $primary;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
    }
    TrainingScreen #train-bars {
        width: 36;
        height: 1fr;
        border: round $primary;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        padding: 0 0 0 1;
    }
    TrainingScreen.-ascii #train-loss, TrainingScreen.-ascii #train-bars {
        border: ascii $primary;
    }
    TrainingScreen #train-status {
        height: auto;
        max-height: 4;  /* at 80 columns the outcome and the layers note wrap, never cut */
        padding: 0 1;
    }
    """

    HELP_TITLE = "training view"
    #: a binding's tooltip is its line in the help (shared by the two lr keys)
    BINDINGS = [
        Binding("escape", "stop_or_back", "stop/back", key_display="esc", id="train.back",
                tooltip="stop the running training; when stopped, back to the main screen"),
        Binding("enter,r", "run", "rerun", key_display="enter", id="train.run",
                tooltip="train again from the same initial weights"),
        Binding("left", "lr(-1)", "lr", key_display="←", group=_LR, id="train.lr_down",
                tooltip=_LR_HELP),
        Binding("right", "lr(1)", "lr", key_display="→", group=_LR, id="train.lr_up",
                tooltip=_LR_HELP),
        Binding("o", "optimizer", "sgd/adam", id="train.optimizer",
                tooltip="optimizer: sgd ⇄ adam (each starts at its default lr)"),
        Binding("c", "clip", "clip", id="train.clip",
                tooltip="clip the gradient norm: off → 10 → 1 → 0.1 → off"),
        Binding("k", "steps", "steps", id="train.steps",
                tooltip="steps per run: 50 → 100 → 200 → 500 → 1000"),
        Binding("w", "tied", "tie", id="train.tied",
                tooltip="weights: one matrix per layer ⇄ one tied matrix (an unrolled RNN)"),
    ]

    def __init__(self, ascii: bool = False, *, train_config: TrainConfig | None = None,
                 autorun: bool = True, name: str | None = None) -> None:
        super().__init__(name=name, classes="-ascii" if ascii else None)
        self.ascii = ascii
        self.glyphs = glyphs(ascii)
        self._train_config = train_config
        self.autorun = autorun
        self.result: TrainResult | None = None
        self.running = False
        self.progress = (0, 0)
        self.message: Text | None = None
        self._ticket: Ticket | None = None

    @property
    def config(self) -> Config:
        """The app's config: the network every screen shows, and the one trained here."""
        return self.app.config

    @property
    def tc(self) -> TrainConfig:
        """How to train: the keys of this screen change it."""
        if self._train_config is None:
            # a Config with tied weights (the unrolled-RNN toggle) trains tied by default
            self._train_config = TrainConfig(tied=bool(getattr(self.config, "tied", False)))
        return self._train_config

    @property
    def settled(self) -> bool:
        """No run in flight and its result handled (for tests and benchmarks)."""
        return not self.running and not self.app.runner.busy("train")

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        color = not self.app.no_color
        yield Static("", id="train-header")
        with Horizontal(id="train-body"):
            yield LossChart(ascii=self.ascii, color=color, id="train-loss")
            yield UpdateBars(ascii=self.ascii, color=color, id="train-bars")
        yield Static("", id="train-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#train-loss").border_title = "training loss (log scale)"
        self.progress = (0, self.tc.steps)
        self._update_header()
        self._update_titles()
        self._update_status()
        self.watch(self.app, "config", self._config_changed, init=False)
        if self.autorun:
            self.action_run()

    def on_unmount(self) -> None:
        self.app.runner.cancel(self)  # a run of a dismissed view stops, and nothing of it is shown

    def _config_changed(self) -> None:
        self._update_header()
        self.action_run()

    # -- actions ----------------------------------------------------------------------------
    def action_run(self) -> None:
        config, tc = self.config, self.tc
        if train_over_budget(self, config, tc, self.action_run):
            self._stop_run()  # a new setting asked about: the old run is not what is wanted
            self._update_status()
            return
        self.running = True
        self.progress = (0, tc.steps)
        self.message = None
        note = "training" + self.glyphs.ellipsis
        self.query_one(LossChart).show(None, note)
        self.query_one(UpdateBars).show(None, note)
        self._update_status()
        app, estimate = self.app, train_seconds(config, tc)

        def job(ticket: Ticket) -> TrainResult:  # a whole run is what the estimate was for
            return timed(app, "train", estimate, lambda: _train_job(ticket, config, tc),
                         counts=lambda result: result.steps_taken == tc.steps)

        self._ticket = self.app.runner.submit(
            "train", job, self._finished,
            failed=self._failed, progress=self._progressed, owner=self,
        )

    def _stop_run(self) -> None:
        """Stop the run in flight (it ends at its next layer, and what it did is shown)."""
        if self._ticket is not None:
            self._ticket.stop()
        self.running = False

    def action_stop_or_back(self) -> None:
        if self.running:
            self._stop_run()
            self._say("stopping" + self.glyphs.ellipsis)
        elif self.is_current:  # a second esc typed ahead must not pop the main screen
            self.dismiss()

    def action_lr(self, direction: int) -> None:
        lo, hi = LR_RANGE
        lr = self.tc.lr * (2.0 if direction > 0 else 0.5)
        if not lo <= lr <= hi:
            self._say(f"lr stays {fmt_value(self.tc.lr)}: allowed {lo:g}–{hi:g}")
            return
        self._retrain(lr=lr)

    def action_optimizer(self) -> None:
        opt = OPTIMIZERS[(OPTIMIZERS.index(self.tc.optimizer) + 1) % len(OPTIMIZERS)]
        self._retrain(optimizer=opt, lr=DEFAULT_LR[opt])

    def action_clip(self) -> None:
        current = self.tc.clip_norm
        i = CLIP_CHOICES.index(current) if current in CLIP_CHOICES else 0
        self._retrain(clip_norm=CLIP_CHOICES[(i + 1) % len(CLIP_CHOICES)])

    def action_steps(self) -> None:
        k = self.tc.steps
        i = STEP_CHOICES.index(k) if k in STEP_CHOICES else -1
        self._retrain(steps=STEP_CHOICES[(i + 1) % len(STEP_CHOICES)])

    def action_tied(self) -> None:
        self._retrain(tied=not self.tc.tied)

    def _retrain(self, **changes) -> None:
        try:
            self._train_config = TrainConfig(**{**self.tc.__dict__, **changes})
        except ValueError as error:
            self._say(Text(str(error), style="bold red"))
            return
        self._update_header()
        self._update_titles()
        self.action_run()

    # -- results from the runner ----------------------------------------------------------
    def _progressed(self, progress: tuple[int, int]) -> None:
        if self.running:
            self.progress = progress
            self._update_status()

    def _finished(self, result: TrainResult) -> None:
        self.running = False
        self.result = result
        self.progress = (result.steps_taken, self.tc.steps)
        if not pending(self):  # a question asked meanwhile (a new setting over budget) stays
            self.message = None
        self.query_one(LossChart).show(self.result, "no steps were taken")
        self.query_one(UpdateBars).show(self.result, "no steps were taken")
        self._update_titles()
        self._update_status()

    def _failed(self, error: BaseException) -> None:
        # a run that cannot fit in memory (ValueError naming the setting) or an engine bug
        self.running = False
        self.result = None
        self.query_one(LossChart).show(None, "")
        self.query_one(UpdateBars).show(None, "")
        self._say(Text(f"cannot train: {error}", style="bold red"))

    # -- text -------------------------------------------------------------------------------
    def _say(self, message: str | Text | None) -> None:
        self.message = Text(message) if isinstance(message, str) else message
        self._update_status()

    def _update_header(self) -> None:
        c, tc, g = self.config, self.tc, self.glyphs
        net = f"{c.activation} {c.init}"
        if c.weight_scale != 1:
            net += f" {g.times}{fmt_value(c.weight_scale)}"
        if c.residual:
            net += f", residual {g.alpha}={fmt_value(c.residual_scale)}"
        if c.norm != "none":
            net += f", {c.norm} norm"
        if c.sigma_b:
            net += f", {g.sigma_b}={fmt_value(c.sigma_b)}"
        line1 = Text.assemble(
            ("Training ", "bold"), f"{net}, depth {c.depth}, width {c.width}, seed {c.seed}",
        )
        clip = "off" if tc.clip_norm is None else fmt_value(tc.clip_norm)
        parts = [
            ("lr ", fmt_value(tc.lr)), ("optimizer ", tc.optimizer), ("clip ", clip),
            ("steps ", str(tc.steps)), ("weights ", "tied" if tc.tied else "per layer"),
        ]
        line2 = Text("  ").join(Text.assemble((k, "dim"), (v, "bold")) for k, v in parts)
        self.query_one("#train-header", Static).update(Text("\n").join([line1, line2]))

    def _update_titles(self) -> None:
        bars = self.query_one("#train-bars")
        tied = self.result.layer_contrib is not None if self.result else self.tc.tied
        if tied:
            bars.border_title = "each step's share of ΔW" if not self.ascii else "each step's share of dW"
        else:
            bars.border_title = "‖ΔW‖/‖W‖ per layer" if not self.ascii else "|dW|/|W| per layer"
        g = self.glyphs
        bars.border_subtitle = (
            f"{g.regime[FROZEN]} frozen {g.regime[MOVING]} learns {g.regime[JUMPING]} jumps"
        )
        loss = self.query_one("#train-loss")
        loss.border_subtitle = f"{self.tc.optimizer}, lr {fmt_value(self.tc.lr)}"

    def _update_status(self) -> None:
        self.query_one("#train-status", Static).update(themed(self.app, self._status_text()))

    def _status_text(self) -> Text:
        if self.running:
            step, total = self.progress
            width = 24
            done = int(round(width * step / max(total, 1)))
            fill, empty = ("#", "-") if self.ascii else ("█", "░")
            line = Text.assemble(
                ("training ", "bold"), fill * done + empty * (width - done),
                f" {step}/{total}  ", ("esc stops", "dim"),
            )
            return line if self.message is None else Text("\n").join([line, self.message])
        r = self.result
        if r is None:
            return self.message or Text("")
        lines = [outcome_text(r, ascii=self.ascii)]
        lines.append(self.message if self.message is not None
                     else layers_note(r, ascii=self.ascii, color=not self.app.no_color))
        return Text("\n").join(lines)
