"""The interactive view of a recorded run (``gradtui --open FILE [--follow]``).

The same chart, inspector and verdict as for a simulated network, drawn from a file gradtui.probe
wrote: ←/→ move through the recorded steps, ``v`` cycles gradient → forward → weight views, ``m``
puts gradtui's own simulation of a plain MLP beside the real bars, ``--follow`` re-reads the file
as the training run appends to it. A file that goes bad while followed is a message, not a crash.
"""

from __future__ import annotations

import os

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Footer

from gradtui.probe import ProbeFileError, ProbeRun
from gradtui.render.numbers import fmt_value, format_pow10
from gradtui.render.text import asciify

from .host import MainScreen, run_in_terminal
from .recorded_model import Chart, chart_of, findings_text, simulate, verdict_words, weight_total_text
from .status import CLIP_NORMS, NEXT_VIEW
from .widgets import ChartView, TextLine, TooSmall, Verdict

#: seconds between re-reads of a followed file
FOLLOW_SECONDS = 1.0
_VIEW_TITLE = {"grad": "gradient reaching each module", "forward": "activation std per module",
               "weight": "‖∂L/∂weight‖ per module"}


def _num(x: float | None) -> str:
    return "—" if x is None else fmt_value(x)


def _ascii_text(text: Text) -> Text:
    """``text`` in ASCII characters (--ascii), its styles kept (asciify may change the length of
    a span's text, so each span is converted on its own)."""
    out = Text(no_wrap=text.no_wrap, overflow=text.overflow)
    plain, at = text.plain, 0
    for span in sorted(text.spans, key=lambda s: s.start):
        if span.start < at:  # overlapping spans: the rest as plain text
            continue
        out.append(asciify(plain[at:span.start]))
        out.append(asciify(plain[span.start:span.end]), style=span.style)
        at = span.end
    out.append(asciify(plain[at:]))
    return out


