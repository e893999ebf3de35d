"""The compare renderer (gradtui/render/compare.py): small multiples of up to four settings."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from gradtui.argv import command_line
from gradtui.engine import Config, compute
from gradtui.render.compare import Setting, grid_shape, labels, render_compare, short_verdict
from gradtui.render.glyphs import glyphs

#: the classic four at depth 20 (the issue's)
CLASSIC = [
    Config(depth=20, activation="sigmoid"),
    Config(depth=20, activation="tanh"),
    Config(depth=20, activation="relu", init="xavier_normal"),
    Config(depth=20, activation="relu", init="he_normal"),
]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: the whole terminal and the compare screen's panel area at that size (less status and footer)
SIZES = [(80, 24), (80, 22), (120, 40), (120, 38)]


def classic_items():
    return [Setting(c, compute(c), command_line(c)) for c in CLASSIC]


def panels(text: str, shape: tuple[int, int], width: int, height: int) -> list[list[str]]:
    """The text of each panel (row-major), cut out of the grid."""
    rows, cols = shape
    pw, ph = (width - (cols - 1)) // cols, height // rows
    lines = text.split("\n")
    out = []
    for r in range(rows):
        for c in range(cols):
            out.append([line[c * (pw + 1): c * (pw + 1) + pw] for line in lines[r * ph:(r + 1) * ph]])
    return out


@pytest.mark.parametrize("ascii", [False, True], ids=["unicode", "ascii"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_classic_four_each_panel_says_its_engine_verdict(size, ascii):
    width, height = size
    items = classic_items()
    text = render_compare(items, width, height, color=False, ascii=ascii, selected=2, layout="grid")
    lines = text.split("\n")
    assert len(lines) == height
    assert all(cell_len(line) == width for line in lines)
    if ascii:
        assert text.isascii()
    shape = grid_shape(4, width, height)
    assert shape == (2, 2)
    g = glyphs(ascii)
    for k, (item, panel) in enumerate(zip(items, panels(text, shape, width, height))):
        result = item.result
        body = "\n".join(panel)
        # the verdict line: the engine's regime, with its glyph, at the start of a line
        regime = result.regime
        verdict_lines = [line for line in panel if line.startswith(f"{g.regime[regime]} {regime.upper()}")]
        assert verdict_lines, body
        # no other regime's word is claimed for this panel
        for other in ("VANISHING", "STABLE", "EXPLODING"):
            if other != regime.upper():
                assert other not in body
        # the header: marker on the selected panel only, its number and name
        assert panel[0].startswith(f"{g.marker if k == 2 else ' '} {k + 1} ")
        assert labels(CLASSIC)[k] in panel[0]
        # the command line: complete where there is room (120 columns), else its start
        start = next(i for i, line in enumerate(panel) if line.startswith("$ "))
        command = " ".join(line.strip() for line in panel[start:] if line.strip())
        if width >= 120:
            assert command == "$ " + item.command
        else:
            assert command.startswith("$ gradtui --depth 20 --activation")


def test_classic_four_regimes_match_the_engine():
    # what the panels above are checked against, stated once: the engine's own verdicts
    regimes = [compute(c).regime for c in CLASSIC]
    assert regimes[0] == "vanishing" and regimes[2] == "vanishing" and regimes[3] == "stable"
    text = render_compare(classic_items(), 120, 40, color=False)
    assert text.count("VANISHING") == regimes.count("vanishing")
    assert text.count("STABLE") == regimes.count("stable")


@pytest.mark.parametrize("layout", ["grid", "overlay"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_colour_is_the_same_picture(size, layout):
    width, height = size
    items = classic_items()
    plain = render_compare(items, width, height, color=False, selected=0, layout=layout)
    coloured = render_compare(items, width, height, color=True, selected=0, layout=layout)
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain
    # each panel's verdict is in its regime's colour (vanishing bright blue, stable green)
    assert "\x1b[1;94m▼ VANISHING" in coloured and "\x1b[1;32m● STABLE" in coloured
    # the selected header is in reverse video
    assert re.search(r"\x1b\[1;7m▸ ?1 sigmoid", coloured)


def test_panels_share_one_y_axis():
    width, height = 120, 38
    text = render_compare(classic_items(), width, height, color=False)
    cut = panels(text, (2, 2), width, height)
    axes = [[line[:6] for line in panel if line[5:6] in ("┤", "│", "┼", "└")] for panel in cut]
    assert len(axes[0]) >= 10
    assert axes[0] == axes[1] == axes[2] == axes[3]
    assert any("1e-10" in a for a in axes[0])  # sigmoid's 1e-12 sets the scale for relu + he too


def test_grid_shapes():
    assert grid_shape(1, 80, 22) == (1, 1)
    assert grid_shape(2, 80, 22) == (1, 2)
    assert grid_shape(4, 120, 38) == (2, 2)
    assert grid_shape(4, 240, 30) == (1, 4)  # wide and short: four in a row
    assert grid_shape(3, 120, 38) == (2, 2)


def test_labels_name_what_differs():
    assert labels(CLASSIC) == [
        "sigmoid, xavier-normal", "tanh, xavier-normal", "relu, xavier-normal", "relu, he-normal",
    ]
    assert labels([Config(residual=True), Config()]) == ["residual", "no residual"]
    assert labels([Config()]) == ["sigmoid, xavier-normal"]


def test_short_verdict_fits_and_keeps_the_regime():
    result = compute(CLASSIC[0])
    for width in (20, 30, 40, 60, 200):
        text = short_verdict(result, width)
        assert cell_len(text) <= width and text.startswith("▼ VANISHING")
    assert "1.2e-12" in short_verdict(result, 40)


def test_nothing_to_compare_and_computing():
    empty = render_compare([], 80, 22, color=False)
    assert "nothing to compare" in empty and len(empty.split("\n")) == 22
    c = Config(depth=8)
    waiting = render_compare([Setting(c, None, command_line(c))], 80, 22, color=False, ascii=True)
    assert "computing..." in waiting and waiting.isascii()
    assert len(waiting.split("\n")) == 22


@pytest.mark.parametrize("ascii", [False, True], ids=["unicode", "ascii"])
@pytest.mark.parametrize("size", [(80, 22), (80, 24)], ids=["80x22", "80x24"])
def test_at_80x24_four_settings_share_one_chart(size, ascii):
    """Small multiples would get 3 canvas rows each at 80×24: one overlaid chart instead, with a
    line per setting (its number, name and the engine's verdict) and its whole command line."""
    width, height = size
    items = classic_items()
    text = render_compare(items, width, height, color=False, ascii=ascii, selected=3)
    lines = text.split("\n")
    assert len(lines) == height and all(cell_len(line) == width for line in lines)
    assert not ascii or text.isascii()
    g = glyphs(ascii)
    names = labels(CLASSIC)
    for k, item in enumerate(items):
        mark = g.marker if k == 3 else " "
        line = next(line for line in lines if line.startswith(f"{mark}{k + 1} {names[k]}  "))
        regime = item.result.regime
        assert f"{g.regime[regime]} {regime.upper()}" in line
        assert lines[lines.index(line) + 1].strip() == "$ " + item.command
    # every setting's points are on the chart: its digit appears above the legend
    chart = "\n".join(lines[:height - 8])
    for k in range(4):
        assert str(k + 1) in chart.replace("1e", "").replace("1┤", "").replace("1+", "")
    assert grid_shape(4, width, height) == (2, 2)


def test_overlay_points_sit_at_each_setting_s_values():
    # relu + He is exactly 1 per layer: its digit is on the line at 1 at every layer
    he = Config(depth=10, activation="relu", init="he_normal")
    sig = Config(depth=10, activation="sigmoid")
    items = [Setting(c, compute(c), command_line(c)) for c in (sig, he)]
    text = render_compare(items, 80, 22, color=False, layout="overlay")
    one = next(line for line in text.split("\n") if line.lstrip().startswith("1┤"))
    assert one.count("2") == 10
