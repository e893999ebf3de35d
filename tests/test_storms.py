"""Seeded key storms, one per screen (tests/storms.py: the table of screens and the driver).

Each storm sends 2,000 random keys in bursts of 100 with a resize between bursts (down to 10×3, where
the size guard takes every key but quit). Afterwards the app is running, raised nothing, and, back on
the main screen, shows the chart and verdict of its config. A failure prints the seed and the key log.
"""

from __future__ import annotations

import time

import pytest

from gradtui.engine import Config
from gradtui.tui.app import GradApp
from storms import SCREENS, resize, send, storm
from test_hardening_tui import check_consistent
from test_tui import no_leftover_computation  # noqa: F401  (autouse: joins leftover compute threads)
from tui_helpers import settle

KEYS = 2000


@pytest.mark.slow
@pytest.mark.parametrize("screen", SCREENS)
async def test_storm(screen):
    seed = 20261202 + sorted(SCREENS).index(screen)
    app = GradApp(config=Config(depth=8, width=32, batch=4))
    t0 = time.perf_counter()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        log = await storm(pilot, screen, seed, keys=KEYS)
        while len(app.screen_stack) > 1:
            await pilot.press("escape")
        await settle(pilot, rounds=2000)
        check_consistent(app)
    sent = sum(len(what) for kind, what in log if kind == "keys")
    print(f"storm on {screen}: {sent} keys, seed {seed}, {time.perf_counter() - t0:.1f} s")
    assert sent >= KEYS


async def test_a_resize_while_the_presets_picker_closes():
    """P, enter (the picker closes with a preset), then at once a resize to 10×3 (the size guard)
    and P, esc: the app keeps running and the picker is gone. Found by the presets storm (seed
    20261205): the picker's queued dismissal popped the guard instead, and esc then dismissed the
    picker twice (InvalidStateError); now a screen closing under the guard leaves from beneath it."""
    app = GradApp(config=Config(depth=8, width=32, batch=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await send(pilot, ["P"])
        await send(pilot, ["enter"])
        await resize(pilot, 10, 3)
        await send(pilot, ["P", "escape"])
        await pilot.pause(0.2)
        assert app._exception is None, repr(app._exception)
        assert "PresetsScreen" not in [type(s).__name__ for s in app.screen_stack]
