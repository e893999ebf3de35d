"""The training view (``t``): watch the current network (not) learn.

A few hundred steps of SGD or Adam on a synthetic regression task (:mod:`gradtui.engine.train`) run
in a worker thread; the screen shows the loss curve (plotext, log scale) and, per layer, how far the
weights moved relative to their size, ‖ΔW_l‖/‖W_l‖, as log-scale bars. Regimes read without colour
too: a glyph per bar, and the words in the status line.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from gradtui.engine import Config
from gradtui.engine.train import DEFAULT_LR, LR_RANGE, OPTIMIZERS, TrainConfig, TrainResult, train

from .glyphs import fmt_log10, fmt_value, glyphs

#: the choices the `c` and `k` keys cycle through
CLIP_CHOICES: tuple[float | None, ...] = (None, 10.0, 1.0, 0.1)
STEP_CHOICES = (50, 100, 200, 500, 1000)
#: a layer whose update is below this fraction of the largest layer's is "frozen"
FROZEN_RATIO = 1e-3
#: seconds between progress messages from the worker
PROGRESS_EVERY = 0.05

FROZEN, MOVING, JUMPING, BROKEN = "vanishing", "stable", "exploding", "overflow"
#: update regimes reuse the bars' regime names (DESIGN §2), so glyphs and colours match theirs
STYLE = {FROZEN: "yellow", MOVING: "green", JUMPING: "red", BROKEN: "magenta"}
#: plotext colours (ANSI 16-colour codes, so the terminal's own palette is used)
LOSS_COLOR, MARK_COLOR = 12, 9

_BOX_TO_ASCII = str.maketrans({
    "┌": "+", "┐": "+", "└": "+", "┘": "+", "─": "-", "│": "|", "┤": "|", "├": "|",
    "┬": "+", "┴": "+", "┼": "+", "‼": "!",
})


# -- what the bars say --------------------------------------------------------------------------
def update_regimes(values: np.ndarray) -> list[str]:
    """Regime of each layer's relative update: blew up (not finite), jumps (> 1: the weights moved
    by more than their own size), frozen (0, or < 1e-3 of the largest finite update), else learning."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    top = float(finite.max()) if finite.size else 0.0
    out = []
    for x in v:
        if not math.isfinite(x):
            out.append(BROKEN)
        elif x > 1.0:
            out.append(JUMPING)
        elif x == 0.0 or x < FROZEN_RATIO * top:
            out.append(FROZEN)
        else:
            out.append(MOVING)
    return out


def bar_values(result: TrainResult) -> np.ndarray:
    """What the bars show: ‖ΔW_l‖/‖W_l‖, or for tied weights each layer's share of the update."""
    if result.layer_contrib is not None:
        return result.layer_contrib
    return result.rel_update


def _log10(x: float) -> float:
    if x == 0:
        return -math.inf
    if not math.isfinite(x):
        return math.inf
    return math.log10(x)


def render_bars(values: np.ndarray, width: int, height: int, *, ascii: bool = False,
                color: bool = True) -> Text:
    """One row per layer (layer 1 at the top; every k-th layer when there are more layers than
    rows) with a log-scale bar, a regime glyph and the value; the decade axis on the last row."""
    g = glyphs(ascii)
    v = np.asarray(values, dtype=float)
    L = v.shape[0]
    rows = max(1, height - 1)
    shown = np.unique(np.linspace(0, L - 1, min(L, rows)).round().astype(int))
    regimes = update_regimes(v)
    logs = np.array([_log10(float(x)) for x in v])
    finite = logs[np.isfinite(logs)]
    hi = math.ceil(float(finite.max())) if finite.size else 0
    lo = math.floor(float(finite.min())) if finite.size else hi - 4
    hi = max(hi, lo + 1)
    lo = max(lo, hi - 12)
    label_w = len(str(L))
    value_w = 8
    bar_w = max(4, width - label_w - 3 - value_w)
    span = hi - lo
    lines = []
    for i in shown:
        x, lg, regime = float(v[i]), float(logs[i]), regimes[i]
        style = STYLE[regime] if color else ""
        glyph = g.regime[regime]
        if regime == BROKEN:
            bar = ("!" if ascii else "‼") * bar_w
            shown_value = "inf" if math.isinf(x) else "nan"
        else:
            frac = 0.0 if lg == -math.inf else min(1.0, max(0.0, (lg - lo) / span))
            bar = _bar(frac, bar_w, ascii)
            if lg != -math.inf and lg < lo:
                bar = "<" + bar[1:]
            shown_value = fmt_log10(lg, 2)
        lines.append(Text.assemble(
            (f"{i + 1:>{label_w}} ", "dim" if color else ""),
            (glyph, f"bold {style}".strip()),
            " ",
            (bar, style),
            f" {shown_value:>{value_w - 1}}",
        ))
    lines.append(_axis(lo, hi, label_w + 3, bar_w))
    return Text("\n", no_wrap=True, end="").join(lines)


