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
M/√V over ln q (:mod:`~gradtui.engine.meanfield_tables`: quintic Hermite through exact first and
second derivatives, ~1e-13; below q = 1e-12 linear extrapolation in ln q, above q = 1e12 the exact
large-q asymptotics of :mod:`~gradtui.engine.asymptotics`) make one layer cost about a microsecond of
pure-Python arithmetic, so depth 10,000 recomputes in milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import Config
from .meanfield_tables import (  # noqa: F401 (_moments: tests)
    MeanFieldTables, _ln, _moments, tables, tables_made,
)
from .norms import NORMALISATIONS
from .quadrature import gaussian_expectation, gaussian_rule
from .result import Result
from .special import logaddexp as _logaddexp

LN10 = math.log(10.0)
NEG_INF = -math.inf


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


def tables_ready(config: Config) -> bool:
    """Whether the tables ``config``'s expected-mode answer reads are made already, so computing it
    takes about a millisecond (otherwise it first reads or builds them: see ``tables_made``)."""
    return tables_made(config.activation, seen_mean(config))


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
    f_v, f_var, f_ratio = (t.log_v.scalar_function(), t.log_var.scalar_function(),
                          t.mean_ratio.scalar_function())

    if not config.residual:
        lp = lp0  # ln E[h_0²]
        previous = math.nan
        biased = lsb2 != -math.inf  # else ln(σ_w²·p + 0) is the sum of the logs, as _logaddexp gives
        for i in range(depth):
            lq = _logaddexp(lsw2 + lp, lsb2) if biased else lsw2 + lp
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
    "gaussian_rule", "log10_grad_first_grid", "tables", "tables_ready", "trajectory",
]

