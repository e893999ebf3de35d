"""Sampled mode at a big setting: the mean-field bars at once, marked provisional, then the network's
own; the exact computation runs alone (nothing computed beside it) and a held key never queues."""

from __future__ import annotations

import threading

import numpy as np

import gradtui.tui.compute as compute_module
from gradtui.engine import Config, compute
from gradtui.tui.app import GradApp
from gradtui.tui.compute import provisional_config
from gradtui.tui.controls import CONTROL_KEYS
from gradtui.tui.widgets import ChartView
from tui_helpers import settle

BIG = Config(mode="sampled", depth=200, width=256, batch=64)


def test_which_configs_get_a_provisional_answer():
    assert provisional_config(BIG) == BIG.replace(mode="expected")
    assert provisional_config(BIG.replace(norm="batch")) == BIG.replace(mode="expected", norm="batch")
    assert provisional_config(BIG.replace(mode="expected")) is None
    assert provisional_config(BIG.replace(mode="chain")) is None
    assert provisional_config(BIG.replace(depth=4, width=32)) is None  # fast anyway: no stand-in


def same_result(a, b) -> bool:
    return a.config == b.config and all(
        np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True)
        for name in ("log10_grad", "log10_factor", "log10_act_std", "weight_gain")
    )


async def press_weight(start: Config, check, presses: int = 1, hold=None) -> None:
    """Open the app at ``start``, press → on the weight ``presses`` times and settle;
    ``check(app, shown, subtitles)`` then sees every result put on screen since the first press,
    (result, provisional?), and the chart's subtitle before them and each it changed to. ``hold`` (an Event) is cleared
    for the presses and set after them: the sampled computations wait for it in their thread."""
    app = GradApp(config=start)
    shown, subtitles = [], []
    show, title = app._show, app._update_chart_title

    def recording_show(outcome):
        show(outcome)
        shown.append((outcome.result, app.provisional))

    def recording_title():
        title()
        subtitle = app.query_one(ChartView).border_subtitle
        if not subtitles or subtitles[-1] != subtitle:
            subtitles.append(subtitle)

    app._show = recording_show  # type: ignore[method-assign]
    app._update_chart_title = recording_title  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(CONTROL_KEYS.index("weight_scale")):
            await pilot.press("down")
        shown.clear()
        subtitles[:] = [app.query_one(ChartView).border_subtitle]  # each change of it is added
        if hold is not None:
            hold.clear()
        await pilot.press(*["right"] * presses)
        if hold is not None:
            hold.set()
        await settle(pilot)
        assert app.config != start and not app.provisional
        check(app, shown, subtitles)


def held_until(monkeypatch, release: threading.Event) -> None:
    """Sampled computations wait in their thread until ``release`` is set."""
    run_job = compute_module.run_job

    def held(job, cancel=None):
        if job.config.mode == "sampled":
            assert release.wait(60), "never released"
        return run_job(job, cancel)

    monkeypatch.setattr(compute_module, "run_job", held)


async def test_first_shown_is_the_mean_field_marked_provisional_and_the_last_is_exact(monkeypatch):
    release = threading.Event()
    release.set()
    held_until(monkeypatch, release)

    def check(app, shown, subtitles):
        config = app.config
        assert [marked for _, marked in shown] == [True, False]
        assert same_result(shown[0][0], compute(config.replace(mode="expected")))
        assert same_result(shown[1][0], compute(config)) and app.result is shown[1][0]
        assert same_result(app.overlay, shown[0][0])  # the stand-in is the exact chart's overlay
        assert subtitles[1].startswith("provisional: mean-field bars")
        assert "provisional" not in subtitles[-1] and app.settled

    await press_weight(BIG, check, hold=release)


async def test_a_held_key_shows_each_setting_s_mean_field_and_computes_only_the_newest(monkeypatch):
    release = threading.Event()
    release.set()
    held_until(monkeypatch, release)

    def check(app, shown, subtitles):
        # every press answers at once with its mean-field bars; of the sampled networks only the
        # first press's (running when the others came) and the newest are computed, and only the
        # newest is shown
        assert [marked for _, marked in shown] == [True] * 5 + [False]
        assert same_result(app.result, compute(app.config))
        assert app.computes_started == 3  # the start-up computation, the first press, the newest

    await press_weight(BIG, check, presses=5, hold=release)


async def test_a_fast_network_shows_only_the_exact_answer():
    def check(app, shown, subtitles):
        assert [marked for _, marked in shown] == [False]
        assert same_result(app.result, compute(app.config))

    await press_weight(BIG.replace(depth=8, width=64), check)


async def test_a_change_made_under_another_screen_shows_no_stand_in_there():
    """A view on top (here the help) changes the config: nothing is drawn into the hidden main
    screen's widgets then; the exact answer is there once the view closes."""
    app = GradApp(config=BIG)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert len(app.screen_stack) == 2
        new = BIG.replace(weight_scale=2.0)
        app.change_config(new)
        assert not app.provisional
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app._exception is None and app.settled
        assert same_result(app.result, compute(new))
