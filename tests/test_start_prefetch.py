"""The first chart's prefetch (gradtui.tui.start): the same outcome as the app's own request, taken
once, and the interpreter's switch interval lowered only while it runs."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from gradtui.engine import Config, compute
from gradtui.tui import start


@pytest.fixture(autouse=True)
def _no_pending():
    # a CLI test's prefetch (main() starts one) may still run: its interval is not ours to measure
    for _ in range(1000):
        if start._interval_users == 0:
            break
        threading.Event().wait(0.01)
    start._pending = None
    yield
    start._pending = None


def test_prefetch_gives_the_engines_result_and_restores_the_switch_interval():
    before = sys.getswitchinterval()
    config = Config(depth=12, activation="tanh", weight_scale=1.3)
    gate = threading.Event()
    real_run_job = start.run_job

    def held_run_job(job, cancel=None):  # hold the thread, to see the interval while it runs
        gate.wait(10)
        return real_run_job(job, cancel)

    start.run_job = held_run_job
    try:
        fetch = start.Prefetch(config)
        assert sys.getswitchinterval() == pytest.approx(start.PREFETCH_SWITCH_INTERVAL)
        gate.set()
        outcome = fetch.wait()
    finally:
        start.run_job = real_run_job
    assert sys.getswitchinterval() == pytest.approx(before)
    assert outcome.error is None
    expected = compute(config)
    np.testing.assert_array_equal(outcome.result.log10_factor, expected.log10_factor)
    np.testing.assert_array_equal(outcome.result.log10_grad, expected.log10_grad)


def test_a_thread_that_dies_still_restores_the_switch_interval(monkeypatch):
    before = sys.getswitchinterval()
    died = []

    def broken(job, cancel=None):
        raise RuntimeError("broken")

    monkeypatch.setattr(start, "run_job", broken)
    monkeypatch.setattr(threading, "excepthook", lambda args: died.append(args.exc_type))
    fetch = start.Prefetch(Config(depth=3))
    assert fetch._done.wait(10)
    assert sys.getswitchinterval() == pytest.approx(before)
    for _ in range(100):  # the hook runs just after the finally block
        if died:
            break
        threading.Event().wait(0.01)
    assert died == [RuntimeError]


def test_take_hands_the_prefetch_over_once_and_only_for_its_config():
    config = Config(depth=5)
    start.prefetch(config)
    assert start.take(config.replace(depth=6)) is None  # another config: not this one
    assert start._pending is None  # and it is gone either way
    start.prefetch(config)
    fetch = start.take(config)
    assert fetch is not None and fetch.config == config
    assert start.take(config) is None
    assert fetch.wait().result is not None


def test_overlapping_prefetches_restore_the_interval_that_was_there_before_the_first(monkeypatch):
    before = sys.getswitchinterval()
    gates = [threading.Event(), threading.Event()]
    real_run_job = start.run_job

    def held_run_job(job, cancel=None):  # each prefetch waits for its own gate
        gates[job.config.depth - 1].wait(10)
        return real_run_job(job, cancel)

    monkeypatch.setattr(start, "run_job", held_run_job)
    first = start.Prefetch(Config(depth=1))
    second = start.Prefetch(Config(depth=2))
    gates[0].set()  # the first ends while the second still runs: the interval stays low
    first.wait()
    assert sys.getswitchinterval() == pytest.approx(start.PREFETCH_SWITCH_INTERVAL)
    gates[1].set()
    second.wait()
    assert sys.getswitchinterval() == before
