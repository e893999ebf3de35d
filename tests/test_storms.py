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
from storms import SCREENS, storm
from test_hardening_tui import check_consistent
from test_tui import no_leftover_computation  # noqa: F401  (autouse: joins leftover compute threads)
from tui_helpers import settle

KEYS = 2000


@pytest.mark.slow
@pytest.mark.parametrize("screen", list(SCREENS))
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
