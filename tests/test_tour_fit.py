"""The lecture tour at 80×24: every shipped step's text is in view (the lecture's without scrolling,
the exercises' answers with ↓), the panel's border lies on the side column's, and no title,
however long, pushes the panel over the verdict."""

from __future__ import annotations

import pytest

from gradtui.tour import load_tour, shipped_tour_path
from gradtui.tui.app import GradApp
from gradtui.tui.tour_view import TourScreen
from tui_helpers import press_then_settle, screen_text, settle


def _panel(app):
    screen = app.screen
    assert isinstance(screen, TourScreen)
    return screen.query_one("#tour-panel"), screen.query_one("#tour-body")


def _overflows(body) -> bool:
    return body.virtual_size.height > body.scrollable_content_region.height or body.max_scroll_y > 0


async def _scroll_to_end(pilot, body) -> int:
    """Press ↓ until the text stops moving; the number of presses."""
    presses = 0
    while body.scroll_y < body.max_scroll_y and presses < 200:
        await pilot.press("down")
        await pilot.pause()
        presses += 1
    return presses


async def test_every_lecture_step_fits_at_80x24_without_scrolling():
    steps = load_tour()
    app = GradApp(tour=steps)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for step in steps:
            panel, body = _panel(app)
            assert app.screen.step is step
            assert not _overflows(body), f"step {step.index} needs {body.virtual_size.height} rows"
            assert "more" not in panel.border_subtitle
            # the last words of the step are on screen
            assert step.notice.split()[-1] in screen_text(app)
            await pilot.press("space")
            await settle(pilot)


async def test_every_exercise_reaches_its_end_with_the_down_key():
    """An answered question is longer than the panel: it shows the answer (the end) and says
    ↑ more; ↑ goes back to the question, ↓ to the end again."""
    steps = load_tour(shipped_tour_path("exercises"))
    app = GradApp(tour=steps)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for step in steps:
            panel, body = _panel(app)
            if _overflows(body):  # the question itself: ↓ reaches its end
                assert "↓ more" in panel.border_subtitle
                assert await _scroll_to_end(pilot, body) > 0
            await pilot.press("1" if step.choices else "right")
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.answered
            if _overflows(body):
                assert body.scroll_y == body.max_scroll_y  # the answer is shown
                assert panel.border_subtitle.startswith("↑ more")
                last = (step.reveal or "").split()[-1]
                assert last in screen_text(app)
                while body.scroll_y > 0:
                    await pilot.press("up")
                    await pilot.pause()
                assert "↓ more" in panel.border_subtitle
                assert await _scroll_to_end(pilot, body) > 0
                assert body.scroll_y == body.max_scroll_y
                assert last in screen_text(app)
            await pilot.press("space")
            await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_panel_border_lies_on_the_side_column(size):
    app = GradApp(tour=load_tour())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        panel, _ = _panel(app)
        main = app.screen_stack[0]
        side = main.query_one("#side")
        assert panel.region.x == side.region.x and panel.region.right == side.region.right
        assert panel.region.bottom == main.query_one("#body").region.bottom
        top, bottom = screen_text(app).splitlines()[0], screen_text(app).splitlines()[panel.region.bottom - 1]
        assert "╮╮" not in top and "╯╯" not in bottom


@pytest.mark.parametrize("ascii", [False, True])
async def test_a_10000_character_title_is_clipped(tmp_path, ascii):
    long = "x" * 10_000
    path = tmp_path / "long.toml"
    path.write_text(f'title = "{long}"\n\n[[step]]\npreset = "relu_he"\ntitle = "{long}"\n', encoding="utf-8")
    app = GradApp(tour=load_tour(path), ascii=ascii)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel, _ = _panel(app)
        main = app.screen_stack[0]
        verdict, status = main.query_one("#verdict"), main.query_one("#status")
        assert panel.region.bottom <= verdict.region.y  # the verdict stays in view
        assert status.region.height == 1  # the note is one line
        rows = screen_text(app).splitlines()
        assert rows[verdict.region.y].lstrip().startswith(("●", "=")), rows[verdict.region.y]
        assert ("…" if not ascii else "...") in rows[status.region.y]


async def test_ascii_tour_has_no_scrollbar_blocks():
    steps = load_tour(shipped_tour_path("exercises"))
    app = GradApp(tour=steps, ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("right", "enter")
        await settle(pilot)
        _, body = _panel(app)
        assert body.max_scroll_y > 0  # long enough that a scrollbar would show
        text = screen_text(app)
        assert text.isascii(), sorted({c for c in text if not c.isascii()})
        assert "^ more" in text


def test_snapshot_tour_answered_exercise_80x24(snap_compare):
    """A step longer than the panel: the answer in view, "↑ more" on the border."""
    app = GradApp(tour=load_tour(shipped_tour_path("exercises")))
    assert snap_compare(app, run_before=press_then_settle("right", "enter"), terminal_size=(80, 24))


def test_snapshot_tour_long_step_80x24(snap_compare):
    """The lecture's longest step (11, batch norm) fits whole at 80×24."""
    keys = ("space",) * 10
    app = GradApp(tour=load_tour())
    assert snap_compare(app, run_before=press_then_settle(*keys), terminal_size=(80, 24))


@pytest.mark.parametrize("ascii", [False, True])
async def test_the_progress_dots_are_whole_at_80x24_and_120x40(ascii):
    """One dot a step, the current one marked, never cut short by the border (at 80×24 "tour 1/16"
    and 16 dots are wider than the panel's title: Textual cut them with "…", hiding the current
    dot from step 15 on; now "tour" gives way). At 120×40 "tour" stays; --ascii stays ASCII."""
    steps = load_tour()
    assert len(steps) == 16
    on, off = ("#", ".") if ascii else ("●", "·")
    for size, prefix in (((80, 24), ""), ((120, 40), "tour ")):
        app = GradApp(tour=steps, ascii=ascii)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for index in (0, 15):
                while app.screen.index != index:
                    await pilot.press("space")
                    await settle(pilot)
                panel, _ = _panel(app)
                dots = "".join(on if i == index else off for i in range(16))
                assert panel.border_title == f"{prefix}{index + 1}/16 {dots}", (size, panel.border_title)
                top = screen_text(app).splitlines()[0]
                assert f"{index + 1}/16 {dots} " in top and "…" not in top, top
                assert top.isascii() or not ascii, top
