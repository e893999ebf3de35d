"""Snapshot tests (pytest-textual-snapshot) at 80×24 and 120×40.

Every snapshot is taken after the app has settled (no result in flight), with a fixed seed and no
clock or blinking cursor on screen, so the SVGs are deterministic. Update the baselines with
``pytest tests/test_snapshots.py --snapshot-update`` and look at them before committing.
"""

from __future__ import annotations

import pytest

from gradtui.engine import Config
from gradtui.tui.app import GradApp
from tui_helpers import press_then_settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


CASES = {
    "default": ((), None),
    "sigmoid_deep": (("1",), None),
    "relu_he": (("4",), None),
    "exploding": (("5",), None),
    "pinned_before": (("1", "p"), None),
    "pinned_after": (("1", "p", "4"), None),
    "inspector": (("1", "right_square_bracket", "full_stop", "full_stop"), None),
    "forward_view": (("1", "v"), None),
    "help": (("question_mark",), None),
    "presets": (("P",), None),
    "sampled_overlay": ((), Config(mode="sampled", activation="tanh", depth=20, width=64, batch=16)),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("case", list(CASES))
def test_snapshot(snap_compare, case, size):
    keys, config = CASES[case]
    app = GradApp(config=config)
    assert snap_compare(app, run_before=press_then_settle(*keys), terminal_size=size)


def test_snapshot_ascii(snap_compare):
    app = GradApp(ascii=True)
    assert snap_compare(app, run_before=press_then_settle("1", "end"), terminal_size=(80, 24))


def test_snapshot_too_small(snap_compare):
    assert snap_compare(GradApp(), terminal_size=(60, 20))


def test_snapshot_weight_view_with_clip(snap_compare):
    app = GradApp(config=Config(mode="sampled", depth=8, width=32, batch=8))
    assert snap_compare(app, run_before=press_then_settle("v", "v", "k", "k"), terminal_size=(80, 24))


def test_snapshot_batchnorm_preset(snap_compare):
    """Batch norm without skips, with the inspector on layer 1: w × batch norm × f', and dim σ_w, σ_b."""
    from gradtui.engine import PRESETS

    app = GradApp(config=PRESETS["relu_batchnorm"].config())
    assert snap_compare(app, run_before=press_then_settle("right_square_bracket"), terminal_size=(80, 24))
