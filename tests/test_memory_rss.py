"""The memory budget's promise, measured (issue 16 item 10): at settings just inside the 1 GiB
limit the peak resident set of a fresh process, above its own baseline (Python, NumPy and gradtui
imported, measured in the same process before computing), stays within the estimate and the budget.

Each setting runs in its own subprocess and reads its high-water mark from /proc/self/status
(VmHWM): ru_maxrss would not do, since a child started by subprocess inherits its parent's (pytest's)
high-water mark through the exec, which hid anything the child used below it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gradtui.engine.config import (
    MEMORY_BUDGET, Config, activation_arrays, max_affordable_width, sampled_peak_bytes,
)
from gradtui.engine.train_config import TrainConfig, train_bytes

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc (Linux)")

#: what malloc and NumPy may round up beyond the counted arrays
SLACK = 24 << 20

_CHILD = r"""
import json, sys
import numpy as np
from gradtui.engine import compute
from gradtui.engine.config import Config
from gradtui.engine.train import TrainConfig, train


def peak():  # bytes: this process image's own high-water mark
    with open("/proc/self/status") as f:
        return int(next(ln for ln in f if ln.startswith("VmHWM")).split()[1]) * 1024


kw = json.loads(sys.argv[1])
tc = kw.pop("train", None)
config = Config(**kw)
base = peak()
if tc is None:
    compute(config)
else:
    train(config, TrainConfig(**tc))
print(json.dumps({"base": base, "peak": peak()}))
"""


def _measure(kw: dict) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(kw)], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    got = json.loads(out)
    return got["base"], got["peak"]


def _sampled(depth, batch, activation="tanh", norm="none", tied=False):
    arrays = activation_arrays(activation, norm)
    width = max_affordable_width(depth, batch, tied, arrays, norm)  # the largest accepted width
    return dict(mode="sampled", depth=depth, width=width, batch=batch, activation=activation,
                norm=norm, tied=tied)


CASES = [
    # activations at the limit, weights held
    _sampled(1000, 1024),
    # the same under batch norm: ẑ and its statistics kept too, and one readout per sample
    _sampled(1000, 1024, norm="batch"),
    # the widest accepted layers at depth 10, batch 1024: streamed weights beside full activations
    # (issue 15's corner), with the top layers kept up to the budget where it allows
    _sampled(10, 1024),
    _sampled(10, 1024, activation="linear"),
    # a wide layer drawn and packed per layer (stack too big to hold)
    dict(mode="sampled", depth=3, width=3000, batch=64, activation="tanh"),
    # a held stack of wide layers
    dict(mode="sampled", depth=20, width=1024, batch=512, activation="relu", init="he_normal"),
    # training: the weights' copies at the limit (two steps)
    dict(depth=290, width=256, activation="relu", init="he_normal", train=dict(steps=2)),
]


def _estimate(kw: dict) -> int:
    kw = dict(kw)
    tc = kw.pop("train", None)
    c = Config(**kw)
    if tc is not None:
        return train_bytes(c, TrainConfig(**tc))
    return sampled_peak_bytes(c.depth, c.width, c.batch, c.tied, activation_arrays(c.activation, c.norm),
                              c.norm)


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: "-".join(f"{k}{v}" for k, v in kw.items()
                                                             if k in ("depth", "width", "batch", "train")
                                                             or (k == "norm" and v != "none")))
def test_peak_rss_is_within_the_estimate_and_the_budget(kw):
    estimate = _estimate(kw)
    assert estimate <= MEMORY_BUDGET  # accepted
    base, peak = _measure(kw)
    used = peak - base
    assert used <= estimate + SLACK, f"used {used / 2**20:.0f} MiB, estimated {estimate / 2**20:.0f} MiB"
    assert peak <= base + MEMORY_BUDGET + SLACK
