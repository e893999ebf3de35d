"""Activation registry: each entry is f and its derivative f', vectorised and overflow-safe.

Adding an activation is one entry in :data:`ACTIVATIONS`; the tests are parametrised over the
registry (finite differences of f against f', Gaussian expectations against a reference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
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
    #: ln|f'(z)|, exact where f'(z) itself underflows (None: the log of ``df``)
    log_df: Callable[[Array], Array] | None = None
    #: lim f(z)/z as z → +∞ and as z → −∞ (0 for a bounded side): the chain's tails beyond 1e300
    slopes: tuple[float, float] = (0.0, 0.0)
    #: the only two values f' takes, (low, high) — relu's (0, 1): the sampled engine then counts
    #: the units at the low value from Σf'² alone instead of comparing every entry (None: f' takes
    #: many values)
    df_levels: tuple[float, float] | None = None

    def log_abs_df(self, z: Array) -> Array:
        """ln|f'(z)| (−inf where f' is exactly 0); in the tails a number where f' underflows."""
        z = np.asarray(z, dtype=float)
        if self.log_df is not None:
            with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
                return self.log_df(z)
        with np.errstate(divide="ignore"):
            return np.log(np.abs(self.df(z)))


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


#: below |z| = 1/4, tanh's 1 − e^{-2|z|} cancels (relative error up to ε/(2|z|)): a rational form
#: there, and sech² = 1 − tanh² (no cancellation: tanh² < 1/16)
TANH_NEAR_ZERO = 0.25
#: |z| < 1/4 exactly where z² (rounded) < 1/16: the one-exponential path tells near from far by
#: z², which its near-zero form needs anyway
TANH_NEAR_X = TANH_NEAR_ZERO * TANH_NEAR_ZERO
#: tanh z = z − z·x·N(x)/D(x), x = z²: the [7/6] Padé approximant of tanh (Lambert's continued
#: fraction, z(135135 + 17325x + 378x² + x³)/(135135 + 62370x + 3150x² + 28x³)) less z, N and D
#: divided by 28 so that D starts with x³; for |z| ≤ 1/4 it is within 1.4·10⁻²⁰ of tanh, relative
#: (mpmath), far below the rounding
TANH_NUM = (45045.0 / 28, 2772.0 / 28, 27.0 / 28)
TANH_DEN = (135135.0 / 28, 62370.0 / 28, 3150.0 / 28)


def tanh_near_zero(z: np.ndarray, x: np.ndarray, q: np.ndarray, out: np.ndarray,
                   squared: bool = False) -> np.ndarray:
    """tanh of the float64 array ``z`` (|z| ≤ 1/4) into ``out`` by the rational form above, with
    ``x`` and ``q`` as scratch (all z's shape; ``out`` may not be ``z``; ``squared``: x holds z²
    already). Within 1 ulp of the correctly rounded value (tested against mpmath), like np.tanh,
    and the same on every CPU: it is only multiplications, additions and one division, so a value
    does not depend on which entries are evaluated with it. 15 passes over the array, 14 given z²
    (the Taylor series to z²¹ took 24)."""
    if not squared:
        np.multiply(z, z, out=x)
    np.multiply(x, TANH_NUM[2], out=out)
    np.add(out, TANH_NUM[1], out=out)
    np.multiply(out, x, out=out)
    np.add(out, TANH_NUM[0], out=out)
    np.add(x, TANH_DEN[2], out=q)
    np.multiply(q, x, out=q)
    np.add(q, TANH_DEN[1], out=q)
    np.multiply(q, x, out=q)
    np.add(q, TANH_DEN[0], out=q)
    np.divide(out, q, out=out)
    np.multiply(out, x, out=out)
    np.multiply(out, z, out=out)
    np.subtract(z, out, out=out)
    return np.copysign(out, z, out=out)  # tanh(-0) = -0 (the difference gives +0)


def tanh_far(z: np.ndarray, u: np.ndarray, q: np.ndarray, f: np.ndarray | None,
             d: np.ndarray) -> None:
    """The one-exponential tanh (into ``f``, unless None) and sech² (into ``d``, which may be
    ``u``) of ``z``, for |z| ≥ 1/4, with ``u`` and ``q`` as scratch of z's shape: u = e^{-2|z|},
    tanh|z| = (1 − u)/(1 + u), within 3 ulp there; sech² z = 4u/(1 + u)², exact in the tails
    where 1 − tanh² rounds to 0."""
    np.abs(z, out=u)
    np.multiply(u, -2.0, out=u)
    np.exp(u, out=u)
    np.add(u, 1.0, out=q)
    if f is not None:
        np.subtract(1.0, u, out=f)
        np.divide(f, q, out=f)
        np.copysign(f, z, out=f)
    np.multiply(q, q, out=q)
    np.multiply(u, 4.0, out=d)
    np.divide(d, q, out=d)


def sech2_near_zero(f: np.ndarray, out: np.ndarray) -> np.ndarray:
    """sech² z = 1 − tanh² z from f = tanh z, for |z| < 1/4 (within 1 ulp: tanh² < 1/16)."""
    np.multiply(f, f, out=out)
    return np.subtract(1.0, out, out=out)


@lru_cache(maxsize=None)
def native_tanh() -> bool:
    """True when np.tanh on float64 runs NumPy's AVX-512 loop on this CPU: within 1 ulp (tested)
    and, at 16,384 entries, 2-3.5x faster as the fused kernel than the one-exponential form below.
    Elsewhere (AVX2, other CPUs, NumPy without ``numpy.lib.introspect``) that form is as fast or
    faster, so it stays. A value does not depend on its neighbours either way: the vector loop
    treats a short tail as a masked vector, not by another formula (tested)."""
    try:
        from numpy.lib.introspect import opt_func_info
    except ImportError:  # NumPy 1.x
        return False
    found = opt_func_info(func_name="^tanh$", signature="^(float64|d)$").get("tanh", {})
    targets = [info.get("current", "") for info in found.values() if isinstance(info, dict)]
    return bool(targets) and all(t == "X86_V4" or t.startswith("AVX512") for t in targets)


