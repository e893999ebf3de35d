"""The training view and the tour screen, in a tiny host app: snapshots at 80×24 and behaviour.

Snapshots are taken after the training run has finished on the app's runner and its result was
shown, so they do not depend on timing. Update with ``--snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from textual.app import ComposeResult
from textual.widgets import Static

from gradtui.engine import PRESETS, Config
from gradtui.engine.train import TrainConfig
from gradtui.tour import load_tour
from gradtui.tui.host import ConfigApp
from gradtui.tui.tour_view import TourScreen
from gradtui.tui.training_view import LossChart, TrainingScreen
from tui_helpers import settle as finish

SIZE = (80, 24)


class TrainHost(ConfigApp):
    """Opens the training view on the app's config, as the main app's `t` does."""

    ENABLE_COMMAND_PALETTE = False

    def __init__(self, config: Config, tc: TrainConfig | None = None, ascii: bool = False) -> None:
        super().__init__(config, ascii=ascii)
        self.tc = tc

    def compose(self) -> ComposeResult:
        yield Static("main screen", id="main")

    def on_mount(self) -> None:
        self.push_screen(TrainingScreen(ascii=self.ascii, train_config=self.tc))


class TourHost(ConfigApp):
    """Opens the tour and shows every config (and note) the tour writes into the app's config."""

    ENABLE_COMMAND_PALETTE = False
    CSS = "#main { padding: 1 1 1 32; }"

    def __init__(self, ascii: bool = False) -> None:
        super().__init__(ascii=ascii)
        #: (the step's 1-based index, the config written) for every change
        self.changes: list[tuple[int, Config]] = []
        self.tour = TourScreen(load_tour(), ascii=ascii)

    def compose(self) -> ComposeResult:
        yield Static("main screen", id="main")

    def on_mount(self) -> None:
        self.push_screen(self.tour)

    def change_config(self, config: Config, note=None) -> None:
        super().change_config(config, note)
        tour = self.tour
        self.changes.append((tour.index + 1, config))
        assert str(note).startswith(f"tour {tour.index + 1}/{len(tour.steps)}: {tour.step.title}")
        c = config
        self.screen_stack[0].query_one("#main", Static).update(
            f"bars now show step {tour.index + 1}/{len(tour.steps)}: {tour.step.preset}\n"
            f"{c.activation}, {c.init}, depth {c.depth}, residual {c.residual}"
        )


def pressing(*keys: str):
    async def run_before(pilot) -> None:
        await finish(pilot)
        for key in keys:
            await pilot.press(key)
            await finish(pilot)

    return run_before


# -- snapshots --------------------------------------------------------------------------------
SIGMOID = Config(depth=10, activation="sigmoid", init="xavier_normal")


def test_snapshot_training_sigmoid(snap_compare):
    app = TrainHost(SIGMOID, TrainConfig(steps=50))
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing())


def test_snapshot_training_relu_he_adam(snap_compare):
    app = TrainHost(Config(depth=10, activation="relu", init="he_normal"), TrainConfig(steps=50))
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("o"))


def test_snapshot_training_diverges(snap_compare):
    app = TrainHost(PRESETS["too_large"].config(), TrainConfig(steps=50))
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing())


def test_snapshot_training_clipped_ascii(snap_compare):
    app = TrainHost(PRESETS["too_large"].config(), TrainConfig(steps=50), ascii=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("c", "c"))


def test_snapshot_tour_step_3(snap_compare):
    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in ("space", "right"):
            await pilot.press(key)
        await pilot.pause()

    assert snap_compare(TourHost(), terminal_size=SIZE, run_before=run_before)


