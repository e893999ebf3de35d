"""The one result type both engines return (DESIGN §2, §5).

Per-layer arrays are indexed 0..L-1 for layers 1..L (1 = input side). Gradients live in log10:
``log10_grad[i]`` is log10 of the gradient reaching layer i+1 relative to the output; ``-inf`` means
exactly zero, ``nan`` means unknown (the forward pass overflowed there, see ``overflow``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import Config

VANISHING, STABLE, EXPLODING, OVERFLOW = "vanishing", "stable", "exploding", "overflow"
#: log10 thresholds of the regimes (DESIGN §2)
LOW, HIGH = -1.0, 1.0


class Stopped(Exception):
    """A computation was abandoned: the ``cancel()`` given to ``compute`` returned True."""


def regime_of(log10_grad: float) -> str:
    """Regime of one bar. An exact zero is vanishing; an unknown value (nan) is overflow."""
    if math.isnan(log10_grad):
        return OVERFLOW
    if log10_grad < LOW:
        return VANISHING
    if log10_grad > HIGH:
        return EXPLODING
    return STABLE


def regimes_of(log10_grad: np.ndarray) -> list[str]:
    return [regime_of(float(x)) for x in log10_grad]


def grads_from_factors(log10_factor: np.ndarray) -> np.ndarray:
    """log10 grad_l = Σ_{k=l+1..L} log10 factor_k, so grad_L = 1 (log10 0)."""
    lf = np.asarray(log10_factor, dtype=float)
    out = np.zeros_like(lf)
    if lf.size > 1:
        with np.errstate(invalid="ignore"):
            # reverse cumulative sum of factors 2..L, shifted by one layer
            out[:-1] = np.cumsum(lf[:0:-1])[::-1]
    return out


@dataclass(frozen=True, eq=False)
class Result:
    config: Config
    log10_factor: np.ndarray
    weight_gain: np.ndarray
    deriv_gain: np.ndarray
    #: log10 of the forward std of h_l (kept in log10 so an exploding forward pass stays a number)
    log10_act_std: np.ndarray
    #: 1/std of the pre-activation that layer norm divides by (1 without norm)
    norm_gain: np.ndarray
    #: layers whose forward pass could not be represented in float64
    overflow: np.ndarray
    log10_grad: np.ndarray = field(default=None)  # type: ignore[assignment]
    # sampled-only extras (None in expected mode)
    dead_frac: np.ndarray | None = None
    saturated_frac: np.ndarray | None = None
    log10_weight_grad: np.ndarray | None = None
    #: expected mode: pre-activation variance q_l per layer
    q: np.ndarray | None = None
    #: chain mode: the one neuron's pre-activation z_l and output x_l per layer (x may be ±inf
    #: where it passes 1e308; ``chain_log10_abs_x`` is then still a number)
    chain_z: np.ndarray | None = None
    chain_x: np.ndarray | None = None
    chain_log10_abs_x: np.ndarray | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.log10_grad is None:
            object.__setattr__(self, "log10_grad", grads_from_factors(self.log10_factor))
        # one fact: a bar is "overflow" — its flag, its regime and the counts — exactly when its
        # gradient is unknown (nan: it came back through a layer whose forward pass overflowed).
        # grad_L = 1 is known always (DESIGN §2), so the output bar is never flagged; which layers'
        # forward values overflowed stays visible in log10_act_std (nan there).
        object.__setattr__(self, "overflow", np.isnan(np.asarray(self.log10_grad, dtype=float)))
        if "overflow_layers" in self.extras:  # the sampled engine's count is the same fact
            object.__setattr__(self, "extras", {**self.extras,
                                                "overflow_layers": int(np.count_nonzero(self.overflow))})

    # -- summary -------------------------------------------------------------------------------
    @property
    def act_std(self) -> np.ndarray:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            return np.power(10.0, self.log10_act_std)

    @property
    def depth(self) -> int:
        return int(self.log10_factor.shape[0])

    @property
    def log10_grad_first(self) -> float:
        return float(self.log10_grad[0])

    @property
    def log10_grad_input(self) -> float:
        with np.errstate(invalid="ignore"):
            return float(self.log10_grad[0] + self.log10_factor[0])

    @property
    def mean_log10_factor(self) -> float:
        """Mean log10 factor per layer over layers 1..L (the slope of the bars)."""
        with np.errstate(invalid="ignore"):
            return float(np.mean(self.log10_factor))

    @property
    def regime(self) -> str:
        return regime_of(self.log10_grad_first)

    @property
    def regimes(self) -> list[str]:
        return regimes_of(self.log10_grad)

    def summary(self) -> dict[str, Any]:
        counts = {r: 0 for r in (VANISHING, STABLE, EXPLODING, OVERFLOW)}
        for r in self.regimes:
            counts[r] += 1
        return {
            "regime": self.regime,
            "log10_grad_first": _num(self.log10_grad_first),
            "log10_grad_input": _num(self.log10_grad_input),
            "mean_log10_factor": _num(self.mean_log10_factor),
            "grad_first": _pow10(self.log10_grad_first),
            "grad_input": _pow10(self.log10_grad_input),
            "layers_vanishing": counts[VANISHING],
            "layers_stable": counts[STABLE],
            "layers_exploding": counts[EXPLODING],
            "layers_overflow": counts[OVERFLOW],
            **{k: _jsonable(v) for k, v in self.extras.items()},
        }

    # -- JSON (DESIGN §5) ----------------------------------------------------------------------
    def layers(self) -> list[dict[str, Any]]:
        rows = []
        regimes = self.regimes
        for i in range(self.depth):
            lg = float(self.log10_grad[i])
            lf = float(self.log10_factor[i])
            row = {
                "layer": i + 1,
                "grad": _pow10(lg),
                "log10_grad": _num(lg),
                "factor": _pow10(lf),
                "log10_factor": _num(lf),
                "weight_gain": _num(self.weight_gain[i]),
                "deriv_gain": _num(self.deriv_gain[i]),
                "norm_gain": _num(self.norm_gain[i]),
                "act_std": _pow10(float(self.log10_act_std[i])),
                "log10_act_std": _num(self.log10_act_std[i]),
                "regime": regimes[i],
                "overflow": bool(self.overflow[i]),
            }
            if self.q is not None:
                row["q"] = _num(self.q[i])
            if self.chain_z is not None:
                row["z"] = _num(self.chain_z[i])
                row["x"] = _num(self.chain_x[i])
                row["log10_abs_x"] = _num(self.chain_log10_abs_x[i])
            if self.dead_frac is not None:
                row["dead_frac"] = _num(self.dead_frac[i])
            if self.saturated_frac is not None:
                row["saturated_frac"] = _num(self.saturated_frac[i])
            if self.log10_weight_grad is not None:
                lw = float(self.log10_weight_grad[i])
                row["weight_grad"] = _pow10(lw)
                row["log10_weight_grad"] = _num(lw)
            rows.append(row)
        return rows

    def to_json(self) -> dict[str, Any]:
        return {"config": self.config.json_dict(), "layers": self.layers(), "summary": self.summary()}


def _num(x: Any) -> float | None:
    """A finite float, or None (JSON null) for inf/nan."""
    x = float(x)
    return x if math.isfinite(x) else None


def _pow10(log10: float) -> float | None:
    """10**log10 when that is a float64: 0.0 for an exact zero, None when it under/overflows."""
    if math.isnan(log10):
        return None
    if log10 == -math.inf:
        return 0.0
    if log10 > 308.2 or log10 < -307.0:
        return None
    return 10.0**log10


def _jsonable(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        return _num(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v
