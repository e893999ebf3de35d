"""The compute budget (issue 15 item 7, issue 16 item 10): the cost model is monotone and
consistent, and the CLI refuses an over-budget setting with one line naming what fits."""

from __future__ import annotations

import re
import types

import pytest
from hypothesis import given, settings, strategies as st

from gradtui.cli import main
from gradtui.engine import cost
from gradtui.engine.config import Config, ConfigError, budget_refusal, check_budget, compute_seconds


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 2000), st.integers(2, 4096), st.integers(1, 1024),
       st.booleans(), st.sampled_from(["normal", "uniform", "orthogonal"]))
def test_sampled_cost_grows_with_every_shape(depth, width, batch, tied, family):
    t = cost.sampled_estimate(depth, width, batch, tied=tied, family=family).seconds
    assert t > 0
    assert cost.sampled_estimate(depth + 1, width, batch, tied=tied, family=family).seconds >= t
    assert cost.sampled_estimate(depth, width + 1, batch, tied=tied, family=family).seconds >= t
    assert cost.sampled_estimate(depth, width, batch + 1, tied=tied, family=family).seconds >= t


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 400), st.integers(2, 256), st.integers(1, 1024), st.integers(1, 500))
def test_spectrum_and_training_costs_grow(depth, width, batch, steps):
    s = cost.spectrum_estimate(depth, width).seconds
    assert cost.spectrum_estimate(depth + 1, width).seconds >= s
    assert cost.spectrum_estimate(depth, width + 1).seconds >= s
    t = cost.train_estimate(depth, width, batch, steps).seconds
    assert cost.train_estimate(depth, width, batch, steps + 1).seconds >= t
    assert cost.train_estimate(depth, width, batch, steps, optimizer="adam").seconds >= t


def test_tied_weights_and_held_stacks_cost_less_to_draw():
    untied = cost.sampled_estimate(2000, 1024, 4)
    tied = cost.sampled_estimate(2000, 1024, 4, tied=True)
    assert tied.work["draw"] == 1024**2 < untied.work["draw"]
    # a stack too big to hold is drawn in the forward and again in the backward pass
    assert untied.work["draw"] == 2 * 2000 * 1024**2
    assert cost.sampled_estimate(10, 256, 4).work["draw"] == 10 * 256**2


def test_activations_that_cost_more_an_element_are_estimated_to():
    """gelu took 2.2x tanh's time at the element-wise-bound corner (2000, 32, 1024), from scratch
    (4.95 against 2.24 s, AVX-512 machine), which the model, fitted on tanh, predicted at 2.3 s for
    both: each activation's extra passes are counted, and the config's activation is the one used."""
    shape = (2000, 32, 1024)
    tanh = cost.sampled_estimate(*shape)
    assert cost.sampled_estimate(*shape, activation="tanh") == tanh
    for act in ("relu", "sigmoid", "linear", "elu"):  # no dearer than tanh an element (measured)
        assert cost.sampled_estimate(*shape, activation=act).seconds == tanh.seconds
    gelu = cost.sampled_estimate(*shape, activation="gelu")
    assert 2.0 * tanh.seconds <= gelu.seconds <= 2.8 * tanh.seconds
    assert gelu.work["elem"] - tanh.work["elem"] == 2000 * 32 * 1024 * cost._ACTIVATION_PASSES["gelu"]
    for act in ("silu", "softplus"):
        assert cost.sampled_estimate(*shape, activation=act).seconds > tanh.seconds
    config = Config(mode="sampled", depth=2000, width=32, batch=1024, activation="gelu")
    assert compute_seconds(config) == pytest.approx(gelu.seconds)
    assert compute_seconds(config.replace(activation="tanh")) == pytest.approx(tanh.seconds)


def test_training_counts_its_activation_too():
    """Training's constants were fitted on relu; gelu took 2.8x relu's time and tanh 1.7x in
    element-bound runs (50 steps at (50, 64, 256)): their extra passes are counted, and the
    training screen's check passes the config's activation."""
    from gradtui.engine.train_config import TrainConfig
    from gradtui.tui import budget

    shape = (50, 64, 256, 50)
    relu = cost.train_estimate(*shape).seconds
    assert cost.train_estimate(*shape, activation="relu").seconds == relu
    assert cost.train_estimate(*shape, activation="linear").seconds == relu
    tanh, gelu = (cost.train_estimate(*shape, activation=a).seconds for a in ("tanh", "gelu"))
    assert relu < tanh < gelu
    assert gelu >= 2.0 * relu
    # the training screen asks first for a gelu run whose relu twin it lets through
    steps = next(k for k in range(50, 5000, 50)
                 if cost.train_estimate(50, 64, 256, k, activation="gelu").seconds > cost.COMPUTE_BUDGET)
    assert cost.train_estimate(50, 64, 256, steps).seconds <= cost.COMPUTE_BUDGET
    tc = TrainConfig(steps=steps, batch=256)
    for act, asks in (("relu", False), ("gelu", True)):
        screen, said = types.SimpleNamespace(), []
        screen._say = said.append
        config = Config(mode="sampled", depth=50, width=64, activation=act)
        assert budget.train_over_budget(screen, config, tc, lambda: None) is asks, act
        assert bool(said) is asks and (not asks or "enter to run" in said[0])


