"""Helpers shared by the TUI's Pilot and snapshot tests."""

from __future__ import annotations


async def settle(pilot, rounds: int = 200) -> None:
    """Wait until no result is in flight and the chart shows the current config."""
    app = pilot.app
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.settled:
            return
    raise AssertionError("the app never settled")


def press_then_settle(*keys: str, wait=settle):
    """A snapshot ``run_before`` that presses ``keys`` one by one, waiting with ``wait`` after each."""

    async def run_before(pilot) -> None:
        await wait(pilot)
        for key in keys:
            await pilot.press(key)
            await wait(pilot)

    return run_before
