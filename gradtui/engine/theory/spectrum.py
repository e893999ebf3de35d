"""The input–output Jacobian spectrum of the sampled network, composed of the engines' layer step.

**Jacobian spectrum** (Pennington et al. 2017, "Resurrecting the sigmoid … dynamical isometry"). The
singular values of ∂h_L/∂h_0 of one sampled network at one input. Deep products of random matrices
have singular values spread over hundreds of decades, far beyond what a formed product in float64
can resolve (it bottoms out at ~1e-16 of the largest), so the product is never formed. Instead a
QR ("Lyapunov") frame is carried through the layers, J = Q_L·R_L⋯R_1; the triangular product
P = R_L⋯R_1 is kept as diag(e^s)·T with per-row log scales (triangular factors only mix a row with
the smaller rows below it, so nothing is swamped), and P's singular values come from a one-sided
Jacobi SVD that also works on the log scales, which resolves ratios of any size. Rows that are exactly
zero (dead relu units) and layer norm's exact null direction are dropped from the frame, so those
singular values are exact zeros rather than rounding noise.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..config import Config
from ..result import _num, _pow10
from .fixed_point import LN10
from .svd import _log_sv

def spectrum_refusal(config: Config) -> str | None:
    """Why the per-sample Jacobian spectrum cannot describe ``config``'s network, or None."""
    from ..norms import NORMALISATIONS

    norm = NORMALISATIONS[config.norm]
    return getattr(norm, "SPECTRUM_REFUSAL", None) if norm.couples_batch else None


def spectrum_network_config(config: Config, max_width: int = 256) -> Config:
    """The network the spectrum is computed on: ``config`` in sampled mode at width ≤ ``max_width``
    and batch 1 (only input sample 0 is used; the first row of the inputs is the same for every
    batch size). Validated like any config, so it is refused with the user's own kind of error
    (one line), never a traceback — a wide expected-mode config has a small spectrum network."""
    return config.replace(mode="sampled", width=min(config.width, max_width), batch=1)


