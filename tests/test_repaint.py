"""One expected-mode keypress computes the depth-scale text once and repaints only what changed:
the widgets whose content changed, and of the control panel and the chart only the rows that did."""

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
    for (``refresh``), text set (``update``, Static.update), the content drawn again (``render``,
    Widget._render_content) and, of the widgets drawn line by line, the rows drawn (``rows``)."""
    counts: dict[str, Counter] = {"text": Counter(), "refresh": Counter(), "update": Counter(),
                                  "render": Counter(), "rows": Counter()}
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
            if self.id in WATCHED:
                counts["rows"][self.id] += 1
            return original_line(self, y)

        monkeypatch.setattr(cls, "render_line", counted_line)
    return counts


@pytest.fixture
def layouts(monkeypatch) -> Counter:
    """``layouts["screen"]``: how many times the screen has been laid out (Screen._refresh_layout)."""
    from textual.screen import Screen

    counts: Counter = Counter()
    original = Screen._refresh_layout

    def counted(self, *args, **kw):
        counts["screen"] += 1
        return original(self, *args, **kw)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return counts


def changed_rows(before: list[str], after: list[str]) -> int:
    assert len(before) == len(after)
    return sum(old != new for old, new in zip(before, after))


async def press_and_count(key_row: str, spies, config: Config) -> tuple[GradApp, dict[str, Counter]]:
    """Select ``key_row``, settle, reset the counters, press → once and settle again. Also counts,
    under ``changes``, the rows of the chart and of the control panel whose text changed."""
    app = GradApp(config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        for _ in range(CONTROL_KEYS.index(key_row)):
            await pilot.press("down")
        app._warm.update([config.activation])  # computed inline, as after the start-up warm-up
        await settle(pilot)
        before = app.config
        chart, controls = app.query_one(ChartView), app.query_one(ControlPanel)
        chart_before, controls_before = list(chart._cache_lines), [r.markup for r in controls._rows()]
        for counter in spies.values():
            counter.clear()
        await pilot.press("right")
        await settle(pilot)
        assert app.config != before and app.settled
        counts = {name: Counter(counter) for name, counter in spies.items()}
        counts["changes"] = Counter(
            chart=changed_rows(chart_before, chart._cache_lines),
            controls=changed_rows(controls_before, [r.markup for r in controls._rows()]))
        counts["height"] = Counter(chart=chart.content_size.height)
        return app, counts


async def test_a_depth_press_repaints_controls_chart_verdict_and_command_only(spies):
    app, counts = await press_and_count("depth", spies, Config(depth=16))
    assert app.config.depth != 16
    # the depth-scale line does not depend on depth: asked for once, solved not at all (cached)
    assert counts["text"] == {"depth_scale_text": 1}
    # exactly one repaint, one new text and one new drawing of each widget whose content changed,
    # and none of the inspector's and the status line's (their text is the same)
    assert counts["refresh"] == {"controls": 1, "chart": 1, "verdict": 1, "command": 1}
    assert counts["update"] == {"verdict": 1, "command": 1}
    assert counts["render"] == {"verdict": 1, "command": 1}
    # of the control panel only the depth row changed and is drawn again; of the chart, the rows
    # that changed (the bars, most of the height), once each
    assert counts["changes"]["controls"] == 1
    assert 0 < counts["changes"]["chart"] < counts["height"]["chart"]
    assert counts["rows"] == counts["changes"]


async def test_a_weight_press_solves_the_depth_scale_once_and_leaves_the_inspector(spies):
    # one step up already, so the command line keeps its two lines at 80 columns (no new layout)
    start = CONTROLS[CONTROL_KEYS.index("weight_scale")].step(Config(depth=16), +1)
    app, counts = await press_and_count("weight_scale", spies, start)
    assert counts["text"] == {"depth_scale_text": 1, "theory_summary": 1}  # a new σ_w: one solve
    changed = {"controls": 1, "chart": 1, "verdict": 1, "status": 1, "command": 1}  # χ₁ changed
    assert counts["refresh"] == changed
    assert counts["update"] == {"verdict": 1, "status": 1, "command": 1}
    assert counts["render"] == {"verdict": 1, "status": 1, "command": 1}
    assert counts["changes"]["controls"] == 1  # the weight row
    assert counts["rows"] == counts["changes"]


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


async def test_what_the_partial_repaints_leave_on_screen_is_what_a_full_repaint_draws():
    """Rows kept from earlier frames must be the rows the current state draws: after each of a run
    of keys that change values, the selection (the panel's window scrolls at 80×24), the view,
    the layer cursor, the pin, the mode (sampled: provisional, then exact bars), the theme and the
    size, the screen equals the one drawn with every widget repainted whole."""
    from gradtui.tui.theme import switch

    app = GradApp(config=Config(depth=16, width=32, batch=8))
    steps = ["right", "right", "down", "right", "left", "down", "down", "right", "v", "right",
             "v", "v", "]", "]", "[", "p", "right", "right", "p", *["down"] * 6, "right",
             "down", "down", "right", "left", "up", "up", "escape", "light", "right", "dark",
             (100, 30), "right", (80, 24), "left"]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for step in steps:
            if isinstance(step, tuple):
                await pilot.resize_terminal(*step)
            elif step in ("light", "dark"):
                switch(app, step)
            else:
                await pilot.press(step)
            await settle(pilot)
            shown = app.export_screenshot()
            for widget in app.screen.walk_children(Widget):
                widget.refresh()
            await pilot.pause()
            assert app.export_screenshot() == shown, f"a stale row after {step!r}"


async def raise_the_weight(pilot):
    """Select the weight row, press → once and let the look-ahead run; returns the control."""
    for _ in range(CONTROL_KEYS.index("weight_scale")):
        await pilot.press("down")
    await pilot.press("right")
    await settle(pilot)
    await pilot.pause()
    return CONTROLS[CONTROL_KEYS.index("weight_scale")]


async def test_after_a_press_the_next_step_is_drawn_ahead_and_the_next_press_only_shows_it(monkeypatch):
    """The look-ahead: once a weight press's frame is drawn, the next step each way is computed
    and its chart drawn; pressing on then draws no chart (and computes nothing) on the key's way,
    and neither does a step back (the chart shown before is kept)."""
    import gradtui.render.bars as bars

    app = GradApp(config=Config(depth=16))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        app._warm.update([app.config.activation])
        control = await raise_the_weight(pilot)
        up, down = control.step(app.config, +1), control.step(app.config, -1)
        assert app.runner.cache.get(up) is not None and app.runner.cache.get(down) is not None
        chart = app.query_one(ChartView)
        assert {key[0] for key in chart._prepared} >= {id(app.runner.cache.get(up))}
        drawn = []
        real = bars.render_chart

        def fresh() -> str:  # the chart of what is shown, drawn now
            return real(app.result, *chart.content_size, color=chart.color, ascii=chart.ascii,
                        view=chart.view, theme=chart._cache_key[8])

        monkeypatch.setattr(bars, "render_chart", lambda *a, **kw: drawn.append(a) or real(*a, **kw))
        await pilot.press("right")
        assert app.config == up and app.result is app.runner.cache.get(up)
        # the key's own frame used the chart drawn ahead (what is drawn now is the next look-ahead)
        assert up not in [args[0].config for args in drawn]
        assert chart._cache_ansi == fresh()
        # the look-ahead then draws the step on; the step back is the chart shown before, kept
        before = app.config
        await settle(pilot)
        await pilot.pause()
        assert [args[0].config for args in drawn] == [control.step(before, +1)]
        drawn.clear()
        await pilot.press("left")
        assert app.config == control.step(before, -1)
        assert app.config not in [args[0].config for args in drawn]
        assert chart._cache_ansi == fresh()


async def test_no_look_ahead_for_a_sampled_network():
    app = GradApp(config=Config(depth=4, mode="sampled", width=8, batch=2))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        control = await raise_the_weight(pilot)
        ahead = control.step(app.config, +1)
        assert app.runner.cache.get(ahead) is None
        kept = [shown[0].config for shown, _ in app.query_one(ChartView)._prepared.values()]
        assert ahead not in kept  # only the chart shown before is kept


async def test_a_bias_mean_step_builds_its_tables_off_the_ui_thread(monkeypatch):
    """A new bias mean needs new mean-field tables (50–240 ms): neither the press nor the look-ahead
    builds them on the UI thread (the look-ahead did, stalling it for ~100–200 ms a step); the
    look-ahead builds the next step's in a thread, and the press on finds it computed."""
    import threading

    from gradtui.engine import meanfield_tables

    meanfield_tables._MADE.clear()  # so every mean below is new
    built = []
    real = meanfield_tables.node_values

    def recording(activation, mean=0.0):
        built.append((mean, threading.current_thread().name))
        return real(activation, mean)

    monkeypatch.setattr(meanfield_tables, "node_values", recording)
    app = GradApp(config=Config(depth=16, activation="tanh"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(CONTROL_KEYS.index("bias_mean")):
            await pilot.press("down")
        control = CONTROLS[CONTROL_KEYS.index("bias_mean")]
        await pilot.press("right")
        await settle(pilot)
        ahead = control.step(app.config, +1)
        for _ in range(250):  # the look-ahead's thread
            if app.runner.cache.get(ahead) is not None:
                break
            await pilot.pause(0.02)
        assert app.runner.cache.get(ahead) is not None
        started = app.runner.started["chart"]
        await pilot.press("right")
        assert app.config == ahead and app.result is app.runner.cache.get(ahead)
        assert app.runner.started["chart"] == started  # shown from the cache, nothing computed
        await settle(pilot)
    assert built, "no table was built"
    assert all(name != threading.main_thread().name for _, name in built), built
    assert (ahead.bias_mean, "gradtui-ahead") in built


async def test_a_held_weight_key_lays_the_screen_out_once_and_another_control_refits(layouts):
    """At 80 columns ``--weight-scale 1.189207115002721`` wraps the command line to two lines, and
    weight ×1 fits on one: going to and fro, the line keeps its two lines (padded), so only the
    first press lays the screen out and the chart keeps its height; selecting another control
    gives the chart its row back."""
    from gradtui.tui.widgets import TextLine

    app = GradApp(config=Config(depth=16))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(CONTROL_KEYS.index("weight_scale")):
            await pilot.press("down")
        await settle(pilot)
        chart, command = app.query_one(ChartView), app.query_one("#command", TextLine)
        height = chart.size.height
        assert command.size.height == 1
        layouts.clear()
        heights, seen = [], []
        for key in ["right", "left"] * 4:
            await pilot.press(key)
            await settle(pilot)
            heights.append((chart.size.height, command.size.height))
            seen.append(layouts["screen"])
        assert app.config.weight_scale == 1.0
        # only the first press lays the screen out (the command line grew to two lines)
        assert seen[0] > 0 and set(seen) == {seen[0]}
        assert set(heights) == {(height - 1, 2)}
        assert app.export_screenshot()  # drawable
        lines = command.render().plain.split("\n")  # type: ignore[union-attr]
        assert lines[0].startswith("$ gradtui") and lines[1:] == [""]
        await pilot.press("down")
        await settle(pilot)
        assert (chart.size.height, command.size.height) == (height, 1)


async def test_the_first_step_after_another_change_fits_the_text_lines():
    """Only repeated steps of one control hold the lines' height: after a preset's two-line note,
    the first → shows the one-line status at its own height, with no blank line kept."""
    from gradtui.tui.widgets import TextLine

    app = GradApp(config=Config(depth=16))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")  # preset 2: its caption is the status line, two lines at 80×24
        await settle(pilot)
        status = app.query_one("#status", TextLine)
        assert status.size.height == 2
        for _ in range(CONTROL_KEYS.index("weight_scale")):
            await pilot.press("down")
        await pilot.press("right")
        await settle(pilot)
        assert status.render().plain.count("\n") == 0  # type: ignore[union-attr]
        assert status.size.height == 1


async def test_a_held_key_in_the_sampled_weight_view_keeps_the_readout_line(layouts):
    """In the weight view of a sampled net the status line is the clip readout, which the
    provisional (mean-field) bars have not (from depth 25 at width 256, batch 64 a press shows
    them first): the line used to vanish at each press and come back with the network's bars, two
    screen layouts a press. While the depth is stepped it stays, blank until the readout comes."""
    from gradtui.tui.widgets import TextLine

    app = GradApp(config=Config(mode="sampled", depth=16))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v", "v")
        await settle(pilot)
        assert app.view == "weight"
        status = app.query_one("#status", TextLine)
        assert status.display
        seen = []
        for _ in range(5):
            await pilot.press("right")  # depth, the selected control
            await settle(pilot)
            assert status.display and "clip" in status.render().plain  # type: ignore[union-attr]
            seen.append(layouts["screen"])
        assert app.config.depth > 8
        assert set(seen[1:]) == {seen[0]}, seen  # no layout after the first press


async def test_cycling_the_norm_holds_the_verdicts_height(layouts):
    """At 120×40 the verdict takes one line or two as the norm cycles (none, layer, RMS, batch):
    while the norm is stepped it never shrinks, so after the first press the screen is laid out
    only once, when it grows."""
    from gradtui.tui.widgets import Verdict

    app = GradApp(config=Config(depth=16, activation="tanh"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(CONTROL_KEYS.index("norm")):
            await pilot.press("down")
        await settle(pilot)
        verdict, seen, heights = app.query_one(Verdict), [layouts["screen"]], []
        for key in ["right"] * 4 + ["left"] * 4:
            await pilot.press(key)
            await settle(pilot)
            seen.append(layouts["screen"])
            heights.append(verdict.size.height)
        assert app.config.norm == "none"
        assert heights == sorted(heights) and set(heights) == {1, 2}, heights
        # after the first press (which fits every line), laid out only at the press that grew it
        grew = heights.index(2)
        assert seen[grew + 1] > seen[grew] and len(set(seen[1:])) == 2, (seen, heights)
