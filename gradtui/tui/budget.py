"""Ask before a computation estimated over the compute budget (issue 15 item 7).

The CLI refuses such a setting (:func:`gradtui.engine.config.budget_refusal`); the TUI lets the
user go there but asks first: "this will take about 40 s — enter to run, any other change cancels".
A host (the app, the spectrum or the training screen) calls :func:`ask_first` before submitting a
computation; over budget it holds the request and shows the question. ``enter`` on that host calls
:func:`confirm`, which runs the held request (on the main screen ``enter`` otherwise opens the
presets picker: a pending question takes the key first). Any other change makes a new request,
which replaces the held one, so nothing is run that was not asked for.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from gradtui.engine.cost import COMPUTE_BUDGET, duration_text

#: the TUI's estimates follow this machine (:class:`Pace`): runs shorter than this are mostly
#: fixed costs and say little about its speed
PACE_MIN_SECONDS = 0.25
#: the most recent runs it remembers; the slowest of them (against its estimate) sets the pace
PACE_RUNS = 16
#: the pace stays within these bounds of the model
PACE_BOUNDS = (0.1, 4.0)


class Pace:
    """How this machine keeps to the cost model, learnt from the runs it has made.

    The model's constants are the slowest of the machines they were fitted on, so a faster
    machine was asked about settings that take a fraction of the budget ("about 12 s", then 2.5 s).
    The TUI's estimates (the chart's, the spectrum's, training's: one pace each) are the model's
    times the measured ÷ estimated of the slowest of the recent runs (≥ :data:`PACE_MIN_SECONDS`),
    1 until a run has been measured. The slowest: the
    ratio differs with the share of the weight draws (which overlap the products on a second core,
    and which a run whose weights were cached does not make), 0.21–0.36 here from run to run, and
    the pace should err toward asking. The CLI keeps the model's own figures, so a command is
    refused or run the same on every machine."""

    def __init__(self) -> None:
        self._ratios: deque[float] = deque(maxlen=PACE_RUNS)

    def record(self, estimated: float, measured: float) -> None:
        if measured >= PACE_MIN_SECONDS and estimated > 0.0:
            self._ratios.append(measured / estimated)

    @property
    def factor(self) -> float:
        if not self._ratios:
            return 1.0
        low, high = PACE_BOUNDS
        return min(high, max(low, max(self._ratios)))


@dataclass
class _Held:
    """A request held for ``enter``: what it is, how to run it, its estimate and where to say so."""

    key: Any
    retry: Callable[[], None]
    seconds: float
    say: Callable[[str], None]
    ascii: bool


@dataclass
class _Gate:
    pending: _Held | None = None
    approved: Any = None
    #: the estimate of the approved request (what its result is told against)
    approved_seconds: float = 0.0


def _gate(host: Any) -> _Gate:
    gate = getattr(host, "_budget_gate", None)
    if gate is None:
        gate = _Gate()
        host._budget_gate = gate
    return gate


def question(seconds: float, ascii: bool = False) -> str:
    dash = "-" if ascii else "—"
    return f"this will take {duration_text(seconds)} {dash} enter to run, any other change cancels"


def running(seconds: float, ascii: bool = False) -> str:
    """What replaces the question once ``enter`` has answered it."""
    dash = "-" if ascii else "—"
    return f"computing, estimated {duration_text(seconds)} {dash} any change cancels"


def ask_first(host: Any, key: Any, seconds: float, retry: Callable[[], None],
              say: Callable[[str], None], ascii: bool = False, again_confirms: bool = False) -> bool:
    """True when the computation of ``key`` must wait: it is estimated over the budget and not yet
    confirmed. The question is shown with ``say``; :func:`confirm` then calls ``retry``.

    ``again_confirms``: asking again for the very request that is held is the confirmation (the
    training screen, whose ``enter`` is "run" already)."""
    gate = _gate(host)
    held = gate.pending is not None and gate.pending.key == key
    if seconds <= COMPUTE_BUDGET or gate.approved == key or (again_confirms and held):
        gate.pending = None
        if seconds > COMPUTE_BUDGET:
            gate.approved, gate.approved_seconds = key, seconds
        return False
    gate.pending = _Held(key, retry, seconds, say, ascii)
    say(question(seconds, ascii))
    return True


def pace(app: Any, kind: str = "sampled") -> Pace:
    """The app's :class:`Pace` for one cost model (``"sampled"``: the main chart's networks,
    ``"spectrum"``, ``"train"``): kept by the app, so a view opened again remembers it."""
    paces = app.__dict__.setdefault("_gradtui_paces", {})
    return paces.setdefault(kind, Pace())


def timed(app: Any, kind: str, estimate: float, work: Callable[[], Any],
          counts: Callable[[Any], bool] | None = None) -> Any:
    """``work()``'s result, its time recorded against ``estimate`` (the unpaced model's) in the
    app's pace for ``kind`` unless ``counts(result)`` says the run was not the one estimated (a
    stopped training run); runs in the worker thread (a record is one deque append)."""
    import time

    start = time.perf_counter()
    done = work()
    if counts is None or counts(done):
        pace(app, kind).record(estimate, time.perf_counter() - start)
    return done


def pending(host: Any) -> bool:
    """A question is waiting for ``enter`` on this host."""
    return _gate(host).pending is not None


def confirmed_estimate(host: Any, key: Any) -> float | None:
    """The estimate ``key`` was run against after ``enter`` (None: it was within the budget)."""
    gate = _gate(host)
    return gate.approved_seconds if gate.approved is not None and gate.approved == key else None


def confirm(host: Any) -> bool:
    """Run the held request (``enter``), saying that it runs; False when nothing was held."""
    gate = _gate(host)
    if gate.pending is None:
        return False
    held = gate.pending
    gate.pending, gate.approved, gate.approved_seconds = None, held.key, held.seconds
    held.say(running(held.seconds, held.ascii))
    held.retry()
    return True


def _app_of(screen: Any) -> Any:
    """The app a screen belongs to (the paces are kept there), or the object itself."""
    try:
        return screen.app
    except Exception:  # not mounted, or a stand-in without one
        return screen


def _say_on(screen: Any) -> Callable[[str], None]:
    def say(text: str) -> None:
        if hasattr(screen, "_say"):  # the training screen's own message line
            screen._say(text)
            return
        screen.message = text
        for name in ("_show_readout", "_update_status"):
            show = getattr(screen, name, None)
            if show is not None:
                show()
    return say


def spectrum_over_budget(screen: Any, key: Any, max_width: int, retry: Callable[[], None]) -> bool:
    """The spectrum screen's check: its network ``key`` (sampled, width-capped) over budget?"""
    seconds = spectrum_seconds(key, max_width) * pace(_app_of(screen), "spectrum").factor
    return ask_first(screen, key, seconds, retry, _say_on(screen), getattr(screen, "ascii", False))


