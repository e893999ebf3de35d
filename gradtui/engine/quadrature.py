"""Gaussian expectations E[g(z)], z ~ N(mean, q), by a composite Gauss–Legendre rule.

Panels sit on the Gaussian's own scale (both sides, out to 13.5 standard deviations) and at the
activations' points — 0, each kink, and where they bend or saturate — so piecewise-smooth integrands
such as relu's and saturating ones such as tanh's at large q are integrated to ~1e-13 relative
(tested against mpmath for q in [1e-4, 2e4] and means out to ±127.5). The mean-field tables of
:mod:`~gradtui.engine.expected` are built from it.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Callable, Sequence

import numpy as np


@cache
def gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-point Gauss–Legendre nodes and weights on [-1, 1], made at first use (numpy.polynomial
    costs ~10 ms to import, and the first chart needs no rule: its tables are shipped)."""
    x, w = np.polynomial.legendre.leggauss(n)
    x.flags.writeable = w.flags.writeable = False
    return x, w


#: the rule's points per panel
_GL_POINTS = 20
#: panel ends in units of the Gaussian's standard deviation (the integrand's mass)
_STD_BREAKS = np.array([0.0, 0.125, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.5, 9.0, 11.0, 13.5])
#: panel ends in z (where activations bend or saturate), kept only inside 13.5 std
_Z_BREAKS = np.array([0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0])


def gaussian_rule(q: np.ndarray, kinks: Sequence[float] = (), mean: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Nodes z and weights w with Σ w·g(z) ≈ E[g(z)], z ~ N(mean, q), for every q > 0 in ``q``.

    Returns arrays of shape (len(q), K). Panels split at 0 (and at ±each kink), so piecewise-smooth
    integrands such as relu's are integrated to full accuracy.
    """
    q = np.atleast_1d(np.asarray(q, dtype=float))
    if mean != 0.0:
        return _shifted_rule(q, kinks, float(mean))
    s = np.sqrt(q)[:, None]
    extra = np.array(sorted({abs(float(k)) for k in kinks if k != 0.0}), dtype=float)
    zb = np.concatenate([_Z_BREAKS, extra])
    ends = np.concatenate([_STD_BREAKS[None, :] * s, np.minimum(zb[None, :], _STD_BREAKS[-1] * s)], axis=1)
    ends.sort(axis=1)
    a, b = ends[:, :-1], ends[:, 1:]
    half = 0.5 * (b - a)
    gl_x, gl_w = gauss_legendre(_GL_POINTS)
    z = (0.5 * (b + a))[..., None] + half[..., None] * gl_x
    with np.errstate(under="ignore"):
        dens = np.exp(-0.5 * z * z / q[:, None, None]) / np.sqrt(2.0 * math.pi * q)[:, None, None]
    w = half[..., None] * gl_w * dens
    n = q.shape[0]
    z = z.reshape(n, -1)
    w = w.reshape(n, -1)
    return np.concatenate([z, -z], axis=1), np.concatenate([w, w], axis=1)


def _shifted_rule(q: np.ndarray, kinks: Sequence[float], mean: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gaussian_rule` for z ~ N(mean, q): the same panels in y = z − mean (the Gaussian's
    scale, both sides) and at the activation's own points 0, ±kinks, ±breaks moved by −mean."""
    s = np.sqrt(q)[:, None]
    at = {0.0, *(float(k) for k in kinks), *(float(c) for c in _Z_BREAKS), *(-float(c) for c in _Z_BREAKS)}
    at |= {-float(k) for k in kinks}
    reach = _STD_BREAKS[-1] * s
    std_ends = np.concatenate([-_STD_BREAKS[:0:-1], _STD_BREAKS])[None, :] * s
    act_ends = np.clip(np.array(sorted(at))[None, :] - mean, -reach, reach)
    ends = np.sort(np.concatenate([std_ends, act_ends], axis=1), axis=1)
    a, b = ends[:, :-1], ends[:, 1:]
    half = 0.5 * (b - a)
    gl_x, gl_w = gauss_legendre(_GL_POINTS)
    y = (0.5 * (b + a))[..., None] + half[..., None] * gl_x
    with np.errstate(under="ignore"):
        dens = np.exp(-0.5 * y * y / q[:, None, None]) / np.sqrt(2.0 * math.pi * q)[:, None, None]
    n = q.shape[0]
    return (mean + y).reshape(n, -1), (half[..., None] * gl_w * dens).reshape(n, -1)


def gaussian_expectation(g: Callable[[np.ndarray], np.ndarray], q, kinks: Sequence[float] = (0.0,),
                         mean: float = 0.0):
    """E[g(z)] for z ~ N(mean, q) (q > 0; scalar or array), by the composite rule above."""
    qa = np.atleast_1d(np.asarray(q, dtype=float))
    z, w = gaussian_rule(qa, kinks, mean)
    with np.errstate(over="ignore", under="ignore"):
        out = np.sum(w * g(z), axis=1)
    return float(out[0]) if np.ndim(q) == 0 else out


__all__ = ["gaussian_expectation", "gaussian_rule"]