def test_expected_and_chain_are_never_refused():
    for mode in ("expected", "chain"):
        for norm in ("none", "batch"):
            c = Config(mode=mode, depth=10_000, width=4096, batch=1024, norm=norm)
            assert budget_refusal(c) is None


def test_largest_fitting_is_the_boundary():
    f = lambda v: v * 0.5  # noqa: E731
    assert cost.largest_fitting(f, 1, 100, budget=10.0) == 20
    assert cost.largest_fitting(f, 30, 100, budget=10.0) is None
    assert cost.largest_fitting(f, 1, 15, budget=10.0) == 15


@pytest.mark.parametrize("seconds, text", [(0.2, "about 1 s"), (40, "about 40 s"),
                                           (15 * 60, "about 15 min"), (9000, "about 2.5 h")])
def test_duration_text(seconds, text):
    assert cost.duration_text(seconds) == text


def test_refusal_names_the_estimate_and_settings_that_fit():
    c = Config(mode="sampled", depth=2000, width=3500, batch=5, activation="linear")
    error = budget_refusal(c)
    assert isinstance(error, ConfigError) and error.kind == "compute" and error.field == "width"
    m = re.search(r"depth ≤ (\d+) or width ≤ (\d+) fits", error.reason)
    assert m and "budget 10 s" in error.reason and "min to compute" in error.reason
    depth, width = int(m.group(1)), int(m.group(2))
    # the settings it names fit, and one more layer or unit does not
    assert compute_seconds(c, depth=depth) <= cost.COMPUTE_BUDGET < compute_seconds(c, depth=depth + 1)
    assert compute_seconds(c, width=width) <= cost.COMPUTE_BUDGET < compute_seconds(c, width=width + 1)
    check_budget(c.replace(depth=depth))
    with pytest.raises(ConfigError):
        check_budget(c)


def test_the_spectrum_adds_to_the_bars_cost():
    c = Config(depth=1000, width=4096)
    assert compute_seconds(c, spectrum=True) > compute_seconds(c)


@pytest.mark.parametrize("extra", [["--json"], ["--print"], ["--json", "--spectrum"], []])
def test_cli_refuses_over_budget_in_one_line(extra, capsys):
    argv = ["--mode", "sampled", "--depth", "2000", "--width", "3500", "--batch", "5",
            "--activation", "linear", *extra]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("gradtui: error: --width: 3500 at depth 2000 and batch 5: about ")
    assert "(budget 10 s)" in err and "fits" in err


def test_cli_accepts_a_setting_within_budget(capsys):
    assert main(["--mode", "sampled", "--depth", "20", "--width", "64", "--batch", "8", "--json"]) == 0


# -- the TUI asks before an over-budget run ----------------------------------------------------
async def _main_screen_question(monkeypatch):
    import gradtui.tui.budget as budget
    from gradtui.tui.app import GradApp
    from gradtui.tui.screens import PresetsScreen
    from tui_helpers import settle

    monkeypatch.setattr(budget, "COMPUTE_BUDGET", 0.01)  # so a small network is "over budget"
    small = Config(mode="sampled", depth=20, width=64, batch=8)
    big = small.replace(depth=200, width=256, batch=64)
    assert compute_seconds(small) < 0.01 < compute_seconds(big)
    app = GradApp(config=small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        started = app.computes_started
        app.change_config(big)
        await pilot.pause(0.1)  # held: the app is not "settled" until it is answered
        status = app.query_one("#status").render().plain
        assert "this will take about" in status and "enter to run" in status
        assert app.computes_started == started and app.result.config == small  # held
        # the chart's border says it waits (nothing is computing), not "computing…"
        from gradtui.tui.widgets import ChartView

        assert app.query_one(ChartView).border_subtitle == "over budget: enter runs it"
        said = []
        running = budget.running
        monkeypatch.setattr(budget, "running", lambda *a: said.append(running(*a)) or said[-1])
        await pilot.press("enter")  # answers the question instead of opening the presets
        await settle(pilot)
        assert not isinstance(app.screen, PresetsScreen)
        assert app.computes_started == started + 1 and app.result.config == big
        # once answered, the question gives way to "computing", then to the time it took
        assert said[0].startswith("computing, estimated about"), said
        status = app.query_one("#status").render().plain
        assert re.search(r"took \d+\.\d s to compute \(estimated about .+\)", status), status
        assert "enter to run" not in status
        assert "over budget" not in app.query_one(ChartView).border_subtitle
        # a held request is cancelled by any other change; enter is then the presets key again
        app.change_config(big.replace(depth=150))
        await pilot.pause(0.1)
        app.change_config(small)
        await settle(pilot)
        assert app.result.config == small
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PresetsScreen)


