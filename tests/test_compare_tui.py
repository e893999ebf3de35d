"""The compare screen (gradtui/tui/compare_view.py): Pilot tests and snapshots at 80×24 and 120×40."""

from __future__ import annotations

import pytest
from tui_helpers import press_then_settle, screen_text, settle

from gradtui.engine import PRESET_ORDER, PRESETS, Config, compute
from gradtui.tui.app import GradApp
from gradtui.tui.compare_view import CompareScreen
from gradtui.tui.screens import HelpScreen

CLASSIC = (
    Config(depth=20, activation="sigmoid"),
    Config(depth=20, activation="tanh"),
    Config(depth=20, activation="relu", init="xavier_normal"),
    Config(depth=20, activation="relu", init="he_normal"),
)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def preset(n: int) -> Config:
    return PRESETS[PRESET_ORDER[n - 1]].config()


# -- snapshots ------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_snapshot_classic_four(snap_compare, size):
    app = GradApp(config=Config(depth=20), compare=CLASSIC)
    assert snap_compare(app, run_before=press_then_settle("right"), terminal_size=size)


def test_snapshot_classic_four_ascii(snap_compare):
    app = GradApp(config=Config(depth=20), ascii=True, compare=CLASSIC)
    assert snap_compare(app, run_before=press_then_settle(), terminal_size=(80, 24))


# -- Pilot ----------------------------------------------------------------------------------------
async def test_c_opens_with_the_pinned_and_the_current_setting():
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pinned = app.config
        await pilot.press("p", "4")
        await settle(pilot)
        current = app.config
        assert current == preset(4) and current != pinned
        await pilot.press("C")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert app.comparison == [pinned, current]
        assert screen.selected == 1
        text = screen_text(app)
        for config in (pinned, current):
            regime = compute(config).regime.upper()
            assert regime in text
        assert "main: " in text and "$ gradtui" in text


async def test_add_remove_step_apply_and_close():
    app = GradApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        assert app.comparison == [Config()]
        await pilot.press("a")  # the current setting is already there
        assert len(app.comparison) == 1 and "already here" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)
        for n in (2, 4, 5):  # add three more, one after another, from the main screen
            await pilot.press(str(n), "C", "a")
            await settle(pilot)
            assert app.comparison[-1] == preset(n)
            assert app.screen.selected == len(app.comparison) - 1
            await pilot.press("escape")
        assert len(app.comparison) == 4
        await pilot.press("6", "C", "a")  # a fifth: refused, and said so
        await settle(pilot)
        assert len(app.comparison) == 4 and "at most 4 settings" in screen_text(app)
        screen = app.screen
        assert screen.selected == 0  # the current setting is not in the comparison: the first
        await pilot.press("right", "right", "tab")
        assert screen.selected == 3
        await pilot.press("right")
        assert screen.selected == 0
        await pilot.press("left", "shift+tab")
        assert screen.selected == 2
        assert "▸ 3 " in screen_text(app)
        await pilot.press("x")
        assert app.comparison == [Config(), preset(2), preset(5)]
        await pilot.press("delete")
        assert app.comparison == [Config(), preset(2)] and screen.selected == 1
        await pilot.press("enter")  # makes setting 2 the main one and goes back to it
        await settle(pilot)
        assert not isinstance(app.screen, CompareScreen)
        assert app.config == preset(2)
        await pilot.press("C")
        await settle(pilot)
        assert app.screen.selected == 1 and app.comparison == [Config(), preset(2)]
        await pilot.press("escape")
        assert len(app.screen_stack) == 1


async def test_help_lists_the_compare_keys_and_q_quits():
    app = GradApp(compare=CLASSIC[:2])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "Keys of the compare view" in text and "add the main screen's current setting" in text
        await pilot.press("escape")
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_main_help_lists_c():
    app = GradApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert "compare up to four settings side by side" in screen_text(app)


async def test_results_of_a_dismissed_screen_are_dropped(monkeypatch):
    import threading

    import gradtui.engine

    release = threading.Event()
    real = gradtui.engine.compute

    def held(config, **kw):  # the compare screen's computation waits until the screen has gone
        if config.mode == "sampled":
            assert release.wait(30)
        return real(config, **kw)

    monkeypatch.setattr(gradtui.engine, "compute", held)
    sampled = Config(mode="sampled", depth=8, width=16, batch=4, seed=11)
    app = GradApp(compare=(sampled,))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert app.runner.busy("compare") and "computing" in screen_text(app)
        await pilot.press("escape")
        assert len(app.screen_stack) == 1
        release.set()
        for _ in range(1000):  # the thread stops at the network's first layer and shows nothing
            if not app.runner.busy("compare"):
                break
            await pilot.pause(0.02)
        await settle(pilot)
        assert not app.runner.busy("compare")
        assert sampled not in app.runner.cache  # stopped, not finished: nothing to keep
        assert screen._results == {}
        assert app.is_running and app._exception is None


async def test_too_small_terminal_says_so():
    app = GradApp(compare=CLASSIC)
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(pilot)
        # the app's one size guard stands over the compare screen until the terminal is big enough
        assert isinstance(app.screen_stack[-2], CompareScreen)
        text = screen_text(app)
        assert "needs a terminal of at least 80×24" in text and "70×20" in text
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert "VANISHING" in screen_text(app)


async def test_empty_comparison_and_ascii_screen():
    app = GradApp(ascii=True, compare=CLASSIC[:1])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        assert app.comparison == []
        text = screen_text(app)
        assert "nothing to compare" in text and text.isascii()
        await pilot.press("x", "enter", "left")  # nothing to remove, apply or select: no crash
        assert "nothing to remove" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        assert app.comparison == [app.config] and screen_text(app).isascii()
