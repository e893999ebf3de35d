"""The lecture tour (``gradtui --tour`` or ``T``): a panel over the main screen that steps through a
scripted sequence of presets (:mod:`gradtui.tour`), space/→ forward and ← back.

The panel covers only the left column (where the controls are), so the bars stay in view; every
step writes its config into the app's one config (``app.change_config``, with the step's title as
the note), so the bars, and every other view, show it. ``t`` opens the training view on it.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Static

from gradtui.engine import Config
from gradtui.render.glyphs import glyphs
from gradtui.tour import TourStep
from gradtui.tui.widgets import set_border

#: a decade guess stays within 1e-400 … 1e+400
MAX_DECADE = 400
#: a step's title is clipped to this many characters in the panel, and to NOTE_TITLE in the
#: main screen's status line (one line at 80 columns), so no title can push the layout around
PANEL_TITLE, NOTE_TITLE = 160, 56


def clip(text: str, limit: int, ellipsis: str) -> str:
    """``text`` cut to at most ``limit`` characters, the cut marked with ``ellipsis``."""
    return text if len(text) <= limit else text[: limit - len(ellipsis)].rstrip() + ellipsis


def judge(step: TourStep, guess: int, config: Config) -> str:
    """How close the guess was, by the engine's answer for the step's config."""
    if step.choices:
        if guess == step.answer:
            return "Right."
        return f"Not quite: it is {step.answer}, {step.choices[step.answer - 1]}."
    from gradtui.engine import compute
    from gradtui.render.numbers import fmt_log10

    result = compute(config)
    truth = result.log10_grad_first if step.ask == "grad_first" else result.log10_grad_input
    if not math.isfinite(truth):
        return f"It is exactly {fmt_log10(truth)}: nothing gets through."
    off = abs(truth - guess)
    closeness = "within a decade: well guessed" if off < 1 else f"{off:.1f} decades off"
    return f"It is {fmt_log10(truth)}; you said 1e{guess:+d}: {closeness}."


class TourScreen(ModalScreen[None]):
    """Caption, what to notice and the step counter, over the left column of the main screen."""

    DEFAULT_CSS = """
    TourScreen {
        align: left top;
        background: $background 0%;
    }
    /* the panel's width is the side column's (app.tcss: one rule for both), so its border lies on
       the column's; its height is the main screen's body's (TourScreen._fit), so the verdict,
       status, command line and footer below stay in view whatever their height */
    TourScreen #tour-panel {
        height: 1fr;
        border: round $accent;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    /* no scrollbar (its blocks are not ASCII, and it takes a column): the border says "more" */
    TourScreen #tour-body {
        height: 1fr;
        scrollbar-size-vertical: 0;
    }
    TourScreen #tour-title {
        text-style: bold;
        margin-bottom: 1;
    }
    TourScreen #tour-caption {
        margin-bottom: 1;
    }
    TourScreen.-ascii #tour-panel {
        border: ascii $accent;
    }
    """

    HELP_TITLE = "lecture tour"
    #: a binding's tooltip is its line in the help
    BINDINGS = [
        Binding("space,right", "move(1)", "next", id="tour.next", tooltip="next step of the tour"),
        Binding("left", "move(-1)", "back", id="tour.back", tooltip="previous step"),
        Binding("enter", "answer", "answer", show=False, id="tour.answer",
                tooltip="a question step: answer it (then the bars show)"),
        *[Binding(str(n), f"choose({n})", f"choice {n}", show=False, id=f"tour.choose{n}",
                  tooltip="a question step: pick choice 1–3 (elsewhere: load preset 1–3)")
          for n in (1, 2, 3)],
        Binding("down", "scroll(1)", "scroll", key_display="↓", show=False, id="tour.scroll.down",
                tooltip="a step longer than the panel: scroll its text (the border says more)"),
        Binding("up", "scroll(-1)", "scroll", key_display="↑", show=False, id="tour.scroll.up",
                tooltip="a step longer than the panel: scroll its text (the border says more)"),
        Binding("home", "first", "first step", show=False, id="tour.first",
                tooltip="back to the first step"),
        Binding("t", "train", "train", id="tour.train",
                tooltip="training view on this step's network"),
        Binding("escape", "close", "end tour", id="tour.close",
                tooltip="end the tour (the bars keep its last step)"),
        # a modal screen hides the app's keys: the help is reached through the tour's own binding
        Binding("question_mark,f1", "app.help", "help", key_display="?", show=False, id="tour.help",
                tooltip="this help"),
    ]

    def __init__(self, steps: list[TourStep], ascii: bool = False, *, base: Config | None = None,
                 start: int = 0, name: str | None = None) -> None:
        if not steps:
            raise ValueError("a tour needs at least one step")
        super().__init__(name=name, classes="-ascii" if ascii else None)
        self.steps = steps
        self.ascii = ascii
        self.glyphs = glyphs(ascii)
        #: the config the steps are laid on (the app's, when the tour opens, unless given)
        self.base = base
        self.index = max(0, min(start, len(steps) - 1))
        #: the current question's guess (a decade, or a 1-based choice) and whether it is answered
        self.guess = 0
        self.answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="tour-panel"):
            with VerticalScroll(id="tour-body"):
                yield Static("", id="tour-title")
                yield Static("", id="tour-caption")
                yield Static("", id="tour-notice")
                yield Static("", id="tour-question")

    def on_mount(self) -> None:
        if self.base is None:
            self.base = self.app.config
        body = self.query_one("#tour-body")
        self.watch(body, "scroll_y", lambda: self._update_subtitle(), init=False)
        main = self.app.screen_stack[0]
        if main is not self and main.query("#body"):
            # the main screen's body changes height with its verdict, status and command lines
            main.screen_layout_refresh_signal.subscribe(self, lambda _: self._fit(main))
            self._fit(main)
        self._show()

    def on_unmount(self) -> None:
        main = self.app.screen_stack[0] if self.app.screen_stack else None
        if main is not None and main is not self:
            main.screen_layout_refresh_signal.unsubscribe(self)

    def _fit(self, main) -> None:
        """The panel as high as the main screen's body, so it never covers the verdict below."""
        try:
            height = main.query_one("#body").region.height
        except Exception:  # the main screen is being torn down
            return
        panel = self.query_one("#tour-panel")
        if height > 0 and panel.styles.height != height:
            panel.styles.height = height
            self.call_after_refresh(self._update_subtitle)

    def on_resize(self) -> None:
        self.call_after_refresh(self._update_subtitle)
        self.call_after_refresh(self._update_title)

    def _update_title(self) -> None:
        """``tour 3/16 ··●·…`` with a dot per step (16 at most), whole or not at all: where the
        panel is too narrow for them beside "tour", the dots stay and "tour" goes; narrower
        still, only ``tour 3/16`` (never a row of dots cut short, which could hide the current one)."""
        panel = self.query_one("#tour-panel")
        n, at = len(self.steps), f"{self.index + 1}/{len(self.steps)}"
        title = f"tour {at}"
        if n <= 16:
            on, off = ("#", ".") if self.ascii else ("●", "·")
            dots = "".join(on if i == self.index else off for i in range(n))
            # the border takes "╭─ " and " ─╮" around the title; before layout, assume room
            room = panel.outer_size.width - 6 if panel.outer_size.width else len(title) + 1 + n
            if len(title) + 1 + n <= room:
                title = f"{title} {dots}"
            elif len(at) + 1 + n <= room:
                title = f"{at} {dots}"
        set_border(panel, title=title)

    @property
    def export_tag(self) -> str:
        """The screen's part of an exported file's name (tui/export.py): ``tour3``."""
        return f"tour{self.index + 1}"

    # -- the current step -------------------------------------------------------------------
    @property
    def step(self) -> TourStep:
        return self.steps[self.index]

    def config(self) -> Config:
        """The step's config on the base's mode, width, batch and seed when that is valid."""
        if self.base is not None:
            try:
                return self.step.config_for(self.base)
            except ValueError:
                pass
        return self.step.config

    def _show(self) -> None:
        g = self.glyphs
        step, n = self.step, len(self.steps)
        self._update_title()
        asking = step.is_question and not self.answered
        title = clip(self._text(step.title), PANEL_TITLE, g.ellipsis)
        self.query_one("#tour-title", Static).update(Text(title))
        self.query_one("#tour-caption", Static).update(Text(self._text(step.caption)))
        notice = Text.assemble((f"{g.marker} look: ", "bold"), self._text(step.notice)) \
            if step.notice else Text("")
        shown = self.query_one("#tour-notice", Static)
        shown.update(notice if not asking else Text(""))
        shown.display = bool(step.notice) and not asking  # an empty line would only push the text down
        question = self.query_one("#tour-question", Static)
        question.update(self._question_text())
        question.display = step.is_question
        body = self.query_one("#tour-body")
        if self.answered:  # the answer is at the end: show it (↑ scrolls back to the question)
            self.call_after_refresh(lambda: body.scroll_end(animate=False))
        else:
            body.scroll_home(animate=False)
        self._update_subtitle()
        self.call_after_refresh(self._update_subtitle)
        self.app.hide_answer(asking)
        title = clip(self._text(step.title), NOTE_TITLE, g.ellipsis)
        note = Text.assemble((f"tour {self.index + 1}/{n}: ", "bold"), title)
        self.app.change_config(self.config(), note)

    def _update_subtitle(self) -> None:
        """The keys under the panel, led by "↓ more" while its text goes on below (↑: above)."""
        # queued after a refresh: by then a closing screen may be attached with its children gone
        if not self.is_attached:
            return
        try:
            body, panel = self.query_one("#tour-body"), self.query_one("#tour-panel")
        except NoMatches:
            return
        k, step = self.glyphs.keys, self.step
        more = (k["up"] if body.scroll_y > 0 else "") + (k["down"] if body.scroll_y < body.max_scroll_y else "")
        # (text, priority): the least needed part goes first when the border is too short
        if step.is_question and not self.answered:
            pick = "1-3" if step.choices else f"{k['left']}{k['right']}"
            parts = [(f"{pick} guess", 4), ("enter answer", 5), ("esc end", 1)]
        else:
            parts = [(f"{k['right']} next", 4), (f"{k['left']} back", 1), ("esc end", 2)]
        if more:
            parts.insert(0, (f"{more} more", 3))
        room = max(panel.size.width - 4, 0)  # the corners and a dash each side
        while len(parts) > 1 and len("  ".join(t for t, _ in parts)) > room:
            parts.remove(min(parts, key=lambda part: part[1]))
        parts = [t for t, _ in parts]
        panel.border_subtitle = "  ".join(parts)

    def action_scroll(self, delta: int) -> None:
        body = self.query_one("#tour-body")
        if (delta > 0 and body.scroll_y >= body.max_scroll_y) or (delta < 0 and body.scroll_y <= 0):
            self.app.bell()
            return
        body.scroll_relative(y=delta, animate=False)

    # -- questions --------------------------------------------------------------------------
    def _question_text(self) -> Text:
        step, g = self.step, self.glyphs
        if not step.is_question:
            return Text("")
        out = Text.assemble(("? ", "bold"), (self._text(step.question), "bold"), "\n")
        if step.choices:
            for i, choice in enumerate(step.choices, start=1):
                mark = g.marker if i == self.guess else " "
                out.append(f"{mark} {i} {self._text(choice)}\n", style="reverse" if i == self.guess else "")
        else:
            out.append(f"your guess: {'10^' if self.ascii else '1e'}{self.guess:+d}\n")
        if self.answered:
            out.append(self._text(judge(step, self.guess, self.config())) + "\n", style="bold")
            if step.reveal:
                out.append(self._text(step.reveal))
        return out

    def action_answer(self) -> None:
        if self.step.is_question and not self.answered:
            if self.step.choices and not self.guess:
                self.app.bell()  # pick a choice first
                return
            self.answered = True
            self._show()

    def action_choose(self, number: int) -> None:
        step = self.step
        if step.choices and not self.answered and number <= len(step.choices):
            self.guess = number
            self.query_one("#tour-question", Static).update(self._question_text())
        elif not step.is_question:
            self.app.action_preset(number)  # as on the main screen

    def _text(self, s: str) -> str:
        if not self.ascii:
            return s
        from gradtui.render.text import asciify

        return asciify(s)

    # -- actions ----------------------------------------------------------------------------
    def action_move(self, delta: int) -> None:
        step = self.step
        if step.is_question and not self.answered:  # ←→ change the guess until it is answered
            if step.choices:
                self.guess = (self.guess + delta - 1) % len(step.choices) + 1 if self.guess else 1
            else:
                self.guess = max(-MAX_DECADE, min(MAX_DECADE, self.guess + delta))
            self.query_one("#tour-question", Static).update(self._question_text())
            return
        new = max(0, min(len(self.steps) - 1, self.index + delta))
        if new != self.index:
            self._go(new)
        else:
            self.app.bell()

    def _go(self, index: int) -> None:
        self.index, self.guess, self.answered = index, 0, False
        self._show()

    def action_first(self) -> None:
        if self.index:
            self._go(0)

    def action_train(self) -> None:
        from .training_view import TrainingScreen

        self.app.push_screen(TrainingScreen(ascii=self.ascii))

    def action_close(self) -> None:
        if self.is_current:  # a second close key typed ahead must not pop the main screen
            self.dismiss()
