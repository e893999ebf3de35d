"""The Jacobian-spectrum renderer (gradtui/render/spectrum.py): fills its block, ASCII, no colour."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from rich.text import Text

from gradtui.engine import Config
from gradtui.engine.theory import jacobian_spectrum
from gradtui.render.spectrum import render_spectrum


@pytest.mark.parametrize("size", [(80, 21), (120, 37), (40, 12)])
@pytest.mark.parametrize("ascii", [False, True])
def test_spectrum_render_fills_its_block_exactly(size, ascii):
    w, h = size
    spec = jacobian_spectrum(Config(mode="sampled", activation="relu", init="he_normal", depth=6, width=32))
    text = render_spectrum(spec, w, h, ascii=ascii)
    lines = Text.from_ansi(text, no_wrap=True, end="").plain.split("\n")
    assert len(lines) == h and all(cell_len(line) == w for line in lines)
    assert text == render_spectrum(spec, w, h, ascii=ascii)
    assert "\x1b" not in render_spectrum(spec, w, h, ascii=ascii, color=False)
    if ascii:
        assert text.isascii()
