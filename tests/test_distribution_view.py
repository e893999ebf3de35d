"""Pilot tests of the distribution view (``d``): open, move the layer, switch mode, close; and its
snapshots at 80×24 and 120×40."""

from __future__ import annotations

import pytest

from gradtui.engine import Config, compute
from gradtui.engine.distribution import layer_distribution
from gradtui.tui.app import GradApp
from gradtui.tui.distribution_view import DistributionScreen
from gradtui.tui.screens import HelpScreen
from tui_helpers import press_then_settle, screen_text, settle

SIGMOID = Config(mode="sampled", depth=16, width=64, batch=16)
RELU_HE = Config(mode="sampled", activation="relu", init="he_normal", depth=20, width=64, batch=16)


async def test_open_move_and_close():
    app = GradApp(config=RELU_HE)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DistributionScreen)
        text = screen_text(app)
        # no cursor on the chart: layer 1, and the view says so
        assert screen.layer_no == 1 and "layer 1/20" in text and "no layer cursor" in text
        result = compute(RELU_HE)
        assert f"dead {100 * result.dead_frac[0]:.1f}%" in text  # the inspector's fraction
        await pilot.press("right_square_bracket", "full_stop", "full_stop")
        await settle(pilot)
        assert screen.layer_no == 4 and "layer 4/20" in screen_text(app)
        assert app.cursor == 4  # the main screen's inspector follows
        assert f"dead {100 * result.dead_frac[3]:.1f}%" in screen_text(app)
        assert "no layer cursor" not in screen_text(app)
        await pilot.press("comma", "end")
        await settle(pilot)
        assert screen.layer_no == 20
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, DistributionScreen)
        assert app.cursor == 20 and "layer 20/20" in str(app.query_one("#inspector").border_title)


async def test_opens_on_the_cursor_and_follows_the_mode():
    app = GradApp(config=Config(depth=16))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("full_stop", "full_stop", "full_stop", "d")  # cursor on layer 3
        await settle(pilot)
        screen = app.screen
        assert screen.layer_no == 3 and not screen.defaulted
        text = screen_text(app)
        q = compute(Config(depth=16)).q[2]
        assert "expected: N(μ, q)" in text and f"q {q:#.3g}".rstrip(".") in text
        await pilot.press("m")  # → sampled: the real network's values
        await settle(pilot)
        assert app.config.mode == "sampled" and screen.dist.kind == "sampled"
        assert screen.dist.saturated_frac == compute(app.config).saturated_frac[2]
        await pilot.press("m")  # → chain: one value
        await settle(pilot)
        assert screen.dist.kind == "chain" and "chain: one neuron" in screen_text(app)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "distribution" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("d")  # d closes the view too
        await settle(pilot)
        assert not isinstance(app.screen, DistributionScreen)


async def test_main_help_lists_the_key():
    app = GradApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = screen_text(app)
        assert "distribution of the inspected layer" in text


async def test_ascii_and_no_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = GradApp(config=RELU_HE, ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        text = screen_text(app)
        assert all(ord(ch) < 128 for ch in text)
        assert "dead" in text and "#" in text and "." in text


async def test_sampled_work_is_on_the_runner_and_dropped_when_closed():
    config = Config(mode="sampled", depth=40, width=128, batch=32)
    app = GradApp(config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        started = app.runner.started["distribution"]
        await pilot.press("d")
        await settle(pilot)
        assert app.runner.started["distribution"] == started + 1
        dist = app.screen.dist
        assert dist.saturated_frac == layer_distribution(config, 1).saturated_frac
        await pilot.press("escape", "d")  # cached: no second computation
        await settle(pilot)
        assert app.runner.started["distribution"] == started + 1


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
CASES = {
    "sigmoid_sampled": (SIGMOID, ("full_stop",) * 16),
    "relu_he_sampled": (RELU_HE, ("full_stop",) * 5),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("case", list(CASES))
def test_snapshot_distribution(snap_compare, case, size):
    config, keys = CASES[case]
    app = GradApp(config=config)
    assert snap_compare(app, run_before=press_then_settle(*keys, "d"), terminal_size=size)
