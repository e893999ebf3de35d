"""Exact large-q asymptotics of the mean-field moments, used beyond the tables' upper edge (q > 1e12).

Every registered activation is, on each side of 0, a line plus a part that decays faster than any
power of z: f(z) = k±·z + c± + g(z) and f'(z) = k± + g'(z) as z → ±∞ (k± are the slopes of
:class:`~gradtui.engine.activations.Activation`, c± the offsets: elu's −1 below, sigmoid's 1 above,
tanh's ±1). For z ~ N(μ, q), s = √q, t = μ/s, P± = Φ(±t), φ = φ(t), the line's part is exact:

    E[1±] = P±,   E[z·1±] = μP± ± sφ,   E[z²·1±] = (μ² + q)P± ± μsφ,

and the decaying remainder r (f'² − k±², f² − (k±z + c±)², f − k±z − c±) is, with e = 1/s,

    E[r] = φ·e·(R₀ + (μR₁ − R₂/2)·e²) + O(e⁵),   R_j = ∫ z^j r(z) dz (computed once, by quadrature),

from φ((z − μ)/s) = φ(t)·exp(zμ/q − z²/2q). So E[f'²] = k₊²P₊ + k₋²P₋ + φe(R₀ + …): for the
relu-like activations ½ + R₀/√(2πq) with R₀ < 0 (softplus: ∫(σ² − 1[z>0]) dz = −1), so it tends to
½ from below and never crosses it. At q = 1e12 the neglected terms are ~1e-18 relative: the
asymptotics meet the tables to their own accuracy (~1e-13) at the edge.

Everything is written in e = e^{−u/2} (u = ln q), so q = 1e400 is an ordinary argument: ln E[f²] is
u + ln(E[f²]/q) for the unbounded activations, and the bounded ones never form q at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import shipped
from .activations import ACTIVATIONS, Activation
from .quadrature import gauss_legendre
from .special import ndtr, npdf

_SQRT2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
#: the remainders are integrated over [-_REACH, _REACH]: past it they are below 1e-30 (|z|² e^{-|z|})
_REACH = 90.0
#: where the line's offset is read off: every registered remainder is exactly 0 in floats there
_FAR = 1e3
#: Gauss–Legendre points per 0.25-wide panel of the remainders
_GL_POINTS = 24


@dataclass(frozen=True)
class LargeQ:
    """The line k±z + c± on each side and the remainder moments (R₀, R₁, R₂) of f'², f², f."""

    k: tuple[float, float]  # (+ side, − side)
    c: tuple[float, float]
    rd: tuple[float, float, float]
    rv: tuple[float, float, float]
    rm: tuple[float, float, float]
    mean: float

    @property
    def unbounded(self) -> bool:
        return self.k != (0.0, 0.0)

    @property
    def homogeneous(self) -> bool:
        """f is exactly its lines (relu, leaky relu, linear) and the mean is 0: then E[f'²] and
        E[f²]/q are constants for every q, and nothing here improves on a straight line in ln q."""
        return self.mean == 0.0 and self.c == (0.0, 0.0) and not any(self.rd + self.rv + self.rm)


def _remainder_moments(g, kinks) -> tuple[float, float, float]:
    """∫ z^j g(z) dz for j = 0, 1, 2 by 24-point Gauss–Legendre on 0.25-wide panels (split at kinks)."""
    ends = np.unique(np.concatenate([np.arange(-_REACH, _REACH + 0.125, 0.25), np.asarray(kinks, float)]))
    a, b = ends[:-1, None], ends[1:, None]
    gl_x, gl_w = gauss_legendre(_GL_POINTS)
    z = 0.5 * (a + b) + 0.5 * (b - a) * gl_x
    w = 0.5 * (b - a) * gl_w
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        gz = w * g(z)
    return float(np.sum(gz)), float(np.sum(gz * z)), float(np.sum(gz * z * z))


@lru_cache(maxsize=None)
def large_q(activation: str, mean: float = 0.0) -> LargeQ:
    """The constants of the asymptotics for one activation and pre-activation mean: at mean 0 read
    from the package (:func:`shipped_large_q`; integrating them takes ~35 ms, on the way to the
    app's first chart), at any other mean integrated now."""
    if mean == 0.0:
        shipped_q = shipped_large_q(activation)
        if shipped_q is not None:
            return shipped_q
    return integrated_large_q(activation, mean)


#: how many numbers :func:`large_q_values` gives
LARGE_Q_VALUES = 13


def large_q_values(q: LargeQ) -> np.ndarray:
    """k±, c±, then the remainder moments of f'², f² and f: what ``scripts/build_tables.py`` ships."""
    return np.array([*q.k, *q.c, *q.rd, *q.rv, *q.rm], dtype=float)


def shipped_name(activation: str) -> str:
    return f"{activation}.large_q"