@_quiet
def _tanh(z: Array) -> Array:
    z = np.asarray(z, dtype=float)
    if native_tanh():
        return np.tanh(z)
    return _tanh_one_exp(z)


def _tanh_one_exp(z: Array) -> Array:
    # (1 − u)/(1 + u), u = e^{-2|z|}: within 3 ulp of tanh for |z| ≥ 1/4, the rational form
    # nearer zero. One exponential, shared with f' in the fused kernel (np.tanh without AVX-512
    # is slower than exp), and this is what the fused kernel computes, bit for bit
    z = np.asarray(z, dtype=float)
    flat = z.reshape(-1)
    f = np.empty_like(flat)
    tanh_far(flat, np.empty_like(flat), np.empty_like(flat), f, np.empty_like(flat))
    near = flat * flat < TANH_NEAR_X
    zn = flat[near]
    f[near] = tanh_near_zero(zn, np.empty_like(zn), np.empty_like(zn), np.empty_like(zn))
    return f.reshape(z.shape) if z.ndim else f[0]


@_quiet
def _dtanh(z: Array) -> Array:
    # sech² z = 4 e^{-2|z|} / (1 + e^{-2|z|})², exact in the tails where 1 − tanh² rounds to 0;
    # without np.tanh's AVX-512 loop, 1 − tanh² z near zero (|z| < 1/4, from the rational form:
    # the fused kernel then takes no exponential there)
    z = np.asarray(z, dtype=float)
    flat = z.reshape(-1)
    d = np.empty_like(flat)
    tanh_far(flat, d, np.empty_like(flat), None, d)
    if not native_tanh():
        near = flat * flat < TANH_NEAR_X
        fn = _tanh_one_exp(flat[near])
        d[near] = sech2_near_zero(fn, np.empty_like(fn))
    return d.reshape(z.shape) if z.ndim else d[0]


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


# -- ln|f'| in the tails (1e-400 is a number, not 0) ------------------------------------------
_LN4 = math.log(4.0)
_LN_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _log_sigmoid(z: Array) -> Array:
    return -np.logaddexp(0.0, -z)  # ln σ(z) = −ln(1 + e^−z)


def _log_dsigmoid(z: Array) -> Array:
    a = np.abs(z)
    return -a - 2.0 * np.log1p(np.exp(-a))


def _log_dtanh(z: Array) -> Array:
    a = np.abs(z)
    return _LN4 - 2.0 * a - 2.0 * np.log1p(np.exp(-2.0 * a))


def _log_delu(z: Array) -> Array:
    return np.where(z > 0, 0.0, np.minimum(z, 0.0))


def _log_dsilu(z: Array) -> Array:
    # f' = σ(z)·(1 + z·σ(−z)): ln σ(z) is exact in the left tail, the second factor is O(|z|)
    return _log_sigmoid(z) + np.log(np.abs(1.0 + z * np.exp(_log_sigmoid(-z))))


def _log_dgelu(z: Array) -> Array:
    # f' = Φ(z) + zφ(z); below z = −10 both terms underflow together: |f'| = φ(z)·(|z| − R(|z|))
    # with R the Mills ratio Φ(z)/φ(z) from its asymptotic series (< 1e-10 relative there)
    out = np.empty_like(z)
    tail = z < -10.0
    zz = z[~tail]
    out[~tail] = np.log(np.abs(ndtr(zz) + zz * npdf(zz)))
    a = -z[tail]
    r = 1.0 / (a * a)
    mills = (1.0 - r * (1.0 - 3.0 * r * (1.0 - 5.0 * r * (1.0 - 7.0 * r * (1.0 - 9.0 * r))))) / a
    out[tail] = -0.5 * a * a - _LN_SQRT_2PI + np.log(a - mills)
    return out


def _linear(z: Array) -> Array:
    return np.asarray(z, dtype=float) * 1.0


def _dlinear(z: Array) -> Array:
    return np.ones_like(np.asarray(z, dtype=float))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", _linear, _dlinear, "identity f(z) = z", slopes=(1.0, 1.0)),
        Activation("sigmoid", _sigmoid, _dsigmoid, "logistic 1/(1+e^-z); f' ≤ 1/4",
                   log_df=_log_dsigmoid),
        Activation("tanh", _tanh, _dtanh, "tanh z; f'(0) = 1, saturates", log_df=_log_dtanh),
        Activation("relu", _relu, _drelu, "max(0, z)", kinks=(0.0,), can_die=True, slopes=(1.0, 0.0),
                   df_levels=(0.0, 1.0)),
        Activation("leaky_relu", _leaky, _dleaky, "max(0.01z, z)", kinks=(0.0,), slopes=(1.0, _LEAK),
                   df_levels=(_LEAK, 1.0)),
        Activation("elu", _elu, _delu, "z, or e^z - 1 below 0 (α = 1)", kinks=(0.0,),
                   log_df=_log_delu, slopes=(1.0, 0.0)),
        Activation("gelu", _gelu, _dgelu, "z·Φ(z), exact erf form", log_df=_log_dgelu,
                   slopes=(1.0, 0.0)),
        Activation("silu", _silu, _dsilu, "z·σ(z) (swish)", log_df=_log_dsilu, slopes=(1.0, 0.0)),
        Activation("softplus", _softplus, _sigmoid, "log(1 + e^z)", log_df=_log_sigmoid,
                   slopes=(1.0, 0.0)),
    )
}