@dataclass(frozen=True, eq=False)
class Spectrum:
    """Singular values of the input→output Jacobian ∂h_L/∂h_0 of one sampled network at one input.

    ``log10_sv`` holds all ``width_used`` values, largest first; exact zeros are -inf. When the
    config's width exceeds ``max_width`` the network is a width-capped copy (same seed and every
    other setting), which ``capped`` and ``note`` say. ``overflow_layer`` is the first layer whose
    forward pass could not be represented (then ``log10_sv`` is empty).
    """

    config: Config
    log10_sv: np.ndarray
    width_used: int
    capped: bool
    overflow_layer: int | None = None
    seconds: float = 0.0
    weights: str = "sampled engine"
    note: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.overflow_layer is None and self.log10_sv.size > 0

    @property
    def zero_count(self) -> int:
        return int(np.count_nonzero(np.isneginf(self.log10_sv)))

    @property
    def log10_max(self) -> float:
        return float(self.log10_sv[0]) if self.ok else math.nan

    @property
    def log10_min(self) -> float:
        return float(self.log10_sv[-1]) if self.ok else math.nan

    @property
    def log10_median(self) -> float:
        if not self.ok:
            return math.nan
        v = np.sort(self.log10_sv)
        n = v.size
        if n % 2:
            return float(v[n // 2])
        a, b = float(v[n // 2 - 1]), float(v[n // 2])
        if a == -math.inf:
            return -math.inf if b == -math.inf else b + math.log10(0.5)
        return float(b + math.log10(0.5 * (1.0 + 10.0 ** (a - b))))  # log10 of the mean of the two

    @property
    def log10_condition(self) -> float:
        """log10(σ_max/σ_min); inf when a singular value is exactly zero."""
        if not self.ok:
            return math.nan
        return self.log10_max - self.log10_min


def spectrum_summary(spec: Spectrum) -> dict[str, Any]:
    """The ``"spectrum"`` object of ``--json --spectrum``.

    min/median/max singular value and the condition number max/min (null when not a float64, e.g.
    an exact zero makes the condition number infinite — ``log10_condition_number`` is then null
    too and ``zero_count`` says why), their log10 forms, ``width_used``/``capped``, ``isometry``
    (every singular value within 1e-6 of 1) and ``note``.
    """
    lmin, lmed, lmax, lcond = spec.log10_min, spec.log10_median, spec.log10_max, spec.log10_condition
    iso = bool(spec.ok and np.all(np.abs(spec.log10_sv) < 1e-6 / LN10))
    return {
        "width_used": spec.width_used,
        "capped": spec.capped,
        "count": int(spec.log10_sv.size),
        "zero_count": spec.zero_count,
        "min": _pow10(lmin),
        "median": _pow10(lmed),
        "max": _pow10(lmax),
        "condition_number": _pow10(lcond),
        "log10_min": _num(lmin) if not math.isnan(lmin) else None,
        "log10_median": _num(lmed) if not math.isnan(lmed) else None,
        "log10_max": _num(lmax) if not math.isnan(lmax) else None,
        "log10_condition_number": _num(lcond) if not math.isnan(lcond) else None,
        "isometry": iso,
        "overflow_layer": spec.overflow_layer,
        "weights": spec.weights,
        "note": spec.note,
    }


def _householder_basis(v: np.ndarray) -> np.ndarray:
    """An n×(n−1) orthonormal basis of v⊥ (Householder reflector's last n−1 columns)."""
    n = v.size
    v = v / np.linalg.norm(v)
    e = np.zeros(n)
    e[0] = 1.0
    sign = 1.0 if v[0] >= 0 else -1.0
    w = v + sign * e
    w /= np.linalg.norm(w)
    h = np.eye(n) - 2.0 * np.outer(w, w)
    return h[:, 1:]


def jacobian_spectrum(config: Config, max_width: int = 256, *,
                      stop: Callable[[], None] | None = None) -> Spectrum:
    """Singular values of ∂h_L/∂h_0 of the sampled network (seed, init, scale, skip, norm of ``config``).

    Layer Jacobians at input sample 0: plain J_l = diag(f'(ẑ_l))·N_l·W_l, residual I + α·(…), with
    N_l layer norm's Jacobian (identity without norm). They are never multiplied out (see the module
    doc): a QR frame is carried through the layers and the triangular factors are accumulated with
    per-row log scales, so a depth-2000 network's spectrum spanning thousands of decades is exact in
    log space. Cost per layer ~ a few N³ flops (N ≤ max_width).

    ``stop``, if given, is called before the draw and before every layer; it ends the computation
    by raising (the caller's own exception: a closed view's work ends within one layer).
    """
    refusal = spectrum_refusal(config)
    if refusal is not None:  # a wrong answer is worse than none
        raise ValueError(refusal)
    from .. import blas
    from ..layer import Layer
    from ..lognorm import log10_std
    from ..sampled import network

    start = time.perf_counter()
    capped = config.width > max_width
    cfg = spectrum_network_config(config, max_width)
    n = cfg.width
    step = Layer.of(cfg)
    norm = step.norm
    alpha = cfg.residual_scale
    # the bars' own network (the sampled engine's draws and cache); a capped copy is drawn layer by
    # layer without touching that cache
    if stop is not None:
        stop()
    with blas.single_thread():  # orthogonal draws are QRs: one thread is far faster on a busy box
        net = network(cfg, hold_weights=False if capped else None)
    note = f"width-capped copy: width {n} instead of {config.width}" if capped else ""

    def done(log10_sv, overflow_layer=None):
        return Spectrum(cfg, log10_sv, n, capped, overflow_layer=overflow_layer,
                        seconds=time.perf_counter() - start, weights="sampled engine", note=note)

    h = np.array(net.x[:1], dtype=float)  # input sample 0, a batch of one; h_l = h·2^k
    k = 0
    frame = np.eye(n)  # N × m, orthonormal columns spanning the image so far
    s = np.zeros(n)  # P = diag(e^s)·T: per-row ln scales of the accumulated triangular factor
    t_mat = np.eye(n)  # m × N, unit rows
    with blas.single_thread(), np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        for layer in range(cfg.depth):
            if stop is not None:
                stop()
            base = net.base_weight(layer)
            bias = net.bias[layer] if net.bias is not None else None
            z = step.pre_activation(h, base, net.scale, bias, k)
            h, d, stats = step.forward(h, z, d_out=None if step.linear else np.empty_like(z))
            d = np.ones(n) if d is None else d[0]
            _, log2_rms, finite = log10_std(h)
            if not (finite and np.all(np.isfinite(d))):
                return done(np.empty(0), overflow_layer=layer + 1)
            e = step.rescale_exponent(log2_rms)  # exact: f(2^k z) = 2^k f(z), f' unchanged
            if e:
                np.ldexp(h, -e, out=h)
                k += e
            if frame.shape[1] == 0:
                continue
            wq = base @ frame  # N × m
            if net.scale != 1.0:
                wq *= net.scale
            branch = step.tangent(wq, d, z[0], stats)
            if cfg.residual:
                a_mat, basis = frame + alpha * branch, None
            else:
                # the image lies on the live units (f' ≠ 0), and with every unit live also
                # ⊥ diag(f')⁻¹·v when the normalisation's tangents are ⊥ v: drop those exact zeros
                live = np.flatnonzero(d != 0.0)
                normal = norm.image_normal(z[0])
                if normal is not None and live.size == n:
                    basis = _householder_basis(normal / d)
                else:
                    basis = np.zeros((n, live.size))
                    basis[live, np.arange(live.size)] = 1.0
                a_mat = basis.T @ branch
            if a_mat.shape[0] == 0:
                frame, t_mat, s = np.zeros((n, 0)), np.zeros((0, n)), np.zeros(0)
                continue
            # rows sorted by size first: Householder QR is then accurate row by row, so a unit with
            # a tiny f' (a near-null direction of this layer) keeps its relative precision
            order = np.argsort(-np.einsum("ij,ij->i", a_mat, a_mat), kind="stable")
            q, r = np.linalg.qr(a_mat[order])
            q_rows = np.empty_like(q)
            q_rows[order] = q
            frame = q_rows if basis is None else basis @ q_rows
            # P ← R·P, row by row in log scale: no row is swamped by a larger one or overflows
            lr = np.where(r != 0.0, np.log(np.abs(r)) + s[None, :], -np.inf)
            m = lr.max(axis=1)
            m = np.where(np.isfinite(m), m, 0.0)
            t_new = (np.sign(r) * np.exp(lr - m[:, None])) @ t_mat
            nr = np.sqrt(np.einsum("ij,ij->i", t_new, t_new))
            live_rows = nr > 0
            s = np.where(live_rows, m + np.log(np.where(live_rows, nr, 1.0)), -np.inf)
            t_mat = t_new / np.where(live_rows, nr, 1.0)[:, None]
        log_sv = _log_sv(s, t_mat)
    zeros = np.full(n - log_sv.size, -np.inf)
    return done(np.concatenate([np.sort(log_sv)[::-1] / LN10, zeros]))
