"""What to train and what a run did: :class:`TrainConfig` (validated) and :class:`TrainResult`.

The trainer itself is :mod:`gradtui.engine.train`, which re-exports both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .config import MAX_BATCH, Config, _as_float, canonical_name, closest

OPTIMIZERS = ("sgd", "adam")
#: learning rates that train ReLU + He at depth 10–50, width 64–512 without blowing up, and are
#: small enough that a too-large init still diverges within a few steps
DEFAULT_LR = {"sgd": 0.002, "adam": 1e-4}
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8

MAX_STEPS = 10_000
LR_RANGE = (1e-8, 100.0)



@dataclass(frozen=True)
class TrainConfig:
    """How to train: validated on construction (``ValueError`` naming field, value and range)."""

    steps: int = 100
    #: learning rate; ``None`` = the optimizer's default (:data:`DEFAULT_LR`)
    lr: float | None = None
    optimizer: str = "sgd"
    #: total-gradient-norm clipping threshold; ``None`` or ``0`` = off (stored as ``None``)
    clip_norm: float | None = None
    #: size of the fixed training set (every step uses all of it)
    batch: int = 64
    #: one W and b for every layer (an unrolled recurrent net)
    tied: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "optimizer", canonical_name(self.optimizer))
        if self.optimizer not in OPTIMIZERS:
            hint = closest(self.optimizer, OPTIMIZERS)
            did = f"; did you mean {hint}?" if hint else ""
            raise ValueError(
                f"optimizer: unknown value {self.optimizer!r}; choose one of "
                f"{', '.join(OPTIMIZERS)}{did}"
            )
        for name, hi in (("steps", MAX_STEPS), ("batch", MAX_BATCH)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{name}: {value!r} is not a whole number")
            if not 1 <= value <= hi:
                raise ValueError(f"{name}: {value} is out of range; allowed 1–{hi}")
            set_(self, name, int(value))
        lr = DEFAULT_LR[self.optimizer] if self.lr is None else _finite(self.lr, "lr")
        lo, hi = LR_RANGE
        if not lo <= lr <= hi:
            raise ValueError(f"lr: {lr:g} is out of range; allowed {lo:g}–{hi:g}")
        set_(self, "lr", lr)
        if self.clip_norm is not None:
            clip = _finite(self.clip_norm, "clip_norm")
            if clip < 0:
                raise ValueError(f"clip_norm: {clip:g} is out of range; allowed 0 (off) or > 0")
            set_(self, "clip_norm", clip if clip > 0 else None)
        if not isinstance(self.tied, bool):
            raise ValueError(f"tied: {self.tied!r} is not true or false")


#: copies of the weights a run holds at its peak: W, its start W0, the gradient, the step, the
#: end's W − W0 and the einsum/norm temporaries; Adam adds its two moments
_WEIGHT_COPIES = {"sgd": 6, "adam": 8}


def train_bytes(config: Config, tc: TrainConfig) -> int:
    """Bytes a run holds at its peak (float64), beyond the interpreter and NumPy:

        copies·W + 3·L·N² (tied: each layer's own term and its scaled copy) + 3·L·B·N (the
        forward cache: inputs, pre-activations and the layer being computed) + K·L (the record),
        W = L·N² (N² tied), copies 6 for SGD, 8 for Adam — measured peaks are 0.9–1.0 of this.
    """
    n, L = config.width, config.depth
    weights = (1 if tc.tied else L) * n * n * _WEIGHT_COPIES[tc.optimizer]
    tied_terms = 3 * L * n * n if tc.tied else 0
    return 8 * (weights + tied_terms + 3 * L * tc.batch * n + tc.steps * L)


def _finite(value, name: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name}: {value!r} is not a number")
    return _as_float(name, value)


@dataclass(frozen=True, eq=False)
class TrainResult:
    """What a run did. Arrays over layers are indexed 0..L-1 for layers 1..L (1 = input side)."""

    config: Config
    train_config: TrainConfig
    #: training loss after 0, 1, …, K updates (float64, length K + 1 for a full run); a run that
    #: diverged ends with its first inf/nan entry (at index ``diverged_at``), a cancelled one early
    loss: np.ndarray
    #: ‖W_l(end) − W_l(start)‖_F / ‖W_l(start)‖_F per layer (0/0 → 0, x/0 → inf, non-finite
    #: weights → inf). Tied: the one shared W, repeated for every layer
    rel_update: np.ndarray
    #: per step and layer: ‖ΔW_l‖_F / ‖W_l‖_F of that step, shape (steps taken, L)
    rel_update_steps: np.ndarray
    #: ‖Δθ‖ of every step (all W and b together, after clipping and the optimiser)
    step_norm: np.ndarray
    #: ‖∇θ loss‖ of every step, before clipping
    grad_norm: np.ndarray
    #: steps on which clipping rescaled the gradient
    clip_fired: int
    #: number of updates after which the loss was not finite (the run stopped there), else None
    diverged_at: int | None
    cancelled: bool
    #: tied only: each layer's (time step's) share of the update, ‖Σ_steps lr·∂loss/∂W|_l‖ / ‖W‖
    #: (the plain-gradient update that layer's term alone asks for); None when untied
    layer_contrib: np.ndarray | None = None
    extras: dict = field(default_factory=dict)

    @property
    def depth(self) -> int:
        return int(self.rel_update.shape[0])

    @property
    def steps_run(self) -> int:
        """Losses evaluated (K + 1 for a full run, counting the initial one and a non-finite one)."""
        return int(self.loss.shape[0])

    @property
    def steps_taken(self) -> int:
        """Updates applied."""
        return int(self.step_norm.shape[0])

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def finished(self) -> bool:
        return not self.cancelled and not self.diverged

    @property
    def loss_finite(self) -> np.ndarray:
        return np.isfinite(self.loss)

    @property
    def max_step_norm(self) -> float:
        return float(np.max(self.step_norm)) if self.step_norm.size else 0.0

    @property
    def log10_rel_update(self) -> np.ndarray:
        """log10 of the relative update; -inf for a layer that did not move."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(self.rel_update)

    @property
    def first_loss(self) -> float:
        return float(self.loss[0]) if self.loss.size else math.nan

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1]) if self.loss.size else math.nan
