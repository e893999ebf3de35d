"""The one configuration object every part of gradtui shares (DESIGN §1, §4).

A frozen dataclass: the TUI holds one in a reactive and replaces it on every key, the CLI builds one
from flags, the engines read it. Construction validates every field and raises ``ValueError`` with a
message naming the field, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, fields, replace
from typing import Any

from .activations import ACTIVATIONS
from .inits import INITS

MODES = ("expected", "sampled")
NORMS = ("none", "layer")

#: depth limits per mode (DESIGN / issue: expected 1–10000, sampled 1–2000)
MAX_DEPTH = {"expected": 10_000, "sampled": 2_000}
MIN_WIDTH, MAX_WIDTH = 2, 4096
MIN_BATCH, MAX_BATCH = 1, 1024
MAX_SEED = 2**32 - 1
#: the sampled engine keeps every layer's pre-activations for the backward pass; refuse settings
#: whose activations alone would pass this many bytes
MEMORY_BUDGET = 1 << 30


def canonical_name(value: str) -> str:
    """`he-normal`, `He_Normal` and `he_normal` are the same name."""
    return str(value).strip().lower().replace("-", "_")


def closest(value: str, choices) -> str | None:
    match = difflib.get_close_matches(canonical_name(value), list(choices), n=1, cutoff=0.5)
    return match[0] if match else None


def _choice_error(field: str, value: Any, choices) -> ValueError:
    hint = closest(str(value), choices)
    did = f"; did you mean {hint}?" if hint else ""
    return ValueError(f"{field}: unknown value {value!r}; choose one of {', '.join(choices)}{did}")


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Config:
    depth: int = 16
    activation: str = "sigmoid"
    init: str = "xavier_normal"
    weight_scale: float = 1.0
    bias_std: float = 0.0
    residual: bool = False
    residual_scale: float = 1.0
    norm: str = "none"
    mode: str = "expected"
    width: int = 256
    batch: int = 64
    seed: int = 0
    #: one weight matrix (and bias) for every layer: an unrolled recurrent net. Mean-field theory
    #: treats the layers as independent either way, so this changes only the sampled engine.
    tied: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in ("activation", "init", "norm", "mode"):
            set_(self, name, canonical_name(getattr(self, name)))
        if self.activation not in ACTIVATIONS:
            raise _choice_error("activation", self.activation, ACTIVATIONS)
        if self.init not in INITS:
            raise _choice_error("init", self.init, INITS)
        if self.norm not in NORMS:
            raise _choice_error("norm", self.norm, NORMS)
        if self.mode not in MODES:
            raise _choice_error("mode", self.mode, MODES)
        for name in ("depth", "width", "batch", "seed"):
            set_(self, name, _as_int(name, getattr(self, name)))
        for name in ("weight_scale", "bias_std", "residual_scale"):
            set_(self, name, _as_float(name, getattr(self, name)))
        for name in ("residual", "tied"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}: {getattr(self, name)!r} is not true or false")

        max_depth = MAX_DEPTH[self.mode]
        if not 1 <= self.depth <= max_depth:
            raise ValueError(
                f"depth: {self.depth} is out of range; allowed 1–{max_depth} in {self.mode} mode"
            )
        if not MIN_WIDTH <= self.width <= MAX_WIDTH:
            raise ValueError(f"width: {self.width} is out of range; allowed {MIN_WIDTH}–{MAX_WIDTH}")
        if not MIN_BATCH <= self.batch <= MAX_BATCH:
            raise ValueError(f"batch: {self.batch} is out of range; allowed {MIN_BATCH}–{MAX_BATCH}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed: {self.seed} is out of range; allowed 0–{MAX_SEED}")
        if not 0 < self.weight_scale <= 1000:
            raise ValueError(
                f"weight_scale: {_fmt(self.weight_scale)} is out of range; allowed (0, 1000]"
            )
        if not 0 <= self.bias_std <= 100:
            raise ValueError(f"bias_std: {_fmt(self.bias_std)} is out of range; allowed [0, 100]")
        if not 0 < self.residual_scale <= 10:
            raise ValueError(
                f"residual_scale: {_fmt(self.residual_scale)} is out of range; allowed (0, 10]"
            )
        if self.mode == "sampled":
            need = sampled_activation_bytes(self.depth, self.width, self.batch)
            if need > MEMORY_BUDGET:
                w = max_affordable_width(self.depth, self.batch)
                raise ValueError(
                    f"width: {self.width} at depth {self.depth} and batch {self.batch} needs "
                    f"~{need / 2**30:.1f} GiB for the sampled network's activations (limit 1 GiB); "
                    f"the largest affordable width here is {w}"
                )

    def replace(self, **changes: Any) -> "Config":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def sigma_w2(self) -> float:
        """σ_w² of the weights after weight_scale (N·Var(W))."""
        return INITS[self.init].sigma_w2(self.width) * self.weight_scale**2


#: arrays of shape (depth, batch, width) the sampled engine holds at once (z, h and a work array)
_ACTIVATION_ARRAYS = 3


def sampled_activation_bytes(depth: int, width: int, batch: int) -> int:
    return _ACTIVATION_ARRAYS * 8 * depth * width * batch


def max_affordable_width(depth: int, batch: int) -> int:
    w = MEMORY_BUDGET // (_ACTIVATION_ARRAYS * 8 * depth * batch)
    return int(max(0, min(MAX_WIDTH, w)))


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name}: {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {value!r} is not a whole number") from None


def _as_float(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {value!r} is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"{name}: {value!r} is not a finite number")
    return x
