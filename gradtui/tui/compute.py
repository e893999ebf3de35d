"""The main chart's computations: what to compute (a :class:`Job`), what came of it (an
:class:`Outcome`), :func:`run_job` (off the UI thread), and :class:`ComputeChart`, the part of the
app that asks the runner for the current config's result (cached, inline, or in a thread) and keeps
what comes back.
"""

from __future__ import annotations

import gc
import inspect
import time
from dataclasses import dataclass
from typing import Callable

from gradtui.engine import Config, Result
from gradtui.engine.config import compute_seconds
from gradtui.engine.expected import tables_ready
from gradtui.tui.budget import ask_first, pace

#: expected-mode configs up to this depth are computed on the UI thread once their activation's
#: tables are built (about a microsecond per layer); everything else goes to a worker thread
INLINE_MAX_DEPTH = 1000
#: a sampled network of more multiply-adds than this (depth·width²·batch, about 25 ms here) shows
#: a provisional answer first: the mean-field (expected-mode) bars of the same settings
PROVISIONAL_WORK = 1e8


def provisional_config(config: Config) -> Config | None:
    """The quick first answer's config for a slow sampled one, or None.

    The expected engine on the same settings: the infinite-width theory of this network, a
    fraction of a millisecond on the UI thread, so it costs the exact computation nothing (a
    smaller batch of the same network, computed beside it, took 1/5 to 1/4 of its time and
    slowed it 1.4–1.6× on a busy 2-core machine). It is the overlay the sampled chart draws anyway.
    """
    if config.mode != "sampled" or config.depth * config.width**2 * config.batch < PROVISIONAL_WORK:
        return None
    return config.replace(mode="expected")


#: the ``error`` of an outcome whose computation was abandoned for a newer request
STOPPED = "stopped: superseded by a newer request"


@dataclass(frozen=True)
class Job:
    config: Config
    #: the expected-mode result drawn under a sampled one, when already known
    overlay: Result | None = None
    #: the weight-gradient products are needed (the weight view): skipped otherwise where the
    #: engine offers it
    weight_grads: bool = True


@dataclass(frozen=True)
class Outcome:
    job: Job
    result: Result | None
    overlay: Result | None = None
    error: str | None = None
    #: wall-clock seconds the engine took for ``result``
    seconds: float = 0.0


def run_job(job: Job, cancel: Callable[[], bool] | None = None) -> Outcome:
    """Compute a job's result (and, in sampled mode, the theory overlay). Never raises.

    ``cancel()`` is asked between the sampled engine's layers: once it is True the work ends
    within a layer, with an outcome whose ``error`` is :data:`STOPPED` (a superseded request)."""
    from gradtui.engine import Stopped, compute

    try:
        start = time.perf_counter()
        options = {}
        if job.config.mode == "sampled":
            if not job.weight_grads and _takes(compute, "weight_grads"):
                options["weight_grads"] = False
            if cancel is not None and _takes(compute, "cancel"):
                options["cancel"] = cancel
        result = compute(job.config, **options)
        seconds = time.perf_counter() - start
        overlay = job.overlay
        if job.config.mode == "sampled" and overlay is None:
            overlay = compute(job.config.replace(mode="expected"))
        import gradtui.render.bars  # noqa: F401  (plotext is slow to import: do it here, off the UI thread)

        return Outcome(job, result, overlay, seconds=seconds)
    except Stopped:
        return Outcome(job, None, job.overlay, error=STOPPED)
    except ValueError as error:
        return Outcome(job, None, error=str(error))
    except Exception as error:  # an engine bug must not take the app down
        return Outcome(job, None, error=f"engine error: {type(error).__name__}: {error}")


def _takes(compute, name: str) -> bool:
    """The engine's compute takes the keyword ``name`` (tests may stand in a simpler one)."""
    try:
        return name in inspect.signature(compute).parameters
    except (TypeError, ValueError):
        return False


def has_weight_grads(result: Result) -> bool:
    """False for a sampled result computed without its weight gradients."""
    return result.config.mode != "sampled" or result.log10_weight_grad is not None


