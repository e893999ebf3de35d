"""Helpers shared by the TUI's Pilot and snapshot tests."""

from __future__ import annotations


def screen_text(app) -> str:
    """The current screen as plain text, one line per row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot, rounds: int = 3000) -> None:
    """Wait until nothing is in flight: the app's chart (if the app has one) and the current
    screen's numbers (a theory view's ``settled``) show the current config. Background work runs
    on the app's runner, in threads Textual does not know of: poll, 20 ms at a time."""
    app = pilot.app
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if getattr(app, "settled", True) and getattr(app.screen, "settled", True):
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never settled")


def press_then_settle(*keys: str, wait=settle):
    """A snapshot ``run_before`` that presses ``keys`` one by one, waiting with ``wait`` after each."""

    async def run_before(pilot) -> None:
        await wait(pilot)
        for key in keys:
            await pilot.press(key)
            await wait(pilot)

    return run_before
