"""The interactive app moves its start-up objects out of the garbage collector's sight once warmed
up (``run_app`` asks for it); apps made otherwise (tests, embedding) leave the collector alone."""

from __future__ import annotations

import asyncio
import gc

import pytest

from gradtui.engine import ACTIVATIONS, Config
from gradtui.tui import app as app_module
from gradtui.tui.app import GradApp

from tui_helpers import settle


@pytest.fixture(autouse=True)
def _unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


async def _warmed_up(app, pilot) -> None:
    for _ in range(500):
        await settle(pilot)
        if set(ACTIVATIONS) <= app._warm:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the warm-up never finished")


def test_an_app_asked_to_freezes_the_collector_after_its_warm_up():
    async def run() -> int:
        app = GradApp(config=Config(depth=4), freeze_gc=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await _warmed_up(app, pilot)
            frozen = gc.get_freeze_count()
            await pilot.press("right")  # still works, and collects what it makes
            await settle(pilot)
            assert app.config != Config(depth=4)
        return frozen

    assert asyncio.run(run()) > 10_000


def test_an_app_made_without_asking_leaves_the_collector_alone():
    async def run() -> None:
        app = GradApp(config=Config(depth=4))
        async with app.run_test(size=(80, 24)) as pilot:
            await _warmed_up(app, pilot)

    asyncio.run(run())
    assert gc.get_freeze_count() == 0


def test_run_app_asks_for_it(monkeypatch):
    made = {}

    def fake_run(app):
        made["freeze"] = app._freeze_gc
        return 0

    monkeypatch.setattr(app_module, "run_in_terminal", fake_run)
    assert app_module.run_app(Config(depth=3)) == 0
    assert made["freeze"] is True