def spectrum_seconds(key: Any, max_width: int) -> float:
    """The cost model's time for the spectrum of network ``key`` (width capped), unpaced."""
    from gradtui.engine.cost import spectrum_estimate
    from gradtui.engine.inits import INITS

    return spectrum_estimate(key.depth, min(key.width, max_width),
                             family=INITS[key.init].family).seconds


def train_over_budget(screen: Any, config: Any, tc: Any, retry: Callable[[], None]) -> bool:
    """The training screen's check (its enter/r runs: asking twice confirms)."""
    from gradtui.engine.train import check_size

    try:
        check_size(config, tc)
    except ValueError:  # refused outright: the run says why (memory before time)
        return False
    seconds = train_seconds(config, tc) * pace(_app_of(screen), "train").factor
    say = _say_on(screen)
    return ask_first(screen, (config, tc), seconds, retry, say, getattr(screen, "ascii", False),
                     again_confirms=True)


def train_seconds(config: Any, tc: Any) -> float:
    """The cost model's time for a whole training run of ``tc`` on ``config``, unpaced."""
    from gradtui.engine.cost import train_estimate
    from gradtui.engine.inits import INITS

    return train_estimate(config.depth, config.width, tc.batch, tc.steps, optimizer=tc.optimizer,
                          tied=tc.tied, family=INITS[config.init].family,
                          activation=config.activation).seconds
