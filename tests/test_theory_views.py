"""The theory screens: phase map and Jacobian spectrum (snapshots at 80×24, Pilot, plain renders)."""

from __future__ import annotations

import importlib.util
import numpy as np

import pytest
from tui_helpers import press_then_settle as shared_press_then_settle
from rich.cells import cell_len
from rich.text import Text
from textual.app import App

from gradtui.engine import Config
from gradtui.engine.theory import phase_map
from gradtui.tui.theory_views import (
    ConfigChanged,
    PhaseMapScreen,
    SpectrumScreen,
    depth_scale_text,
    phase_map_grid,
    render_phase_map,
    render_spectrum,
)

needs_sampled = pytest.mark.skipif(
    importlib.util.find_spec("gradtui.engine.sampled") is None, reason="the sampled engine is not there yet"
)


class Host(App[None]):
    """A bare app that shows one theory screen and records the configs it reports."""

    ENABLE_COMMAND_PALETTE = False

    def __init__(self, screen) -> None:
        super().__init__()
        self.theory = screen
        self.changes: list[Config] = []

    def on_mount(self) -> None:
        self.push_screen(self.theory)

    def on_config_changed(self, message: ConfigChanged) -> None:
        self.changes.append(message.config)


async def settle(pilot, rounds: int = 400) -> None:
    """Wait until the screen shows the current config's numbers (map/spectrum and readout)."""
    screen = pilot.app.theory
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if isinstance(screen, PhaseMapScreen):
            ready = not screen.busy and screen._readout is not None and screen._readout[0] == screen.config
        else:
            ready = not screen.busy
        if ready:
            await pilot.pause()
            return
    raise AssertionError("the theory screen never settled")


def press_then_settle(*keys: str):
    return shared_press_then_settle(*keys, wait=settle)


# -- snapshots at 80×24 -------------------------------------------------------------------------------
def test_snapshot_phase_map_tanh(snap_compare):
    app = Host(PhaseMapScreen(Config(activation="tanh", depth=50)))
    assert snap_compare(app, run_before=press_then_settle("up", "up", "up", "up"), terminal_size=(80, 24))


def test_snapshot_phase_map_ascii_residual(snap_compare):
    app = Host(PhaseMapScreen(Config(activation="relu", init="he_normal", depth=20, residual=True), ascii=True))
    assert snap_compare(app, run_before=press_then_settle(), terminal_size=(80, 24))


@needs_sampled
def test_snapshot_spectrum_gaussian(snap_compare):
    app = Host(SpectrumScreen(Config(mode="sampled", activation="linear", depth=16, width=64, batch=8)))
    assert snap_compare(app, run_before=press_then_settle(), terminal_size=(80, 24))


@needs_sampled
def test_snapshot_spectrum_isometry(snap_compare):
    config = Config(mode="sampled", activation="linear", init="orthogonal", depth=16, width=64, batch=8)
    assert snap_compare(Host(SpectrumScreen(config)), run_before=press_then_settle(), terminal_size=(80, 24))


# -- Pilot ---------------------------------------------------------------------------------------------
async def test_cursor_follows_the_weight_scale_keys():
    screen = PhaseMapScreen(Config(activation="tanh", depth=50))
    app = Host(screen)
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
    screen = PhaseMapScreen(Config(activation="tanh", depth=50))
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        x0, _ = screen.cursor
        screen.update_config(screen.config.replace(weight_scale=2.0))
        await pilot.pause()
        assert screen.cursor[0] > x0
        assert app.changes == []  # the app's own change is not echoed back
        screen.update_config(screen.config.replace(activation="relu"))
        await settle(pilot)
        assert screen.map.activation == "relu"


async def test_escape_closes_and_bias_cannot_go_below_zero():
    screen = PhaseMapScreen(Config(activation="tanh", depth=10))
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # σ_b is already 0: nothing to report
        await pilot.pause()
        assert app.changes == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


