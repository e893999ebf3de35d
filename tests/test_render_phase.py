"""The phase-map renderer (gradtui/render/phase.py): fills its block, ASCII, reads without colour."""

from __future__ import annotations

import numpy as np
import pytest
from rich.cells import cell_len
from rich.text import Text

from gradtui.engine import Config
from gradtui.engine.theory import phase_map
from gradtui.render.phase import phase_map_grid, render_phase_map


def _plain_lines(ansi: str) -> list[str]:
    return Text.from_ansi(ansi, no_wrap=True, end="").plain.split("\n")


@pytest.mark.parametrize("size", [(80, 21), (120, 37), (40, 12)])
@pytest.mark.parametrize("ascii", [False, True])
def test_phase_map_render_fills_its_block_exactly(size, ascii):
    w, h = size
    c = Config(activation="tanh", depth=30, bias_std=0.3)
    pm = phase_map(c, *phase_map_grid(w, h))
    text = render_phase_map(pm, w, h, config=c, ascii=ascii)
    lines = _plain_lines(text)
    assert len(lines) == h and all(cell_len(line) == w for line in lines)
    assert text == render_phase_map(pm, w, h, config=c, ascii=ascii)  # plotext's global figure is reset
    plain = render_phase_map(pm, w, h, config=c, ascii=ascii, color=False)
    assert "\x1b" not in plain and plain.split("\n") == lines
    if ascii:
        assert text.isascii()
    cursor = "O" if ascii else "◆"
    assert cursor in "\n".join(lines[1:-3])  # on the canvas


def test_no_color_map_still_tells_the_regimes_apart():
    c = Config(activation="tanh", depth=50)
    pm = phase_map(c, *phase_map_grid(80, 21))
    canvas = "".join(_plain_lines(render_phase_map(pm, 80, 21, config=c, color=False))[1:-3])
    for glyph in ("█", "▒", "░", "·", "▓", "▚", "│", "◆"):  # stable, vanishing/exploding ramps, χ₁ = 1, cursor
        assert glyph in canvas, glyph
    assert not np.isnan(pm.log10_grad).any()
