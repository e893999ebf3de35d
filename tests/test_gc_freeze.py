"""The interactive app moves its start-up objects out of the garbage collector's sight once warmed
up (``run_app`` asks for it); apps made otherwise (tests, embedding) leave the collector alone.
The ``gradtui`` command starts with the collector off (gradtui/launch.py); the app asked to freeze
switches it back on at the same moment (or a while after mounting, if no chart comes)."""

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
    gc.enable()
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


def test_the_command_runs_with_the_collector_off_and_gives_it_back(monkeypatch):
    from gradtui import cli, launch

    seen = []
    monkeypatch.setattr(cli, "main", lambda: seen.append(gc.isenabled()) or 3)
    assert launch.main() == 3
    assert seen == [False] and gc.isenabled()

    def fails():
        raise SystemExit(2)

    monkeypatch.setattr(cli, "main", fails)
    with pytest.raises(SystemExit):
        launch.main()
    assert gc.isenabled()


async def _until(pilot, condition, seconds: float) -> bool:
    """Whether ``condition()`` holds within ``seconds`` (polled every 20 ms)."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return True
        await pilot.pause(0.02)
    return condition()


def test_the_app_collects_again_once_warmed_up(monkeypatch):
    during_warm_up = []
    warm_up = GradApp._warm_up

    def recording(self):
        during_warm_up.append(gc.isenabled())
        warm_up(self)

    monkeypatch.setattr(GradApp, "_warm_up", recording)

    async def run() -> tuple[bool, bool, bool, int]:
        gc.disable()
        app = GradApp(config=Config(depth=4), freeze_gc=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await _warmed_up(app, pilot)
            off_at_first = during_warm_up == [False]  # off through the first chart and the warm-up
            on = gc.isenabled()
            frozen = gc.get_freeze_count()
            await pilot.press("right")
            await settle(pilot)
            gc.disable()
            app._end_start_up()  # once only: the timer's later call changes nothing
            once = not gc.isenabled()
            gc.enable()
            return off_at_first, on, once, frozen

    off_at_first, on, once, frozen = asyncio.run(run())
    assert off_at_first and on and once
    assert frozen > 10_000  # what start-up made is out of the collector's sight


def test_without_a_chart_the_app_collects_again_after_a_while(monkeypatch):
    monkeypatch.setattr(GradApp, "_show", lambda self, outcome: None)
    monkeypatch.setattr(GradApp, "START_UP_SECONDS", 1.0)  # 2 s in the app

    async def run() -> tuple[bool, bool]:
        gc.disable()
        app = GradApp(config=Config(depth=4), freeze_gc=True)
        async with app.run_test(size=(80, 24)) as pilot:
            early = gc.isenabled()  # just mounted
            later = await _until(pilot, gc.isenabled, 4.0)
            return early, later

    assert asyncio.run(run()) == (False, True)


def test_an_app_not_asked_leaves_a_disabled_collector_off():
    async def run() -> bool:
        gc.disable()
        app = GradApp(config=Config(depth=4))
        async with app.run_test(size=(80, 24)) as pilot:
            await _warmed_up(app, pilot)
            return gc.isenabled()

    assert asyncio.run(run()) is False