class RecordedInspector(Widget):
    """The module under the cursor: name and kind (as text, never markup) and its numbers."""

    def __init__(self, *, ascii: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row: dict | None = None
        self.ascii = ascii

    def show(self, row: dict | None, count: int) -> None:
        self.row = row
        self.border_title = " module " if row is None else f" module {row['layer']}/{count} "
        self.refresh()

    def render(self) -> Text:
        r = self.row
        if r is None:
            return Text("[ ] or , . pick a module", style="dim")
        lg = r["log10_grad"]
        grad = "0" if r["grad"] == 0.0 else ("unknown" if lg is None else format_pow10(lg, 3))
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(r["name"] or "(root)", style="bold")
        text.append(f"\n{r['kind']}" + (f" (call {r['call']})" if r["call"] > 1 else ""))
        # grad: ÷ the last module's, as the bars; then the absolute norms of the recorded tensors
        norm, weight = ("|grad|   ", "|dW|     ") if self.ascii else ("‖grad‖   ", "‖∇W‖     ")
        text.append(f"\ngrad      {grad}\n{norm} {_num(r['grad_norm'])}\n{weight} {_num(r['weight_grad'])}"
                    f"\nact std   {_num(r['act_std'])}")
        dead = "—" if r["dead_frac"] is None else f"{100 * r['dead_frac']:.0f} %"
        text.append(f"\ndead      {dead}")
        if r["saturated_frac"] is not None:
            text.append(f"  sat {100 * r['saturated_frac']:.0f} %")
        if not r["called"]:
            text.append("\nnot called this step", style="dim")
        return _ascii_text(text) if self.ascii else text


class RecordedApp(MainScreen, App[None]):
    """A recorded run: one step at a time, its per-module bars, the module inspector and findings."""

    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("left", "step(-1)", "step", key_display="←", id="step.back", tooltip="earlier step"),
        Binding("right", "step(1)", "step", key_display="→", id="step.next", tooltip="later step"),
        Binding("home", "step_end(0)", "first step", show=False, id="step.first"),
        Binding("end", "step_end(1)", "last step", show=False, id="step.last"),
        Binding("left_square_bracket,comma", "module(-1)", "module -1", show=False, id="module.down"),
        Binding("right_square_bracket,full_stop", "module(1)", "module +1", show=False, id="module.up"),
        Binding("v", "view", "view", id="view"),
        Binding("m", "simulate", "simulate", id="simulate"),
        Binding("k", "clip", "clip norm", show=False, id="clip"),
        Binding("d", "distribution", "shares", show=False, id="distribution",
                tooltip="every module's output moments and dead / saturated shares (no histograms)"),
        Binding("q,ctrl+c", "quit", "quit", key_display="q", id="quit"),
    ]

    view: var[str] = var("grad", init=False)
    clip: var[float | None] = var(1.0, init=False)
    cursor: var[int | None] = var(None, init=False)

    def __init__(self, run: ProbeRun, *, step: int | None = None, follow: bool = False,
                 ascii: bool = False) -> None:
        super().__init__()
        self._drawing(ascii)
        self.run_data, self.follow = run, follow
        #: index into run.steps of the step shown; None: the last (and, followed, the newest)
        self.index: int | None = None if step is None else run.step_numbers.index(step)
        self.simulated = False
        self.sim = self.sim_result = None
        self.sim_why: str | None = None
        self.chart: Chart | None = None
        self.message: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            with Horizontal(id="body"):
                with Vertical(id="side"):
                    yield TextLine("", id="run")
                    yield RecordedInspector(ascii=self.ascii, id="inspector")
                yield ChartView(ascii=self.ascii, color=not self.no_color, id="chart")
            yield Verdict(ascii=self.ascii, id="verdict")
            yield TextLine("", id="findings")
            yield TextLine("", id="status")
            yield Footer()
        yield TooSmall(id="too-small")

    def on_mount(self) -> None:
        from . import signals

        signals.install(self)  # SIGTERM, SIGHUP, … restore the terminal, as in the main app
        self._mount_look()
        self.query_one("#side").border_title = "recorded run"
        self.query_one("#status").display = True
        if self.follow:
            self.set_interval(FOLLOW_SECONDS, self.reread)
        self._draw()
        if self.chart is not None:
            self.cursor = 1  # the inspector names layer 1, the one the verdict speaks of

    # -- state ----------------------------------------------------------------------------------
    @property
    def step_index(self) -> int | None:
        if not self.run_data.steps:
            return None
        return len(self.run_data.steps) - 1 if self.index is None else self.index

    def reread(self) -> None:
        """--follow: read what the run appended; a file still being started is tried again."""
        try:
            new = self.run_data.refresh()
        except ProbeFileError as error:
            if self.run_data.header is None and error.reason.startswith("empty file"):
                return
            self.message = str(error)
            self._draw()
            return
        if new or self.message:
            self.message = None
            self._draw()
            if self.cursor is None and self.chart is not None:
                self.cursor = 1

    def action_step(self, delta: int) -> None:
        i = self.step_index
        if i is None:
            return
        j = max(0, min(len(self.run_data.steps) - 1, i + delta))
        # at the last step a followed run keeps showing the newest one
        self.index = None if j == len(self.run_data.steps) - 1 else j
        self.message = None
        self._draw()

    def action_step_end(self, last: int) -> None:
        self.index = None if last else 0
        self._draw()

    def action_module(self, delta: int) -> None:
        n = len(self.chart.keep) if self.chart else 0
        if n:
            self.cursor = (n if delta < 0 else 1) if self.cursor is None else max(1, min(n, self.cursor + delta))

    def action_view(self) -> None:
        self.view = NEXT_VIEW[self.view]

    def action_clip(self) -> None:
        order = [*CLIP_NORMS, None]
        self.clip = order[(order.index(self.clip) + 1) % len(order)] if self.clip in order else None

    def action_simulate(self) -> None:
        if self.sim is None and self.sim_why is None and self.run_data.header is not None:
            self.sim, self.sim_result, self.sim_why = simulate(self.run_data)
        self.simulated = not self.simulated and self.sim is not None
        if self.sim is None and self.sim_why:
            self.message = f"m: {self.sim_why}"
        self._draw()

    def watch_view(self) -> None:
        self._draw()

    def watch_clip(self) -> None:
        self._draw()

    def watch_cursor(self) -> None:
        chart = self.query_one(ChartView)
        chart.cursor = self.cursor
        self._inspect()

    # -- drawing --------------------------------------------------------------------------------
    def _draw(self) -> None:
        run, i = self.run_data, self.step_index
        side = self.query_one("#run", TextLine)
        chart_view = self.query_one(ChartView)
        verdict = self.query_one(Verdict)
        findings = self.query_one("#findings", TextLine)
        status = self.query_one("#status", TextLine)
        if i is None:
            waiting = "waiting for the first recorded step" + self.glyphs.ellipsis
            side.set_text(Text(self._t(os.path.basename(run.path) + "\n" + waiting)))
            chart_view.border_title = waiting
            verdict.show("stable", waiting if self.follow else "no step recorded")
            findings.set_text(Text(""))
            status.set_text(Text(self._t(self.message or ""), style="bold"))
            return
        step = run.steps[i]["step"]
        sim = self.simulated and self.view != "weight"
        try:
            self.chart = chart_of(run, step, self.view, self.sim if sim else None,
                                  self.sim_result if sim else None)
        except ValueError as error:
            self.message = str(error)
            self.chart = None
        h = run.header or {}
        loss = run.steps[i]["loss"]
        side.set_text(Text(self._t(
            f"{os.path.basename(run.path)}\n{h.get('model', '?')}, {len(run.modules)} modules\n"
            f"step {step} ({i + 1}/{len(run.steps)})" + (" following" if self.follow else "")
            + f"\nloss {_num(loss)}"), no_wrap=True, overflow="ellipsis"))
        if self.chart is not None:
            chart_view.clip = self.clip if self.view == "weight" else None
            chart_view.view = self.view
            chart_view.show(self.chart.result, self.chart.overlay)
            chart_view.border_title = self._t(_VIEW_TITLE[self.view] + (" + simulation" if sim else ""))
            keys = self.glyphs.keys
            chart_view.border_subtitle = f"{keys['left']}{keys['right']} step  v view  m simulate  [ ] module"
        regime, words = verdict_words(run, step)
        verdict.show(regime, self._t(words))
        findings.set_text(Text(self._t(findings_text(run, step))))
        if self.message:
            status.set_text(Text(self._t(self.message), style="bold"))
        elif self.view == "weight":
            status.set_text(Text(self._t(weight_total_text(run, step, self.clip))))
        elif self.chart is not None:
            status.set_text(Text(self._t(self.chart.note), style="dim"))
        if self.cursor is not None and self.chart is not None and self.cursor > len(self.chart.keep):
            self.cursor = 1
        self._inspect()

    def _t(self, text: str) -> str:
        """``text`` as this screen draws it: ASCII only with --ascii (the run's own names too)."""
        return asciify(text) if self.ascii else text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # under the distribution screen the run's keys wait (its own close first); q still quits
        return len(self.screen_stack) == 1 or action == "quit"

    def action_distribution(self) -> None:
        from .recorded_distribution import RecordedDistributionScreen

        i = self.step_index
        if i is None:
            return
        step = self.run_data.steps[i]["step"]
        rows = self.run_data.layers(step)
        module = None
        if self.chart is not None and self.cursor is not None:
            module = rows[self.chart.keep[self.cursor - 1]]["layer"]
        self.push_screen(RecordedDistributionScreen(rows, step, module, ascii=self.ascii))

    def _inspect(self) -> None:
        inspector = self.query_one(RecordedInspector)
        i = self.step_index
        if i is None or self.chart is None or self.cursor is None:
            inspector.show(None, len(self.run_data.modules))
            return
        layers = self.run_data.layers(self.run_data.steps[i]["step"])
        inspector.show(layers[self.chart.keep[self.cursor - 1]], len(layers))


def run_recorded_app(run: ProbeRun, *, step: int | None = None, follow: bool = False,
                     ascii: bool = False) -> int:
    return run_in_terminal(RecordedApp(run, step=step, follow=follow, ascii=ascii))