@needs_sampled
async def test_spectrum_screen_recomputes_for_the_new_weight():
    screen = SpectrumScreen(Config(mode="sampled", activation="tanh", depth=8, width=32, batch=4))
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = screen.spectrum
        await pilot.press("right")
        await settle(pilot)
        assert app.changes[-1].weight_scale == pytest.approx(2.0**0.25)
        assert screen.spectrum is not before
        assert screen.spectrum.config.weight_scale == pytest.approx(2.0**0.25)
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is not screen


# -- the renders themselves ------------------------------------------------------------------------------
def _plain_lines(ansi: str) -> list[str]:
    return Text.from_ansi(ansi, no_wrap=True, end="").plain.split("\n")


@pytest.mark.parametrize("size", [(80, 21), (120, 37), (40, 12)])
@pytest.mark.parametrize("ascii", [False, True])
def test_phase_map_render_fills_its_block_exactly(size, ascii):
    w, h = size
    c = Config(activation="tanh", depth=30, bias_std=0.3)
    pm = phase_map(c, *phase_map_grid(w, h))
    text = render_phase_map(pm, w, h, config=c, ascii=ascii)
    lines = _plain_lines(text)
    assert len(lines) == h and all(cell_len(line) == w for line in lines)
    assert text == render_phase_map(pm, w, h, config=c, ascii=ascii)  # plotext's global figure is reset
    plain = render_phase_map(pm, w, h, config=c, ascii=ascii, color=False)
    assert "\x1b" not in plain and plain.split("\n") == lines
    if ascii:
        assert text.isascii()
    cursor = "O" if ascii else "◆"
    assert cursor in "\n".join(lines[1:-3])  # on the canvas


@needs_sampled
@pytest.mark.parametrize("size", [(80, 21), (120, 37), (40, 12)])
@pytest.mark.parametrize("ascii", [False, True])
def test_spectrum_render_fills_its_block_exactly(size, ascii):
    from gradtui.engine.theory import jacobian_spectrum

    w, h = size
    spec = jacobian_spectrum(Config(mode="sampled", activation="relu", init="he_normal", depth=6, width=32))
    text = render_spectrum(spec, w, h, ascii=ascii)
    lines = _plain_lines(text)
    assert len(lines) == h and all(cell_len(line) == w for line in lines)
    assert text == render_spectrum(spec, w, h, ascii=ascii)
    assert "\x1b" not in render_spectrum(spec, w, h, ascii=ascii, color=False)
    if ascii:
        assert text.isascii()


def test_no_color_map_still_tells_the_regimes_apart():
    c = Config(activation="tanh", depth=50)
    pm = phase_map(c, *phase_map_grid(80, 21))
    canvas = "".join(_plain_lines(render_phase_map(pm, 80, 21, config=c, color=False))[1:-3])
    for glyph in ("█", "▒", "░", "·", "▓", "▚", "│", "◆"):  # stable, vanishing/exploding ramps, χ₁ = 1, cursor
        assert glyph in canvas, glyph
    assert not np.isnan(pm.log10_grad).any()


def test_depth_scale_line_for_the_verdict():
    assert depth_scale_text(Config(activation="relu", init="he_normal")) == "fixed point χ₁ = 1, ξ = ∞: critical, no change with depth"
    line = depth_scale_text(Config(activation="relu"))  # xavier: χ₁ = ½
    assert line.startswith("fixed point χ₁ = 0.5, ξ = 1.44: 10× smaller every 6.64 layers")
    assert max(len(depth_scale_text(Config(activation=a, weight_scale=w))) for a in ("tanh", "sigmoid") for w in (0.5, 1.5, 3)) <= 78
    assert "explodes with scale |ξ|" in depth_scale_text(Config(activation="tanh", weight_scale=1.5))
    assert depth_scale_text(Config(init="zeros")).startswith("χ₁ = 0")
    assert depth_scale_text(Config(residual=True)).startswith("residual")
    assert depth_scale_text(Config(activation="sigmoid"), ascii=True).isascii()
