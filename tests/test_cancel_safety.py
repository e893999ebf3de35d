"""Stopping work never leaves shared state waited for.

Found by the whole suite hanging in `no_leftover_computation`: the spectrum was stopped with an
exception raised asynchronously in its thread (``interrupt=True``); landing between the weight cache's
new stack and the start of the thread that fills it, it left that stack in the cache unfilled, and the
chart's and the distribution's next draws of the same network waited on it for ever (one of them
holding the cache's lock). Now the spectrum stops between layers (``ticket.check``) and a stack whose
filler cannot start leaves the cache with the error.
"""

from __future__ import annotations

import threading

import pytest

from gradtui.engine import Config, compute
from gradtui.engine import weights
from gradtui.engine.theory import jacobian_spectrum
from gradtui.tui.runner import Cancelled, Ticket

CFG = Config(mode="sampled", depth=6, width=16, batch=2, seed=4321)


def _in_thread(fn, timeout=60.0):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "hung: waiting for a stack nobody fills"
    return box


def test_a_filler_that_cannot_start_leaves_no_stack_behind(monkeypatch):
    weights.clear_weights()
    real_start = threading.Thread.start
    calls = []

    def failing_start(self):
        if self.name == "gradtui-weights" and not calls:
            calls.append(self.name)
            raise Cancelled  # as an asynchronous stop would, between the stack and its filler
        return real_start(self)

    monkeypatch.setattr(threading.Thread, "start", failing_start)
    first = _in_thread(lambda: compute(CFG))
    assert isinstance(first.get("error"), Cancelled) and calls
    assert (CFG.seed, CFG.width) not in {k[:2] for k in weights.cache_info()["stacks"]}
    again = _in_thread(lambda: compute(CFG))  # was: waits for ever
    assert "error" not in again, again.get("error")
    monkeypatch.setattr(threading.Thread, "start", real_start)
    weights.clear_weights()
    fresh = compute(CFG)
    assert list(again["value"].log10_grad) == list(fresh.log10_grad)


def test_the_spectrum_stops_between_layers_by_its_callback():
    seen = []

    def stop():
        seen.append(1)
        if len(seen) > 3:
            raise Cancelled

    with pytest.raises(Cancelled):
        jacobian_spectrum(Config(mode="sampled", depth=50, width=32, seed=7), stop=stop)
    assert len(seen) == 4  # the draw, then three layers
    full = jacobian_spectrum(Config(mode="sampled", depth=50, width=32, seed=7), stop=lambda: None)
    assert full.log10_sv.size > 0


def test_a_ticket_checks_without_interrupting():
    ticket = Ticket("spectrum", work=lambda t: None, done=lambda v: None)
    ticket.check()  # not stopped: nothing
    ticket.stop()
    with pytest.raises(Cancelled):
        ticket.check()
