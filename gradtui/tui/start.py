"""Opening the TUI fast: the first chart's computation starts before Textual is imported.

The CLI calls :func:`prefetch` before importing the app: it starts computing the starting config's result (and importing the chart's drawing kit)
in a thread, then imports the app. NumPy work releases the GIL, so on a second core it overlaps
Textual's import and start-up (an expected-mode start now reads its activation's tables from the
package, ~3 ms, where building them took 50–240 ms); the app's first request for that config
(:func:`take`) then waits for this thread instead of starting its own. Textual-free.

While the prefetch runs, the interpreter's switch interval is 0.1 ms instead of 5: the importing
main thread holds the GIL between bytecodes, and each of the prefetch's NumPy calls waited up to
5 ms to get it back, so the prefetch ran at about half speed and the chart came ~130 ms after the
first frame. Measured in an 80×24 pty on a 2-core machine, 11 runs interleaved: chart drawn
0.62 → 0.56 s; the first frame, 0.47 → 0.54 s, now comes with the chart instead of before it
(1e-3 and 3e-4 gave 0.60 and 0.58 s). The default is restored as soon as the prefetch is done.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING

from gradtui.engine import Config, Result

from .compute import Job, Outcome, run_job

if TYPE_CHECKING:
    from .runner import Ticket


#: the switch interval while the prefetch runs (s; Python's default is 0.005)
PREFETCH_SWITCH_INTERVAL = 1e-4


class Prefetch:
    """One config's outcome, computed in a daemon thread from the moment this is made (with the
    interpreter's switch interval at :data:`PREFETCH_SWITCH_INTERVAL` until it is done).

    A sampled config's mean-field overlay is computed first (milliseconds once its activation's
    tables are built), so the app can show it as the provisional answer of a slow start
    (:meth:`wait_overlay`). The app's request waits for the outcome in a runner thread
    (:meth:`wait`); when that request is superseded the computation is abandoned within a layer."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._outcome: Outcome | None = None
        self._overlay: Result | None = None
        self._overlay_done = threading.Event()
        self._done = threading.Event()
        self._cancelled = threading.Event()
        _lower_switch_interval()
        try:
            threading.Thread(target=self._run, name="gradtui-prefetch", daemon=True).start()
        except BaseException:
            _restore_switch_interval()
            raise

    def _run(self) -> None:
        try:
            job = Job(self.config)
            if self.config.mode == "sampled":
                quick = run_job(Job(self.config.replace(mode="expected")))
                self._overlay = quick.result
                self._overlay_done.set()
                # the app starts on the gradient view, which needs no weight gradients
                job = Job(self.config, quick.result, weight_grads=False)
            self._outcome = run_job(job, cancel=self._cancelled.is_set)  # never raises
        finally:
            _restore_switch_interval()
            self._overlay_done.set()
            self._done.set()

    def wait(self, ticket: Ticket | None = None) -> Outcome:
        """The outcome (blocks until it is there; run it in the runner's thread). Once ``ticket``
        is stopped the computation is abandoned and the outcome says :data:`STOPPED`."""
        while not self._done.wait(_POLL):
            if ticket is not None and ticket.stopped:
                self._cancelled.set()
                self._done.wait()  # within a layer of the engine
                break
        assert self._outcome is not None
        return self._outcome

    def wait_overlay(self, ticket: Ticket | None = None) -> Result | None:
        """The mean-field overlay of a sampled config, as soon as it is there (None for other
        modes, if it failed, or once ``ticket`` is stopped)."""
        while not self._overlay_done.wait(_POLL):
            if ticket is not None and ticket.stopped:
                return None
        return self._overlay


# the interval is the interpreter's: prefetches that overlap (tests make several) lower it once
# and the last one to end restores what was there before the first
_interval_lock = threading.Lock()
_interval_users = 0
_interval_before = 0.005


def _lower_switch_interval() -> None:
    global _interval_users, _interval_before
    with _interval_lock:
        if _interval_users == 0:
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval_before, PREFETCH_SWITCH_INTERVAL))
        _interval_users += 1


def _restore_switch_interval() -> None:
    global _interval_users
    with _interval_lock:
        _interval_users -= 1
        if _interval_users == 0:
            sys.setswitchinterval(_interval_before)


#: how often a waiting runner thread looks whether its request was superseded (s)
_POLL = 0.02


#: the prefetch started for the TUI about to open (taken by run_app)
_pending: Prefetch | None = None


def prefetch(config: Config) -> None:
    """Start computing ``config``'s first chart now, before the app (and Textual) is imported."""
    global _pending
    _pending = Prefetch(config)


def take(config: Config) -> Prefetch | None:
    """The prefetch started for ``config``, once (None if there is none or it is of another)."""
    global _pending
    found, _pending = _pending, None
    return found if found is not None and found.config == config else None
