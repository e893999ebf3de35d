"""Engine benchmarks: ``python benchmarks/engine.py``.

Each section prints its timings; ``main()`` runs every section that exists. Times are the minimum of
several repeats (the least disturbed run) in the same process.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from gradtui.engine import Config  # noqa: E402
from gradtui.engine import sampled  # noqa: E402

#: (depth, width, batch) of the sampled benchmark
SAMPLED_SHAPES = ((16, 256, 64), (100, 256, 64), (200, 512, 64))
#: the target: sampled time ≤ this many times the bare matmuls of the same shapes
SAMPLED_TARGET = 2.0


def best_of(fn, repeats: int = 7) -> float:
    """Minimum wall time of ``fn()`` over ``repeats`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bare_matmuls(weights: np.ndarray, batch: int, seed: int = 1):
    """A closure doing the matmuls of one forward and one backward pass: h@Wᵀ and δ@W per layer."""
    n = weights.shape[-1]
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, n))
    g = rng.standard_normal((batch, n))

    def run() -> None:
        for w in weights:
            h @ w.T
        for w in weights[::-1]:
            g @ w

    return run


def bench_sampled(activation: str = "sigmoid", init: str = "xavier_normal", repeats: int = 7) -> list[dict]:
    """Sampled compute (weights cached, i.e. the TUI's steady state) against its bare matmuls.

    ``compute_sampled`` pins the BLAS to one thread (see gradtui/engine/blas.py), so the bare
    matmuls are timed both on the BLAS's default threads and on one thread; the target applies to
    the default (the honest comparison), the one-thread ratio shows the engine's own overhead.
    """
    from gradtui.engine.blas import single_thread

    rows = []
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"sampled engine, {activation} / {init}; min of {repeats} repeats; "
          f"{os.cpu_count()} CPUs, load average {load}")
    print(f"{'depth':>6} {'width':>6} {'batch':>6} {'cold s':>8} {'sampled s':>10} "
          f"{'matmuls s':>10} {'ratio':>6} {'mm 1thr s':>10} {'ratio':>6}")
    for depth, width, batch in SAMPLED_SHAPES:
        config = Config(mode="sampled", depth=depth, width=width, batch=batch, activation=activation,
                        init=init)
        sampled.clear_cache()
        t0 = time.perf_counter()
        sampled.compute_sampled(config)  # cold: draws and caches the weights
        cold = time.perf_counter() - t0
        net = sampled.network(config)
        assert net.held, "benchmark shapes are expected to fit the weight cache"
        matmuls = bare_matmuls(net.stack.base[:depth], batch)

        def matmuls_one_thread() -> None:
            with single_thread():
                matmuls()

        t_mm = best_of(matmuls, repeats)
        t_mm1 = best_of(matmuls_one_thread, repeats)
        t_s = best_of(lambda: sampled.compute_sampled(config), repeats)
        row = {"depth": depth, "width": width, "batch": batch, "cold_s": cold, "sampled_s": t_s,
               "matmuls_s": t_mm, "ratio": t_s / t_mm, "matmuls_1thread_s": t_mm1,
               "ratio_1thread": t_s / t_mm1}
        rows.append(row)
        print(f"{depth:>6} {width:>6} {batch:>6} {cold:>8.3f} {t_s:>10.4f} {t_mm:>10.4f} "
              f"{row['ratio']:>6.2f} {t_mm1:>10.4f} {row['ratio_1thread']:>6.2f}")
    worst = max(r["ratio"] for r in rows)
    verdict = "ok" if worst <= SAMPLED_TARGET else "OVER TARGET"
    print(f"worst ratio {worst:.2f} against default-thread matmuls (target ≤ {SAMPLED_TARGET:g}): "
          f"{verdict}; against one-thread matmuls {max(r['ratio_1thread'] for r in rows):.2f}")
    return rows


def bench_expected(repeats: int = 21) -> list[dict]:
    """Expected-mode recompute (tables already built, as after the first frame) at three depths."""
    from gradtui.engine import Config, compute
    from gradtui.engine.expected import tables

    print("expected engine: recompute time (tables built once per activation beforehand)")
    rows = []
    for activation in ("sigmoid", "tanh", "relu"):
        t_table = time.perf_counter()
        tables(activation)
        t_table = time.perf_counter() - t_table
        for depth in (16, 1000, 10_000):
            for residual in (False, True):
                config = Config(depth=depth, activation=activation, residual=residual)
                compute(config)
                t = best_of(lambda: compute(config), repeats)
                rows.append({"activation": activation, "depth": depth, "residual": residual, "seconds": t})
                print(f"  {activation:8s} depth {depth:6d} {'residual' if residual else 'plain   '} "
                      f"{t * 1e3:8.3f} ms  ({t / depth * 1e6:5.2f} us/layer)")
        print(f"  {activation:8s} table build (first use): {t_table * 1e3:.0f} ms")
    return rows


#: an expected-mode batch-norm recompute at depth 1000 should stay under this (issue 11; not asserted)
BATCHNORM_TARGET_MS = 2.0


def bench_expected_batchnorm(repeats: int = 21) -> list[dict]:
    """Expected mode under batch norm at depth 1000 (sphere moments cached per activation and B)."""
    from gradtui.engine import Config, compute
    from gradtui.engine.batchnorm import sphere_moments

    print(f"expected engine, batch norm: recompute at depth 1000 (target < {BATCHNORM_TARGET_MS:g} ms)")
    rows = []
    for activation in ("relu", "tanh", "sigmoid"):
        for batch in (8, 64):
            t_moments = time.perf_counter()
            sphere_moments(activation, batch)
            t_moments = time.perf_counter() - t_moments
            for residual in (False, True):
                config = Config(depth=1000, activation=activation, norm="batch", batch=batch,
                                residual=residual)
                compute(config)
                t = best_of(lambda: compute(config), repeats)
                rows.append({"activation": activation, "batch": batch, "residual": residual, "seconds": t})
                verdict = "ok" if t * 1e3 < BATCHNORM_TARGET_MS else "OVER TARGET"
                print(f"  {activation:8s} B {batch:3d} {'residual' if residual else 'plain   '} "
                      f"{t * 1e3:7.3f} ms  {verdict}  (moments, first use: {t_moments * 1e3:.0f} ms)")
    return rows


def main() -> None:
    sections = [globals()[name] for name in ("bench_sampled", "bench_expected", "bench_expected_batchnorm")
                if name in globals()]
    for i, section in enumerate(sections):
        if i:
            print()
        section()


if __name__ == "__main__":
    main()
