"""The compute budget: how long a setting takes, estimated from its work (issue 15 item 7).

A cost model over shapes only (no config object, no engine call), so it is exact to evaluate and
cheap enough to run on every key press:

- **weight draws**: ``L·N²`` normals (one ``N²`` with tied weights), twice per call when the stack
  is too big to hold (the sampled engine then regenerates each layer in the forward and the
  backward pass), plus an ``N³`` QR per layer for the orthogonal init;
- **matrix products**: ``4·L·N²·B`` flops forward + backward, and the two ``B×B`` Gram products of
  the weight-gradient norm (``4·L·B²·N``, or the direct ``2·L·N²·B`` when that is less);
- **element-wise passes** over ``L·B·N`` (f, f', the rescale, a normalisation's and a costly
  activation's extra passes) and a fixed Python cost per layer;
- **the spectrum**: per layer a ``W·Q`` product, a QR and the triangular update, ~``6·n³`` flops at
  the capped width ``n``, plus the draws at that width;
- **training**: per step a forward and a backward with the weight gradient (``6·L·B·N²`` flops)
  and the optimiser's passes over the ``L·N²`` weights.

The expected and chain engines cost microseconds per layer and are never refused.

The constants are seconds per unit of work, measured by ``benchmarks/cost.py`` (which prints the
measured and predicted times of a grid of settings side by side and the constants to paste here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

#: a setting estimated to take longer than this is refused by the CLI and asked about in the TUI
COMPUTE_BUDGET = 10.0

# -- calibration ---------------------------------------------------------------------------------
# Fitted by `python benchmarks/cost.py` on 2026-12-02 on the project's 2-core machine (Linux
# x86-64, OpenBLAS, one BLAS thread, six other helpers running: load average 2–4); the run kept is
# the slower of two, so on that box predictions are 0.8–3× the measured times (printed side by
# side by the benchmark), never far below — a budget should err on the side of asking. Seconds per unit of
# work: "draw" one normal, "flop" one float64 multiply-add half, "elem" one element of an
# element-wise pass, "qr" one flop of the orthogonal init's QR, "layer" the fixed Python/NumPy cost
# of one layer. The sampled "draw" was re-measured on 2026-12-02 (1.15e-8 s a normal at width 2048,
# load average 7, the primitive benchmarks/cost.py prints) and scaled on 2026-12-03 by the 1.25×
# that NumPy's own normal draws (weights.layer_base_weight) take against the Box–Muller they
# replaced, side by side on the AVX2 machine (11.8 against 9.5 ns); the other constants were kept
# (the refit under that load predicted some draw-bound settings at 0.5× their time, too optimistic
# for a budget). Drawn beside the engine's own thread, the draws now overlap the products, so
# draw-bound settings take less than predicted. Later on 2026-12-03 the draws moved to SFC64 bits,
# 0.81-0.85x PCG64's time a normal side by side (AVX-512 machine); "draw" was kept at PCG64's
# figure, so the budget errs further toward asking on draw-bound settings.
# Refitted on 2026-12-02 on an AVX2 machine (no AVX-512, up to half its time stolen by the host):
# the sampled "flop" and "layer" and the spectrum's "layer" there are 2.4×, 2.5× and 2.7× the
# values above, which predicted deep narrow settings at 0.44–0.49× their time; each constant is
# now the larger of the two fits, so neither machine is predicted much too fast.
CONSTANTS: dict[str, dict[str, float]] = {
    "sampled": {"draw": 1.45e-8, "flop": 5.8e-11, "qr": 1e-10, "elem": 1.4e-9, "layer": 2.2e-4},
    "spectrum": {"draw": 7e-8, "flop": 1e-10, "qr": 1.2e-10, "elem": 6e-9, "layer": 5.1e-4},
    "train": {"draw": 2.5e-8, "flop": 3.6e-11, "qr": 1e-10, "elem": 2.1e-9, "layer": 1.4e-5},
    "expected": {"layer": 2.0e-5},
}

#: bytes of base weights the sampled engine holds (gradtui.engine.weights.WEIGHT_CACHE_BYTES); a
#: bigger stack is regenerated layer by layer, once in each pass
HOLD_BYTES = 512 << 20
#: element-wise passes per activation element of a sampled layer, and a normalisation's extra ones
_PASSES = 12
_NORM_PASSES = {"none": 0, "layer": 8, "rms": 6, "batch": 10}
#: an activation's extra passes over tanh's, which the constants were fitted on: the most each
#: took per element beyond tanh at (2000, 32, 1024), (1000, 32, 1024) and (2000, 64, 512), from
#: scratch, side by side after a warm-up run (2026-12-03, AVX-512 machine: gelu 33-53 ns an element
#: more, its erfc polynomials; softplus 7-9 ns; silu up to 3 ns), in units of the "elem" constant
#: (1.4 ns). The others took less than tanh.
_ACTIVATION_PASSES = {"gelu": 38, "softplus": 7, "silu": 3}
#: passes over the weights per training step: SGD (gradient, step, two norms, update), Adam
_TRAIN_PASSES = {"sgd": 6, "adam": 16}
#: training's extra passes per activation element over relu's, which its constants were fitted on:
#: the most each took per element beyond relu in 50-step runs at (50, 64, 256) and 30-step runs at
#: (100, 32, 512), side by side (2026-12-03, AVX-512 machine: gelu 13 ns, softplus 8, tanh and elu
#: 5, silu and sigmoid 2, leaky relu 1), in units of training's "elem" constant (2.1 ns)
_TRAIN_ACTIVATION_PASSES = {"gelu": 7, "softplus": 4, "tanh": 3, "elu": 3, "silu": 1, "sigmoid": 1,
                            "leaky_relu": 1}


@dataclass(frozen=True)
class Estimate:
    """Seconds for one computation, and the work (units of :data:`CONSTANTS`) it came from."""

    engine: str
    work: dict

    @property
    def seconds(self) -> float:
        constants = CONSTANTS[self.engine]
        return float(sum(constants[k] * v for k, v in self.work.items()))

    @property
    def fits(self) -> bool:
        return self.seconds <= COMPUTE_BUDGET


def _draws(layers: int, width: int, family: str, passes: int) -> tuple[float, float]:
    """(normals, QR flops) of drawing ``layers`` N×N base matrices ``passes`` times."""
    if family == "zeros":
        return 0.0, 0.0
    qr = 2.0 * width**3 if family == "orthogonal" else 0.0  # QR + forming Q of each draw
    return float(layers * passes * width * width), layers * passes * qr


def _held(layers: int, width: int) -> bool:
    return layers * width * width * 8 <= HOLD_BYTES


def sampled_estimate(depth: int, width: int, batch: int, *, tied: bool = False,
                     family: str = "normal", norm: str = "none", activation: str = "tanh") -> Estimate:
    """One sampled-engine call at these shapes, its weights drawn from scratch."""
    L, N, B = depth, width, batch
    drawn = 1 if tied else L
    draws, qr = _draws(drawn, N, family, 1 if tied or _held(drawn, N) else 2)
    gram = L * min(4.0 * B * B * N, 2.0 * N * N * B)  # the engine takes the cheaper product
    return Estimate("sampled", {
        "draw": draws,
        "flop": 4.0 * L * N * N * B + gram,
        "qr": qr,
        "elem": float(L * B * N * (_PASSES + _NORM_PASSES.get(norm, 8)
                                   + _ACTIVATION_PASSES.get(activation, 0))),
        "layer": float(L),
    })


def spectrum_estimate(depth: int, width: int, *, family: str = "normal") -> Estimate:
    """The Jacobian spectrum of a depth × width network (``width`` already capped)."""
    L, n = depth, width
    draws, qr = _draws(L, n, family, 1 if _held(L, n) else 2)
    return Estimate("spectrum", {
        "draw": draws, "flop": L * 6.0 * n**3, "qr": qr, "elem": float(L * n * n * 8),
        "layer": float(L),
    })


def train_estimate(depth: int, width: int, batch: int, steps: int, *, optimizer: str = "sgd",
                   tied: bool = False, family: str = "normal", activation: str = "relu") -> Estimate:
    """A training run of ``steps`` updates (steps + 1 forward passes)."""
    L, N, B, K = depth, width, batch, steps
    weights = N * N * (1 if tied else L)
    draws, qr = _draws(1 if tied else L, N, family, 1)
    # tied: each step also accumulates every layer's own term into an (L, N, N) array
    passes = K * (weights * _TRAIN_PASSES.get(optimizer, 16) + (L * N * N if tied else 0))
    return Estimate("train", {
        "draw": draws,
        "flop": (K + 1) * 2.0 * L * N * N * B + K * 4.0 * L * N * N * B,
        "qr": qr,
        "elem": float(passes
                      + (3 * K + 1) * L * B * N * (1 + _TRAIN_ACTIVATION_PASSES.get(activation, 0))),
        "layer": float((2 * K + 1) * L),
    })


def expected_estimate(depth: int) -> Estimate:
    return Estimate("expected", {"layer": float(depth)})


def largest_fitting(seconds: Callable[[int], float], low: int, high: int,
                    budget: float = COMPUTE_BUDGET) -> int | None:
    """The largest v in [low, high] with ``seconds(v) ≤ budget`` (seconds grows with v), or None."""
    if seconds(low) > budget:
        return None
    while low < high:
        mid = (low + high + 1) // 2
        if seconds(mid) <= budget:
            low = mid
        else:
            high = mid - 1
    return low


def duration_text(seconds: float) -> str:
    """``about 40 s``, ``about 15 min``, ``about 2.5 h`` (two significant figures at most)."""
    if seconds < 90:
        return f"about {max(1, math.ceil(seconds))} s"  # never "about 10 s" over a 10 s budget
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    hours = seconds / 3600
    return f"about {hours:.2g} h" if hours < 100 else f"about {math.ceil(hours)} h"


__all__ = [
    "COMPUTE_BUDGET", "Estimate", "duration_text", "expected_estimate", "largest_fitting",
    "sampled_estimate", "spectrum_estimate", "train_estimate",
]
