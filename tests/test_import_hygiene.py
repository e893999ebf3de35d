"""The engine is NumPy only: importing and running it loads neither textual nor plotext."""

import json
import subprocess
import sys

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
