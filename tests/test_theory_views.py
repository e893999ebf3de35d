"""The theory screens: phase map and Jacobian spectrum (snapshots at 80×24, Pilot)."""

from __future__ import annotations

import pytest
from tui_helpers import press_then_settle, settle
from gradtui.engine import Config
from gradtui.tui.host import ConfigApp
from gradtui.tui.theory_views import PhaseMapScreen, SpectrumScreen


class Host(ConfigApp):
    """A bare app with one config that shows one theory screen and records the config's changes."""

    ENABLE_COMMAND_PALETTE = False

    def __init__(self, screen, config: Config) -> None:
        super().__init__(config, ascii=screen.ascii)
        self.theory = screen
        self.changes: list[Config] = []

    def on_mount(self) -> None:
        self.push_screen(self.theory)

    def watch_config(self, new: Config) -> None:
        self.changes.append(new)


# -- snapshots at 80×24 -------------------------------------------------------------------------------
def test_snapshot_phase_map_tanh(snap_compare):
    app = Host(PhaseMapScreen(), Config(activation="tanh", depth=50))
    assert snap_compare(app, run_before=press_then_settle("up", "up", "up", "up"), terminal_size=(80, 24))


def test_snapshot_phase_map_ascii_residual(snap_compare):
    app = Host(PhaseMapScreen(ascii=True), Config(activation="relu", init="he_normal", depth=20, residual=True))
    assert snap_compare(app, run_before=press_then_settle(), terminal_size=(80, 24))


def test_snapshot_spectrum_gaussian(snap_compare):
    app = Host(SpectrumScreen(), Config(mode="sampled", activation="linear", depth=16, width=64, batch=8))
    assert snap_compare(app, run_before=press_then_settle(), terminal_size=(80, 24))


def test_snapshot_spectrum_isometry(snap_compare):
    config = Config(mode="sampled", activation="linear", init="orthogonal", depth=16, width=64, batch=8)
    assert snap_compare(Host(SpectrumScreen(), config), run_before=press_then_settle(), terminal_size=(80, 24))


# -- Pilot ---------------------------------------------------------------------------------------------
async def test_cursor_follows_the_weight_scale_keys():
    screen = PhaseMapScreen()
    app = Host(screen, Config(activation="tanh", depth=50))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        the_map = screen.map
        x0, y0 = screen.cursor
        nx = the_map.shape[0]
        step = (nx - 1) / 16  # the map spans 4 octaves, the weight key steps 2^¼
        await pilot.press("right")
        await pilot.press("right")
        await pilot.pause()
        assert app.changes[-1].weight_scale == pytest.approx(2.0**0.5)
        x1, y1 = screen.cursor
        assert y1 == y0 and x1 - x0 == pytest.approx(2 * step, abs=1)
        for _ in range(4):
            await pilot.press("left")
        await pilot.pause()
        assert app.changes[-1].weight_scale == pytest.approx(2.0**-0.5)
        assert screen.cursor[0] - x0 == pytest.approx(-2 * step, abs=1)
        await settle(pilot)
        assert screen.map is the_map  # moving inside the map never recomputed it
        await pilot.press("up")
        await pilot.pause()
        assert app.changes[-1].bias_std > 0 and screen.cursor[1] > y0


async def test_app_driven_config_moves_the_cursor_and_changes_recompute():
    screen = PhaseMapScreen()
    app = Host(screen, Config(activation="tanh", depth=50))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        x0, _ = screen.cursor
        app.config = app.config.replace(weight_scale=2.0)
        await pilot.pause()
        assert screen.cursor[0] > x0
        assert screen.config is app.config and app.changes == [app.config]  # one config, no echo
        app.config = app.config.replace(activation="relu")
        await settle(pilot)
        assert screen.map.activation == "relu"


async def test_escape_closes_and_bias_cannot_go_below_zero():
    screen = PhaseMapScreen()
    app = Host(screen, Config(activation="tanh", depth=10))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # σ_b is already 0: nothing to report
        await pilot.pause()
        assert app.changes == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_spectrum_screen_recomputes_for_the_new_weight():
    screen = SpectrumScreen()
    app = Host(screen, Config(mode="sampled", activation="tanh", depth=8, width=32, batch=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = screen.spectrum
        await pilot.press("right")
        await settle(pilot)
        assert app.changes[-1].weight_scale == pytest.approx(2.0**0.25)
        assert screen.spectrum is not before
        assert screen.spectrum.config.weight_scale == pytest.approx(2.0**0.25)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen
