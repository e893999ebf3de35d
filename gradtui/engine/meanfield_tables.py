"""The mean-field tables the expected engine reads: ln E[f²], ln E[f'²], ln Var f and E[f]/√E[f²] of
z ~ N(μ, q) as functions of u = ln q, per activation and mean μ.

Nodes every 0.05 in u over q in [1e-12, 1e12] carry each value with its first and second derivative in
u (Stein's identities, from the same quadrature), and a quintic Hermite interpolant through them is
C² and accurate to ~1e-13 in between (the cubic through values and slopes alone was ~2e-9 off at
q ≈ 1). Below the grid the logs go on linearly in u; above it the exact large-q asymptotics of
:mod:`~gradtui.engine.asymptotics` take over. Relu, leaky relu and linear at μ = 0 are exactly
straight lines in u and keep the plain cubic and its lines throughout.

The node values at mean 0 ship with the package (``tables/NAME.npy``, written by
``scripts/build_tables.py``; a test fails while they differ from the quadrature), so the app's first
chart reads them instead of spending 50–240 ms building them; other means are built on first use.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from . import shipped
from .activations import ACTIVATIONS, Activation
from .asymptotics import Tail, large_q, tails
from .quadrature import gaussian_rule

NEG_INF = -math.inf

_U_MIN, _U_MAX, _H = math.log(1e-12), math.log(1e12), 0.05
#: ln q below this is treated as q → 0 (the table extrapolates linearly down to here)
_U_FLOOR = _U_MIN - 1000.0


@dataclass(frozen=True)
class HermiteTable:
    """y(u) on a uniform grid with exact slopes and curvatures: quintic Hermite inside (C², error
    ~h⁶), linear/constant outside — or, past the upper edge, the exact large-q asymptotics ``upper``
    when given.

    The quintic is evaluated as the cubic Hermite of (y, y') plus s²(1−s)²(a + b·s), the term that
    gives it the node curvatures ``d2y``; without them (``d2y`` None: the positively homogeneous
    activations at mean 0, whose logs are exactly straight in u) a = b = 0 and it is the cubic."""

    u0: float
    h: float
    y: np.ndarray
    dy: np.ndarray
    linear_tails: bool = True
    #: the exact value at q = 0 (u = -inf), where z is exactly 0
    y_zero: float = NEG_INF
    upper: Tail | None = None
    #: d²y/du² at the nodes (None: zero curvature, the plain cubic)
    d2y: np.ndarray | None = None

    def __post_init__(self) -> None:
        h = self.h
        if self.d2y is None:
            a = b = np.zeros(self.y.shape[0] - 1)
        else:  # the curvature the cubic misses at each end of every interval, in units of s
            dy, c, gap = self.dy * h, self.d2y * (h * h), np.diff(self.y)
            e0 = c[:-1] - (6.0 * gap - 4.0 * dy[:-1] - 2.0 * dy[1:])
            e1 = c[1:] - (-6.0 * gap + 2.0 * dy[:-1] + 4.0 * dy[1:])
            a, b = 0.5 * e0, 0.5 * (e1 - e0)
        object.__setattr__(self, "_a", a)
        object.__setattr__(self, "_b", b)
        object.__setattr__(self, "_ys", self.y.tolist())
        object.__setattr__(self, "_ds", (self.dy * h).tolist())
        object.__setattr__(self, "_ab", list(zip(a.tolist(), b.tolist())))
        object.__setattr__(self, "_beyond", None if self.upper is None else self.upper.scalar_function())
        object.__setattr__(self, "_scalar", self._make_scalar())

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    def __call__(self, u):
        """Vectorised evaluation; u = -inf (q = 0) gives ``y_zero``."""
        u_in = np.asarray(u, dtype=float)
        u = np.maximum(u_in, _U_FLOOR)
        t = (u - self.u0) / self.h
        i = np.clip(np.floor(t), 0, self.n - 2).astype(np.intp)
        s = np.clip(t - i, 0.0, 1.0)
        y0, y1 = self.y[i], self.y[i + 1]
        d0, d1 = self.dy[i] * self.h, self.dy[i + 1] * self.h
        s2, s3 = s * s, s * s * s
        inner = (2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * d0 + (3 * s2 - 2 * s3) * y1 + (s3 - s2) * d1
        w = s - s2
        inner = inner + w * w * (self._a[i] + self._b[i] * s)  # type: ignore[attr-defined]
        if self.linear_tails:
            lo = self.y[0] + self.dy[0] * (u - self.u0)
            u_end = self.u0 + (self.n - 1) * self.h
            hi = self.y[-1] + self.dy[-1] * (u - u_end)
            inner = np.where(t < 0, lo, np.where(t > self.n - 1, hi, inner))
        if self.upper is not None and np.any(beyond := t > self.n - 1):
            inner = np.array(np.broadcast_to(inner, np.shape(t)))
            inner[beyond] = self.upper(u[beyond])
        return np.where(np.isneginf(u_in), self.y_zero, inner)

    def scalar(self, u: float) -> float:
        """The same value for one Python float, without NumPy call overhead."""
        return self._scalar(u)  # type: ignore[attr-defined]

    def scalar_function(self):
        """The float → float function :meth:`scalar` calls: the hot path of the mean-field
        recursions (one call less, and the table's fields read once, as the closure's)."""
        return self._scalar  # type: ignore[attr-defined]

    def _make_scalar(self):
        y_zero, u0, h, linear = self.y_zero, self.u0, self.h, self.linear_tails
        ys, ds, ab, beyond = self._ys, self._ds, self._ab, self._beyond  # type: ignore[attr-defined]
        n1 = self.n - 1
        neg_inf, floor = NEG_INF, _U_FLOOR

        def scalar(u: float) -> float:
            if u == neg_inf:
                return y_zero
            if u < floor:
                u = floor
            t = (u - u0) / h
            if t < 0.0:
                return ys[0] + ds[0] * t if linear else ys[0]
            if t > n1:
                if beyond is not None:
                    return beyond(u)
                return ys[n1] + ds[n1] * (t - n1) if linear else ys[n1]
            i = int(t)
            if i == n1:
                i -= 1
            s = t - i
            s2 = s * s
            s3 = s2 * s
            a, b = ab[i]
            w = s - s2
            return (
                (2 * s3 - 3 * s2 + 1) * ys[i] + (s3 - 2 * s2 + s) * ds[i]
                + (3 * s2 - 2 * s3) * ys[i + 1] + (s3 - s2) * ds[i + 1]
            ) + w * w * (a + b * s)

        return scalar


@dataclass(frozen=True)
class MeanFieldTables:
    """ln V, ln D, ln Var f and M/√V of one activation as functions of u = ln q."""

    activation: str
    log_v: HermiteTable  # ln E[f(z)²]
    log_d: HermiteTable  # ln E[f'(z)²]
    log_var: HermiteTable  # ln Var f(z)
    mean_ratio: HermiteTable  # E[f(z)] / √E[f(z)²], bounded in [-1, 1]


def _moments(act: Activation, q: np.ndarray, mean: float = 0.0) -> dict[str, np.ndarray]:
    """Moments at each q and their first and second derivatives in u = ln q, by Stein: with
    x = (z − mean)/√q, d/du E[g] = E[g·(x² − 1)]/2 and d²/du² E[g] = E[g·(x⁴ − 4x² + 1)]/4."""
    z, w = gaussian_rule(q, act.kinks, mean)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        f = act.f(z)
        df = act.df(z)
    y = z - mean if mean != 0.0 else z
    x2 = y * y / q[:, None]
    w1 = w * (0.5 * (x2 - 1.0))
    w2 = w * (0.25 * ((x2 - 4.0) * x2 + 1.0))
    e = lambda g, wt=w: np.sum(wt * g, axis=1)  # noqa: E731
    f2, df2 = f * f, df * df
    m = e(f)
    v = e(f2)
    d = e(df2)
    dev2 = (f - m[:, None]) ** 2
    out = {"m": m, "v": v, "d": d, "var": e(dev2), "dm": e(f, w1), "dv": e(f2, w1), "dd": e(df2, w1),
           # d/du Var f = d/du (V − M²) = E[(f−M)²(x²−1)]/2, the same and cancelling less; likewise
           # d²/du² Var f = E[(f−M)²(x⁴−4x²+1)]/4 − 2M'² (E of either weight alone is 0)
           "dvar": e(dev2, w1), "d2m": e(f, w2), "d2v": e(f2, w2), "d2d": e(df2, w2)}
    out["d2var"] = e(dev2, w2) - 2.0 * out["dm"] ** 2
    return out


def _log_curvature(x: np.ndarray, dx: np.ndarray, d2x: np.ndarray) -> np.ndarray:
    """d²/du² ln x from x and its first two derivatives in u."""
    r = dx / x
    return d2x / x - r * r


#: E[f²] and E[f'²] below this are held at it (relu under a negative bias mean at tiny q: the
#: gradient there is zero for every practical purpose, and the log stays a number)
_TINY = 1e-300


#: the rows of :func:`node_values`: each table's values, slopes and curvatures at the nodes
TABLE_ROWS = ("log_v", "log_d", "log_var", "mean_ratio")
#: the grid a shipped table was built on, in its first row (a table of another grid is not used)
_GRID = (_U_MIN, _U_MAX, _H, 1.0)
#: the mean-0 tables of every activation are shipped (:mod:`~gradtui.engine.shipped`): building one
#: takes 50–240 ms of NumPy (1106 values of q × ~900 quadrature nodes), on the way to the app's first
#: chart; reading it takes well under a millisecond


def _nodes() -> np.ndarray:
    n = int(round((_U_MAX - _U_MIN) / _H)) + 1
    return _U_MIN + _H * np.arange(n)


def node_values(activation: str, mean: float = 0.0) -> np.ndarray:
    """By quadrature: ln V, ln D, ln Var f and M/√V of ``activation`` at every node in u, each
    with its first and second derivative in u, as 12 rows (the order of :data:`TABLE_ROWS`, each
    value, slope, curvature), under a first row naming the grid (:data:`_GRID`)."""
    act = ACTIVATIONS[activation]
    u = _nodes()
    mo = _moments(act, np.exp(u), mean)
    v, d, var, m = mo["v"], mo["d"], mo["var"], mo["m"]
    if mean != 0.0:
        small_v, small_d = v < _TINY, d < _TINY
        v, d = np.maximum(v, _TINY), np.maximum(d, _TINY)
        for key, small in (("dv", small_v), ("d2v", small_v), ("dd", small_d), ("d2d", small_d)):
            mo[key] = np.where(small, 0.0, mo[key])
    sqrt_v = np.sqrt(v)
    ratio = m / sqrt_v
    lv, ld = mo["dv"] / v, mo["dd"] / d  # d/du ln V, d/du ln D
    with np.errstate(divide="ignore", invalid="ignore"):
        dlog_var = np.where(var > 0, mo["dvar"] / var, 0.0)
        d2log_var = np.where(var > 0, _log_curvature(var, mo["dvar"], mo["d2var"]), 0.0)
        log_var = np.log(np.maximum(var, 1e-300))
    dratio = mo["dm"] / sqrt_v - 0.5 * ratio * lv
    # r = M·V^(-1/2): r'' = M''/√V − M'·V'/V^(3/2) − r·V''/(2V) + (3/4)·r·(V'/V)²
    d2ratio = (mo["d2m"] - mo["dm"] * lv) / sqrt_v - ratio * (0.5 * mo["d2v"] / v - 0.75 * lv * lv)
    grid = np.zeros_like(u)
    grid[: len(_GRID)] = _GRID
    return np.stack([
        grid,
        np.log(v), lv, _log_curvature(v, mo["dv"], mo["d2v"]),
        np.log(d), ld, _log_curvature(d, mo["dd"], mo["d2d"]),
        log_var, dlog_var, d2log_var,
        ratio, dratio, d2ratio,
    ])


def shipped_values(activation: str) -> np.ndarray | None:
    """The shipped mean-0 :func:`node_values` of ``activation`` (None if it is missing, unreadable
    or of another grid: the tables are then built)."""
    rows = shipped.read(activation, (1 + 3 * len(TABLE_ROWS), _nodes().shape[0]))
    if rows is None or tuple(rows[0, : len(_GRID)].tolist()) != _GRID:
        return None
    return rows


#: the tables made so far, by (activation, mean) (kept for the life of the process), and one lock
#: per key being made, so that two threads asking for the same new tables (the look-ahead's and a
#: key press's) build them once: the second waits for the first
_MADE: dict[tuple[str, float], MeanFieldTables] = {}
_MAKING: dict[tuple[str, float], threading.Lock] = {}
_MAKING_LOCK = threading.Lock()


def tables(activation: str, mean: float = 0.0) -> MeanFieldTables:
    """The tables the recursion reads, made once per activation and pre-activation mean: at mean 0
    read from the package (:func:`shipped_values`), at any other mean built from the quadrature."""
    key = (activation, float(mean))
    made = _MADE.get(key)
    if made is not None:
        return made
    with _MAKING_LOCK:
        lock = _MAKING.setdefault(key, threading.Lock())
    with lock:
        made = _MADE.get(key)
        if made is None:
            made = _MADE[key] = _make(activation, mean)
    return made


def _make(activation: str, mean: float) -> MeanFieldTables:
    """The tables of ``activation`` at ``mean``, made now (read or built; see :func:`tables`)."""
    rows = shipped_values(activation) if mean == 0.0 else None
    if rows is None:
        rows = node_values(activation, mean)
    return _assemble(activation, mean, rows)


def tables_made(activation: str, mean: float = 0.0) -> bool:
    """Whether :func:`tables` of ``activation`` at ``mean`` is made already, so asking for it costs
    nothing (otherwise: ~3 ms to read the shipped ones at mean 0, 50–240 ms to build them at any
    other mean)."""
    return (activation, float(mean)) in _MADE


def _assemble(activation: str, mean: float, rows: np.ndarray) -> MeanFieldTables:
    act = ACTIVATIONS[activation]
    (lv_y, lv_d, lv_c), (ld_y, ld_d, ld_c), (var_y, var_d, var_c), (r_y, r_d, r_c) = (
        rows[1 + 3 * k: 4 + 3 * k] for k in range(len(TABLE_ROWS)))
    # at q = 0 the pre-activation is exactly the mean: f(mean)², f'(mean)², no variance
    f0 = float(act.f(np.full(1, mean))[0])
    df0 = float(act.df(np.full(1, mean))[0])
    if large_q(activation, mean).homogeneous:
        # relu, leaky relu, linear at mean 0: every log is exactly straight in u (ln V = u + c, …) and
        # M/√V constant; the cubic through exact slopes is exact, so neither curvature nor an
        # asymptotic tail is added (both would only be rounding)
        curv: tuple[np.ndarray | None, ...] = (None,) * 4
        ups: tuple[Tail | None, ...] = (None,) * 4
    else:
        curv = (lv_c, ld_c, var_c, r_c)
        big_d, big_v, big_var, big_ratio = tails(activation, mean)  # q > 1e12: exact asymptotics
        ups = (big_v, big_d, big_var, big_ratio)
    return MeanFieldTables(
        activation,
        HermiteTable(_U_MIN, _H, lv_y, lv_d, y_zero=_ln(f0 * f0), upper=ups[0], d2y=curv[0]),
        HermiteTable(_U_MIN, _H, ld_y, ld_d, y_zero=_ln(df0 * df0), upper=ups[1], d2y=curv[1]),
        HermiteTable(_U_MIN, _H, var_y, var_d, y_zero=NEG_INF, upper=ups[2], d2y=curv[2]),
        HermiteTable(
            _U_MIN, _H, r_y, r_d, linear_tails=False,
            y_zero=math.copysign(1.0, f0) if f0 != 0 else 0.0, upper=ups[3], d2y=curv[3],
        ),
    )


def _ln(x: float) -> float:
    return math.log(x) if x > 0 else NEG_INF


__all__ = ["HermiteTable", "MeanFieldTables", "node_values", "shipped_values", "tables", "tables_made"]