# -- behaviour --------------------------------------------------------------------------------
async def test_controls_retrain_and_esc_goes_back():
    app = TrainHost(Config(depth=4, activation="tanh", width=32), TrainConfig(steps=20))
    async with app.run_test(size=SIZE) as pilot:
        await finish(pilot)
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        first = screen.result
        assert first is not None and first.finished and first.steps_taken == 20
        await pilot.press("left")
        await finish(pilot)
        assert screen.tc.lr == pytest.approx(0.001)
        assert screen.result is not first and screen.result.train_config.lr == pytest.approx(0.001)
        await pilot.press("c")
        await finish(pilot)
        assert screen.tc.clip_norm == 10.0
        await pilot.press("k")
        await finish(pilot)
        assert screen.tc.steps == 50 and screen.result.steps_taken == 50
        await pilot.press("w")
        await finish(pilot)
        assert screen.result.layer_contrib is not None
        await pilot.press("o")
        await finish(pilot)
        assert screen.tc.optimizer == "adam" and screen.tc.lr == pytest.approx(1e-4)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TrainingScreen)


async def test_esc_cancels_a_running_training(monkeypatch):
    monkeypatch.setattr("gradtui.tui.budget.COMPUTE_BUDGET", float("inf"))  # a long run, unasked
    app = TrainHost(Config(depth=16, activation="relu", init="he_normal", width=256),
                    TrainConfig(steps=5000))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TrainingScreen) and screen.running
        await pilot.press("escape")
        await finish(pilot)
        assert isinstance(app.screen, TrainingScreen), "the first esc stops, it does not leave"
        assert screen.result is not None and screen.result.cancelled
        assert screen.result.steps_taken < 5000
        assert "stopped at" in screen.query_one("#train-status").render().plain


async def test_esc_stops_a_run_inside_its_one_long_step(monkeypatch):
    """One step at width 2048 and batch 1024 takes seconds: esc ends it between two layers (before,
    a run was only stopped between steps, so this one-step run always finished)."""
    monkeypatch.setattr("gradtui.tui.budget.COMPUTE_BUDGET", float("inf"))
    app = TrainHost(Config(depth=3, activation="tanh", width=2048),
                    TrainConfig(steps=1, batch=1024))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.running
        await pilot.press("escape")
        await finish(pilot)
        assert screen.result.cancelled and screen.result.steps_taken == 0
        assert "stopped before the first update" in screen.query_one("#train-status").render().plain


async def test_a_new_setting_over_budget_stops_the_run_and_asks(monkeypatch):
    monkeypatch.setattr("gradtui.tui.budget.COMPUTE_BUDGET", 1e-9)  # every run asks first
    app = TrainHost(Config(depth=16, activation="relu", init="he_normal", width=256),
                    TrainConfig(steps=5000))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("enter")  # yes, run it
        await pilot.pause()
        assert screen.running
        await pilot.press("right")  # lr ×2: asks again, and the run in flight stops
        await finish(pilot)
        assert not screen.running and screen.result.cancelled
        assert screen.result.steps_taken < 5000
        status = screen.query_one("#train-status").render().plain
        assert "stopped at" in status and "enter to run" in status


async def test_divergence_is_a_message_not_a_crash():
    app = TrainHost(PRESETS["too_large"].config(), TrainConfig(steps=50))
    async with app.run_test(size=SIZE) as pilot:
        await finish(pilot)
        status = app.screen.query_one("#train-status").render().plain
        assert "loss became inf at step 1" in status
        assert "‼" in app.screen.query_one(LossChart).render().plain


async def test_a_run_too_large_for_memory_is_a_message():
    app = TrainHost(Config(depth=2000, width=1024, mode="sampled", batch=1), TrainConfig(steps=1))
    async with app.run_test(size=SIZE) as pilot:
        await finish(pilot)
        status = app.screen.query_one("#train-status").render().plain
        assert status.startswith("cannot train: width: 1024 at depth 2000")


async def test_tour_moves_and_writes_the_app_config():
    app = TourHost()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        steps = load_tour()
        assert [index for index, _ in app.changes] == [1]
        await pilot.press("left")  # already at the first step: stays
        await pilot.press("space", "right", "left")
        await pilot.pause()
        assert [index for index, _ in app.changes] == [1, 2, 3, 2]
        assert app.changes[-1][1] == steps[1].config_for(Config()) == app.config
        for _ in range(len(steps) + 2):
            await pilot.press("right")
        await pilot.pause()
        assert app.changes[-1][0] == len(steps)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TrainingScreen)
        assert app.screen.config == steps[-1].config_for(Config()) == app.config
        await finish(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TourScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TourScreen)
