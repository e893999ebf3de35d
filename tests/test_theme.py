"""The light theme (--theme light, the palette's "theme: light"): a white background whose regime
colours keep ≥ 3:1 contrast and stay distinguishable; the chart and the verdict use them."""

from __future__ import annotations

import itertools
import re

import pytest

from gradtui.engine import Config, compute
from gradtui.engine.result import EXPLODING, OVERFLOW, STABLE, VANISHING
from gradtui.render.bars import render_chart
from gradtui.render.palette import (
    BAR_COLOR, LIGHT, LIGHT_BACKGROUND, LIGHT_OF_SGR, LIGHT_SURFACE, MAP_COLOR, contrast, recolor,
)
from gradtui.tui.app import GradApp
from gradtui.tui.theme import LIGHT_THEME, theme_of
from tui_helpers import press_then_settle, settle

REGIMES = (VANISHING, STABLE, EXPLODING, OVERFLOW)


def _rgb(color: str) -> tuple[int, ...]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def test_contrast_ratio_is_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # a textbook value


@pytest.mark.parametrize("background", [LIGHT_BACKGROUND, LIGHT_SURFACE])
def test_every_light_colour_has_3_to_1_contrast(background):
    for color in [*LIGHT.values(), *LIGHT_OF_SGR.values()]:
        assert contrast(color, background) >= 3, (color, background, contrast(color, background))


def test_the_light_theme_is_on_that_background():
    assert LIGHT_THEME.background == LIGHT_BACKGROUND and LIGHT_THEME.surface == LIGHT_SURFACE
    assert not LIGHT_THEME.dark


def test_regime_colours_are_distinguishable():
    """Each pair of regime colours differs clearly (RGB distance ≥ 100 of 441)."""
    for a, b in itertools.combinations(REGIMES, 2):
        distance = sum((x - y) ** 2 for x, y in zip(_rgb(LIGHT[a]), _rgb(LIGHT[b]))) ** 0.5
        assert distance >= 100, (a, b, distance)


def test_every_colour_the_renderers_use_has_a_light_one():
    for code in [*BAR_COLOR.values(), *MAP_COLOR.values()]:
        for param in code.split(";"):
            assert param == "1" or param in LIGHT_OF_SGR, (code, param)


def _colour_params(text: str) -> list[str]:
    return re.findall(r"\x1b\[([0-9;]*)m", text)


def test_light_chart_has_only_light_colours():
    result = compute(Config(mode="sampled", activation="tanh", depth=12, width=16, batch=4))
    overlay = compute(Config(activation="tanh", depth=12))
    pinned = compute(Config(depth=12))
    dark = render_chart(result, 70, 20, overlay=overlay, pinned=pinned, cursor=3)
    light = render_chart(result, 70, 20, overlay=overlay, pinned=pinned, cursor=3, theme="light")
    assert re.sub(r"\x1b\[[0-9;]*m", "", dark) == re.sub(r"\x1b\[[0-9;]*m", "", light)  # one picture
    for run in _colour_params(light):
        params = run.split(";")
        if params in (["0"], [""], ["1"]):  # reset, bold (the title)
            continue
        assert "38" in params, run  # every colour is an explicit truecolour one
        at = params.index("38")
        color = "#{:02x}{:02x}{:02x}".format(*map(int, params[at + 2:at + 5]))
        assert color in LIGHT_OF_SGR.values(), color
    assert recolor(dark, "dark") == dark
    with pytest.raises(ValueError, match="theme"):
        recolor(dark, "blue")


def test_no_color_chart_is_the_same_in_both_themes():
    result = compute(Config())
    assert render_chart(result, 60, 16, color=False, theme="light") == render_chart(result, 60, 16, color=False)


async def test_light_app_verdict_and_chart_use_the_light_palette():
    app = GradApp(theme="light")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert theme_of(app) == "light" and app.theme == LIGHT_THEME.name
        verdict = app.query_one("#verdict")
        assert verdict.styles.color.hex.lower() == LIGHT[VANISHING]
        chart = app.query_one("#chart").render()
        colours = {span.style.color.triplet.hex for span in chart.spans
                   if span.style and span.style.color and span.style.color.triplet}
        assert LIGHT[VANISHING] in colours and LIGHT[STABLE] in colours


async def test_theme_switches_live_from_the_palette():
    from test_palette import _run

    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert theme_of(app) == "dark"
        await _run(pilot, "theme: light")
        assert theme_of(app) == "light"
        await pilot.pause()
        assert app.query_one("#verdict").styles.color.hex.lower() == LIGHT[VANISHING]
        assert app.get_css_variables()["regime-vanishing"] == LIGHT[VANISHING]
        await _run(pilot, "theme: dark")
        assert theme_of(app) == "dark"
        assert app.get_css_variables()["regime-vanishing"] == "ansi_bright_blue"


def test_unknown_theme_is_refused():
    with pytest.raises(ValueError, match="theme: unknown value 'blue'"):
        GradApp(theme="blue")


SAMPLED = Config(mode="sampled", activation="tanh", depth=20, width=64, batch=16)


@pytest.mark.parametrize(("config", "keys"), [
    pytest.param(None, ("1",), id="sigmoid"),
    pytest.param(SAMPLED, ("p", "5", "full_stop"), id="pinned-exploding-inspector"),
])
def test_snapshot_light_80x24(snap_compare, config, keys):
    app = GradApp(config=config, theme="light")
    assert snap_compare(app, run_before=press_then_settle(*keys), terminal_size=(80, 24))


def test_snapshot_light_ascii_80x24(snap_compare):
    app = GradApp(theme="light", ascii=True)
    assert snap_compare(app, run_before=press_then_settle("4"), terminal_size=(80, 24))
