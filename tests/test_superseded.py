"""A superseded sampled computation ends within a layer instead of running to its end: the engine's
``cancel`` hook, the main chart's requests, and the start-up prefetch (which also shows a slow
start's mean-field bars, marked provisional, while the network is computed)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import gradtui.tui.compute as compute_module
from gradtui.engine import Config, Stopped, compute
from gradtui.engine.sampled import clear_cache
from gradtui.tui import start
from gradtui.tui.app import GradApp
from gradtui.tui.compute import STOPPED, Job, run_job
from gradtui.tui.widgets import ChartView
from tui_helpers import settle

SMALL = Config(mode="sampled", depth=40, width=64, batch=8, seed=5)
BIG = Config(mode="sampled", depth=200, width=256, batch=64)


def same(a, b) -> bool:
    return a.config == b.config and all(
        np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True)
        for name in ("log10_grad", "log10_factor", "log10_act_std", "weight_gain")
    )


class CountingCancel:
    """``cancel()`` that says stop from its ``after``-th question on."""

    def __init__(self, after: int) -> None:
        self.after, self.asked = after, 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.asked > self.after


@pytest.mark.parametrize("after", [0, 1, SMALL.depth - 1, SMALL.depth, SMALL.depth + 7,
                                   2 * SMALL.depth - 1])
@pytest.mark.parametrize("cached", [True, False])
def test_the_sampled_engine_stops_before_the_layer_it_is_told_and_leaves_nothing_broken(after, cached):
    """Asked once per layer of the forward pass, then of the backward: it stops right there, and
    the next computation of the same network (weights cached or being drawn anew) is unchanged."""
    clear_cache()
    fresh = compute(SMALL)
    if not cached:
        clear_cache()  # the stopped pass starts the stack's drawing: the next pass must still finish
    cancel = CountingCancel(after)
    with pytest.raises(Stopped):
        compute(SMALL, cancel=cancel)
    assert cancel.asked == after + 1
    assert same(compute(SMALL), fresh)
    assert same(compute(SMALL.replace(depth=SMALL.depth + 3)),
                compute(SMALL.replace(depth=SMALL.depth + 3), cancel=lambda: False))


def test_a_pass_that_is_not_stopped_asks_once_a_layer_each_way_and_gives_the_same_numbers():
    cancel = CountingCancel(10**9)
    assert same(compute(SMALL, cancel=cancel), compute(SMALL))
    assert cancel.asked == 2 * SMALL.depth


def test_the_other_engines_never_ask():
    def never(): raise AssertionError("asked")

    for mode in ("expected", "chain"):
        config = SMALL.replace(mode=mode)
        assert same(compute(config, cancel=never), compute(config))


def test_run_job_reports_a_stopped_computation_as_such_and_keeps_the_overlay_it_was_given():
    overlay = compute(SMALL.replace(mode="expected"))
    outcome = run_job(Job(SMALL, overlay), cancel=lambda: True)
    assert outcome.result is None and outcome.error == STOPPED and outcome.overlay is overlay


def block_until_cancelled(monkeypatch, seen: list) -> None:
    """Sampled computations of the main chart wait (up to 60 s) until they are told to stop, then
    record that they were; others run as usual."""
    real = compute_module.run_job

    def waiting(job, cancel=None):
        if job.config.mode != "sampled" or cancel is None:
            return real(job, cancel)
        for _ in range(3000):
            if cancel():
                seen.append(job.config)
                return real(job, cancel)
            threading.Event().wait(0.02)
        raise AssertionError("never stopped")

    monkeypatch.setattr(compute_module, "run_job", waiting)


async def test_a_change_stops_the_running_computation_of_the_previous_setting(monkeypatch):
    app = GradApp(config=BIG.replace(mode="expected"))
    seen: list = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        block_until_cancelled(monkeypatch, seen)
        app.change_config(BIG)  # runs until it is superseded
        await pilot.pause(0.1)
        assert app.busy and not seen
        monkeypatch.undo()
        app.change_config(BIG.replace(weight_scale=1.5))
        await settle(pilot)
        assert seen == [BIG]  # the running one was told to stop, and stopped
        assert same(app.result, compute(BIG.replace(weight_scale=1.5)))
        assert app._exception is None


def hold_the_prefetch(monkeypatch, release: threading.Event, cancelled: list) -> None:
    """The prefetch's sampled computation waits for ``release`` or its cancel (the mean-field one
    runs at once)."""
    real = start.run_job

    def held(job, cancel=None):
        if job.config.mode == "sampled":
            for _ in range(3000):
                if release.is_set():
                    break
                if cancel is not None and cancel():
                    cancelled.append(job.config)
                    break
                threading.Event().wait(0.02)
        return real(job, cancel)

    monkeypatch.setattr(start, "run_job", held)


def slow_start(monkeypatch):
    """An app opened at BIG with its prefetch held (see :func:`hold_the_prefetch`)."""
    release, cancelled = threading.Event(), []
    hold_the_prefetch(monkeypatch, release, cancelled)
    fetch = start.Prefetch(BIG)
    return GradApp(config=BIG, prefetch=fetch), fetch, release, cancelled


async def wait_for(pilot, condition, rounds: int = 1500) -> None:
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("never happened")


async def test_a_slow_start_shows_its_mean_field_bars_first_then_the_network(monkeypatch):
    app, fetch, release, cancelled = slow_start(monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        assert app.provisional and not app.settled
        assert same(app.result, compute(BIG.replace(mode="expected")))
        assert app.query_one(ChartView).border_subtitle.startswith("provisional: mean-field bars")
        release.set()
        await settle(pilot)
        assert not app.provisional and not cancelled
        assert same(app.result, compute(BIG))
        assert "provisional" not in app.query_one(ChartView).border_subtitle
        assert app._exception is None


async def test_a_change_during_a_slow_start_abandons_the_prefetch_and_answers_at_once(monkeypatch):
    app, fetch, release, cancelled = slow_start(monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        shown, show = [], app._show

        def recording_show(outcome):
            show(outcome)
            shown.append((outcome.result, app.provisional))

        app._show = recording_show  # type: ignore[method-assign]
        await pilot.press("left")  # depth 200 → a shallower network
        new = app.config
        assert new.depth < BIG.depth
        await settle(pilot)
        assert cancelled == [BIG]  # the start-up network was abandoned, never finished
        assert fetch._done.is_set() and fetch.wait().error == STOPPED
        # the activation's tables came with the start's provisional bars: the new setting's
        # mean-field bars were drawn at once, on the key, then its network's
        assert [marked for _, marked in shown] == [True, False]
        assert same(shown[0][0], compute(new.replace(mode="expected")))
        assert same(app.result, compute(new)) and not app.provisional
        assert app._exception is None


class TicketStoppedAfter:
    """A runner ticket whose ``stopped`` turns True from its ``after``-th look on."""

    def __init__(self, after: int) -> None:
        self.after, self.looks = after, 0

    @property
    def stopped(self) -> bool:
        self.looks += 1
        return self.looks > self.after


def test_the_compare_screen_s_computations_stop_within_a_layer_too():
    from gradtui.tui.compare_view import _compute_all

    configs = [SMALL, SMALL.replace(seed=6), SMALL.replace(mode="expected")]
    ticket = TicketStoppedAfter(5)  # one look before the first setting, then its layers
    assert _compute_all(configs, ticket) == [] and ticket.looks == 6
    done = _compute_all(configs, TicketStoppedAfter(10**9))
    assert [c for c, _, _ in done] == configs
    assert all(same(result, compute(c)) for c, result, error in done if error is None)
    assert all(error is None for _, _, error in done)
