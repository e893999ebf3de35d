"""Opening the TUI fast: the first chart's computation starts before Textual is imported.

The CLI calls :func:`prefetch` before importing the app: it starts computing the starting config's result (and importing the chart's drawing kit)
in a thread, then imports the app. Building an activation's mean-field tables is NumPy work that
releases the GIL, so on a second core it overlaps Textual's import and start-up; the app's first
request for that config (:func:`take`) then waits for this thread instead of starting its own. Textual-free.

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

from gradtui.engine import Config

from .compute import Job, Outcome, run_job


#: the switch interval while the prefetch runs (s; Python's default is 0.005)
PREFETCH_SWITCH_INTERVAL = 1e-4


class Prefetch:
    """One config's outcome, computed in a daemon thread from the moment this is made (with the
    interpreter's switch interval at :data:`PREFETCH_SWITCH_INTERVAL` until it is done)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._outcome: Outcome | None = None
        self._done = threading.Event()
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, PREFETCH_SWITCH_INTERVAL))
        try:
            threading.Thread(target=self._run, name="gradtui-prefetch", daemon=True).start()
        except BaseException:
            sys.setswitchinterval(self._switch_interval)
            raise

    def _run(self) -> None:
        try:
            self._outcome = run_job(Job(self.config))  # never raises; imports the drawing kit too
        finally:
            sys.setswitchinterval(self._switch_interval)
            self._done.set()

    def wait(self, ticket: object = None) -> Outcome:
        """The outcome (blocks until it is there; run it in the runner's thread)."""
        self._done.wait()
        assert self._outcome is not None
        return self._outcome


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
