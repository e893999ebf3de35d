"""The training renderers (gradtui/render/training.py): loss curve, update bars, the log axis."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradtui.engine import PRESETS, Config
from gradtui.engine.train import TrainConfig, train
from gradtui.render.training import render_bars, render_loss, update_regimes, y_axis


def test_repeated_renders_are_identical():
    """plotext keeps one global figure: every render starts from a clean one."""
    r = train(Config(depth=4, activation="tanh", width=16), TrainConfig(steps=30))
    bad = train(PRESETS["too_large"].config().replace(width=32), TrainConfig(steps=5))
    first = render_loss(r, 40, 15).plain
    render_loss(bad, 30, 10)
    assert render_loss(r, 40, 15).plain == first
    assert render_loss(r, 40, 15, ascii=True).plain.isascii()


def test_bars_show_every_regime_with_a_glyph():
    values = np.array([0.0, 1e-9, 0.01, 0.02, 5.0, math.inf, math.nan])
    assert update_regimes(values) == [
        "vanishing", "vanishing", "stable", "stable", "exploding", "overflow", "overflow",
    ]
    text = render_bars(values, 30, 10, ascii=True, color=False).plain
    lines = text.splitlines()
    assert len(lines) == 8  # 7 layers and the axis
    assert [line.split()[1] for line in lines[:7]] == ["v", "v", "=", "=", "^", "!", "!"]
    assert text.isascii()


def test_bars_sample_deep_networks():
    text = render_bars(np.logspace(-8, -2, 200), 30, 12).plain
    labels = [int(line.split()[0]) for line in text.splitlines()[:-1]]
    assert labels[0] == 1 and labels[-1] == 200 and len(labels) == 11


def test_log_axis_keeps_at_least_a_decade():
    lo, hi, ticks, labels = y_axis(math.log10(0.918), math.log10(0.979), 5)
    assert hi - lo == pytest.approx(1.0)
    assert labels == ["0.2", "0.5", "1"]
    lo, hi, ticks, labels = y_axis(-12.0, 3.0, 5)
    assert len(ticks) <= 5 and all("e" in s for s in labels)


def test_loss_and_bar_chart_repaint_identically_in_turn():
    """The loss curve and the bar chart share plotext's one figure through render.plot: each
    repaint of one leaves nothing behind for the other."""
    from gradtui.render.bars import render_chart
    from gradtui.engine import compute

    r = train(Config(depth=4, activation="tanh", width=16), TrainConfig(steps=30))
    result = compute(Config(depth=8, activation="sigmoid"))
    loss, chart = render_loss(r, 50, 16).plain, render_chart(result, 70, 20)
    for _ in range(3):
        assert render_chart(result, 70, 20) == chart
        assert render_loss(r, 50, 16).plain == loss
