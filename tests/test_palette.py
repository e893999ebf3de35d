"""The command palette (ctrl+p): gradtui's commands, driven by Pilot as a user types them."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from gradtui.engine import PRESET_ORDER, PRESETS, Config
from gradtui.tui.app import GradApp
from gradtui.tui.commands import commands
from tui_helpers import screen_text, settle


async def _run(pilot, typed: str) -> None:
    """ctrl+p, type ``typed``, enter on the first hit."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert CommandPalette.is_open(app)
    for ch in typed:
        await pilot.press("space" if ch == " " else ch)
    await pilot.pause(0.3)  # the palette gathers hits in a worker
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    if CommandPalette.is_open(app):  # the first enter highlighted the first hit
        await pilot.press("enter")
    await settle(pilot)
    assert not CommandPalette.is_open(app)


@pytest.mark.parametrize("name", ["relu_residual", "relu_he", "batchnorm_b4", "zero_init"])
async def test_typing_a_preset_name_loads_it(name):
    """The exact name comes first, also where it starts a longer name (relu_residual_scaled)."""
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _run(pilot, name)
        assert app.config == PRESETS[name].config(Config())
        assert app._preset == name


async def test_every_preset_and_the_views_are_commands():
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in commands(app, app.screen)]
        helps = {c.title: c.help for c in commands(app, app.screen)}
        for name in PRESET_ORDER:
            (title,) = [t for t in titles if t.startswith(f"preset {name}:")]
            assert helps[title] == PRESETS[name].caption
        for words in ("export", "theme: light", "view: forward", "view: weights", "mode: sampled",
                      "mode: chain", "open phase map", "open Jacobian spectrum", "open training",
                      "open lecture tour", "help", "quit"):
            assert any(t.startswith(words) for t in titles), words
        # Textual's own theme picker and screenshot are not offered
        assert not any(t in ("Theme", "Screenshot", "Keys") for t in titles)
        # compare and distribution only where the app has them
        assert any(t.startswith("compare") for t in titles) == hasattr(app, "action_compare")
        assert any(t.startswith("distribution") for t in titles) == hasattr(app, "action_distribution")


async def test_other_views_are_opened_from_the_main_screen_only():
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        titles = [c.title for c in commands(app, app.screen)]
        assert not any(t.startswith("open ") for t in titles)
        assert any(t.startswith("preset sigmoid_deep") for t in titles)


async def test_palette_switches_view_and_mode_and_opens_the_phase_map():
    app = GradApp(config=Config(width=32, batch=8))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _run(pilot, "view: forward")
        assert app.view == "forward"
        await _run(pilot, "mode: sampled")
        assert app.config.mode == "sampled"
        await _run(pilot, "open phase map")
        from gradtui.tui.theory_views import PhaseMapScreen

        assert isinstance(app.screen, PhaseMapScreen)


async def test_export_through_the_palette(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _run(pilot, "export")
        path = tmp_path / "gradtui-sigmoid-d16-expected.svg"
        assert path.is_file()
        from test_export import svg_text

        text = svg_text(path)
        assert "VANISHING" in text
        assert "Search for commands" not in text  # the palette had closed: the picture is the bars


async def test_palette_in_ascii_is_ascii():
    app = GradApp(ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        for ch in "relu":
            await pilot.press(ch)
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "preset relu_he" in text
        assert text.isascii(), sorted({c for c in text if not c.isascii()})
        await pilot.press("escape")


async def test_palette_opens_over_the_tour_and_loads_a_preset():
    from gradtui.tour import load_tour
    from gradtui.tui.tour_view import TourScreen

    app = GradApp(tour=load_tour())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _run(pilot, "relu_he")
        assert isinstance(app.screen, TourScreen)
        assert app._preset == "relu_he" and app.config.activation == "relu" and app.config.depth == 50


async def test_palette_key_storm_typed_ahead_of_escape(tmp_path, monkeypatch):
    """Letters, backspaces, arrows, ctrl+p and escape queued 40 at a time (no enter: it would run
    whatever came first, quit included): the palette opens and closes while it still gathers hits,
    and the app never fails (Textual's gathering could outlive the palette's widgets)."""
    import random

    from test_hardening_tui import send_keys

    monkeypatch.chdir(tmp_path)
    rng = random.Random(20261202)
    alphabet = [*"abcdefghijklmnoprstuvwxyz_", "backspace", "down", "up", "space", "ctrl+p",
                "ctrl+p", "escape", "escape"]
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(30):
            await send_keys(pilot, ["ctrl+p", *(rng.choice(alphabet) for _ in range(40))])
            assert app.is_running and app.return_code is None and app._exception is None
        while len(app.screen_stack) > 1:
            await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and app._exception is None