class ComputeChart:
    """GradApp's requests for the chart (it provides ``config``, ``runner``, ``_warm`` and
    ``_show``)."""

    #: the chart shows a provisional answer (:func:`provisional_config`); the exact one is coming
    provisional = False
    #: start-up ends (:meth:`_end_start_up`) after this many seconds even if no chart has come
    START_UP_SECONDS = 2.0

    def _request(self) -> None:
        """Ask the runner for the current config's result: cached, inline, or in a thread."""
        config = self.config
        cache = self.runner.cache
        overlay = cache.get(config.replace(mode="expected")) if config.mode == "sampled" else None
        weight_grads = self.view == "weight"
        job = Job(config, overlay, weight_grads)
        cached = cache.get(config)
        if cached is not None and weight_grads and not has_weight_grads(cached):
            cached = None
        # the cost model's estimate at this machine's measured pace (budget.Pace)
        seconds = 0.0 if cached is not None else compute_seconds(config) * pace(self).factor
        if ask_first(self, config, seconds, self._request, self._say, self.ascii):
            self._update_chart_title()  # "over budget: enter runs it"
            return  # over the compute budget: held until enter (gradtui.tui.budget)
        if cached is not None and (config.mode == "expected" or overlay is not None):
            outcome = Outcome(job, cached, overlay)
            self.runner.submit("chart", lambda ticket: outcome, self._show_exact, inline=True)
            return
        first, self._prefetch = getattr(self, "_prefetch", None), None
        inline = config.mode == "expected" and self._inline(config)
        if first is not None and first.config == config:  # computing since before Textual started
            work, inline = first.wait, False
            if provisional_config(config) is not None and len(self.screen_stack) <= 1:
                # its mean-field bars as soon as the prefetch has them (it computes them first)
                self.runner.submit("provisional", first.wait_overlay, self._show_first_provisional)
        else:
            if not inline:
                overlay = self._provisional(config, overlay)
                job = Job(config, overlay, weight_grads)
            work = lambda ticket: run_job(job, cancel=lambda: ticket.stopped)  # noqa: E731
        self.runner.submit("chart", work, self._show_exact, keep=self._remember, inline=inline)
        self._update_chart_title()

    def _show_exact(self, outcome: Outcome) -> None:
        self.provisional = False
        if outcome.result is not None and outcome.job.config.mode == "sampled":
            pace(self).record(compute_seconds(outcome.job.config), outcome.seconds)
        self._show(outcome)

    def _show_first_provisional(self, overlay: Result | None) -> None:
        """The prefetch's mean-field bars of a slow sampled start, while its exact answer is still
        on its way (nothing is drawn once that is shown, or once the config has changed)."""
        if overlay is None or len(self.screen_stack) > 1:
            return
        if self.config.replace(mode="expected") != overlay.config or not self.computing:
            return
        self._warm.add(overlay.config.activation)  # its tables are built: later presses are quick
        self.runner.cache.put(overlay.config, overlay)
        self.provisional = True
        self._show(Outcome(Job(overlay.config), overlay))

    def _provisional(self, config: Config, known: Result | None) -> Result | None:
        """Show the quick first answer of a slow sampled config (its mean-field bars, marked
        provisional in the chart's subtitle until the exact answer replaces them); returns the
        exact job's overlay: ``known`` (the cached mean-field result) or the one computed here."""
        quick = provisional_config(config)
        if quick is None or len(self.screen_stack) > 1:
            return known  # none, or another screen is on top (a view changed the config): unseen
        if known is None:
            if quick.depth > INLINE_MAX_DEPTH or quick.activation not in self._warm:
                return None  # its tables are not built yet: the worker computes the overlay
            outcome = run_job(Job(quick))
            if outcome.result is None:
                return None  # the exact computation reports what is wrong
            known = outcome.result
            self.runner.cache.put(quick, known)
        self.provisional = True
        self._show(Outcome(Job(quick), known))
        return known

    def _look_ahead(self, config: Config, directions: tuple[int, ...] | None = None) -> None:
        """Once the frame of ``config`` is drawn: compute the selected control's next step each
        way (the way last pressed first, one step per call, so a key that comes meanwhile goes
        first) and draw its chart into the chart's cache, so a held arrow key finds its next
        setting ready. Only settings computed inline (expected and chain mode, tables built);
        nothing is shown, and a newer config or another screen ends it."""
        if config != self.config or len(self.screen_stack) > 1 or self.result is None:
            return
        if directions is None:
            last = getattr(self, "_last_direction", 1)
            directions = (last, -last)
        if not directions:
            return
        step = self._next_step(config, directions[0])
        if step != config and self._inline(step):
            result = self.runner.cache.get(step)
            if result is None:
                outcome = run_job(Job(step))
                if outcome.result is not None:
                    self._remember(outcome)
                result = outcome.result
            if result is not None:
                self.query_one("#chart").prepare(result)
        elif (step != config and step.mode == "expected" and step.depth <= INLINE_MAX_DEPTH
              and self.runner.cache.get(step) is None):
            # its tables are not made (a new bias mean): build them and compute it in a thread, so
            # the press finds it cached; its chart is drawn ahead when it comes, if still wanted
            self.runner.submit("ahead", lambda ticket: run_job(Job(step)),
                               lambda outcome: self._prepare_ahead(config, outcome),
                               keep=self._remember)
        self.call_later(self._look_ahead, config, directions[1:])

    def _next_step(self, config: Config, direction: int) -> Config:
        """The selected control's next step from ``config`` (``config`` itself where the control
        refuses it, and for the mode switch, which looks ahead at nothing)."""
        from .controls import CONTROLS

        control = CONTROLS[self.selected]
        if control.key == "mode":
            return config
        try:
            return control.step(config, direction)
        except ValueError:
            return config

    def _draw_weights_ahead(self, config: Config) -> None:
        """Once the exact frame of a sampled ``config`` is drawn: start drawing the weights of the
        selected control's next step (the way last pressed) in the background, so that a press
        which needs new weights (seed, width, init, a deeper network) finds them drawn instead
        of drawing depth·width² normals first. The engine starts nothing that would not fit in
        its weight cache beside the weights on show; a newer config or another screen ends it."""
        if config != self.config or config.mode != "sampled" or len(self.screen_stack) > 1:
            return
        step = self._next_step(config, getattr(self, "_last_direction", 1))
        if step != config and step.mode == "sampled":
            from gradtui.engine.weights import prefetch_weights

            try:
                prefetch_weights(step)
            except Exception:  # noqa: BLE001  (e.g. no thread could start: an optimisation only)
                pass

    def _prepare_ahead(self, config: Config, outcome: Outcome) -> None:
        """A look-ahead step computed in a thread: its chart, drawn into the chart's cache while
        ``config`` is still the one shown."""
        if outcome.result is not None and config == self.config and len(self.screen_stack) <= 1:
            self.query_one("#chart").prepare(outcome.result)

    def _inline(self, config: Config) -> bool:
        """A config computed on the UI thread (about a millisecond): chain mode, and expected mode
        once its tables are made (a bias mean not seen yet builds new ones, 50–240 ms: a thread)."""
        if config.mode == "chain":
            return config.depth <= INLINE_MAX_DEPTH
        return (config.mode == "expected" and config.depth <= INLINE_MAX_DEPTH
                and config.activation in self._warm and tables_ready(config))

    @property
    def computes_started(self) -> int:
        """Computations of the chart started in the background (superseded requests never start)."""
        return self.runner.started["chart"]

    def _warm_up(self) -> None:
        """Build every activation's expected-mode tables in the background (once, after start)."""
        from gradtui.engine import ACTIVATIONS, compute

        for name in ACTIVATIONS:
            if name not in self._warm:
                try:
                    compute(Config(depth=1, activation=name))
                except Exception:  # warming is an optimisation only
                    pass

    def _warmed(self, _: object) -> None:
        from gradtui.engine import ACTIVATIONS

        self._warm.update(ACTIVATIONS)
        self._end_start_up()

    def _end_start_up(self) -> None:
        """Start-up is over (warmed up, or ``START_UP_SECONDS`` after mounting if no chart came): in
        an app asked to (``run_app``), what it made so far is frozen out of the garbage collector's
        sight, and the collector, off while the program started (:mod:`gradtui.launch`), is on.
        Textual's widgets, styles and caches and the tables are ~70,000 objects that live as long
        as the app; a full collection walked them all in ~46 ms (a dropped frame under a held key,
        once every few dozen presses). Frozen, collections walk only what is new. Once only."""
        if getattr(self, "_freeze_gc", False) and not getattr(self, "_started_up", False):
            self._started_up = True
            gc.freeze()
            gc.enable()

    def _remember(self, outcome: Outcome) -> None:
        """Cache a finished outcome's results (superseded ones too: going back is then instant)."""
        for result in (outcome.result, outcome.overlay):
            if result is not None:
                if result.config.mode == "expected":
                    self._warm.add(result.config.activation)
                self.runner.cache.put(result.config, result)
