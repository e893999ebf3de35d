"""A plain MLP recorded with gradtui's simulator settings agrees with the sampled engine, and the
example script writes the two files README's walkthrough opens."""

import math
import runpy
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from gradtui.engine import Config, compute  # noqa: E402
from gradtui.probe import check, read_probe  # noqa: E402

DEPTH, WIDTH, BATCH, SEEDS = 10, 128, 32, (0, 1, 2, 3)
INITS = {"xavier_normal": nn.init.xavier_normal_,
         "he_normal": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")}
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def probed_log10_grad(activation, init, seed, tmp_path):
    """log10 grad at each activation's output (h_l) of a torch MLP built as DESIGN §1 says."""
    torch.manual_seed(seed)
    layers = []
    for _ in range(DEPTH):
        linear = nn.Linear(WIDTH, WIDTH).double()
        INITS[init](linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, ACTIVATIONS[activation]()]
    x = torch.randn(BATCH, WIDTH, dtype=torch.float64)
    run = check(nn.Sequential(*layers), x, path=tmp_path / f"{seed}.jsonl", seed=seed)
    return np.array([l["log10_grad"] for l in run.layers() if l["kind"] != "Linear"])


@pytest.mark.parametrize("activation, init", [("sigmoid", "xavier_normal"), ("relu", "he_normal"),
                                              ("tanh", "xavier_normal")])
def test_recorded_mlp_agrees_with_the_sampled_engine(tmp_path, activation, init):
    probe = np.mean([probed_log10_grad(activation, init, s, tmp_path) for s in SEEDS], axis=0)
    engine = np.mean([compute(Config(mode="sampled", depth=DEPTH, width=WIDTH, batch=BATCH, seed=s,
                                     activation=activation, init=init)).log10_grad for s in SEEDS], axis=0)
    assert probe[-1] == 0.0 and engine[-1] == 0.0
    # seed noise of one draw at this width is ~0.05 decade per layer; 4 seeds halve it
    assert np.abs(probe - engine).max() < 0.05 * math.sqrt(DEPTH)


def test_example_writes_a_vanishing_and_a_stable_run(tmp_path):
    example = runpy.run_path(str(Path(__file__).parents[2] / "examples" / "train_mlp.py"))
    sigmoid, relu = example["main"](tmp_path)
    s, r = read_probe(sigmoid), read_probe(relu)
    assert s.step_numbers == r.step_numbers == list(range(0, 40, 5))
    assert s.summary()["regime"] == "vanishing" and s.summary()["log10_grad_first"] < -5
    assert r.summary()["regime"] == "stable"
    assert any("weights barely move" in f for f in s.summary()["findings"])
