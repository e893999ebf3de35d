"""The mouse on the main screen: a click on a bar inspects that layer, a click on a control selects
it, the wheel over the controls moves the selection. Positions come from the chart's own layout
(:func:`gradtui.render.bars.layer_at`), never from guessed columns."""

from __future__ import annotations

import pytest
from textual.events import MouseScrollDown, MouseScrollUp

from gradtui.engine import Config
from gradtui.render.bars import layer_at
from gradtui.tui.app import GradApp
from gradtui.tui.controls import CONTROLS
from gradtui.tui.widgets import ChartView, ControlPanel
from tui_helpers import settle


def _column_of(chart: ChartView, layer: int) -> int:
    """The content column of ``layer``'s bar, from the chart's layout at its size."""
    width, height = chart.content_size
    for x in range(width):
        hit = layer_at(chart.result, width, height, x, view=chart.view, pinned=chart.pinned,
                       overlay=chart.overlay)
        if hit is not None and hit[0] <= layer <= hit[1]:
            return x
    raise AssertionError(f"no bar for layer {layer}")


def _offset(widget, x: int, y: int) -> tuple[int, int]:
    """A content offset as an offset inside the widget's region (its border and padding first)."""
    return (widget.content_region.x - widget.region.x + x, widget.content_region.y - widget.region.y + y)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_click_on_a_bar_moves_the_inspector(size):
    app = GradApp(config=Config(depth=16))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        chart = app.query_one(ChartView)
        assert app.cursor is None
        for layer in (5, 1, 16, 9):
            x = _column_of(chart, layer)
            await pilot.click("#chart", offset=_offset(chart, x, chart.content_size.height // 2))
            await settle(pilot)
            assert app.cursor == layer
            # the chart on screen draws the cursor's pointer (▲ on the x axis) under the clicked bar
            axis = chart.render().plain.split("\n")[-3]
            pointer = axis.index("▲")
            assert layer_at(chart.result, *chart.content_size, pointer) == (layer, layer)
            assert abs(pointer - x) <= 3
        assert "layer 9/16" in str(app.query_one("#inspector").border_title)


async def test_click_on_the_axis_labels_does_nothing():
    app = GradApp(config=Config(depth=16))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chart = app.query_one(ChartView)
        await pilot.click("#chart", offset=_offset(chart, 1, 3))
        await settle(pilot)
        assert app.cursor is None


async def test_click_on_a_grouped_bar_and_in_sampled_weight_view():
    """Depth 200: a bar holds several layers; the cursor goes to its first layer. The weight view
    (sampled) has its own y labels and so its own columns."""
    app = GradApp(config=Config(depth=200, mode="sampled", width=16, batch=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chart = app.query_one(ChartView)
        x = _column_of(chart, 100)
        first, last = layer_at(chart.result, *chart.content_size, x)
        assert last > first
        await pilot.click("#chart", offset=_offset(chart, x, 2))
        await settle(pilot)
        assert app.cursor == first
        await pilot.press("v", "v")
        await settle(pilot)
        assert chart.view == "weight"
        x = _column_of(chart, 1)
        await pilot.click("#chart", offset=_offset(chart, x, 2))
        await settle(pilot)
        assert app.cursor == 1


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_click_on_a_control_selects_it(size):
    app = GradApp()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        panel = app.query_one(ControlPanel)
        rows = panel.content_size.height
        for row in (3, 0, min(rows, len(CONTROLS)) - 1):
            await pilot.click("#controls", offset=_offset(panel, 4, row))
            await pilot.pause()
            assert app.selected == panel._top(rows) + row
            assert f"{CONTROLS[app.selected].label}" in panel.render().plain.split("\n")[row]


async def test_wheel_moves_the_selection_and_keys_still_work():
    app = GradApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.query_one(ControlPanel)
        assert app.selected == 0
        for _ in range(3):
            await pilot._post_mouse_events([MouseScrollDown], "#controls", offset=_offset(panel, 2, 2))
        assert app.selected == 3
        await pilot._post_mouse_events([MouseScrollUp], "#controls", offset=_offset(panel, 2, 2))
        assert app.selected == 2
        # no wrap past either end (the keyboard's ↑/↓ wraps)
        for _ in range(len(CONTROLS) + 3):
            await pilot._post_mouse_events([MouseScrollDown], "#controls", offset=_offset(panel, 2, 2))
        assert app.selected == len(CONTROLS) - 1
        await pilot.press("down")
        assert app.selected == 0
        # a selected control still changes with the keys: depth 16 → 20
        await pilot.press("right")
        await settle(pilot)
        assert app.config.depth == 20
