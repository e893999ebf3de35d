"""One expected-mode keypress computes the depth-scale text once and repaints only what changed."""

from __future__ import annotations

from collections import Counter

import pytest
from textual.widget import Widget

import gradtui.render.verdict as verdict_module
from gradtui.engine import Config
from gradtui.tui.app import GradApp
from gradtui.tui.controls import CONTROL_KEYS, CONTROLS
from tui_helpers import settle

SIZE = (80, 24)
#: the main screen's widgets a keypress may repaint
WATCHED = ("controls", "inspector", "chart", "verdict", "status", "command")


@pytest.fixture
def spies(monkeypatch):
    """Counts of depth_scale_text calls, theory_summary calls and repaints per widget id."""
    counts: dict[str, Counter] = {"text": Counter(), "refresh": Counter()}
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
    original_refresh = Widget.refresh

    def counted_refresh(self, *regions, **kw):
        if self.id in WATCHED:
            counts["refresh"][self.id] += 1
        return original_refresh(self, *regions, **kw)

    monkeypatch.setattr(Widget, "refresh", counted_refresh)
    return counts


async def press_and_count(key_row: str, spies, config: Config) -> tuple[GradApp, Counter, Counter]:
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
        return app, Counter(spies["text"]), Counter(spies["refresh"])


async def test_a_depth_press_repaints_controls_chart_verdict_and_command_only(spies):
    app, text, refresh = await press_and_count("depth", spies, Config(depth=16))
    assert app.config.depth != 16
    # the depth-scale line does not depend on depth: asked for once, solved not at all (cached)
    assert text["depth_scale_text"] == 1
    assert text["theory_summary"] == 0
    for changed in ("controls", "chart", "verdict", "command"):
        assert refresh[changed] >= 1, (changed, refresh)
    for same in ("inspector", "status"):  # their text is unchanged: no repaint
        assert refresh[same] == 0, (same, refresh)
    # one repaint per changed widget, not one per handler that ran
    assert refresh["chart"] == 1 and refresh["verdict"] == 1 and refresh["command"] == 1


async def test_a_weight_press_solves_the_depth_scale_once_and_leaves_the_inspector(spies):
    # one step up already, so the command line keeps its two lines at 80 columns (no new layout)
    start = CONTROLS[CONTROL_KEYS.index("weight_scale")].step(Config(depth=16), +1)
    app, text, refresh = await press_and_count("weight_scale", spies, start)
    assert text["depth_scale_text"] == 1
    assert text["theory_summary"] == 1  # a new σ_w: one fixed-point solve
    assert refresh["status"] == 1  # χ₁ changed
    assert refresh["inspector"] == 0
    assert refresh["chart"] == 1 and refresh["controls"] >= 1 and refresh["command"] == 1


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
