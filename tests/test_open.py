"""``gradtui --open FILE``: JSON, text and refusals through the real entry point (no torch needed).

The recorded run is examples/runs/sigmoid.jsonl (examples/train_mlp.py wrote it: a 12-layer
sigmoid MLP, Xavier init, 40 SGD steps recorded every 5th); other files are made in the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gradtui.probe import read_probe
from gradtui.tui.recorded_model import chart_of, simulate

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "runs" / "sigmoid.jsonl"


def gradtui(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradtui", *args], capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})


def test_json_is_the_last_step_in_design_shape():
    out = gradtui("--open", str(EXAMPLE), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc == json.loads(json.dumps(read_probe(EXAMPLE).to_json_document()))
    assert doc["config"]["step"] == 35 and doc["config"]["source"] == "probe"
    layers = doc["layers"]
    assert [r["layer"] for r in layers] == list(range(1, 26))
    assert [r["kind"] for r in layers[:3]] == ["Linear", "Sigmoid", "Linear"]
    assert layers[-1]["grad"] == 1.0 and layers[0]["log10_grad"] < -6
    assert layers[1]["weight_grad"] is None and layers[0]["weight_grad"] > 0
    assert doc["summary"]["regime"] == "vanishing"
    assert any("gradient vanishing" in f for f in doc["summary"]["findings"])


def test_json_step():
    out = gradtui("--open", str(EXAMPLE), "--json", "--step", "10")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["config"]["step"] == 10


def test_print_chart_verdict_findings_and_names():
    out = gradtui("--open", str(EXAMPLE), "--print")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "░ vanishing" in text and "█ stable" in text  # the bars and their legend
    assert "VANISHING — layer 1 (0, Linear) gets 4.3e-8 of the last module's gradient" in text
    assert "findings: layers 1–21: gradient vanishing" in text
    lines = text.splitlines()
    assert any(line.split()[:3] == ["24", "23", "Sigmoid"] for line in lines if line.strip())
    assert "\x1b" not in text


def bad_files(tmp_path: Path) -> dict[str, str]:
    header = EXAMPLE.read_text().splitlines()[0]
    files = {
        "truncated header": header[: len(header) // 2],
        "empty": "",
        "another format": '{"format": "tensorboard", "version": 1}\n{"step": 0}\n',
        "csv": "step,loss\n0,1.0\n",
    }
    paths = {}
    for name, text in files.items():
        p = tmp_path / (name.replace(" ", "_") + ".jsonl")
        p.write_text(text)
        paths[name] = str(p)
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(bytes(range(256)) * 8)
    paths["binary"] = str(binary)
    paths["missing"] = str(tmp_path / "missing.jsonl")
    paths["directory"] = str(tmp_path)
    paths["/dev/zero"] = "/dev/zero"
    return paths


@pytest.mark.parametrize("output", ["--json", "--print", None])
def test_every_bad_file_is_one_line_and_exit_2(tmp_path, output):
    for name, path in bad_files(tmp_path).items():
        out = gradtui("--open", path, *([output] if output else []))
        assert out.returncode == 2, (name, out.stderr)
        assert out.stdout == "", name
        assert len(out.stderr.splitlines()) == 1 and "Traceback" not in out.stderr, (name, out.stderr)
        assert out.stderr.startswith("gradtui: error: --open: "), name


@pytest.mark.parametrize("args, says", [
    (["--open", str(EXAMPLE), "--depth", "3", "--json"], "--depth: not with --open"),
    (["--open", str(EXAMPLE), "--preset", "sigmoid-deep"], "--preset: not with --open"),
    (["--open", str(EXAMPLE), "--step", "7", "--json"], "step 7 is not recorded"),
    (["--open", str(EXAMPLE), "--step", "-1", "--json"], "--step"),
    (["--step", "3"], "--step: only with --open"),
    (["--follow"], "--follow: only with --open"),
])
def test_usage_errors_are_one_line(args, says):
    out = gradtui(*args)
    assert out.returncode == 2
    assert len(out.stderr.splitlines()) == 1 and says in out.stderr, out.stderr


def test_follow_with_json_waits_for_the_first_step(tmp_path):
    p = tmp_path / "run.jsonl"
    p.write_text("")
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    proc = subprocess.Popen([sys.executable, "-m", "gradtui", "--open", str(p), "--follow", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.write_text(lines[0])
    with p.open("a") as f:
        f.write(lines[1])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert json.loads(out)["config"]["step"] == 0


def test_simulation_of_the_recorded_plain_mlp_matches_its_init():
    run = read_probe(EXAMPLE)
    sim, result, why = simulate(run)
    assert why is None
    c = sim.config
    assert (c.depth, c.width, c.activation, c.init, c.mode) == (12, 64, "sigmoid", "xavier_normal", "sampled")
    assert "xavier_normal (σ_w² 1 at step 0)" in sim.guessed
    chart = chart_of(run, 0, "grad", sim, result)
    assert chart.overlay is result and len(chart.keep) == 12
    assert [run.modules[i]["kind"] for i in chart.keep] == ["Sigmoid"] * 12
    # at step 0 the real network is its initialisation: both lose ~7 decades by layer 1
    assert chart.result.log10_grad[-1] == 0.0
    assert abs(chart.result.log10_grad[0] - result.log10_grad[0]) < 0.5
    assert chart.result.log10_grad[0] < -6


def test_not_a_plain_mlp_says_so(tmp_path):
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["modules"][1]["kind"] = "LayerNorm"
    p = tmp_path / "norm.jsonl"
    p.write_text(json.dumps(header) + "\n" + "".join(lines[1:]))
    sim, result, why = simulate(read_probe(p))
    assert sim is None and why == ("not a plain MLP: it has LayerNorm modules "
                                   "(only Linear + one activation is simulated)")
