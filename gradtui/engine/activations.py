"""Activation registry: each entry is f and its derivative f', vectorised and overflow-safe.

Adding an activation is one entry in :data:`ACTIVATIONS`; the tests are parametrised over the
registry (finite differences of f against f', Gaussian expectations against a reference).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .special import ndtr, npdf

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    label: str
    #: points where f' is discontinuous (quadrature splits there)
    kinks: tuple[float, ...] = ()
    #: True when f'(z) can be exactly zero on a set of positive measure ("dead" units)
    can_die: bool = False


def _quiet(fn: Callable[[Array], Array]) -> Callable[[Array], Array]:
    """Overflow to ±inf and underflow to 0 are the right answers in the tails: say nothing."""

    def wrapped(z: Array) -> Array:
        with np.errstate(over="ignore", under="ignore"):
            return fn(z)

    wrapped.__name__ = fn.__name__
    return wrapped


@_quiet
def _sigmoid(z: Array) -> Array:
    # 1/(1+e^-z) without overflow: exp of a non-positive number only
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@_quiet
def _dsigmoid(z: Array) -> Array:
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


@_quiet
def _dtanh(z: Array) -> Array:
    # sech² z = 4 e^{-2|z|} / (1 + e^{-2|z|})², exact in the tails where 1 - tanh² rounds to 0
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _drelu(z: Array) -> Array:
    return (z > 0).astype(float)


_LEAK = 0.01


@_quiet
def _leaky(z: Array) -> Array:
    return np.where(z > 0, z, _LEAK * z)


def _dleaky(z: Array) -> Array:
    return np.where(z > 0, 1.0, _LEAK)


@_quiet
def _elu(z: Array) -> Array:
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


@_quiet
def _delu(z: Array) -> Array:
    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))


@_quiet
def _gelu(z: Array) -> Array:
    return z * ndtr(z)


@_quiet
def _dgelu(z: Array) -> Array:
    return ndtr(z) + z * npdf(z)


@_quiet
def _silu(z: Array) -> Array:
    return z * _sigmoid(z)


@_quiet
def _dsilu(z: Array) -> Array:
    s = _sigmoid(z)
    return s + z * _dsigmoid(z)


@_quiet
def _softplus(z: Array) -> Array:
    return np.logaddexp(0.0, z)


def _linear(z: Array) -> Array:
    return np.asarray(z, dtype=float) * 1.0


def _dlinear(z: Array) -> Array:
    return np.ones_like(np.asarray(z, dtype=float))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", _linear, _dlinear, "identity f(z) = z"),
        Activation("sigmoid", _sigmoid, _dsigmoid, "logistic 1/(1+e^-z); f' ≤ 1/4"),
        Activation("tanh", _quiet(np.tanh), _dtanh, "tanh z; f'(0) = 1, saturates"),
        Activation("relu", _relu, _drelu, "max(0, z)", kinks=(0.0,), can_die=True),
        Activation("leaky_relu", _leaky, _dleaky, "max(0.01z, z)", kinks=(0.0,)),
        Activation("elu", _elu, _delu, "z, or e^z - 1 below 0 (α = 1)", kinks=(0.0,)),
        Activation("gelu", _gelu, _dgelu, "z·Φ(z), exact erf form"),
        Activation("silu", _silu, _dsilu, "z·σ(z) (swish)"),
        Activation("softplus", _softplus, _sigmoid, "log(1 + e^z)"),
    )
}
