"""Export (e): the current screen as SVG in the working directory, under a readable name, never
over an existing file, from every screen; an unwritable directory is named and home is offered."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gradtui.engine import Config, compute
from gradtui.render.verdict import verdict
from gradtui.tui.app import GradApp
from gradtui.tui.export import export_name, screen_tag, write_new
from tui_helpers import settle


def svg_text(path: Path) -> str:
    """The text an SVG shows, rows joined (Rich writes one <text> per run, spaces as U+00A0)."""
    root = ET.parse(path).getroot()  # raises if it is not XML
    return "".join(node.text or "" for node in root.iter() if node.tag.endswith("text")).replace("\xa0", " ")


def status(app) -> str:
    return app.query_one("#status").render().plain


def unwritable(tmp_path: Path) -> Path:
    """A directory no file can be created in (root ignores modes: then sysfs, if there is one)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    for candidate in (locked, Path("/sys")):
        try:
            (candidate / ".gradtui-probe").open("x").close()
        except OSError:
            return candidate
        (candidate / ".gradtui-probe").unlink()
    pytest.skip("no unwritable directory here")


@pytest.mark.parametrize(("config", "view", "screen", "name"), [
    (Config(), "grad", "", "gradtui-sigmoid-d16-expected.svg"),
    (Config(activation="relu", init="he_normal", depth=20, mode="sampled"), "forward", "",
     "gradtui-relu-d20-he-normal-sampled-forward.svg"),
    (Config(residual=True, norm="layer"), "weight", "", "gradtui-sigmoid-d16-residual-layernorm-expected-weights.svg"),
    (Config(mode="chain", init="he_normal"), "grad", "phase-map", "gradtui-sigmoid-d16-chain-phase-map.svg"),
])
def test_names_are_readable(config, view, screen, name):
    assert export_name(config, view, screen) == name


def test_screen_tags():
    from gradtui.tui.theory_views import PhaseMapScreen, SpectrumScreen
    from gradtui.tui.training_view import TrainingScreen
    from textual.screen import Screen

    assert screen_tag(Screen()) == ""
    assert [screen_tag(s) for s in (PhaseMapScreen(), SpectrumScreen(), TrainingScreen())] == [
        "phase-map", "spectrum", "training"]


def test_write_new_never_overwrites(tmp_path):
    first = write_new(tmp_path, "a.svg", "one")
    second = write_new(tmp_path, "a.svg", "two")
    third = write_new(tmp_path, "a.svg", "three")
    assert [p.name for p in (first, second, third)] == ["a.svg", "a-2.svg", "a-3.svg"]
    assert first.read_text() == "one" and third.read_text() == "three"


async def test_e_saves_the_main_screen_with_its_verdict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        path = tmp_path / "gradtui-sigmoid-d16-expected.svg"
        assert path.is_file()
        assert f"saved {path}" in status(app)
        text = svg_text(path)
        words = verdict(compute(Config()))
        assert words.split(":")[0] in text  # "▼ VANISHING — layer 1 receives 3.9e-10 of the output gradient"
        assert "$ gradtui --depth 16" in text
        before = path.read_bytes()
        await pilot.press("e")
        await pilot.pause()
        assert (tmp_path / "gradtui-sigmoid-d16-expected-2.svg").is_file()
        assert path.read_bytes() == before  # not overwritten
        assert "-2.svg" in status(app)


@pytest.mark.parametrize(("keys", "tag", "seen"), [
    (("M",), "phase-map", "χ₁"),
    (("J",), "spectrum", "condition"),
    (("t",), "training", "loss"),
    (("T",), "tour1", "tour 1/16"),
    (("question_mark",), "help", "help"),
    (("P",), "presets", "sigmoid"),
])
async def test_e_works_on_every_screen(tmp_path, monkeypatch, keys, tag, seen):
    monkeypatch.chdir(tmp_path)
    app = GradApp(config=Config(width=32, batch=8))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        screen = app.screen
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen  # e did nothing else
        (path,) = tmp_path.glob("*.svg")
        assert path.name == f"gradtui-sigmoid-d16-expected-{tag}.svg"
        assert seen.lower() in svg_text(path).lower()


async def test_unwritable_directory_then_home(tmp_path, monkeypatch):
    locked = unwritable(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(locked)
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        said = status(app)
        assert f"can't write to {locked} (permission denied)" in said
        assert "e again saves to ~/gradtui-sigmoid-d16-expected.svg" in said
        assert not list(home.iterdir())
        await pilot.press("e")
        await pilot.pause()
        assert (home / "gradtui-sigmoid-d16-expected.svg").is_file()
        assert "saved ~/gradtui-sigmoid-d16-expected.svg" in status(app)


async def test_e_is_typed_in_the_command_palette(tmp_path, monkeypatch):
    """The palette's input gets the letter; nothing is exported."""
    monkeypatch.chdir(tmp_path)
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        from textual.command import CommandInput

        assert app.screen.query_one(CommandInput).value == "e"
        assert not list(tmp_path.glob("*.svg"))
        await pilot.press("escape")


def test_the_text_fields_the_e_key_checks_are_textuals_input_and_text_area():
    """key_is_free finds Input and TextArea by their modules, so as not to import them: those
    must be where Textual defines its public classes."""
    import importlib

    import textual.widgets

    from gradtui.tui.export import _TEXT_FIELDS

    for module, name in _TEXT_FIELDS:
        assert getattr(importlib.import_module(module), name) is getattr(textual.widgets, name)


def test_the_first_frame_does_not_import_the_text_area():
    """The footer asks whether ``e`` is free for its first frame; that check imported TextArea and
    its documents (~20 ms after the first frame, before the footer's keys showed)."""
    import subprocess
    import sys

    script = """
import asyncio, sys
from gradtui.tui.app import GradApp
from gradtui.tui.export import key_is_free

async def main():
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        while not app.settled:
            await asyncio.sleep(0.01)
        await pilot.pause()
        print("textual.widgets._text_area" in sys.modules, key_is_free(app))

asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_export_from_ascii_app_is_ascii_text(tmp_path, monkeypatch):
    """--ascii: the picture's text is ASCII too."""
    import asyncio

    monkeypatch.chdir(tmp_path)

    async def run() -> str:
        app = GradApp(ascii=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("e")
            await pilot.pause()
            return svg_text(next(tmp_path.glob("*.svg")))

    text = asyncio.run(run())
    assert text.isascii() and "VANISHING" in text
    assert os.path.exists(tmp_path / "gradtui-sigmoid-d16-expected.svg")
