"""Calibrate the compute budget's cost model (gradtui/engine/cost.py) on this machine.

    python benchmarks/cost.py            # measure, fit, print measured vs predicted and the constants

1. Measures the primitives on one BLAS thread: a normal draw as the sampled engine makes it
   (``weights.layer_base_weight``), a matrix-product flop, an element-wise pass.
2. Times a grid of real computations (sampled engine with its weights drawn from scratch, the
   Jacobian spectrum, training) and fits, per engine, one multiplier on the primitives and the fixed
   cost per layer (least squares on relative error).
3. Prints every grid point measured vs predicted — with the constants now in cost.py and with the
   fitted ones — and the ``CONSTANTS`` table to paste into cost.py.

The machine is shared and noisy: expect ±30 % per point; what matters is that no setting is
predicted several times too fast (the budget would then let it through).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradtui.engine import blas, compute, cost, weights  # noqa: E402
from gradtui.engine.config import Config  # noqa: E402
from gradtui.engine.inits import INITS  # noqa: E402
from gradtui.engine.sampled import clear_cache  # noqa: E402
from gradtui.engine.theory import jacobian_spectrum  # noqa: E402
from gradtui.engine.train import TrainConfig, train  # noqa: E402


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def primitives() -> dict[str, float]:
    rng = np.random.default_rng(0)
    n = 2048
    out = np.empty((n, n))
    draw = best(lambda: weights.layer_base_weight(0, "normal", n, 0, out=out)) / (n * n)  # the engine's
    a, w = rng.standard_normal((64, 1024)), rng.standard_normal((1024, 1024))
    with blas.single_thread():
        flop = best(lambda: a @ w) / (2.0 * 64 * 1024 * 1024)
    x, y = rng.standard_normal(1 << 20), np.empty(1 << 20)
    elem = best(lambda: (np.tanh(x, out=y), np.multiply(x, y, out=y), np.add(x, y, out=y))) / (3 << 20)
    q = rng.standard_normal((512, 512))
    with blas.single_thread():
        qr = best(lambda: np.linalg.qr(q)) / (2.0 * 512**3)
    return {"draw": draw, "flop": flop, "elem": elem, "qr": qr}


def _family(c: Config) -> str:
    return INITS[c.init].family


SAMPLED = [
    dict(depth=50, width=256, batch=64), dict(depth=200, width=256, batch=64),
    dict(depth=2000, width=128, batch=16), dict(depth=100, width=512, batch=32),
    dict(depth=20, width=1024, batch=64), dict(depth=8, width=2048, batch=8),
    dict(depth=50, width=64, batch=1024), dict(depth=1200, width=256, batch=4),
    dict(depth=100, width=1024, batch=4), dict(depth=500, width=512, batch=16, tied=True),
    dict(depth=20, width=512, batch=64, init="orthogonal"),
    dict(depth=10, width=1024, batch=16, init="orthogonal"),
    dict(depth=200, width=256, batch=64, norm="layer"),
    dict(depth=200, width=256, batch=64, norm="batch"),
    dict(depth=1000, width=16, batch=2),
    # the element-wise-bound corner, in tanh and in the activations that cost more an element
    dict(depth=2000, width=32, batch=1024), dict(depth=2000, width=32, batch=1024, activation="gelu"),
    dict(depth=1000, width=32, batch=1024, activation="elu"),
    dict(depth=1000, width=32, batch=1024, activation="silu"),
]
SPECTRUM = [dict(depth=50, width=256), dict(depth=100, width=128), dict(depth=200, width=64),
            dict(depth=30, width=256, init="orthogonal"),
            dict(depth=60, width=128, init="orthogonal"), dict(depth=400, width=32)]
TRAIN = [(dict(depth=10, width=128), dict(steps=50, batch=64)),
         (dict(depth=20, width=256), dict(steps=20, batch=64)),
         (dict(depth=5, width=512), dict(steps=10, batch=32)),
         (dict(depth=10, width=256), dict(steps=20, batch=64, optimizer="adam")),
         (dict(depth=50, width=128, tied=True), dict(steps=20, batch=32, tied=True)),
         (dict(depth=10, width=256, init="orthogonal"), dict(steps=5, batch=8)),
         (dict(depth=200, width=64), dict(steps=20, batch=16)),
         # element-bound, in relu and in the activations that cost more an element
         (dict(depth=50, width=64), dict(steps=50, batch=256)),
         (dict(depth=50, width=64, activation="gelu", init="xavier_normal"), dict(steps=50, batch=256)),
         (dict(depth=50, width=64, activation="tanh", init="xavier_normal"), dict(steps=50, batch=256))]


def run_sampled(kw):
    c = Config(mode="sampled", **{"activation": "tanh", **kw})
    est = cost.sampled_estimate(c.depth, c.width, c.batch, tied=c.tied, family=_family(c), norm=c.norm,
                                activation=c.activation)

    def once():
        clear_cache()
        compute(c)
    return est, best(once, 2)


def run_spectrum(kw):
    c = Config(mode="sampled", activation="tanh", batch=1, **kw)
    est = cost.spectrum_estimate(c.depth, c.width, family=_family(c))

    def once():
        clear_cache()
        jacobian_spectrum(c)
    return est, best(once, 2)


def run_train(pair):
    kw, tkw = pair
    c, tc = Config(**{"activation": "relu", "init": "he_normal", **kw}), TrainConfig(**tkw)
    est = cost.train_estimate(c.depth, c.width, tc.batch, tc.steps, optimizer=tc.optimizer,
                              tied=tc.tied, family=_family(c), activation=c.activation)
    return est, best(lambda: train(c, tc), 1)


def fit(engine: str, rows, prim: dict[str, float]) -> dict[str, float]:
    """One constant per kind of work, least squares on relative error; a constant the grid cannot
    pin down (negative or unused) falls back to the primitive's own rate."""
    keys = list(rows[0][0].work)
    a = np.array([[e.work.get(k, 0.0) for k in keys] for e, _ in rows])
    t = np.array([m for _, m in rows])
    scale = np.array([prim.get(k, 1e-4) for k in keys])
    coef, *_ = np.linalg.lstsq(a * scale / t[:, None], np.ones_like(t), rcond=None)
    out = {}
    for k, c, s in zip(keys, coef, scale):
        used = bool(np.any(a[:, keys.index(k)] > 0))
        out[k] = float(c * s) if used and c > 0 else float(s)
    return out


