"""One expected-mode keypress computes the depth-scale text once and repaints only what changed."""

from __future__ import annotations

from collections import Counter

import pytest
from textual.widget import Widget
from textual.widgets import Static

import gradtui.render.verdict as verdict_module
from gradtui.engine import Config
from gradtui.tui.app import GradApp
from gradtui.tui.controls import CONTROL_KEYS, CONTROLS
from gradtui.tui.widgets import ChartView, ControlPanel
from tui_helpers import settle

SIZE = (80, 24)
#: the main screen's widgets a keypress may repaint
WATCHED = ("controls", "inspector", "chart", "verdict", "status", "command")


@pytest.fixture
def spies(monkeypatch):
    """Counts of depth_scale_text calls, theory_summary calls, and per widget id: repaints asked
    for (``refresh``), text set (``update``, Static.update) and the content drawn again
    (``render``, Widget._render_content, or the first line of a widget drawn line by line)."""
    counts: dict[str, Counter] = {"text": Counter(), "refresh": Counter(), "update": Counter(),
                                  "render": Counter()}
    original_text = verdict_module.depth_scale_text

    def counted_text(config, *, ascii=False):
        counts["text"]["depth_scale_text"] += 1
        return original_text(config, ascii=ascii)

    monkeypatch.setattr(verdict_module, "depth_scale_text", counted_text)
    import gradtui.engine.theory as theory

    original_summary = theory.theory_summary

    def counted_summary(config, **kw):
        counts["text"]["theory_summary"] += 1
        return original_summary(config, **kw)

    monkeypatch.setattr(theory, "theory_summary", counted_summary)
    def count_widget_calls(cls, name: str, kind: str) -> None:
        original = getattr(cls, name)

        def counted(self, *args, **kw):
            if self.id in WATCHED:
                counts[kind][self.id] += 1
            return original(self, *args, **kw)

        monkeypatch.setattr(cls, name, counted)

    count_widget_calls(Widget, "refresh", "refresh")
    count_widget_calls(Static, "update", "update")
    count_widget_calls(Widget, "_render_content", "render")
    for cls in (ChartView, ControlPanel):  # drawn line by line, from their own line caches
        original_line = cls.render_line

        def counted_line(self, y, original_line=original_line):
            if y == 0 and self.id in WATCHED:
                counts["render"][self.id] += 1
            return original_line(self, y)

        monkeypatch.setattr(cls, "render_line", counted_line)
    return counts


async def press_and_count(key_row: str, spies, config: Config) -> tuple[GradApp, dict[str, Counter]]:
    """Select ``key_row``, settle, reset the counters, press → once and settle again."""
    app = GradApp(config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        for _ in range(CONTROL_KEYS.index(key_row)):
            await pilot.press("down")
        app._warm.update([config.activation])  # computed inline, as after the start-up warm-up
        await settle(pilot)
        before = app.config
        for counter in spies.values():
            counter.clear()
        await pilot.press("right")
        await settle(pilot)
        assert app.config != before and app.settled
        return app, {name: Counter(counter) for name, counter in spies.items()}


async def test_a_depth_press_repaints_controls_chart_verdict_and_command_only(spies):
    app, counts = await press_and_count("depth", spies, Config(depth=16))
    assert app.config.depth != 16
    # the depth-scale line does not depend on depth: asked for once, solved not at all (cached)
    assert counts["text"] == {"depth_scale_text": 1}
    # exactly one repaint, one new text and one new drawing of each widget whose content changed,
    # and none of the inspector's and the status line's (their text is the same)
    assert counts["refresh"] == {"controls": 1, "chart": 1, "verdict": 1, "command": 1}
    assert counts["update"] == {"verdict": 1, "command": 1}
    assert counts["render"] == {"controls": 1, "chart": 1, "verdict": 1, "command": 1}


async def test_a_weight_press_solves_the_depth_scale_once_and_leaves_the_inspector(spies):
    # one step up already, so the command line keeps its two lines at 80 columns (no new layout)
    start = CONTROLS[CONTROL_KEYS.index("weight_scale")].step(Config(depth=16), +1)
    app, counts = await press_and_count("weight_scale", spies, start)
    assert counts["text"] == {"depth_scale_text": 1, "theory_summary": 1}  # a new σ_w: one solve
    changed = {"controls": 1, "chart": 1, "verdict": 1, "status": 1, "command": 1}  # χ₁ changed
    assert counts["refresh"] == changed
    assert counts["update"] == {"verdict": 1, "status": 1, "command": 1}
    assert counts["render"] == changed


async def test_unchanged_text_is_not_set_again():
    """The same status text twice repaints the line once; a different style counts as a change."""
    from rich.text import Text

    from gradtui.tui.widgets import TextLine

    app = GradApp(config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = app.query_one("#command", TextLine)
        calls = []
        original = line.update
        line.update = lambda *a, **kw: (calls.append(a), original(*a, **kw))  # type: ignore[method-assign]
        line.set_text(Text("same"))
        line.set_text(Text("same"))
        line.set_text(Text("same", style="bold red"))
        assert len(calls) == 2