def shipped_large_q(activation: str) -> LargeQ | None:
    """The shipped mean-0 :class:`LargeQ` of ``activation``, None if its file is missing or foreign."""
    values = shipped.read(shipped_name(activation), (LARGE_Q_VALUES,))
    if values is None:
        return None
    v = [float(x) for x in values]
    return LargeQ((v[0], v[1]), (v[2], v[3]), (v[4], v[5], v[6]), (v[7], v[8], v[9]),
                  (v[10], v[11], v[12]), 0.0)


def integrated_large_q(activation: str, mean: float = 0.0) -> LargeQ:
    """:func:`large_q` by integrating the remainders now."""
    act: Activation = ACTIVATIONS[activation]
    k = (float(act.slopes[0]), float(act.slopes[1]))
    c = (float(act.f(np.array([_FAR]))[0]) - k[0] * _FAR, float(act.f(np.array([-_FAR]))[0]) + k[1] * _FAR)

    def side(z, pair):
        return np.where(z > 0, pair[0], pair[1])

    def line(z):
        return side(z, k) * z + side(z, c)

    def rd(z):
        return act.df(z) ** 2 - side(z, k) ** 2

    def rm(z):
        return act.f(z) - line(z)

    def rv(z):  # f² − line² as (f − line)(f + line): no cancellation of two large squares
        g = rm(z)
        return g * (2.0 * line(z) + g)

    kinks = act.kinks
    return LargeQ(k, c, _remainder_moments(rd, kinks), _remainder_moments(rv, kinks),
                  _remainder_moments(rm, kinks), float(mean))


def _series(r: tuple[float, float, float], mean: float, e2):
    return r[0] + (mean * r[1] - 0.5 * r[2]) * e2


def _parts(lq: LargeQ, e, t, p_hi, p_lo, phi):
    """(D, V/q or V, M/s or M): the unbounded activations' V and M scaled by q and s."""
    (kp, km), (cp, cm), mu = lq.k, lq.c, lq.mean
    e2 = e * e
    d = kp * kp * p_hi + km * km * p_lo + phi * e * _series(lq.rd, mu, e2)
    if lq.unbounded:
        z1p, z1m = t * p_hi + phi, t * p_lo - phi  # E[z·1±]/s
        z2p, z2m = (1.0 + t * t) * p_hi + t * phi, (1.0 + t * t) * p_lo - t * phi  # E[z²·1±]/q
        v = (kp * kp * z2p + km * km * z2m + 2.0 * e * (kp * cp * z1p + km * cm * z1m)
             + e2 * (cp * cp * p_hi + cm * cm * p_lo) + phi * e2 * e * _series(lq.rv, mu, e2))
        m = kp * z1p + km * z1m + e * (cp * p_hi + cm * p_lo) + phi * e2 * _series(lq.rm, mu, e2)
    else:
        v = cp * cp * p_hi + cm * cm * p_lo + phi * e * _series(lq.rv, mu, e2)
        m = cp * p_hi + cm * p_lo + phi * e * _series(lq.rm, mu, e2)
    return d, v, m


def moments_scalar(lq: LargeQ, u: float) -> tuple[float, float, float, float]:
    """(ln E[f'²], ln E[f²], ln Var f, E[f]/√E[f²]) at q = e^u, for one Python float u."""
    e = math.exp(-0.5 * u)
    t = lq.mean * e
    p_hi = 0.5 * math.erfc(-t / _SQRT2)
    p_lo = 0.5 * math.erfc(t / _SQRT2)
    phi = math.exp(-0.5 * t * t) / _SQRT_2PI
    d, v, m = _parts(lq, e, t, p_hi, p_lo, phi)
    if lq.unbounded:
        return _log(d), u + _log(v), u + _log(v - m * m), m / math.sqrt(v)
    # f'² decays on both sides: D = φ·e·R, kept in logs (e underflows past q = 1e600)
    ld = math.log(phi) - 0.5 * u + _log(_series(lq.rd, lq.mean, e * e))
    return ld, _log(v), _log(v - m * m), m / math.sqrt(v)


