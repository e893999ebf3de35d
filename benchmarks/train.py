"""Training benchmark: ``python benchmarks/train.py``.

K = 200 steps at depth 16, width 128 (training set of 64), SGD and Adam; the target is < 2 s each.
Prints the wall time (minimum of a few repeats: the least disturbed run) and the CPU time of that
run, and the cost of the bare matrix products of the same run for comparison (one forward and one
backward pass is 3 products per layer).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from gradtui.engine import Config  # noqa: E402
from gradtui.engine.blas import single_thread  # noqa: E402
from gradtui.engine.train import TrainConfig, train  # noqa: E402

STEPS, DEPTH, WIDTH, BATCH = 200, 16, 128, 64
TARGET_SECONDS = 2.0
CASES = (
    ("sigmoid xavier, sgd", Config(depth=DEPTH, width=WIDTH, activation="sigmoid"),
     TrainConfig(steps=STEPS, batch=BATCH)),
    ("relu he, sgd", Config(depth=DEPTH, width=WIDTH, activation="relu", init="he_normal"),
     TrainConfig(steps=STEPS, batch=BATCH)),
    ("relu he, adam", Config(depth=DEPTH, width=WIDTH, activation="relu", init="he_normal"),
     TrainConfig(steps=STEPS, batch=BATCH, optimizer="adam")),
    ("relu he, sgd, tied", Config(depth=DEPTH, width=WIDTH, activation="relu", init="he_normal"),
     TrainConfig(steps=STEPS, batch=BATCH, tied=True)),
)


def timed(fn, repeats: int) -> tuple[float, float]:
    """(wall, cpu) seconds of the fastest of ``repeats`` runs."""
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        run = (time.perf_counter() - w0, time.process_time() - c0)
        best = min(best, run)
    return best


def bare_products() -> None:
    rng = np.random.default_rng(0)
    W = rng.standard_normal((DEPTH, WIDTH, WIDTH))
    h = rng.standard_normal((BATCH, WIDTH))
    with single_thread():
        for _ in range(STEPS + 1):
            for layer in range(DEPTH):
                z = h @ W[layer].T
                g = z @ W[layer]
                _ = g.T @ h


def bench(repeats: int = 3) -> list[dict]:
    """Each case's fastest wall and CPU seconds, after the bare products' (as ``"bare"``)."""
    print(f"training: K={STEPS} steps, depth {DEPTH}, width {WIDTH}, batch {BATCH}, "
          f"best of {repeats} (target < {TARGET_SECONDS:g} s)")
    wall, cpu = timed(bare_products, repeats)
    print(f"  {'bare matrix products':24s} {wall:6.3f} s wall  {cpu:6.3f} s cpu")
    rows = [{"case": "bare", "wall_s": wall, "cpu_s": cpu}]
    for name, config, tc in CASES:
        wall, cpu = timed(lambda: train(config, tc), repeats)
        flag = "ok" if wall < TARGET_SECONDS else "SLOW"
        print(f"  {name:24s} {wall:6.3f} s wall  {cpu:6.3f} s cpu  {flag}")
        rows.append({"case": name, "wall_s": wall, "cpu_s": cpu})
    return rows


def main(repeats: int = 3) -> int:
    worst = max(r["wall_s"] for r in bench(repeats) if r["case"] != "bare")
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
