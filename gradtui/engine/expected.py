"""The ``expected`` engine: the mean-field (infinite-width) gradient chain (DESIGN §3).

Forward, layer by layer (h_0 ~ N(input_mean, input_std²), so p_0 = input_mean² + input_std²):

    q_l   = σ_w²·p_{l-1} + σ_b²                       pre-activation variance (p = E[h²])
    q̂_l   = q_l, or q_l/(q_l + ε) under layer norm     variance of what f sees
    plain:    p_l = V(q̂_l)                             V(q) = E[f(z)²], z ~ N(μ, q)

The zero-mean weights give every unit's z the mean μ = bias_mean (0 under layer norm, which
subtracts it); the tables below are built per (activation, μ).
    residual: var_l = var_{l-1} + α²·Var f(q̂_l),  m_l = m_{l-1} + α·M(q̂_l),  p_l = var_l + m_l²

Backward, per layer: χ_l = σ_w²·D(q̂_l)·n_l with D(q) = E[f'(z)²] and n_l = 1/(q_l + ε) under layer
norm (else 1); factor_l = √χ_l (plain) or √(1 + α²χ_l) (residual).

Everything is carried in natural logs, so a gradient of 1e-400 or a variance of 1e+400 is an ordinary
number. The Gaussian expectations come from a composite Gauss–Legendre rule split at 0 (relu's kink)
with panels on both the Gaussian's scale and the activation's, accurate to ~1e-13 relative for q in
[1e-8, 1e4]. Because the recursion is sequential, per-activation tables of ln V, ln D, ln Var f and
M/√V over ln q (cubic Hermite with exact derivatives; below q = 1e-12 linear extrapolation in ln q,
above q = 1e12 the exact large-q asymptotics of :mod:`~gradtui.engine.asymptotics`) make one layer cost about a
microsecond of pure-Python arithmetic, so depth 10,000 recomputes in milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .activations import ACTIVATIONS, Activation
from .asymptotics import Tail, tails
from .config import Config
from .norms import NORMALISATIONS
from .quadrature import gaussian_expectation, gaussian_rule
from .result import Result
from .special import logaddexp as _logaddexp

LN10 = math.log(10.0)
NEG_INF = -math.inf

# ---------------------------------------------------------------------------------------------
# Per-activation tables over u = ln q
# ---------------------------------------------------------------------------------------------
_U_MIN, _U_MAX, _H = math.log(1e-12), math.log(1e12), 0.05
#: ln q below this is treated as q → 0 (the table extrapolates linearly down to here)
_U_FLOOR = _U_MIN - 1000.0


@dataclass(frozen=True)
class HermiteTable:
    """y(u) on a uniform grid with exact slopes; cubic Hermite inside, linear/constant outside —
    or, past the upper edge, the exact large-q asymptotics ``upper`` when given."""

    u0: float
    h: float
    y: np.ndarray
    dy: np.ndarray
    linear_tails: bool = True
    #: the exact value at q = 0 (u = -inf), where z is exactly 0
    y_zero: float = NEG_INF
    upper: Tail | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ys", self.y.tolist())
        object.__setattr__(self, "_ds", (self.dy * self.h).tolist())

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
        """The same value for one Python float, without NumPy call overhead (the hot path)."""
        if u == NEG_INF:
            return self.y_zero
        if u < _U_FLOOR:
            u = _U_FLOOR
        t = (u - self.u0) / self.h
        n1 = self.n - 1
        ys, ds = self._ys, self._ds  # type: ignore[attr-defined]
        if t < 0.0:
            return ys[0] + ds[0] * t if self.linear_tails else ys[0]
        if t > n1:
            if self.upper is not None:
                return self.upper.scalar(u)
            return ys[n1] + ds[n1] * (t - n1) if self.linear_tails else ys[n1]
        i = int(t)
        if i == n1:
            i -= 1
        s = t - i
        s2 = s * s
        s3 = s2 * s
        return (
            (2 * s3 - 3 * s2 + 1) * ys[i] + (s3 - 2 * s2 + s) * ds[i]
            + (3 * s2 - 2 * s3) * ys[i + 1] + (s3 - s2) * ds[i + 1]
        )


@dataclass(frozen=True)
class MeanFieldTables:
    """ln V, ln D, ln Var f and M/√V of one activation as functions of u = ln q."""

    activation: str
    log_v: HermiteTable  # ln E[f(z)²]
    log_d: HermiteTable  # ln E[f'(z)²]
    log_var: HermiteTable  # ln Var f(z)
    mean_ratio: HermiteTable  # E[f(z)] / √E[f(z)²], bounded in [-1, 1]


def _moments(act: Activation, q: np.ndarray, mean: float = 0.0) -> dict[str, np.ndarray]:
    """Moments at each q and their derivatives d/du (u = ln q), by Stein: d/du E[g] = E[g·(x²-1)]/2
    with x = (z − mean)/√q."""
    z, w = gaussian_rule(q, act.kinks, mean)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        f = act.f(z)
        df = act.df(z)
    y = z - mean if mean != 0.0 else z
    x2m1 = y * y / q[:, None] - 1.0
    e = lambda g: np.sum(w * g, axis=1)  # noqa: E731
    m = e(f)
    v = e(f * f)
    d = e(df * df)
    var = e((f - m[:, None]) ** 2)
    dm = 0.5 * e(f * x2m1)
    dv = 0.5 * e(f * f * x2m1)
    dd = 0.5 * e(df * df * x2m1)
    # d/du Var f = d/du (V - M²); written as E[(f-M)²(x²-1)]/2, which is the same and cancels less
    dvar = 0.5 * e((f - m[:, None]) ** 2 * x2m1)
    return {"m": m, "v": v, "d": d, "var": var, "dm": dm, "dv": dv, "dd": dd, "dvar": dvar}


#: E[f²] and E[f'²] below this are held at it (relu under a negative bias mean at tiny q: the
#: gradient there is zero for every practical purpose, and the log stays a number)
_TINY = 1e-300


@lru_cache(maxsize=None)
def tables(activation: str, mean: float = 0.0) -> MeanFieldTables:
    """Build (once per activation and pre-activation mean, ~1e3 values of q) the tables the
    recursion reads."""
    act = ACTIVATIONS[activation]
    n = int(round((_U_MAX - _U_MIN) / _H)) + 1
    u = _U_MIN + _H * np.arange(n)
    mo = _moments(act, np.exp(u), mean)
    v, d, var, m = mo["v"], mo["d"], mo["var"], mo["m"]
    if mean != 0.0:
        small_v, small_d = v < _TINY, d < _TINY
        v, d = np.maximum(v, _TINY), np.maximum(d, _TINY)
        mo["dv"] = np.where(small_v, 0.0, mo["dv"])
        mo["dd"] = np.where(small_d, 0.0, mo["dd"])
    sqrt_v = np.sqrt(v)
    ratio = m / sqrt_v
    with np.errstate(divide="ignore", invalid="ignore"):
        dlog_var = np.where(var > 0, mo["dvar"] / var, 0.0)
        log_var = np.log(np.maximum(var, 1e-300))
    # at q = 0 the pre-activation is exactly the mean: f(mean)², f'(mean)², no variance
    f0 = float(act.f(np.full(1, mean))[0])
    df0 = float(act.df(np.full(1, mean))[0])
    big_d, big_v, big_var, big_ratio = tails(activation, mean)  # q > 1e12: exact asymptotics
    return MeanFieldTables(
        activation,
        HermiteTable(_U_MIN, _H, np.log(v), mo["dv"] / v, y_zero=_ln(f0 * f0), upper=big_v),
        HermiteTable(_U_MIN, _H, np.log(d), mo["dd"] / d, y_zero=_ln(df0 * df0), upper=big_d),
        HermiteTable(_U_MIN, _H, log_var, dlog_var, y_zero=NEG_INF, upper=big_var),
        HermiteTable(
            _U_MIN, _H, ratio, mo["dm"] / sqrt_v - 0.5 * ratio * mo["dv"] / v,
            linear_tails=False, y_zero=math.copysign(1.0, f0) if f0 != 0 else 0.0, upper=big_ratio,
        ),
    )


# ---------------------------------------------------------------------------------------------
# The recursion
# ---------------------------------------------------------------------------------------------
def _signed_add(la: float, sa: float, lb: float, sb: float) -> tuple[float, float]:
    """(ln|x|, sign x) of x = sa·e^la + sb·e^lb."""
    if lb == NEG_INF or sb == 0.0:
        return la, sa
    if la == NEG_INF or sa == 0.0:
        return lb, sb
    if sa == sb:
        return _logaddexp(la, lb), sa
    if la == lb:
        return NEG_INF, 0.0
    if la > lb:
        return la + math.log1p(-math.exp(lb - la)), sa
    return lb + math.log1p(-math.exp(la - lb)), sb


def _ln(x: float) -> float:
    return math.log(x) if x > 0 else NEG_INF


def _signed_add_vec(la, sa, lb, sb):
    """Vectorised :func:`_signed_add` (same conventions)."""
    big = np.where(la >= lb, la, lb)
    small = np.where(la >= lb, lb, la)
    s_big = np.where(la >= lb, sa, sb)
    s_small = np.where(la >= lb, sb, sa)
    same = (s_big == s_small) | (s_small == 0)
    d = np.exp(small - np.where(np.isfinite(big), big, 0.0))
    d = np.where(np.isfinite(big), d, 0.0)
    mag = big + np.where(same, np.log1p(d), np.log1p(-np.minimum(d, 1.0)))
    sign = np.where(np.isneginf(mag), 0.0, np.where(s_big == 0, s_small, s_big))
    return mag, sign


@dataclass(frozen=True)
class Trajectory:
    """ln q_l per layer, and for residual nets ln Var h_l and ln|E h_l|, sign (index 0 = layer 1)."""

    log_q: np.ndarray
    log_var_h: np.ndarray | None
    log_mean_h: np.ndarray | None
    sign_mean_h: np.ndarray | None


def seen_mean(config: Config) -> float:
    """The mean of the pre-activations f sees: every unit's z has mean bias_mean (the weights have
    mean zero), and layer norm subtracts it."""
    return config.bias_mean if NORMALISATIONS[config.norm].identity else 0.0


def input_log_moments(config: Config) -> tuple[float, float, float, float]:
    """ln E[h_0²], ln Var h_0, ln|E h_0| and its sign, for inputs ~ N(input_mean, input_std²)."""
    m, s = config.input_mean, config.input_std
    return _ln(m * m + s * s), 2.0 * _ln(s), _ln(abs(m)), (math.copysign(1.0, m) if m else 0.0)


def trajectory(config: Config) -> Trajectory:
    """Run the forward mean-field recursion for one config (pure-Python hot loop)."""
    t = tables(config.activation, seen_mean(config))
    lsw2 = _ln(config.sigma_w2)
    lsb2 = _ln(config.sigma_b2)
    lp0, lvar0, lm0, sm0 = input_log_moments(config)
    nm = NORMALISATIONS[config.norm]
    norm, seen = not nm.identity, nm.log_seen_scalar
    depth = config.depth
    log_q = [0.0] * depth
    f_v, f_var, f_ratio = t.log_v.scalar, t.log_var.scalar, t.mean_ratio.scalar

    if not config.residual:
        lp = lp0  # ln E[h_0²]
        previous = math.nan
        for i in range(depth):
            lq = _logaddexp(lsw2 + lp, lsb2)
            if lq == previous:  # q_{l+1} is a function of q_l alone: from here on it stays put
                log_q[i:] = [lq] * (depth - i)
                break
            log_q[i] = previous = lq
            lqa = seen(lq) if norm else lq
            lp = f_v(lqa)
        return Trajectory(np.array(log_q), None, None, None)

    l_alpha2 = 2.0 * math.log(config.residual_scale)
    l_alpha = 0.5 * l_alpha2
    lvar, lm, sm, lp = lvar0, lm0, sm0, lp0
    log_var = [0.0] * depth
    log_m = [0.0] * depth
    sign_m = [0.0] * depth
    for i in range(depth):
        lq = _logaddexp(lsw2 + lp, lsb2)
        log_q[i] = lq
        lqa = seen(lq) if norm else lq
        lvar = _logaddexp(lvar, l_alpha2 + f_var(lqa))
        r = f_ratio(lqa)
        if r != 0.0:
            lm, sm = _signed_add(lm, sm, l_alpha + _ln(abs(r)) + 0.5 * f_v(lqa), math.copysign(1.0, r))
        lp = _logaddexp(lvar, 2.0 * lm) if sm != 0.0 else lvar
        log_var[i], log_m[i], sign_m[i] = lvar, lm, sm
    return Trajectory(np.array(log_q), np.array(log_var), np.array(log_m), np.array(sign_m))


def compute_expected(config: Config) -> Result:
    """The mean-field result for ``config`` (width enters only through σ_w² of the `normal` init)."""
    if NORMALISATIONS[config.norm].couples_batch:  # its mean field depends on B, not on q alone
        from .batchnorm import compute_batchnorm

        return compute_batchnorm(config)
    t = tables(config.activation, seen_mean(config))
    traj = trajectory(config)
    lq = traj.log_q
    lsw2 = _ln(config.sigma_w2)
    nm = NORMALISATIONS[config.norm]
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        lqa = nm.log_seen(lq)
        log_d = t.log_d(lqa)
        log_norm2 = nm.log_gain2(lq)
        log_chi = lsw2 + log_d + log_norm2  # ln χ_l (lsw2 = -inf for zero init: χ = 0)
        if config.residual:
            l_alpha2 = 2.0 * math.log(config.residual_scale)
            log_factor = 0.5 * np.logaddexp(0.0, l_alpha2 + log_chi)
            log_std = 0.5 * traj.log_var_h
        else:
            log_factor = 0.5 * log_chi
            log_std = 0.5 * t.log_var(lqa)
        depth = config.depth
        weight_gain = np.full(depth, math.sqrt(config.sigma_w2))
        result = Result(
            config=config,
            log10_factor=log_factor / LN10,
            weight_gain=weight_gain,
            deriv_gain=np.exp(0.5 * log_d),
            log10_act_std=log_std / LN10,
            norm_gain=np.exp(0.5 * log_norm2),
            overflow=np.zeros(depth, dtype=bool),
            q=np.exp(lq),
            extras={"engine": "expected"},
        )
    return result


# ---------------------------------------------------------------------------------------------
# Vectorised over many (σ_w², σ_b²) at once: phase maps and sweeps
# ---------------------------------------------------------------------------------------------
def log10_grad_first_grid(
    activation: str,
    depth: int,
    sigma_w2: np.ndarray,
    sigma_b2: np.ndarray,
    *,
    residual: bool = False,
    residual_scale: float = 1.0,
    norm: str = "none",
) -> np.ndarray:
    """log10 grad_1 of the mean-field chain for every pair (σ_w², σ_b²) (broadcast together)."""
    t = tables(activation)
    sw2, sb2 = np.broadcast_arrays(np.asarray(sigma_w2, float), np.asarray(sigma_b2, float))
    shape = sw2.shape
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        lsw2 = np.log(sw2.ravel())
        lsb2 = np.log(sb2.ravel())
        nm = NORMALISATIONS[norm]
        l_alpha2 = 2.0 * math.log(residual_scale)
        lp = np.zeros_like(lsw2)
        lvar = np.zeros_like(lsw2)
        lm = np.full_like(lsw2, NEG_INF)  # ln|E h| and its sign (residual)
        sm = np.zeros_like(lsw2)
        total = np.zeros_like(lsw2)
        for layer in range(1, depth + 1):
            lq = np.logaddexp(lsw2 + lp, lsb2)
            lqa = nm.log_seen(lq)
            log_chi = lsw2 + t.log_d(lqa) + nm.log_gain2(lq)
            lf = 0.5 * (np.logaddexp(0.0, l_alpha2 + log_chi) if residual else log_chi)
            if layer >= 2:  # grad_1 is the product of factors 2..L
                total = total + lf
            if residual:
                lvar = np.logaddexp(lvar, l_alpha2 + t.log_var(lqa))
                r = t.mean_ratio(lqa)
                lm, sm = _signed_add_vec(lm, sm, 0.5 * l_alpha2 + np.log(np.abs(r)) + 0.5 * t.log_v(lqa), np.sign(r))
                lp = np.where(sm != 0, np.logaddexp(lvar, 2.0 * lm), lvar)
            else:
                lp = t.log_v(lqa)
        out = total / LN10
    return out.reshape(shape)


__all__ = [
    "MeanFieldTables", "Trajectory", "compute_expected", "gaussian_expectation",
    "gaussian_rule", "log10_grad_first_grid", "tables", "trajectory",
]

