"""The distribution view of a recorded run (``d`` under ``--open``): the probe's moments and shares,
and the plain statement that a recording has no histogram."""

from __future__ import annotations

from pathlib import Path

from gradtui.probe import read_probe
from gradtui.render.distribution import recorded_shares
from gradtui.tui.recorded import RecordedApp
from gradtui.tui.recorded_distribution import RecordedDistributionScreen
from tui_helpers import screen_text

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "runs" / "sigmoid.jsonl"


def _row(layer, name, kind, mean, std, dead, sat):
    return {"layer": layer, "name": name, "kind": kind, "act_mean": mean, "act_std": std,
            "dead_frac": dead, "saturated_frac": sat}


def test_recorded_shares_draws_what_is_recorded():
    rows = [_row(1, "enc.0", "Linear", 0.01, 1.0, 0.0, None), _row(2, "enc.1", "ReLU", 0.4, 0.6, 0.5, None),
            _row(3, "enc.2", "Sigmoid", 0.5, 0.45, 0.0, 0.25), _row(4, "[red]x[/]", "Tanh", None, None, None, 1.0)]
    lines = recorded_shares(rows, 80, cursor=2)
    assert all(len(line) == 80 for line in lines)
    relu = lines[2]
    assert relu.startswith("▸") and "50.0%" in relu
    cells = relu.count("░")
    assert cells >= 4 and lines[3].count("▒") == round(cells / 2)  # 25 % is half of 50 %'s bar
    assert "—" in lines[1] and "25.0%" in lines[3] and "100.0%" in lines[4]
    assert "[red]x[/]" in lines[4]  # names are data, drawn as text
    ascii = recorded_shares(rows, 80, ascii=True, cursor=2)
    assert all(ord(ch) < 128 for line in ascii for ch in line)


async def test_d_opens_the_recorded_shares():
    run = read_probe(EXAMPLE)
    app = RecordedApp(run)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, RecordedDistributionScreen)
        text = screen_text(app)
        assert "no histogram" in text
        step = run.steps[-1]["step"]
        rows = run.layers(step)
        assert f"step {step}" in text
        assert rows[1]["kind"] == "Sigmoid" and "Sigmoid" in text
        before = app.step_index
        await pilot.press("left")  # the run's keys wait under this screen
        assert app.step_index == before
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RecordedDistributionScreen)
        await pilot.press("left")
        assert app.step_index != before
