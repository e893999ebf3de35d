"""Norms and standard deviations in log10 that never under- or overflow (the sampled engine's numerics).

Sums of squares are taken directly when they are safely inside float64, else after an exact scaling
by a power of two, so an array whose entries are near 1e±308 still has an exact log-norm.
"""

from __future__ import annotations

import math

import numpy as np

LOG10_2 = math.log10(2.0)
#: sums of squares in this range are safe to take the square root of directly
_SS_LO, _SS_HI = 1e-280, 1e280


def lognorm(x: np.ndarray) -> tuple[float, int, float]:
    """(log10 ‖x‖_F, e, log10 ‖x·2^-e‖_F) with ‖x·2^-e‖ in [0.5, 1).

    (-inf, 0, -inf) for a zero x, nan for a non-finite one. The third value is the log of the
    exactly scaled norm, so equal norms give equal logs whatever their exponents."""
    ss = float(np.vdot(x, x))
    if _SS_LO < ss < _SS_HI:
        n = math.sqrt(ss)
        e = math.frexp(n)[1]
        return math.log10(n), e, math.log10(math.ldexp(n, -e))
    m = float(np.max(np.abs(x))) if x.size else 0.0
    if m == 0.0:
        return -math.inf, 0, -math.inf
    if not math.isfinite(m):
        return math.nan, 0, math.nan
    k = math.frexp(m)[1]
    y = np.ldexp(x, -k)
    n = math.sqrt(float(np.vdot(y, y)))
    mant, e = math.frexp(n)
    return math.log10(n) + k * LOG10_2, k + e, math.log10(mant)


def log10_outer_norm(g: np.ndarray, h: np.ndarray, work: tuple | None = None) -> float:
    """log10 ‖gᵀh‖_F for g, h of shape (B, N), in O(B²N) when B ≤ N (‖gᵀh‖² = Σ (ggᵀ)⊙(hhᵀ)).

    ``work``: two scratch arrays of at least B² elements each for the B×B products (allocated
    when None)."""
    b, n = g.shape
    if b <= n:
        if work is None:
            p, q = h @ h.T, g @ g.T
        else:
            p = np.matmul(h, h.T, out=work[0].reshape(-1)[: b * b].reshape(b, b))
            q = np.matmul(g, g.T, out=work[1].reshape(-1)[: b * b].reshape(b, b))
        p *= q
        ss = float(p.sum())
        # accept when finite, away from under/overflow, and not a cancellation of big terms
        if _SS_LO < ss < _SS_HI and ss >= 1e-6 * float(np.abs(p, out=p).sum()):
            return 0.5 * math.log10(ss)
    mg, mh = float(np.max(np.abs(g))), float(np.max(np.abs(h)))
    if mg == 0.0 or mh == 0.0:
        return -math.inf
    if not (math.isfinite(mg) and math.isfinite(mh)):
        return math.nan
    kg, kh = math.frexp(mg)[1], math.frexp(mh)[1]
    m = np.ldexp(g, -kg).T @ np.ldexp(h, -kh)
    return lognorm(m)[0] + (kg + kh) * LOG10_2


def log10_std(h: np.ndarray, work: np.ndarray | None = None) -> tuple[float, float, bool]:
    """(log10 std, ≈log2 RMS, finite) over all entries of h; exact also for entries near 1e±308.

    ``work``: optional scratch of h's shape."""
    m = float(np.add.reduce(h, axis=None)) / h.size
    if not math.isfinite(m):  # a non-finite entry, or finite entries whose sum overflows
        a = float(np.max(np.abs(h)))
        if not math.isfinite(a):
            return math.nan, math.nan, False
        k = math.frexp(a)[1]
        lstd, log2_rms, _ = log10_std(np.ldexp(h, -k))
        return lstd + k * LOG10_2, log2_rms + k, True
    ms = float(np.vdot(h, h)) / h.size  # one pass: var = E[h²] − m², where that cannot cancel
    var = ms - m * m
    if not (_SS_LO < ms < _SS_HI and var >= 1e-3 * ms):  # else two passes (the exact deviations)
        dev = np.subtract(h, m, out=work)
        var = float(np.vdot(dev, dev)) / h.size
    else:
        dev = None
    if _SS_LO < var < _SS_HI:
        lstd = 0.5 * math.log10(var)
    elif var == 0.0:
        lstd = -math.inf
    else:  # squares under- or overflow: scale the deviations by a power of two first
        dev = np.subtract(h, m, out=work) if dev is None else dev
        k = math.frexp(float(np.max(np.abs(dev))))[1]
        y = np.ldexp(dev, -k)
        lstd = 0.5 * math.log10(float(np.vdot(y, y)) / h.size) + k * LOG10_2
    log2_rms = max(lstd / LOG10_2, math.log2(abs(m)) if m else -math.inf)
    return lstd, log2_rms, True

