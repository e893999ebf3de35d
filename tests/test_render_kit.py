"""The drawing kit's boundaries and shared tables: who imports plotext and Textual, one palette."""

from __future__ import annotations

import ast
from pathlib import Path

import gradtui
from gradtui.engine.result import regime_of
from gradtui.render.glyphs import ASCII, UNICODE
from gradtui.render.numbers import fraction_text, one_digit_text, setting_text
from gradtui.render.palette import REGIMES, SGR, STYLE, css_variables

ROOT = Path(gradtui.__file__).parent


def _imported(path: Path) -> set[str]:
    """Every module a file imports (relative imports resolved against gradtui/)."""
    package = ".".join(("gradtui", *path.relative_to(ROOT).parent.parts))
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            found.add(".".join(p for p in (base, node.module or "") if p))
    return found


def test_only_the_plot_driver_imports_plotext():
    importers = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py")
                       if any(m.split(".")[0] == "plotext" for m in _imported(p)))
    assert importers == ["render/plot.py"]


def test_plotext_is_imported_without_its_documentation_and_self_tests():
    """The plot driver keeps plotext's docs and its unittest runner out of the start-up (placeholders
    while plotext imports, gone afterwards); the chart still draws, and an explicit import later
    gets the real modules."""
    import json
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "import gradtui.render.plot as P\n"
        "skipped = sorted(m for m in P._SKIPPED if m in sys.modules)\n"
        "unittest = 'unittest' in sys.modules\n"
        "from gradtui.engine import Config, compute\n"
        "from gradtui.render.bars import render_chart\n"
        "chart = render_chart(compute(Config(depth=8)), 60, 16, color=False)\n"
        "import plotext._tests.run as run, plotext._doc.doc as doc\n"
        "real = [run.test.__module__, type(doc.docs).__name__, P.plt.test.__name__]\n"
        "print(json.dumps([skipped, unittest, len(chart) > 0, real]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [[], False, True, ["plotext._tests.run", "docs_output", "test"]]


def test_the_drawing_kit_imports_no_textual_and_nothing_of_the_tui():
    for path in (ROOT / "render").glob("*.py"):
        bad = {m for m in _imported(path) if m.split(".")[0] == "textual" or m.startswith("gradtui.tui")}
        assert not bad, (path.name, bad)


def test_one_palette_for_every_regime_and_every_spelling():
    assert set(REGIMES) == set(SGR) == set(STYLE) == {regime_of(-2.0), regime_of(0.0), regime_of(2.0), regime_of(float("nan"))}
    assert css_variables()["regime-vanishing"] == "ansi_bright_blue" and SGR["vanishing"] == "94"
    for g in (UNICODE, ASCII):
        assert set(g.regime) == set(REGIMES) and set(g.bars.bar) == set(REGIMES) - {"overflow"}
    assert all(ch.isascii() for ch in repr(ASCII))


def test_setting_and_tick_texts():
    assert [setting_text(x) for x in (0.0, 1.0, 0.05, 1e6, 1e-5)] == ["0", "1", "0.05", "1e6", "1e-5"]
    assert [fraction_text(x) for x in (0.25, 0.5, 1.0, 4.0)] == ["1/4", "1/2", "1", "4"]
    assert [one_digit_text(x) for x in (5e-3, 1e24, 2.0)] == ["5e-3", "1e24", "2e0"]
