"""Theory benchmarks: ``python benchmarks/theory.py``.

- Phase map: a 60×40 grid at depth 50 recomputed from scratch (the activation's tables already built,
  as in the app after its first map), median of repeats, for tanh, relu and gelu; target < 300 ms.
  The map on an 80×24 screen is 75×17, and the TUI computes it in a worker thread.
- Jacobian spectrum of the sampled network at width 256 (the view's cap) for a few depths.
- The expected-mode numbers a keypress needs: ``theory_summary(critical=False)`` (the depth-scale
  line's fixed-point solve, once per config in the TUI) and ``compute`` at depth 10,000.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from gradtui.engine import Config  # noqa: E402
from gradtui.engine.theory import jacobian_spectrum, phase_map  # noqa: E402

#: the issue's budget for one 60×40 phase map at depth 50
MAP_TARGET_S = 0.300


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_phase_map(repeats: int = 9) -> list[dict]:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"phase map 60×40, depth 50; median (min) of {repeats} repeats; "
          f"{os.cpu_count()} CPUs, load average {load}")
    print(f"{'activation':>10} {'first s':>8} {'median ms':>10} {'min ms':>8} {'target':>8}")
    rows = []
    for activation in ("tanh", "relu", "gelu"):
        config = Config(activation=activation, depth=50)
        t0 = time.perf_counter()
        phase_map(config)  # builds the activation's tables (once per process)
        first = time.perf_counter() - t0
        times = timed(lambda: phase_map(config), repeats)
        med, best = statistics.median(times), min(times)
        ok = "ok" if med < MAP_TARGET_S else "SLOW"
        print(f"{activation:>10} {first:8.3f} {1e3 * med:10.1f} {1e3 * best:8.1f} {ok:>8}")
        rows.append({"activation": activation, "first_s": first, "median_s": med, "min_s": best})
    return rows


def bench_spectrum(repeats: int = 3) -> list[dict]:
    print(f"\nJacobian spectrum, width 256; median of {repeats} repeats")
    print(f"{'config':>36} {'median s':>9} {'log10 cond':>11}")
    rows = []
    for kw in (
        dict(activation="linear", init="orthogonal", depth=16),
        dict(activation="linear", init="xavier_normal", depth=16),
        dict(activation="tanh", init="xavier_normal", depth=50),
        dict(activation="relu", init="he_normal", depth=200),
    ):
        config = Config(mode="sampled", width=256, batch=16, **kw)
        spec = None

        def run():
            nonlocal spec
            spec = jacobian_spectrum(config)

        med = statistics.median(timed(run, repeats))
        label = f"{kw['activation']}/{kw['init']}/depth {kw['depth']}"
        print(f"{label:>36} {med:9.3f} {spec.log10_condition:11.1f}")
        rows.append({**kw, "median_s": med, "log10_condition": spec.log10_condition})
    return rows


def bench_keypress_theory(repeats: int = 25) -> None:
    from gradtui.engine import compute
    from gradtui.engine.theory import theory_summary

    print(f"\nexpected-mode numbers per new config; median of {repeats}")
    for activation in ("tanh", "relu", "sigmoid"):
        config = Config(activation=activation)
        compute(config)  # the tables
        solve = statistics.median(timed(lambda: theory_summary(config, critical=False), repeats))
        deep = Config(activation=activation, depth=10_000)
        chain = statistics.median(timed(lambda: compute(deep), 5))
        print(f"{activation:>10} theory_summary {1e3 * solve:6.2f} ms   compute depth 10,000 "
              f"{1e3 * chain:6.2f} ms")


def main() -> None:
    bench_phase_map()
    bench_spectrum()
    bench_keypress_theory()


if __name__ == "__main__":
    main()
