"""Sampled mode at a big setting: a quick provisional answer first, marked so, then the exact one."""

from __future__ import annotations

import threading

import numpy as np

import gradtui.tui.compute as compute_module
from gradtui.engine import Config, compute
from gradtui.tui.app import GradApp
from gradtui.tui.compute import PROVISIONAL_BATCH, provisional_config
from gradtui.tui.controls import CONTROL_KEYS
from gradtui.tui.widgets import ChartView
from tui_helpers import settle

BIG = Config(mode="sampled", depth=200, width=256, batch=64)


def test_which_configs_get_a_provisional_answer():
    quick = provisional_config(BIG)
    assert quick == BIG.replace(batch=PROVISIONAL_BATCH)
    assert provisional_config(BIG.replace(mode="expected")) is None
    assert provisional_config(BIG.replace(depth=4, width=32)) is None  # fast anyway
    assert provisional_config(BIG.replace(batch=PROVISIONAL_BATCH)) is None
    # batch norm's statistics and its gradient growth depend on the batch size: no stand-in
    assert provisional_config(BIG.replace(norm="batch")) is None


def same_result(a, b) -> bool:
    return a.config == b.config and all(
        np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True)
        for name in ("log10_grad", "log10_factor", "log10_act_std", "weight_gain")
    )


async def press_weight(start: Config, check, on_show=None, before_press=None) -> None:
    """Open the app at ``start``, press → on the weight once and settle; ``check(app, shown)``
    then sees every result put on screen since the press: (result, provisional?, subtitle).
    ``on_show(provisional)`` is told of every result shown, ``before_press()`` runs just before."""
    app = GradApp(config=start)
    shown = []
    show = app._show

    def recording_show(outcome):
        show(outcome)
        shown.append((outcome.result, app.provisional, app.query_one(ChartView).border_subtitle))
        if on_show is not None:
            on_show(app.provisional)

    app._show = recording_show  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(CONTROL_KEYS.index("weight_scale")):
            await pilot.press("down")
        shown.clear()
        if before_press is not None:
            before_press()
        await pilot.press("right")
        await settle(pilot)
        assert app.config != start and not app.provisional
        check(app, shown)


def hold(monkeypatch, which: str, until: threading.Event) -> None:
    """The quick (``which="quick"``) or the exact job waits in its thread for ``until``: the two
    run side by side, and a test decides which of them finishes first."""
    run_job = compute_module.run_job

    def held(job):
        if (job.config.batch == PROVISIONAL_BATCH) == (which == "quick"):
            assert until.wait(60), "the other job never showed"
        return run_job(job)

    monkeypatch.setattr(compute_module, "run_job", held)


async def test_first_shown_is_provisional_and_the_last_is_exact(monkeypatch):
    provisional_shown = threading.Event()
    hold(monkeypatch, "exact", provisional_shown)  # the exact job finishes after the quick one
    def check(app, shown):
        config = app.config
        first_result, first_marked, first_subtitle = shown[0]
        assert first_marked and "provisional" in first_subtitle
        assert first_result.config == config.replace(batch=PROVISIONAL_BATCH)
        final_result, final_marked, final_subtitle = shown[-1]
        assert not final_marked and "provisional" not in final_subtitle
        assert same_result(final_result, compute(config))
        assert app.result is final_result and app.settled

    await press_weight(BIG, check, lambda provisional: provisional and provisional_shown.set(),
                       before_press=provisional_shown.clear)


async def test_a_quick_answer_later_than_the_exact_one_is_dropped(monkeypatch):
    exact_shown = threading.Event()
    hold(monkeypatch, "quick", exact_shown)  # the exact job runs without waiting for the quick one

    def check(app, shown):
        assert [marked for _, marked, _ in shown] == [False]
        assert same_result(app.result, compute(app.config)) and app.settled

    await press_weight(BIG, check, lambda provisional: provisional or exact_shown.set(),
                       before_press=exact_shown.clear)


async def test_batch_norm_shows_only_the_exact_answer():
    def check(app, shown):
        assert [marked for _, marked, _ in shown] == [False]
        assert same_result(app.result, compute(app.config))

    await press_weight(BIG.replace(norm="batch", depth=100), check)
