"""`--json` stays the same on README's examples (each `$ gradtui …` line run with `--json`).

The files under tests/golden/ were written by ``python tests/test_golden_json.py --write`` from the
program as it stood before the engine was reorganised; a refactor must not change them. Everything
but the floats must match exactly (keys and their order, strings, integers, booleans, nulls); each
float to 1e-12·max(1, |x|). Not byte for byte: NumPy picks its exp/log/sum loops and
OpenBLAS its kernels by CPU, so an AVX2 machine and an AVX-512 one differ in the last bits (measured
across all these files: at most 9e-15 relative where |x| ≥ 1, 2.3e-16 absolute below). Only a change
that means to change the numbers (and says so in its commit) rewrites them.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import shlex
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
_EXITS = ("--list-presets", "--version", "--help", "--tour")


def json_invocations() -> list[list[str]]:
    """README's example lines that compute a network, as `--json` runs (errors left out)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("$ gradtui "):
            continue
        args = shlex.split(line[2:])[1:]
        if any(a in _EXITS for a in args):
            continue
        args = [a for a in args if a not in ("--print", "--ascii")]
        if "--json" not in args:
            args.append("--json")
        out.append(args)
    return out + EXTRA


#: beside README's examples, the settings a layer-step refactor could break: every preset, and
#: sampled networks over activations × norm × residual × tied
EXTRA: list[list[str]] = [
    ["--preset", name, "--json"]
    for name in ("sigmoid_deep", "tanh_xavier", "relu_xavier", "relu_he", "too_large", "sigmoid_residual",
                 "relu_residual", "relu_residual_scaled", "orthogonal_linear", "zero_init",
                 "tanh_chaotic", "sigmoid_layernorm", "rnn_explode", "rnn_vanish")
] + [
    ["--mode", "sampled", "--depth", "12", "--width", "48", "--batch", "8", "--seed", "3",
     "--activation", act, *extra, "--json"]
    for act in ("sigmoid", "tanh", "relu", "gelu", "softplus")
    for extra in ([], ["--norm", "layer"], ["--residual", "--residual-scale", "0.5"],
                  ["--tied", "--bias-std", "0.3"])
]


def _name(args: list[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(args).lower()).strip("-")[:60]
    return f"{slug}-{hashlib.sha1(' '.join(args).encode()).hexdigest()[:8]}.json"


def _run(args: list[str]) -> tuple[int, str]:
    from gradtui.cli import main

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(args)
    return code, buf.getvalue()


def _cases():
    return [pytest.param(a, id=" ".join(a)) for a in json_invocations()
            if (GOLDEN / _name(a)).exists() or "--write" in sys.argv]


#: floats agree to this fraction of max(1, |x|) (the last bits differ between CPUs, see above)
TOLERANCE = 1e-12


def differences(want, got, path: str = "") -> list[str]:
    """Where two parsed JSON documents differ: paths with both values (floats within TOLERANCE)."""
    if isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            return [f"{path}: keys {list(want)} != {list(got)}"]
        return [d for k in want for d in differences(want[k], got[k], f"{path}.{k}")]
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{path}: {len(want)} items != {len(got)}"]
        return [d for i, (a, b) in enumerate(zip(want, got)) for d in differences(a, b, f"{path}[{i}]")]
    if type(want) is float and type(got) is float:
        if want == got or (math.isnan(want) and math.isnan(got)):
            return []
        if math.isfinite(want) and math.isfinite(got) and \
                abs(want - got) <= TOLERANCE * max(1.0, abs(want)):
            return []
    elif type(want) is type(got) and want == got:
        return []
    return [f"{path}: {want!r} != {got!r}"]


def _parse(text: str):
    return json.loads(text, parse_constant=float)  # NaN, Infinity as floats


@pytest.mark.parametrize("args", _cases())
def test_json_matches_the_golden_file(args):
    path = GOLDEN / _name(args)
    assert path.exists(), f"no golden file for {args}; write it with --write"
    code, text = _run(args)
    assert code == 0
    want = path.read_text(encoding="utf-8")
    if text != want:
        diff = differences(_parse(want), _parse(text))
        assert not diff, f"--json changed for {' '.join(args)}: " + "; ".join(diff[:5])


def test_the_comparison_catches_real_changes():
    doc = {"a": [1.0, 2.5, "x", 3, None, True], "b": {"c": -1e300}}
    assert differences(doc, json.loads(json.dumps(doc))) == []
    assert differences({"a": 1000.0}, {"a": 1000.0 + 1e-10}) == []  # within 1e-12 relative
    for changed in ({"a": [1.0, 2.5 + 1e-9, "x", 3, None, True], "b": {"c": -1e300}},
                    {"a": [1.0, 2.5, "y", 3, None, True], "b": {"c": -1e300}},
                    {"a": [1.0, 2.5, "x", 3.0, None, True], "b": {"c": -1e300}},
                    {"a": [1.0, 2.5, "x", 3, None], "b": {"c": -1e300}},
                    {"b": {"c": -1e300}, "a": [1.0, 2.5, "x", 3, None, True]},
                    {"a": [1.0, 2.5, "x", 3, None, True], "b": {"c": -1.000001e300}}):
        assert differences(doc, changed), changed
    assert differences({"a": float("nan")}, {"a": float("nan")}) == []
    assert differences({"a": float("inf")}, {"a": 1e308})


if __name__ == "__main__" and "--write" in sys.argv:
    GOLDEN.mkdir(exist_ok=True)
    for args in json_invocations():
        code, text = _run(args)
        if code == 0:
            (GOLDEN / _name(args)).write_text(text, encoding="utf-8")
            print("wrote", _name(args))
