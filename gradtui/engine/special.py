"""Vectorised error function and normal CDF in plain NumPy.

NumPy has no ``erf``. ``math.erf``/``math.erfc`` are exact to a few ulp but scalar, so we fit
piecewise Chebyshev polynomials to the scaled complementary error function
``erfcx(x) = exp(x²)·erfc(x)`` (smooth and slowly varying on x ≥ 0) from ``math.erfc`` sampled at
Chebyshev nodes, and evaluate them vectorised (the fit ships with the package:
:mod:`~gradtui.engine.shipped`). Beyond the fitted range the standard asymptotic series is used.
Relative accuracy, against ``math.erf``/``math.erfc`` (tests/test_special.py): ~5e-16 for erf; for
erfc ~1e-15 up to x ≈ 3, then growing as x²·ε, the rounding of x² inside exp(−x²) (1e-13 at
x = 25) — in the far tail, where ``1 - erf`` would lose every digit, it keeps all but the last three
or four.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from . import shipped

_PANEL = 0.25  # width of each fitted panel in x
_X_MAX = 26.0  # past this the asymptotic series of erfcx is exact to double precision
_DEGREE = 13


def _erfcx_scalar(x: float) -> float:
    if x < 25.0:
        return math.exp(x * x) * math.erfc(x)
    # erfc underflows near x = 27; use the asymptotic series (converges fast here)
    inv2 = 1.0 / (2.0 * x * x)
    term, total = 1.0, 1.0
    for k in range(1, 12):
        term *= -(2 * k - 1) * inv2
        total += term
    return total / (x * math.sqrt(math.pi))


def fit_coefficients() -> np.ndarray:
    """erfcx's polynomials, fitted now: one of degree :data:`_DEGREE` per panel of width
    :data:`_PANEL` on [0, :data:`_X_MAX`), through Chebyshev nodes, as (degree + 1, panels) monomial
    coefficients in the panel's t ∈ [-1, 1] (what ``scripts/build_tables.py`` ships)."""
    n_panels = int(round(_X_MAX / _PANEL))
    k = np.arange(_DEGREE + 1)
    nodes = np.cos(np.pi * (k + 0.5) / (_DEGREE + 1))  # Chebyshev nodes on [-1, 1]
    coeffs = np.empty((n_panels, _DEGREE + 1))
    for p in range(n_panels):
        a = p * _PANEL
        xs = a + (nodes + 1.0) * (_PANEL / 2.0)
        ys = np.array([_erfcx_scalar(float(x)) for x in xs])
        cheb = np.polynomial.chebyshev.chebfit(nodes, ys, _DEGREE)
        coeffs[p] = np.polynomial.chebyshev.cheb2poly(cheb)
    # one contiguous array per power, so evaluation gathers with fast 1-D takes
    return np.ascontiguousarray(coeffs.T)


#: the fitted coefficients are shipped under this name (:mod:`~gradtui.engine.shipped`): fitting
#: takes ~50 ms (1,456 values of math.erfc and 104 conversions), on the way to a gelu network's first
#: chart
SHIPPED_NAME = "erfcx"


@functools.lru_cache(maxsize=1)
def _coeffs() -> np.ndarray:
    """Shape (degree + 1, panels): monomial coefficients in t ∈ [-1, 1]. Read on first use (or,
    when the shipped file is missing or of another shape, fitted), so start-up pays nothing until
    gelu is evaluated."""
    coeffs = shipped.read(SHIPPED_NAME, (_DEGREE + 1, int(round(_X_MAX / _PANEL))))
    return fit_coefficients() if coeffs is None else coeffs


def erfcx(x: np.ndarray) -> np.ndarray:
    """exp(x²)·erfc(x) for x ≥ 0 (vectorised)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    inside = x < _X_MAX
    xi = x[inside]
    if xi.size:
        coeffs = _coeffs()
        idx = np.minimum((xi * (1.0 / _PANEL)).astype(np.intp), coeffs.shape[1] - 1)
        t = (xi - idx * _PANEL) * (2.0 / _PANEL) - 1.0
        acc = coeffs[_DEGREE].take(idx)
        for j in range(_DEGREE - 1, -1, -1):  # Horner in the panel's local variable
            acc *= t
            acc += coeffs[j].take(idx)
        out[inside] = acc
    xo = x[~inside]
    if xo.size:
        inv2 = 1.0 / (2.0 * xo * xo)
        term = np.ones_like(xo)
        total = np.ones_like(xo)
        for k in range(1, 12):
            term = term * (-(2 * k - 1) * inv2)
            total = total + term
        out[~inside] = total / (xo * math.sqrt(math.pi))
    return out


def erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function, accurate in relative terms in the far tail."""
    x = np.asarray(x, dtype=float)
    ax = np.abs(x)
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        tail = erfcx(ax) * np.exp(-ax * ax)
    return np.where(x >= 0, tail, 2.0 - tail)


def erf(x: np.ndarray) -> np.ndarray:
    """Error function (vectorised)."""
    x = np.asarray(x, dtype=float)
    ax = np.abs(x)
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        tail = erfcx(ax) * np.exp(-ax * ax)
        small = ax < 0.5
        # for small |x| 1 - erfc loses digits; use the Taylor series there
        x2 = ax * ax
        series = np.zeros_like(ax)
        term = ax.copy()
        for n in range(0, 18):
            series = series + term / (2 * n + 1)
            term = term * (-x2) / (n + 1)
        series = series * (2.0 / math.sqrt(math.pi))
    mag = np.where(small, series, 1.0 - tail)
    return np.copysign(mag, x)


def ndtr(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF Φ(z), relative accuracy kept deep in the lower tail."""
    return 0.5 * erfc(-np.asarray(z, dtype=float) / math.sqrt(2.0))


def npdf(z: np.ndarray) -> np.ndarray:
    """Standard normal density φ(z)."""
    z = np.asarray(z, dtype=float)
    with np.errstate(under="ignore", over="ignore"):
        return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def logaddexp(a: float, b: float) -> float:
    """ln(e^a + e^b) for Python floats, -inf allowed (no NumPy call overhead: the hot loops' own)."""
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))
