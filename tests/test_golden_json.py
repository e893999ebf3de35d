"""`--json` stays byte-identical on README's examples (each `$ gradtui …` line run with `--json`).

The files under tests/golden/ were written by ``python tests/test_golden_json.py --write`` from the
program as it stood before the engine was reorganised; a refactor must not change one byte of them.
Only a change that means to change the numbers (and says so in its commit) rewrites them.
"""

from __future__ import annotations

import hashlib
import io
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


@pytest.mark.parametrize("args", _cases())
def test_json_is_byte_identical(args):
    path = GOLDEN / _name(args)
    assert path.exists(), f"no golden file for {args}; write it with --write"
    code, text = _run(args)
    assert code == 0
    assert text == path.read_text(encoding="utf-8"), f"--json changed for {' '.join(args)}"


if __name__ == "__main__" and "--write" in sys.argv:
    GOLDEN.mkdir(exist_ok=True)
    for args in json_invocations():
        code, text = _run(args)
        if code == 0:
            (GOLDEN / _name(args)).write_text(text, encoding="utf-8")
            print("wrote", _name(args))