def moments(lq: LargeQ, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`moments_scalar` vectorised over an array of u."""
    u = np.asarray(u, dtype=float)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        e = np.exp(-0.5 * u)
        t = lq.mean * e
        p_hi, p_lo, phi = ndtr(t), ndtr(-t), npdf(t)
        d, v, m = _parts(lq, e, t, p_hi, p_lo, phi)
        if lq.unbounded:
            return np.log(d), u + np.log(v), u + np.log(v - m * m), m / np.sqrt(v)
        ld = np.log(phi) - 0.5 * u + np.log(_series(lq.rd, lq.mean, e * e))
        return ld, np.log(v), np.log(v - m * m), m / np.sqrt(v)


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def _mean_zero_polys(lq: LargeQ) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    """At mean 0 (t = 0, P± = ½, φ = φ(0)) :func:`_parts` is three polynomials in e: the
    coefficients of D (of D/(φe) for the bounded activations), V (V/q) and M (M/s), lowest first."""
    (kp, km), (cp, cm), h = lq.k, lq.c, 1.0 / _SQRT_2PI
    r0 = lambda r: h * r[0]  # noqa: E731
    r2 = lambda r: -0.5 * h * r[2]  # noqa: E731
    if lq.unbounded:
        d = (0.5 * (kp * kp + km * km), r0(lq.rd), 0.0, r2(lq.rd))
        v = (0.5 * (kp * kp + km * km), 2.0 * h * (kp * cp - km * cm), 0.5 * (cp * cp + cm * cm),
             r0(lq.rv), 0.0, r2(lq.rv))
        m = (h * (kp - km), 0.5 * (cp + cm), r0(lq.rm), 0.0, r2(lq.rm))
    else:
        d = (lq.rd[0], -0.5 * lq.rd[2])  # of D/(φe), in e²
        v = (0.5 * (cp * cp + cm * cm), r0(lq.rv), 0.0, r2(lq.rv))
        m = (0.5 * (cp + cm), r0(lq.rm), 0.0, r2(lq.rm))
    return d, v, m


_LN_PHI0 = -0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class Tail:
    """One of the four moments (0: ln E[f'²], 1: ln E[f²], 2: ln Var f, 3: E[f]/√E[f²]) beyond the
    table: what :class:`~gradtui.engine.meanfield_tables.HermiteTable` returns past its upper edge. At mean 0
    (the common case) :meth:`scalar` evaluates only the polynomials in e that moment needs."""

    lq: LargeQ
    index: int

    def __post_init__(self) -> None:
        fast = _mean_zero_moment(self.lq, self.index) if self.lq.mean == 0.0 else None
        object.__setattr__(self, "_fast", fast)

    def scalar(self, u: float) -> float:
        return self.scalar_function()(u)

    def scalar_function(self):
        """The float → float function :meth:`scalar` calls (one call less on the hot path)."""
        fast = self._fast  # type: ignore[attr-defined]
        if fast is not None:
            return fast
        lq, index = self.lq, self.index
        return lambda u: moments_scalar(lq, u)[index]

    def __call__(self, u: np.ndarray) -> np.ndarray:
        if self._fast is None:  # type: ignore[attr-defined]
            return moments(self.lq, u)[self.index]
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            return self._fast(np.asarray(u, dtype=float))  # type: ignore[attr-defined]


def _mean_zero_moment(lq: LargeQ, index: int):
    """u ↦ moment ``index`` at mean 0 from the polynomials of :func:`_mean_zero_polys`, for a float or
    an array of u. The residual recursion asks for ln Var, M/√V and ln V at the same u in turn: the
    last float's (V, M) is kept and shared by the four moments of ``lq``."""
    (cd, cv, cm), unbounded = _mean_zero_polys(lq), lq.unbounded
    last = _last_vm(lq)

    def horner(c, e):
        out = c[-1]
        for a in c[-2::-1]:
            out = out * e + a
        return out

    def moment(u):
        if isinstance(u, float):
            e, ln, sqrt = math.exp(-0.5 * u), _log, math.sqrt
        else:
            e, ln, sqrt = np.exp(-0.5 * u), np.log, np.sqrt
        if index == 0:
            return ln(horner(cd, e)) if unbounded else _LN_PHI0 - 0.5 * u + ln(horner(cd, e * e))
        lu, v, m = last[0]  # one read of one tuple: consistent even if another thread replaces it
        if ln is not _log or lu != u:
            v, m = horner(cv, e), horner(cm, e)
            if ln is _log:
                last[0] = (u, v, m)
        if index == 1:
            return u + ln(v) if unbounded else ln(v)
        if index == 2:
            return u + ln(v - m * m) if unbounded else ln(v - m * m)
        return m / sqrt(v)

    if unbounded and index == 1:  # ln V, the one the plain recursion asks for at every layer
        v0, v1, v2, v3, _, v5 = cv

        def log_v(u):
            if not isinstance(u, float):
                return moment(u)
            e = math.exp(-0.5 * u)
            return u + math.log(v0 + e * (v1 + e * (v2 + e * (v3 + e * e * v5))))

        return log_v
    return moment


@lru_cache(maxsize=None)
def _last_vm(lq: LargeQ) -> list[tuple[float, float, float]]:
    return [(math.nan, 0.0, 0.0)]


def tails(activation: str, mean: float = 0.0) -> tuple[Tail, Tail, Tail, Tail]:
    """The four :class:`Tail` of one activation and mean, in the order ln D, ln V, ln Var, M/√V."""
    lq = large_q(activation, mean)
    return Tail(lq, 0), Tail(lq, 1), Tail(lq, 2), Tail(lq, 3)


__all__ = ["LargeQ", "Tail", "integrated_large_q", "large_q", "large_q_values", "moments",
           "moments_scalar", "shipped_large_q", "tails"]