def _bar(frac: float, width: int, ascii: bool) -> str:
    if ascii:
        n = int(round(frac * width))
        return "#" * n + " " * (width - n)
    eighths = int(round(frac * width * 8))
    full, part = divmod(eighths, 8)
    s = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    return s + " " * (width - len(s))


def _axis(lo: int, hi: int, indent: int, width: int) -> Text:
    """Decade labels under the bars: lo at the left edge, hi at the right, a middle one if it fits."""
    cells = [" "] * (width + 6)
    labels = [(0, lo), (width, hi)]
    if hi - lo >= 2 and width >= 18:
        mid = (lo + hi) // 2
        labels.insert(1, (round((mid - lo) / (hi - lo) * width), mid))
    for pos, dec in labels:
        s = f"1e{dec}"
        start = max(0, min(len(cells) - len(s), pos - len(s) // 2))
        cells[start:start + len(s)] = list(s)
    return Text(" " * indent + "".join(cells).rstrip(), style="dim")


def _tick_label(v: float) -> str:
    """``5e-3``, ``1e24``: one significant digit (ticks sit on 1-2-5 values)."""
    mant, exp = f"{v:.0e}".split("e")
    return f"{mant}e{int(exp)}"


def y_axis(lo: float, hi: float, max_ticks: int) -> tuple[float, float, list[float], list[str]]:
    """Limits and ticks (log10 positions, labels) of a log axis showing at least one decade.

    A loss that hardly moves stays a flat line under the top edge (it did not learn) instead of being
    stretched over the whole height; ticks are decades, or 1-2-5 values when few decades show."""
    if hi - lo < 0.9:
        hi = hi + 0.05
        lo = hi - 1.0
    else:
        lo, hi = lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)
    max_ticks = max(2, max_ticks)
    first, last = math.floor(lo), math.ceil(hi)
    ticks: list[float] = []
    for mults in ((1, 2, 5), (1, 3), (1,)):
        ticks = [math.log10(m) + d for d in range(first, last + 1) for m in mults
                 if lo <= math.log10(m) + d <= hi]
        if len(ticks) <= max_ticks:
            break
    if len(ticks) > max_ticks:  # many decades: every k-th one
        k = math.ceil(len(ticks) / max_ticks)
        ticks = ticks[::k]
    values = [10.0**t for t in ticks]
    if all(1e-3 <= v < 1e4 for v in values):
        labels = [f"{v:.3g}" for v in values]
    else:
        labels = [_tick_label(v) for v in values]
    return lo, hi, ticks, labels


def _int_ticks(n: int, max_ticks: int) -> list[int]:
    if n <= 1:
        return [0]
    raw = (n - 1) / max(1, max_ticks - 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    step = max(1, int(step))
    return list(range(0, n, step))


def render_loss(result: TrainResult, width: int, height: int, *, ascii: bool = False,
                color: bool = True) -> Text:
    """The loss curve on a log10 axis (plotext); a marker at the step where it stopped being finite."""
    import plotext

    loss = result.loss
    n = loss.shape[0]
    steps = np.arange(n)
    ok = np.isfinite(loss) & (loss > 0)
    f = plotext.figure
    f.clear()
    f.theme("simple" if color else "colorless")
    f.plot_size(width, height)
    rows = max(2, (height - 4) // 2)
    if ok.any():
        ly = np.log10(loss[ok])
        lo, hi, ticks, labels = y_axis(float(ly.min()), float(ly.max()), rows)
        few = int(ok.sum()) <= 3
        symbol = ("o" if few else "*") if ascii else ("●" if few else "hd")
        s = f.signal(steps[ok].tolist(), ly.tolist(),
                     marker=plotext.marker(symbol, LOSS_COLOR if color else None))
        if not few:
            s.lines()
        f.draw(s)
    else:
        lo, hi, ticks, labels = -1.0, 1.0, [-1.0, 0.0, 1.0], ["1e-1", "1e0", "1e1"]
    bad = np.flatnonzero(~np.isfinite(loss))
    if bad.size:
        k = int(bad[0])
        y = hi - 0.04 * (hi - lo)
        word = "inf" if math.isinf(loss[k]) else "nan"
        label = f"loss {word} at step {k} {'!' if ascii else '‼'}"
        f.draw(f.text(k, y, plotext.colorize(label, MARK_COLOR) if color else label,
                      alignment="right"))
    f.ruler("y").lim(lo, hi)
    f.ruler("y").ticks(ticks, labels)
    xt = _int_ticks(max(n, 2), max(2, width // 10))
    f.ruler("x").lim(0, max(n - 1, 1))
    f.ruler("x").ticks(xt, [str(t) for t in xt])
    f.label("step")
    ansi = f.build().string(colorless=not color)
    f.clear()
    if ascii:
        ansi = ansi.translate(_BOX_TO_ASCII)
    return Text.from_ansi(ansi, no_wrap=True, end="")


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
        key = (id(self.result), width, height)
        if key != self._cache_key or self._cache_text is None:
            try:
                self._cache_text = render_loss(self.result, width, height, ascii=self.ascii,
                                               color=self.color)
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
        return render_bars(bar_values(self.result), width, height, ascii=self.ascii,
                           color=self.color)


# -- messages from the worker -------------------------------------------------------------------
@dataclass
class TrainProgress(Message):
    serial: int
    step: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainProgress)


@dataclass
class TrainFinished(Message):
    serial: int
    result: TrainResult


_LR = Binding.Group("lr", compact=True)


# -- the screen ---------------------------------------------------------------------------------
class TrainingScreen(Screen[None]):
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
        height: 2;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape", "stop_or_back", "stop/back", key_display="esc", id="train.back"),
        Binding("enter,r", "run", "rerun", key_display="enter", id="train.run"),
        Binding("left", "lr(-1)", "lr", key_display="←", group=_LR, id="train.lr_down"),
        Binding("right", "lr(1)", "lr", key_display="→", group=_LR, id="train.lr_up"),
        Binding("o", "optimizer", "sgd/adam", id="train.optimizer"),
        Binding("c", "clip", "clip", id="train.clip"),
        Binding("k", "steps", "steps", id="train.steps"),
        Binding("w", "tied", "tie", id="train.tied"),
    ]

    def __init__(self, config: Config, ascii: bool = False, *, train_config: TrainConfig | None = None,
                 autorun: bool = True, name: str | None = None) -> None:
        super().__init__(name=name, classes="-ascii" if ascii else None)
        self.config = config
        self.ascii = ascii
        self.glyphs = glyphs(ascii)
        if train_config is None:
            # a Config with tied weights (the unrolled-RNN toggle) trains tied by default
            train_config = TrainConfig(tied=bool(getattr(config, "tied", False)))
        self.tc = train_config
        self.autorun = autorun
        self.result: TrainResult | None = None
        self.running = False
        self.progress = (0, self.tc.steps)
        self.message: Text | None = None
        self._serial = 0

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
        self._update_header()
        self._update_titles()
        self._update_status()
        if self.autorun:
            self.action_run()

    # -- actions ----------------------------------------------------------------------------
    def action_run(self) -> None:
        self._serial += 1
        serial, config, tc = self._serial, self.config, self.tc
        self.running = True
        self.progress = (0, tc.steps)
        self.message = None
        note = "training" + self.glyphs.ellipsis
        self.query_one(LossChart).show(None, note)
        self.query_one(UpdateBars).show(None, note)
        self._update_status()
        self.run_worker(
            lambda: self._job(serial, config, tc), name="train", group="train", thread=True,
            exclusive=True, exit_on_error=False,
        )

    def _job(self, serial: int, config: Config, tc: TrainConfig) -> TrainResult:
        """Runs in the worker thread: only post_message (thread-safe) talks to the screen."""
        worker = get_current_worker()
        last = [0.0]

        def progress(step: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                self.post_message(TrainProgress(serial, step, total))

        result = train(config, tc, progress=progress, cancel=lambda: worker.is_cancelled)
        self.post_message(TrainFinished(serial, result))
        return result

    def action_stop_or_back(self) -> None:
        if self.running:
            for worker in self.workers:
                if worker.group == "train":
                    worker.cancel()
            self.running = False
            self._say("stopping" + self.glyphs.ellipsis)
        elif self.is_current:  # a second esc typed ahead must not pop the main screen
            self.workers.cancel_group(self, "train")
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
            self.tc = TrainConfig(**{**self.tc.__dict__, **changes})
        except ValueError as error:
            self._say(Text(str(error), style="bold red"))
            return
        self._update_header()
        self._update_titles()
        self.action_run()

    # -- messages ---------------------------------------------------------------------------
    def on_train_progress(self, message: TrainProgress) -> None:
        if message.serial == self._serial and self.running:
            self.progress = (message.step, message.total)
            self._update_status()

    def on_train_finished(self, message: TrainFinished) -> None:
        if message.serial != self._serial:
            return
        self.running = False
        self.result = message.result
        self.progress = (message.result.steps_taken, self.tc.steps)
        self.message = None
        self.query_one(LossChart).show(self.result, "no steps were taken")
        self.query_one(UpdateBars).show(self.result, "no steps were taken")
        self._update_titles()
        self._update_status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "train" and event.state == WorkerState.ERROR:
            # a run that cannot fit in memory (ValueError naming the setting) or an engine bug
            self.running = False
            self.result = None
            self.query_one(LossChart).show(None, "")
            self.query_one(UpdateBars).show(None, "")
            self._say(Text(f"cannot train: {event.worker.error}", style="bold red"))

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
        if c.bias_std:
            net += f", {g.sigma_b}={fmt_value(c.bias_std)}"
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
        self.query_one("#train-status", Static).update(self._status_text())

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
        lines = [self._outcome(r)]
        lines.append(self.message if self.message is not None else self._layers_note(r))
        return Text("\n", no_wrap=True).join(lines)

    def _outcome(self, r: TrainResult) -> Text:
        g = self.glyphs
        clip = ""
        if r.train_config.clip_norm is not None:
            clip = f"; clipped {r.clip_fired}/{r.steps_taken}"
        if r.diverged:
            k = r.diverged_at
            bad = "inf" if math.isinf(r.final_loss) else "nan"
            return Text.assemble(
                (f"{g.regime[BROKEN]} loss became {bad} at step {k}", "bold magenta"),
                f" (started at {fmt_value(r.first_loss)}{clip}): the weights blew up. "
                f"Try a smaller lr ({g.keys['left']}), clipping (c) or a smaller init.",
            )
        verb = "stopped at" if r.cancelled else "after"
        return Text.assemble(
            (f"{verb} {r.steps_taken} steps", "bold"),
            f": loss {fmt_value(r.first_loss)} {g.arrow} {fmt_value(r.final_loss)}"
            f"; max step {fmt_value(r.max_step_norm)}{clip}",
        )

    def _layers_note(self, r: TrainResult) -> Text:
        g = self.glyphs
        v = bar_values(r)
        if v.size < 2:
            return Text("")
        regimes = update_regimes(v)
        frozen = sum(1 for x in regimes if x == FROZEN)
        first, last = float(v[0]), float(v[-1])
        what = "share of the update" if r.layer_contrib is not None else "moved"
        text = Text.assemble(
            f"layer 1 {what} {fmt_log10(_log10(first))}, layer {v.size} {fmt_log10(_log10(last))}",
        )
        if frozen:
            text.append(f"; {frozen} {g.regime[FROZEN]} frozen (<1e-3 of the most)",
                        style="yellow" if not self.app.no_color else "")
        elif all(x == MOVING for x in regimes):
            text.append(f"; {g.regime[MOVING]} every layer learns", style="green" if not self.app.no_color else "")
        return text
