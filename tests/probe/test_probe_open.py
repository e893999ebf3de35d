"""``gradtui --open`` on files the real recorder writes: examples/train_mlp.py's two runs, and a
plain MLP recorded by ``check`` whose simulation (``m``) guesses its depth, width, activation and
init."""

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from gradtui.probe import check, read_probe  # noqa: E402
from gradtui.tui.recorded_model import chart_of, simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def example_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    return runpy.run_path(str(ROOT / "examples" / "train_mlp.py"))["main"](out)


def test_open_json_and_print_on_the_example_files(example_runs):
    for path in example_runs:
        for flag in ("--json", "--print"):
            proc = subprocess.run([sys.executable, "-m", "gradtui", "--open", str(path), flag],
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0 and proc.stderr == "", (path, flag, proc.stderr)
            if flag == "--json":
                doc = json.loads(proc.stdout)
                assert len(doc["layers"]) == 25 and doc["config"]["steps_recorded"] == 8
            else:
                assert "findings:" in proc.stdout and " Linear " in proc.stdout


def test_the_simulation_guesses_the_recorded_init(example_runs):
    guessed = {}
    for path in example_runs:
        sim, result, why = simulate(read_probe(path))
        assert why is None, why
        guessed[path.name] = (sim.config.activation, sim.config.init, sim.config.depth, sim.config.width)
    assert guessed == {"sigmoid.jsonl": ("sigmoid", "xavier_normal", 12, 64),
                       "relu_he.jsonl": ("relu", "he_normal", 12, 64)}


@pytest.mark.parametrize("act, init, name", [
    (nn.Tanh, nn.init.xavier_normal_, "xavier_normal"),
    (nn.ReLU, lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), "he_normal"),
])
def test_a_checked_plain_mlp_behaves_as_its_simulation(tmp_path, act, init, name):
    torch.manual_seed(0)
    layers = []
    for _ in range(8):
        linear = nn.Linear(96, 96).double()
        init(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, act()]
    model = nn.Sequential(*layers)
    run = check(model, torch.randn(32, 96, dtype=torch.float64), path=tmp_path / "c.jsonl")
    sim, result, why = simulate(run)
    assert why is None and sim.config.init == name and sim.config.batch == 32
    chart = chart_of(run, None, "grad", sim, result)
    assert chart.overlay is result and chart.result.depth == result.depth == 8
    # gradtui's sampled network and the real one: the same slope within seed noise
    assert abs(chart.result.log10_grad[0] - result.log10_grad[0]) < 0.5


def test_a_model_that_is_not_a_plain_mlp(tmp_path):
    model = nn.Sequential(nn.Linear(16, 16), nn.LayerNorm(16), nn.ReLU(), nn.Linear(16, 16)).double()
    run = check(model, torch.randn(8, 16, dtype=torch.float64), path=tmp_path / "n.jsonl")
    sim, result, why = simulate(run)
    assert sim is None and why.startswith("not a plain MLP: it has LayerNorm modules")
