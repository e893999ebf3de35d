"""Singular values in log space of P = diag(e^s)·T: a checked LAPACK path and a log-scaled Jacobi SVD.

Ratios of any size are resolved: the one-sided Jacobi rotates rows kept as e^s·(unit row), so a
product whose singular values span thousands of decades loses nothing to float64's range.
"""

from __future__ import annotations

import math

import numpy as np

#: singular values within e^this of each other are found by LAPACK's SVD (checked), else by Jacobi
_FAST_SPAN = 600.0



def _round_robin(k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rounds of disjoint pairs covering every pair of 0..k-1 once (circle method); -1 = bye."""
    players = list(range(k)) + ([-1] if k % 2 else [])
    m = len(players)
    rounds = []
    for _ in range(m - 1):
        p = np.array(players[: m // 2])
        q = np.array(players[m // 2:][::-1])
        keep = (p >= 0) & (q >= 0)
        rounds.append((p[keep], q[keep]))
        players = [players[0], players[-1], *players[1:-1]]
    return rounds


def _ln_abs_sinh(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    big = ax > 20.0
    small = np.log(np.abs(np.sinh(np.where(big, 0.0, x))))
    return np.where(big, ax - math.log(2.0), small)


def _ln_inv_t(ln_zeta: np.ndarray) -> np.ndarray:
    """asinh(|ζ|) = −ln|t| from ln|ζ|, without overflow."""
    big = ln_zeta > 20.0
    small = np.arcsinh(np.exp(np.where(big, 0.0, ln_zeta)))
    return np.where(big, ln_zeta + math.log(2.0), small)


def _log_sv(s: np.ndarray, t_rows: np.ndarray) -> np.ndarray:
    """Natural-log singular values of P = diag(e^s)·T (T's rows of unit norm; s may be -inf).

    Preconditioned as in Drmač–Veselić: with the rows sorted by s (largest first), Tᵀ = Q·R̂ by an
    ordinary QR, so Pᵀ = Q·R̂·diag(e^s) and P's singular values are those of R = R̂·diag(e^s). R's
    rows, each kept as e^{s_i}·(R̂_ij·e^{s_j − s_i}) (bounded entries: s_j ≤ s_i for j ≥ i), are
    then orthogonalised by the log-scaled Jacobi below; a graded R's rows are nearly orthogonal
    already, so that takes few sweeps.
    """
    alive = np.isfinite(s)
    s, t_rows = s[alive], t_rows[alive]
    if s.size == 0:
        return np.empty(0)
    order = np.argsort(-s, kind="stable")
    s, t_rows = s[order], t_rows[order]
    r = np.linalg.qr(t_rows.T, mode="r")  # k × k (T has k ≤ N rows)
    k = s.size
    rel = np.exp(np.minimum(s[None, :] - s[:, None], 0.0))  # e^{s_j − s_i}, ≤ 1 for j ≥ i
    rows = np.triu(r[:k, :k]) * rel
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    ok = norms > 0
    scale = np.where(ok, s + np.log(np.where(ok, norms, 1.0)), -np.inf)
    rows = rows / np.where(ok, norms, 1.0)[:, None]
    # fast path: when R fits float64 (sizes within e^600), LAPACK's SVD of this graded triangle is
    # accurate in practice; it is taken when it passes a check the small values would fail if it
    # were not: Σ ln σ_i = ln|det R| = Σ ln|R̂_ii| + Σ s_i (else: the Jacobi below, which always is)
    if np.all(ok) and scale.max() - scale.min() < _FAST_SPAN:
        sv = np.linalg.svd(rows * np.exp(scale - scale.max())[:, None], compute_uv=False)
        if sv[-1] > 0:
            ln_sv = np.log(sv) + scale.max()
            ln_det = float(np.sum(np.log(np.abs(np.diagonal(r)[:k]))) + np.sum(s))
            if sv[-1] >= 1e-6 * sv[0] or abs(float(np.sum(ln_sv)) - ln_det) <= 1e-9 * k:
                return ln_sv
    return _jacobi_log_sv(scale, rows)


def _jacobi_log_sv(s: np.ndarray, y: np.ndarray, max_sweeps: int = 60) -> np.ndarray:
    """Natural-log singular values of the matrix whose rows are e^{s_k}·y[k] (y with unit rows).

    One-sided (Hestenes) Jacobi with the round-robin ordering, vectorised over each round's disjoint
    row pairs, done on the log scales: two rows e^{s_p}·y_p, e^{s_q}·y_q are rotated with
    tan θ = sign(ζ)/(|ζ| + √(1+ζ²)), ζ = (√(AB)/G)·sinh(d + ½ ln(B/A)) (A, B, G the dot products of
    y_p, y_q; d = s_q − s_p), and the updates y_p' = cos θ·y_p − (sin θ·e^{d})·y_q,
    y_q' = (sin θ·e^{−d})·y_p + cos θ·y_q only ever need O(1) numbers, whatever the size of d.
    Accurate to a few ulps per singular value when the unit rows are well conditioned, whatever the
    spread of the scales. Rows with s = -inf are exact zeros.
    """
    k = y.shape[0]
    if k == 0:
        return np.empty(0)
    y = np.ascontiguousarray(y, dtype=float).copy()
    s = s.astype(float).copy()
    rows = np.flatnonzero(np.isfinite(s))
    if rows.size > 1:
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            _jacobi_sweeps(s, y, rows, max_sweeps)
    return s


def _jacobi_sweeps(s: np.ndarray, y: np.ndarray, rows: np.ndarray, max_sweeps: int) -> None:
    """The sweeps of :func:`_jacobi_log_sv`, in place on ``s`` and ``y``."""
    tol = max(y.shape[1], 2) * np.finfo(float).eps
    rounds = [(rows[p], rows[q]) for p, q in _round_robin(rows.size)]
    for _ in range(max_sweeps):
        rotated = False
        for p, q in rounds:
            yp, yq = y[p], y[q]
            g = np.einsum("ij,ij->i", yp, yq)
            a = np.einsum("ij,ij->i", yp, yp)
            b = np.einsum("ij,ij->i", yq, yq)
            act = np.abs(g) > tol * np.sqrt(a * b)
            if not act.any():
                continue
            rotated = True
            if not act.all():
                p, q, a, b, g, yp, yq = p[act], q[act], a[act], b[act], g[act], yp[act], yq[act]
            d = s[q] - s[p]
            xx = d + 0.5 * np.log(b / a)
            kappa = np.sqrt(a * b) / np.abs(g)  # ≥ 1
            sign = np.sign(g) * np.where(xx >= 0, 1.0, -1.0)  # sign of ζ (ζ = 0 → t = +1)
            ln_t = -_ln_inv_t(np.log(kappa) + _ln_abs_sinh(xx))
            c = 1.0 / np.sqrt(1.0 + np.exp(2.0 * ln_t))
            s_ed = (c * sign * np.exp(ln_t + d))[:, None]  # sin θ · e^{d}
            s_emd = (c * sign * np.exp(ln_t - d))[:, None]  # sin θ · e^{-d}
            c = c[:, None]
            new_p = c * yp - s_ed * yq
            new_q = s_emd * yp + c * yq
            np_ = np.sqrt(np.einsum("ij,ij->i", new_p, new_p))
            nq = np.sqrt(np.einsum("ij,ij->i", new_q, new_q))
            okp, okq = np_ > 0, nq > 0
            y[p] = new_p / np.where(okp, np_, 1.0)[:, None]
            y[q] = new_q / np.where(okq, nq, 1.0)[:, None]
            s[p] = np.where(okp, s[p] + np.log(np.where(okp, np_, 1.0)), -np.inf)
            s[q] = np.where(okq, s[q] + np.log(np.where(okq, nq, 1.0)), -np.inf)
        if not rotated:
            break
