"""The one configuration object every part of gradtui shares (DESIGN §1, §4).

A frozen dataclass: the TUI holds one in a reactive and replaces it on every key, the CLI builds one
from flags, the engines read it. Construction validates every field against :data:`LIMITS` (one
table: each field's kind, bounds and choices, which the command line reads too) and raises
:class:`ConfigError`, a ``ValueError`` whose message names the field, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

from .activations import ACTIVATIONS
from .inits import INITS
from .norms import NORMALISATIONS

#: the order ``m`` cycles through (expected → sampled → chain → expected)
MODES = ("expected", "sampled", "chain")
NORMS = tuple(NORMALISATIONS)

#: depth limits per mode (DESIGN / issue: expected and chain 1–10000, sampled 1–2000)
MAX_DEPTH = {"expected": 10_000, "sampled": 2_000, "chain": 10_000}
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


def float_text(x: float) -> str:
    """Shortest text that reads back as exactly ``x`` (``2``, ``0.1``, ``1000.0000000000001``)."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


class ConfigError(ValueError):
    """A field Config refuses: ``str()`` is ``"field: reason"``.

    ``kind`` says which check failed: ``"choice"`` (unknown name), ``"type"`` (not a number / not a
    whole number / not true or false), ``"range"`` (outside :data:`LIMITS`), ``"memory"`` or
    ``"compute"`` (over the compute budget, :func:`budget_refusal`).
    """

    def __init__(self, field: str, reason: str, kind: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.kind = field, reason, kind


@dataclass(frozen=True)
class Limit:
    """What one Config field accepts."""

    #: "int", "float", "choice" or "bool"
    kind: str
    low: float | None = None
    high: float | None = None
    #: an open end excludes its bound: ``(0, 1000]``
    low_open: bool = False
    high_open: bool = False
    #: the upper bound per mode (depth), instead of ``high``
    high_per_mode: Mapping[str, int] | None = None
    choices: tuple[str, ...] = ()
    #: None is a value too (bias_std: "the init's own bias")
    none_ok: bool = False

    def upper(self, mode: str) -> float | None:
        if self.high_per_mode is not None:
            return self.high_per_mode[mode if mode in self.high_per_mode else MODES[0]]
        return self.high

    def contains(self, x: float, mode: str) -> bool:
        lo, hi = self.low, self.upper(mode)
        above = lo is None or (x > lo if self.low_open else x >= lo)
        below = hi is None or (x < hi if self.high_open else x <= hi)
        return above and below

    def allowed(self, mode: str) -> str:
        """``allowed 1–2000 in sampled mode``, ``allowed (0, 1000]``; "" for names and flags."""
        if self.kind == "int":
            text = f"allowed {int(self.low)}–{int(self.upper(mode))}"
            return text + (f" in {mode} mode" if self.high_per_mode is not None else "")
        if self.kind == "float":
            lo, hi = float_text(self.low), float_text(self.upper(mode))
            return f"allowed {'(' if self.low_open else '['}{lo}, {hi}{')' if self.high_open else ']'}"
        return ""

    def convert(self, field: str, value: Any) -> Any:
        """``value`` as this field's type (names canonical); ConfigError if it is not one."""
        if value is None and self.none_ok:
            return None
        if self.kind == "choice":
            name = canonical_name(value)
            if name not in self.choices:
                hint = closest(str(value), self.choices)
                did = f"; did you mean {hint}?" if hint else ""
                raise ConfigError(  # the value as it was written, not canonicalised
                    field, f"unknown value {str(value)!r}; choose one of {', '.join(self.choices)}{did}",
                    "choice",
                )
            return name
        if self.kind == "int":
            return _as_int(field, value)
        if self.kind == "float":
            return _as_float(field, value)
        if not isinstance(value, bool):
            raise ConfigError(field, f"{value!r} is not true or false", "type")
        return value

    def check(self, field: str, value: float, mode: str) -> None:
        """ConfigError unless the converted ``value`` is inside the bounds."""
        if value is None:
            return
        if self.kind in ("int", "float") and not self.contains(value, mode):
            shown = str(value) if self.kind == "int" else float_text(value)
            raise ConfigError(field, f"{shown} is out of range; {self.allowed(mode)}", "range")


#: every Config field, in field order: what it accepts. The command line reads its flags, their
#: types and the ranges it reports from here; Config's validation checks against it.
LIMITS: dict[str, Limit] = {
    "depth": Limit("int", 1, high_per_mode=MAX_DEPTH),
    "activation": Limit("choice", choices=tuple(ACTIVATIONS)),
    "init": Limit("choice", choices=tuple(INITS)),
    "weight_scale": Limit("float", 0.0, 1000.0, low_open=True),
    "bias_std": Limit("float", 0.0, 100.0, none_ok=True),
    "residual": Limit("bool"),
    "residual_scale": Limit("float", 0.0, 10.0, low_open=True),
    "norm": Limit("choice", choices=NORMS),
    "mode": Limit("choice", choices=MODES),
    "width": Limit("int", MIN_WIDTH, MAX_WIDTH),
    "batch": Limit("int", MIN_BATCH, MAX_BATCH),
    "seed": Limit("int", 0, MAX_SEED),
    "tied": Limit("bool"),
    # inputs and bias means: ±1000 covers raw pixels (0–255) and sensor units with room to spare;
    # the bias mean stays within the bias std's own range
    "input_mean": Limit("float", -1000.0, 1000.0),
    "input_std": Limit("float", 0.0, 1000.0),
    "bias_mean": Limit("float", -100.0, 100.0),
}
#: the fields added after the JSON format was fixed: written to JSON only when not at their default
OPTIONAL_JSON_FIELDS = ("input_mean", "input_std", "bias_mean")
#: the fields the chain engine reads (DESIGN §3); the others do not apply in chain mode
CHAIN_FIELDS = frozenset({"depth", "activation", "weight_scale", "bias_mean", "input_mean", "mode"})
#: the order fields are checked in: names first, then numbers, then switches; then the ranges
_CONVERT_ORDER = ("choice", "int", "float", "bool")
_RANGE_ORDER = ("int", "float")


@dataclass(frozen=True)
class Config:
    depth: int = 16
    activation: str = "sigmoid"
    init: str = "xavier_normal"
    weight_scale: float = 1.0
    #: None (the default): the init's own bias — torch_linear's U(±1/√N); every other init has
    #: none, and there None becomes 0. A number is N(bias_mean, bias_std²) for any init.
    bias_std: float | None = None
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
    #: inputs x ~ N(input_mean, input_std²) (the chain's x_0 = input_mean)
    input_mean: float = 0.0
    input_std: float = 1.0
    #: biases b ~ N(bias_mean, bias_std²) (the chain's b = bias_mean)
    bias_mean: float = 0.0

    def __post_init__(self) -> None:
        for kind in _CONVERT_ORDER:
            for name, limit in LIMITS.items():
                if limit.kind == kind:
                    object.__setattr__(self, name, limit.convert(name, getattr(self, name)))
        for kind in _RANGE_ORDER:
            for name, limit in LIMITS.items():
                if limit.kind == kind:
                    limit.check(name, getattr(self, name), self.mode)
        if self.bias_std is None and INITS[self.init].bias_bound is None:
            object.__setattr__(self, "bias_std", 0.0)  # the init has no bias of its own
        for field, reason in combination_refusals(self):
            raise ConfigError(field, reason, "range")
        if self.mode == "sampled":
            arrays = activation_arrays(self.activation, self.norm)
            need = sampled_peak_bytes(self.depth, self.width, self.batch, self.tied, arrays, self.norm)
            if need > MEMORY_BUDGET:
                w = max_affordable_width(self.depth, self.batch, self.tied, arrays, self.norm)
                raise ConfigError(
                    "width",
                    f"{self.width} at depth {self.depth} and batch {self.batch} needs "
                    f"~{need / 2**30:.2f} GiB for its activations and weights "
                    f"(limit 1 GiB); the largest affordable width here is {w}",
                    "memory",
                )

    def replace(self, **changes: Any) -> "Config":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def json_dict(self) -> dict[str, Any]:
        """``to_dict`` without the later fields that are at their default (DESIGN §5 stays as is)."""
        default = Config()
        return {k: v for k, v in self.to_dict().items()
                if k not in OPTIONAL_JSON_FIELDS or v != getattr(default, k)}

    def effective(self) -> "Config":
        """This config with the fields that do not apply (chain mode) at their defaults: what the
        reproducing command line rebuilds."""
        if self.mode != "chain":
            return self
        default = Config()
        return Config(**{k: v if k in CHAIN_FIELDS else getattr(default, k)
                         for k, v in self.to_dict().items()})

    def applies(self, field: str) -> bool:
        """Whether ``field`` changes this config's result (chain mode reads only a few)."""
        return self.mode != "chain" or field in CHAIN_FIELDS

    @property
    def init_bias(self) -> bool:
        """The biases are the init's own draw (torch_linear without an explicit bias_std)."""
        return self.bias_std is None

    @property
    def sigma_b2(self) -> float:
        """Variance of the biases around bias_mean: bias_std², or the init's own bias variance."""
        if self.bias_std is None:
            return INITS[self.init].bias_var(self.width)
        return self.bias_std**2

    @property
    def sigma_b(self) -> float:
        """The biases' standard deviation around bias_mean."""
        return math.sqrt(self.sigma_b2) if self.bias_std is None else self.bias_std

    @property
    def sigma_w2(self) -> float:
        """σ_w² of the weights after weight_scale (N·Var(W))."""
        return INITS[self.init].sigma_w2(self.width) * self.weight_scale**2


def combination_refusals(config: Config):
    """(field, reason) for each combination of fields no engine can compute (DESIGN §1, §3)."""
    if config.norm == "batch" and config.batch < 2:
        yield "batch", (f"{config.batch} cannot be batch-normalised: norm batch needs batch ≥ 2 "
                        "(each unit's statistics are taken over the batch)")
    if config.norm == "batch" and config.batch == 3 and config.mode == "expected":
        yield "batch", ("3 with norm batch has an infinite expected squared gradient "
                        "(E[1/χ²₂] diverges); use batch ≥ 4, or mode sampled")


#: arrays of shape (depth, batch, width) the sampled engine holds at once (z, h and a work array)
_ACTIVATION_ARRAYS = 3
#: B×N scratch arrays of the sampled engine's layer step (carved from its workspace)
_SCRATCH_ARRAYS = 4
#: base weights the sampled engine may hold as one stack (weights.WEIGHT_CACHE_BYTES)
_WEIGHT_HOLD_BYTES = 512 << 20
#: N×N arrays alive at once while the products run: the layer drawn per layer (the raw draw, the
#: scaled base and the copy BLAS packs), or with a held stack the one scaled copy
_LAYER_WEIGHT_ARRAYS, _HELD_WEIGHT_ARRAYS = 3, 1


def sampled_activation_bytes(depth: int, width: int, batch: int, arrays: int = _ACTIVATION_ARRAYS) -> int:
    return arrays * 8 * depth * width * batch


def activation_arrays(activation: str, norm: str) -> int:
    """(L, B, N) arrays the backprop keeps: h, f' unless linear, ẑ with a normalisation."""
    return (1 if activation == "linear" else 2) + (not NORMALISATIONS[norm].identity)


#: what the sampled engine holds beyond the arrays counted here: BLAS's packing buffers, the
#: weight stream's thread and malloc's rounding (~10 MiB measured at depth 10, width 3745, batch 1024)
RUNTIME_BYTES = 16 << 20


def network_bytes(width: int, batch: int, norm: str = "none") -> int:
    """The drawn network's inputs x (B×N, kept beside their copy in the workspace) and readout
    (one r, or one per sample under batch norm)."""
    return 8 * width * (batch + (batch if NORMALISATIONS[norm].couples_batch else 1))


def sampled_peak_bytes(depth: int, width: int, batch: int, tied: bool = False,
                       arrays: int = _ACTIVATION_ARRAYS, norm: str = "none") -> int:
    """Bytes the sampled engine holds at its peak, beyond the interpreter and NumPy (float64):

        held = S ≤ min(512 MiB, budget − A), S = L·N² (N² tied),
        A = arrays·L·B·N + 4·B·N + 2·L·N + X + R, X = B·N + r (the inputs, the readout)
        peak = max(2·S + X + R, A + S + N²)   if held   (the stack is drawn, then scaled, before the run)
               A + 3·N²                       else      (each layer drawn, scaled and packed in turn)
    and a streamed pass keeps as many of its top layers as the budget allows beyond that
    (gradtui.engine.call_weights), so it then holds up to the whole budget. R is
    :data:`RUNTIME_BYTES`.
    """
    own = network_bytes(width, batch, norm) + RUNTIME_BYTES
    # the biases: the (L, N) base draw and its scaled copy
    act = 8 * (arrays * depth * width * batch + _SCRATCH_ARRAYS * width * batch + 2 * depth * width) + own
    stack = (1 if tied else depth) * width * width * 8
    if stack <= min(_WEIGHT_HOLD_BYTES, MEMORY_BUDGET - act):
        return max(2 * stack + own, act + stack + _HELD_WEIGHT_ARRAYS * 8 * width * width)
    streamed = act + _LAYER_WEIGHT_ARRAYS * 8 * width * width
    return max(streamed, min(MEMORY_BUDGET, act + (2 + depth) * 8 * width * width))


def max_affordable_width(depth: int, batch: int, tied: bool = False,
                         arrays: int = _ACTIVATION_ARRAYS, norm: str = "none") -> int:
    """The largest width whose sampled network fits the memory budget (0 if none does)."""
    lo, hi = 0, MAX_WIDTH
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sampled_peak_bytes(depth, mid, batch, tied, arrays, norm) <= MEMORY_BUDGET:
            lo = mid
        else:
            hi = mid - 1
    return lo


# -- the compute budget (gradtui.engine.cost) ---------------------------------------------------
#: the Jacobian spectrum's caps (report.SPECTRUM_MAX_DEPTH for --json, the views' width cap)
SPECTRUM_DEPTH_CAP, SPECTRUM_WIDTH_CAP = 400, 256


def compute_seconds(config: Config, *, spectrum: bool = False, depth: int | None = None,
                    width: int | None = None) -> float:
    """Estimated seconds to compute ``config`` (its bars, plus the --json spectrum if asked), at
    ``depth``/``width`` instead of the config's own when given."""
    from . import cost

    L = config.depth if depth is None else depth
    N = config.width if width is None else width
    family = INITS[config.init].family
    if config.mode == "sampled":
        seconds = cost.sampled_estimate(L, N, config.batch, tied=config.tied, family=family,
                                        norm=config.norm, activation=config.activation).seconds
    else:
        seconds = cost.expected_estimate(L).seconds
    if spectrum:
        seconds += cost.spectrum_estimate(min(L, SPECTRUM_DEPTH_CAP), min(N, SPECTRUM_WIDTH_CAP),
                                          family=family).seconds
    return seconds


def fitting_text(seconds_at, depth: int, width: int, budget: float) -> str:
    """``depth ≤ 27 or width ≤ 190 fits`` for ``seconds_at(depth, width)`` over ``budget``."""
    from .cost import largest_fitting

    d = largest_fitting(lambda v: seconds_at(v, width), 1, depth, budget)
    w = largest_fitting(lambda v: seconds_at(depth, v), MIN_WIDTH, width, budget)
    options = [f"depth ≤ {d}" if d is not None and d < depth else "",
               f"width ≤ {w}" if w is not None and w < width else ""]
    options = [o for o in options if o]
    return (" or ".join(options) + " fits") if options else "a smaller depth and width fit"


def budget_refusal(config: Config, *, spectrum: bool = False,
                   budget: float | None = None) -> ConfigError | None:
    """A ``"compute"`` ConfigError when ``config`` is estimated to take longer than the budget.

    The CLI raises it (exit 2, one line); the TUI asks before running such a setting.
    """
    from .cost import COMPUTE_BUDGET, duration_text

    budget = COMPUTE_BUDGET if budget is None else budget
    seconds = compute_seconds(config, spectrum=spectrum)
    if seconds <= budget:
        return None
    fits = fitting_text(lambda d, w: compute_seconds(config, spectrum=spectrum, depth=d, width=w),
                        config.depth, config.width, budget)
    what = f"in {config.mode} mode" + (" with the Jacobian spectrum" if spectrum else "")
    return ConfigError(
        "width" if config.mode == "sampled" else "depth",
        f"{config.width} at depth {config.depth} and batch {config.batch}: {duration_text(seconds)} "
        f"to compute {what} (budget {float_text(budget)} s); {fits}",
        "compute",
    )


def affordable_width_cost(values: dict[str, Any], *, spectrum: bool = False,
                          budget: float | None = None) -> str:
    """What a memory refusal adds for a caller that also applies the compute budget (the CLI):
    ``", which would take about 14 min to compute (budget 10 s): depth ≤ 23 or width ≤ 396 fits"``
    when the largest affordable width the refusal names is itself over the budget, so the one
    line names a setting that passes both checks; "" when that width is within it (or there is
    none). ``values``: the refused Config's arguments."""
    from .cost import COMPUTE_BUDGET, duration_text

    budget = COMPUTE_BUDGET if budget is None else budget
    try:
        refused = Config(**{**values, "width": MIN_WIDTH})
    except ConfigError:
        return ""
    width = max_affordable_width(refused.depth, refused.batch, refused.tied,
                                 activation_arrays(refused.activation, refused.norm), refused.norm)
    if width < MIN_WIDTH:
        return ""
    at = refused.replace(width=width)
    seconds = compute_seconds(at, spectrum=spectrum)
    if seconds <= budget:
        return ""
    fits = fitting_text(lambda d, w: compute_seconds(at, spectrum=spectrum, depth=d, width=w),
                        at.depth, width, budget)
    what = " with the Jacobian spectrum" if spectrum else ""
    return (f", which would take {duration_text(seconds)} to compute{what} (budget "
            f"{float_text(budget)} s): {fits}")


def check_budget(config: Config, *, spectrum: bool = False) -> None:
    """Raise :func:`budget_refusal`'s error, if any."""
    error = budget_refusal(config, spectrum=spectrum)
    if error is not None:
        raise error


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(name, f"{value!r} is not a whole number", "type")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ConfigError(name, f"{value!r} is not a whole number", "type") from None


def _as_float(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(name, f"{value!r} is not a number", "type") from None
    if not math.isfinite(x):
        raise ConfigError(name, f"{value!r} is not a finite number", "type")
    return x
