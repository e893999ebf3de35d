"""The interactive view of a recorded run (tui/recorded.py): Pilot tests at 80×24 and a snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradtui.probe import ProbeRun, read_probe
from gradtui.tui.recorded import RecordedApp
from tui_helpers import screen_text

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "runs" / "sigmoid.jsonl"
SIZE = (80, 24)


async def test_bars_inspector_verdict_and_keys():
    app = RecordedApp(read_probe(EXAMPLE))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "step 35 (8/8)" in text and "Sequential, 25 modules" in text
        assert "module 1/25" in text and "Linear" in text and "‖grad‖" in text  # the inspector
        assert "VANISHING — layer 1 (0, Linear) gets 4.3e-8" in text
        assert "findings: layers 1–21: gradient vanishing" in text
        assert "░ vanishing" in text
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert "module 2/25" in screen_text(app) and "Sigmoid" in screen_text(app)
        await pilot.press("left", "left")
        await pilot.pause()
        assert "step 25 (6/8)" in screen_text(app)
        await pilot.press("v")
        await pilot.pause()
        assert "activation std per module" in screen_text(app)
        await pilot.press("v")
        await pilot.pause()
        text = screen_text(app)
        assert "‖∂L/∂weight‖ per module" in text and "clip 1" in text
        assert "total ‖∂L/∂θ‖" in text and "(every parameter)" in text
        await pilot.press("v", "m")
        await pilot.pause()
        text = screen_text(app)
        assert "gradtui sampled:" in text and "xavier_normal (σ_w² 1 at step 0)" in text
        assert "gradient reaching each module + simulation" in text
        assert "• sampled" in text  # the overlay's legend: the simulation is on the chart
        await pilot.press("m")
        await pilot.pause()
        assert "all 25 modules in forward order" in screen_text(app)


def edited(tmp_path: Path, module: int, key: str, value: str) -> Path:
    """The example run with one module's ``key`` in the header set to ``value``."""
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["modules"][module][key] = value
    p = tmp_path / "edited.jsonl"
    p.write_text(json.dumps(header) + "\n" + "".join(lines[1:]))
    return p


async def test_ascii_inspector_labels_are_ascii():
    """--ascii: the module inspector's norms read |grad| and |dW| (no ‖ or ∇), as the rest of the
    screen keeps to ASCII."""
    app = RecordedApp(read_probe(EXAMPLE), ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = app.query_one("#inspector").render().plain
        assert "|grad|" in text and "|dW|" in text and "act std" in text
        assert text.isascii(), text


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_ascii_screens_are_ascii_in_every_view(size, tmp_path):
    """--ascii --open: every row of every view is ASCII, as on the main screen: the chart's titles
    and key hints, the verdict and findings (they say "—", "×", "1–21" and ‖Δθ‖ in Unicode), the
    footer's arrow keys, the inspector, the shares screen (its scrollbar too), and a module name
    that is not ASCII. The Unicode screen keeps its glyphs."""
    path = edited(tmp_path, 0, "name", "encodeur·é")
    app = RecordedApp(read_probe(path), ascii=True)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        seen = []
        for keys in ((), ("v",), ("v",), ("v", "m"), ("m", "left", "right_square_bracket"), ("k",),
                     ("d",), ("down", "down", "down", "end"), ("escape", "question_mark")):
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            text = screen_text(app)
            bad = [line for line in text.splitlines() if not line.isascii()]
            assert not bad, (keys, bad)
            seen.append(text)
        assert "< step" in seen[0] and "encodeur" in seen[0] and "layers 1-21" in seen[0]
        assert "|dL/dweight| per module" in seen[1] + seen[2]
    app = RecordedApp(read_probe(path))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "←→ step" in text and "layers 1–21" in text and "encodeur·é" in text


async def test_names_are_text_never_markup(tmp_path):
    app = RecordedApp(read_probe(edited(tmp_path, 0, "name", "[bold red]enc[/]")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "[bold red]enc[/]" in screen_text(app)


async def test_not_a_plain_mlp_is_a_message(tmp_path):
    app = RecordedApp(read_probe(edited(tmp_path, 1, "kind", "LayerNorm")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
        assert "m: not a plain MLP: it has LayerNorm modules" in screen_text(app)


async def test_follow_picks_up_appended_steps(tmp_path):
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    p = tmp_path / "run.jsonl"
    p.write_text("")  # the training run has created the file and not written yet
    app = RecordedApp(ProbeRun(p), follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "waiting for the first recorded step" in screen_text(app)
        app.reread()  # an empty file is retried, not an error
        with p.open("a") as f:
            f.write(lines[0] + lines[1])
        app.reread()
        await pilot.pause()
        assert "step 0 (1/1) following" in screen_text(app) and "module 1/25" in screen_text(app)
        with p.open("a") as f:
            f.write(lines[2][:40])  # a line still being written
        app.reread()
        await pilot.pause()
        assert "step 0 (1/1)" in screen_text(app)
        with p.open("a") as f:
            f.write(lines[2][40:])
        app.reread()
        await pilot.pause()
        assert "step 5 (2/2) following" in screen_text(app)
        p.write_text(lines[0])  # rewritten by a new run: a message, no crash
        app.reread()
        await pilot.pause()
        assert "shorter than when it was last read" in screen_text(app)


@pytest.mark.parametrize("keys", [(), ("m",)], ids=["bars", "simulated"])
def test_snapshot_80x24(snap_compare, keys):
    app = RecordedApp(read_probe(EXAMPLE))

    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)