def predict(constants: dict[str, float], est: cost.Estimate) -> float:
    return sum(constants[k] * v for k, v in est.work.items())


def main() -> None:
    prim = primitives()
    print("primitives (one thread): " + ", ".join(f"{k} {v:.3g} s" for k, v in prim.items()))
    fitted = {}
    for engine, grid, run in (("sampled", SAMPLED, run_sampled), ("spectrum", SPECTRUM, run_spectrum),
                              ("train", TRAIN, run_train)):
        rows = [run(point) for point in grid]
        fitted[engine] = fit(engine, rows, prim)
        print(f"\n{engine}: {'setting':<58} {'measured':>9} {'cost.py':>9} {'ratio':>6} {'fitted':>9}")
        for point, (est, measured) in zip(grid, rows):
            now = est.seconds
            new = predict(fitted[engine], est)
            print(f"  {str(point):<66} {measured:8.3f}s {now:8.3f}s {now / measured:6.2f} {new:8.3f}s")
    fitted["expected"] = dict(cost.CONSTANTS["expected"])
    print("\nCONSTANTS: dict[str, dict[str, float]] = {")
    for engine, c in fitted.items():
        print(f'    "{engine}": {{' + ", ".join(f'"{k}": {v:.2g}' for k, v in c.items()) + "},")
    print("}")


if __name__ == "__main__":
    main()