def test_main_screen_asks_before_an_over_budget_change(monkeypatch):
    import asyncio

    asyncio.run(_main_screen_question(monkeypatch))


# -- the TUI's estimates follow the machine it runs on -------------------------------------------
def test_pace_is_the_slowest_recent_run_against_its_estimate():
    from gradtui.tui.budget import PACE_BOUNDS, PACE_MIN_SECONDS, PACE_RUNS, Pace

    pace = Pace()
    assert pace.factor == 1.0  # nothing measured yet: the model's own figures
    pace.record(10.0, PACE_MIN_SECONDS / 2)  # too short to say anything
    assert pace.factor == 1.0
    pace.record(10.0, 2.0)
    pace.record(10.0, 3.6)
    pace.record(10.0, 2.5)
    assert pace.factor == pytest.approx(0.36)  # the slowest of them
    for _ in range(PACE_RUNS):  # it forgets the oldest runs
        pace.record(10.0, 2.0)
    assert pace.factor == pytest.approx(0.2)
    pace.record(1.0, 100.0)
    assert pace.factor == PACE_BOUNDS[1]
    low = Pace()
    low.record(1000.0, 1.0)
    assert low.factor == PACE_BOUNDS[0]


def test_a_quick_machine_is_not_asked_about_what_it_runs_within_the_budget(monkeypatch):
    """The model says 2× the budget; this machine ran at 0.3× the model: no question."""
    import asyncio

    asyncio.run(_paced(monkeypatch, model_over_budget=2.0, ratio=0.3, asks=False))


def test_a_slow_machine_is_asked_about_what_the_model_lets_through(monkeypatch):
    """The model says 0.5× the budget; this machine ran at 3× the model: asked, with its time."""
    import asyncio

    asyncio.run(_paced(monkeypatch, model_over_budget=0.5, ratio=3.0, asks=True))


async def _paced(monkeypatch, *, model_over_budget: float, ratio: float, asks: bool):
    import gradtui.tui.budget as budget
    from gradtui.tui.app import GradApp
    from tui_helpers import settle

    small = Config(mode="sampled", depth=20, width=64, batch=8)
    big = small.replace(depth=200, width=256, batch=64)
    model = compute_seconds(big)
    monkeypatch.setattr(budget, "COMPUTE_BUDGET", model / model_over_budget)
    app = GradApp(config=small)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        budget.pace(app).record(10.0, 10.0 * ratio)  # as a measured run would
        started = app.computes_started
        app.change_config(big)
        await pilot.pause(0.1)
        status = app.query_one("#status").render().plain
        assert ("enter to run" in status) is asks, status
        if asks:  # held, and the question names the paced estimate
            assert app.computes_started == started
            assert budget.question(model * ratio) in status
        else:
            await settle(pilot)
            assert app.result.config == big and app.computes_started == started + 1


async def _views_keep_their_pace(monkeypatch):
    import gradtui.tui.budget as budget
    from gradtui.tui.app import GradApp
    from gradtui.tui.theory_views import SPECTRUM_MAX_WIDTH, SpectrumScreen
    from gradtui.tui.training_view import TrainingScreen
    from tui_helpers import settle

    monkeypatch.setattr(budget, "PACE_MIN_SECONDS", 0.0)  # every run counts, however quick
    config = Config(mode="sampled", depth=16, width=64, batch=8, activation="tanh")
    app = GradApp(config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("J")
        await settle(pilot)
        assert isinstance(app.screen, SpectrumScreen)
        spectrum = budget.pace(app, "spectrum")
        assert spectrum._ratios and spectrum.factor != 1.0  # its one run, against its estimate
        # the spectrum's question is the model's estimate at that pace
        screen, asked = app.screen, []
        monkeypatch.setattr(budget, "COMPUTE_BUDGET", 0.0)
        monkeypatch.setattr(budget, "ask_first", lambda *a, **k: asked.append(a[2]) or True)
        key = screen._key(config.replace(depth=32))
        budget.spectrum_over_budget(screen, key, SPECTRUM_MAX_WIDTH, lambda: None)
        assert asked == [pytest.approx(budget.spectrum_seconds(key, SPECTRUM_MAX_WIDTH) * spectrum.factor)]
        monkeypatch.undo()
        monkeypatch.setattr(budget, "PACE_MIN_SECONDS", 0.0)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TrainingScreen)
        if not app.screen.running and app.screen.result is None:
            app.screen.action_run()
        for _ in range(1000):
            await pilot.pause(0.01)
            if not app.screen.running:
                break
        train = budget.pace(app, "train")
        assert train._ratios and train.factor != 1.0
        # the main chart's pace is its own
        assert budget.pace(app) is budget.pace(app, "sampled") not in (spectrum, train)


def test_the_spectrum_and_training_views_keep_their_own_pace(monkeypatch):
    import asyncio

    asyncio.run(_views_keep_their_pace(monkeypatch))
