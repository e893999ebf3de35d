"""The engine is NumPy only: importing and running it loads neither textual nor plotext; and the
import-linter contracts in pyproject.toml (layers, forbidden imports, no cycles) hold."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CODE = """
import json, sys
import gradtui.engine as e
e.compute(e.Config(depth=8, activation="tanh"))
e.compute(e.Config(depth=4, mode="sampled", width=16, batch=4))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "plotext", "rich"))))
"""


def test_engine_imports_without_textual_or_plotext():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_import_linter_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is part of the test extra: pip install '.[test]'"
    out = subprocess.run([exe, "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout
