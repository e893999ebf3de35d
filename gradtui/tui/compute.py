"""The main chart's computations: what to compute (a :class:`Job`), what came of it (an
:class:`Outcome`), :func:`run_job` (off the UI thread), and :class:`ComputeChart`, the part of the
app that asks the runner for the current config's result (cached, inline, or in a thread) and keeps
what comes back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from gradtui.engine import Config, Result
from gradtui.engine.config import compute_seconds
from gradtui.tui.budget import ask_first

#: expected-mode configs up to this depth are computed on the UI thread once their activation's
#: tables are built (about a microsecond per layer); everything else goes to a worker thread
INLINE_MAX_DEPTH = 1000


@dataclass(frozen=True)
class Job:
    config: Config
    #: the expected-mode result drawn under a sampled one, when already known
    overlay: Result | None = None


@dataclass(frozen=True)
class Outcome:
    job: Job
    result: Result | None
    overlay: Result | None = None
    error: str | None = None
    #: wall-clock seconds the engine took for ``result``
    seconds: float = 0.0


def run_job(job: Job) -> Outcome:
    """Compute a job's result (and, in sampled mode, the theory overlay). Never raises."""
    from gradtui.engine import compute

    try:
        start = time.perf_counter()
        result = compute(job.config)
        seconds = time.perf_counter() - start
        overlay = job.overlay
        if job.config.mode == "sampled" and overlay is None:
            overlay = compute(job.config.replace(mode="expected"))
        import gradtui.render.bars  # noqa: F401  (plotext is slow to import: do it here, off the UI thread)

        return Outcome(job, result, overlay, seconds=seconds)
    except ValueError as error:
        return Outcome(job, None, error=str(error))
    except Exception as error:  # an engine bug must not take the app down
        return Outcome(job, None, error=f"engine error: {type(error).__name__}: {error}")


class ComputeChart:
    """GradApp's requests for the chart (it provides ``config``, ``runner``, ``_warm`` and
    ``_show``)."""

    def _request(self) -> None:
        """Ask the runner for the current config's result: cached, inline, or in a thread."""
        config = self.config
        cache = self.runner.cache
        overlay = cache.get(config.replace(mode="expected")) if config.mode == "sampled" else None
        job = Job(config, overlay)
        cached = cache.get(config)
        seconds = 0.0 if cached is not None else compute_seconds(config)
        if ask_first(self, config, seconds, self._request, self._say, self.ascii):
            return  # over the compute budget: held until enter (gradtui.tui.budget)
        if cached is not None and (config.mode == "expected" or overlay is not None):
            outcome = Outcome(job, cached, overlay)
            self.runner.submit("chart", lambda ticket: outcome, self._show, inline=True)
            return
        inline = (
            config.mode == "expected"
            and config.depth <= INLINE_MAX_DEPTH
            and config.activation in self._warm
        )
        self.runner.submit("chart", lambda ticket: run_job(job), self._show, keep=self._remember,
                           inline=inline)
        self._update_chart_title()

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

    def _remember(self, outcome: Outcome) -> None:
        """Cache a finished outcome's results (superseded ones too: going back is then instant)."""
        for result in (outcome.result, outcome.overlay):
            if result is not None:
                if result.config.mode == "expected":
                    self._warm.add(result.config.activation)
                self.runner.cache.put(result.config, result)
