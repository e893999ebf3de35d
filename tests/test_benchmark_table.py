"""The README's performance table is the one ``benchmarks/table.py --readme`` writes: the same rows in
the same order, each with its target, between the two markers. (The figures are measured by hand;
nothing here times anything.)"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def table(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("table")


def _readme_rows(text: str, table) -> list[list[str]]:
    assert text.count(table.BEGIN) == 1 and text.count(table.END) == 1
    block = text.split(table.BEGIN, 1)[1].split(table.END, 1)[0]
    rows = [line for line in block.splitlines() if line.startswith("| ")]
    assert rows[0] == "| what | measured | target | |"
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[1:]]


def test_the_readme_table_has_every_row_of_the_script_with_its_target(table):
    rows = _readme_rows((ROOT / "README.md").read_text(encoding="utf-8"), table)
    assert [(what, target) for what, _, target, _ in rows] == list(table.ROWS)
    for what, measured, _, met in rows:
        assert measured, what
        assert met in ("met", "**missed**", "—") or met.startswith(("met", "**missed**")), (what, met)


def test_writing_the_table_replaces_only_what_is_between_the_markers(table, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n\n{table.BEGIN}\nold table\n{table.END}\n\nafter\n", encoding="utf-8")
    table.write_readme("| what | measured | target | |\n|---|---|---|---|", readme)
    table.write_readme("| what | measured | target | |\n|---|---|---|---|\n| a | b | c | met |", readme)
    assert readme.read_text(encoding="utf-8") == (
        f"before\n\n{table.BEGIN}\n| what | measured | target | |\n|---|---|---|---|\n"
        f"| a | b | c | met |\n{table.END}\n\nafter\n")
    readme.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="markers"):
        table.write_readme("x", readme)
