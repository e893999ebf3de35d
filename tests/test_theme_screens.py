"""``--theme light`` on every screen: each chart, bar and status line drawn in the light palette's
colours (gradtui/render/palette.py: LIGHT, LIGHT_OF_SGR), none left in the 16 ANSI colours — which
Textual would show in its own light ANSI theme, a brighter green, blue and red that wash out on a
white background. Checked on the SVG export of the screen (what `e` writes) and on the widgets'
renders."""

from __future__ import annotations

import re

import pytest
from rich.text import Text

from gradtui.engine import Config
from gradtui.engine.result import EXPLODING, STABLE, VANISHING
from gradtui.render.palette import LIGHT, LIGHT_OF_SGR, recolor, recolor_text
from gradtui.tui.app import GradApp
from tui_helpers import settle

#: each screen: the keys that open it, and light colours its picture must hold
SCREENS = {
    "main": ([], [LIGHT[STABLE]]),
    "training": (["t"], [LIGHT[STABLE], LIGHT[VANISHING]]),  # learning bars, the loss curve
    "compare": (["C"], [LIGHT[STABLE]]),
    "distribution": (["d"], [LIGHT[STABLE]]),
    "phase map": (["M"], [LIGHT[STABLE], LIGHT[VANISHING], LIGHT[EXPLODING]]),
    "spectrum": (["J"], [LIGHT[STABLE]]),
}
#: the regime colours of the ANSI palette (green, blue, red, magenta, in both brightnesses)
ANSI_REGIME = (1, 2, 4, 5, 9, 10, 12, 13)


def _hexes(svg: str) -> set[str]:
    return {h.lower() for h in re.findall(r"#[0-9a-fA-F]{6}\b", svg)}


@pytest.mark.parametrize("screen", list(SCREENS))
async def test_every_screen_is_drawn_in_the_light_palette(screen):
    keys, wanted = SCREENS[screen]
    app = GradApp(Config(depth=12, activation="tanh"), theme="light")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        svg = app.export_screenshot()
        textual_ansi = {app.ansi_theme_light.ansi_colors[i].hex.lower() for i in ANSI_REGIME}
    colors = _hexes(svg)
    for color in wanted:
        assert color in colors, (screen, color)
    assert not colors & textual_ansi, (screen, sorted(colors & textual_ansi))


async def test_switching_the_theme_redraws_the_training_view():
    app = GradApp(Config(depth=12, activation="tanh"), theme="dark")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        dark = _hexes(app.export_screenshot())
        from gradtui.tui.theme import switch

        switch(app, "light")
        await settle(pilot)
        light = _hexes(app.export_screenshot())
    assert LIGHT[STABLE] not in dark and LIGHT[STABLE] in light


def test_plotext_colour_indexes_are_recoloured():
    """plotext writes 256-colour indexes (38;5;12): the first 16 are the SGR colours."""
    out = recolor("\x1b[38;5;12mloss\x1b[0m \x1b[38;5;9m!\x1b[0m \x1b[38;5;200mx", "light")
    assert "38;5;12" not in out and "38;5;9m" not in out
    assert "38;2;29;78;216" in out  # LIGHT[VANISHING] for bright blue
    assert "38;5;200" in out  # beyond the 16: kept


def test_rich_text_is_recoloured_and_keeps_its_attributes():
    text = Text.assemble(("a", "bold green"), ("b", "dim"), ("c", "bright_red"), "d")
    light = recolor_text(text, "light")
    assert light.plain == text.plain
    styles = [span.style for span in light.spans]
    assert styles[0].bold and styles[0].color.triplet.hex == LIGHT[STABLE]
    assert styles[1].dim and styles[1].color is None
    assert styles[2].color.triplet.hex == LIGHT_OF_SGR["91"]
    assert recolor_text(text, "dark") is text
    with pytest.raises(ValueError, match="theme"):
        recolor_text(text, "blue")
