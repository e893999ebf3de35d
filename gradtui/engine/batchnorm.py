"""The expected engine under batch norm: infinite width, finite batch B (Yang et al., ICLR 2019).

docs/batchnorm.md derives every formula used here; in short:

* Forward. Batch norm centres and scales each unit's B pre-activations, so the normalised batch
  vector y lies on the sphere of radius √B in the (B−1)-dimensional subspace orthogonal to the
  all-ones vector 1. With i.i.d. inputs and zero-mean weights every layer's batch covariance is
  permutation-invariant, so y is *uniform* on that sphere at every layer whatever σ_w, σ_b and f:
  σ_w and σ_b drop out (the bias is removed exactly by the centring).
* Backward. Through y = BN(z) the gradient is multiplied by (1/σ_B)·P_y, P_y = I − 11ᵀ/B − yyᵀ/B.
  σ_B² = σ_w²·a·χ²_{B−1}/B, with a the batch variance of the layer's input, and χ² independent of the
  direction y; E[1/χ²_{B−1}] = 1/(B−3), and σ_w² cancels the σ_w² from Wᵀ. The batch covariance Π of
  the gradient (B×B, averaged over units) then maps as

      Π ↦ c·E_y[P_y D Π D P_y],   D = diag f'(y),   c = B/(a·(B−3)),

  and for a permutation-invariant Π the image is a multiple of G = I − 11ᵀ/B, fixed by its trace.
  Writing Π = p·G + u·11ᵀ/B, the trace is (B−1)·p + u, and the recursion is two numbers per layer.
* Readout. gradtui's batch-norm readout draws one r per sample (Π_L = I; see the sampled engine for
  why one shared r cannot be used), so u = 1 and p = 1 at the output.

λ(B), the growth of the squared gradient norm per plain layer (layers 2..L−1), is exactly (B−2)/(B−3)
for a linear net, :func:`relu_lambda` in closed form for ReLU (→ π/(π−1) ≈ 1.467 as B → ∞), and for
any f a two-dimensional integral over two coordinates of y (:func:`sphere_moments`). Needs B ≥ 4:
at B = 3 the expected squared gradient is infinite, which Config refuses; at B = 2, y = ±(1, −1)
whatever the input and the gradient below a batch-normalised layer is exactly zero. ε is neglected
beside the O(1) batch variances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .activations import ACTIVATIONS
from .config import Config
from .result import Result

LN10 = math.log(10.0)
#: quadrature sizes: radial Gauss–Jacobi nodes, Gauss–Legendre nodes per angular arc
RADIAL_NODES, ANGULAR_NODES = 48, 48


def jacobi_rule(n: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes s in [0, 1] and weights (summing to 1) for the weight (1 − s)^alpha, alpha > −1.

    Golub–Welsch: the eigenvalues of the Jacobi matrix of the Jacobi polynomials P^(alpha, 0) on
    x = 2s − 1 are the nodes; the squared first components of its eigenvectors are the weights.
    """
    a = alpha
    k = np.arange(1, n, dtype=float)
    diag = np.empty(n)
    diag[0] = -a / (a + 2.0)
    diag[1:] = -(a * a) / ((2.0 * k + a) * (2.0 * k + a + 2.0))
    off = 2.0 * k * (k + a) / ((2.0 * k + a) * np.sqrt((2.0 * k + a + 1.0) * (2.0 * k + a - 1.0)))
    x, vec = np.linalg.eigh(np.diag(diag) + np.diag(off, 1) + np.diag(off, -1))
    w = vec[0] ** 2
    return (1.0 + x) / 2.0, w / w.sum()


@lru_cache(maxsize=64)
def pair_rule(batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes (y1, y2) and weights for two coordinates of y, uniform on the sphere of radius √B in 1⊥.

    In the orthonormal basis e± = (e1 ± e2)/√2 projected onto 1⊥, (y1, y2) = √B·(cp·p1 ± cm·p2)
    where p is the projection of a uniform point of S^{B−2} onto a plane, whose density on the unit
    disk is ∝ (1 − |p|²)^{(B−5)/2}: Gauss–Jacobi in s = |p|², Gauss–Legendre in the angle, with the
    angular arcs split where y1 = 0 or y2 = 0 so relu-type kinks fall on arc ends.
    """
    b = batch
    cp, cm = math.sqrt(2.0 * (b - 2) / b) / 2.0, math.sqrt(2.0) / 2.0
    if b == 3:  # the sphere is a circle lying in the plane itself
        s, ws = np.array([1.0]), np.array([1.0])
    else:
        s, ws = jacobi_rule(RADIAL_NODES, (b - 5) / 2.0)
    t1, t2 = math.atan2(-cp, cm), math.atan2(cp, cm)
    cuts = np.sort(np.mod([t1, t2, t1 + math.pi, t2 + math.pi], 2.0 * math.pi))
    cuts = np.append(cuts, cuts[0] + 2.0 * math.pi)
    lo, hi = cuts[:-1, None], cuts[1:, None]
    gx, gw = np.polynomial.legendre.leggauss(ANGULAR_NODES)
    theta = ((lo + hi) / 2 + (hi - lo) / 2 * gx).ravel()
    tw = ((hi - lo) / 2 * gw).ravel() / (2.0 * math.pi)
    r = np.sqrt(s)[:, None]
    p1, p2 = r * np.cos(theta)[None, :], r * np.sin(theta)[None, :]
    y1 = math.sqrt(b) * (cp * p1 + cm * p2)
    y2 = math.sqrt(b) * (cp * p1 - cm * p2)
    return y1.ravel(), y2.ravel(), (ws[:, None] * tw[None, :]).ravel()


@dataclass(frozen=True)
class SphereMoments:
    """Moments of f and f' at two coordinates (y1, y2) of the uniform normalised batch vector."""

    d2: float      # E[f'(y1)²]
    y2d2: float    # E[y1² f'(y1)²]
    dd: float      # E[f'(y1) f'(y2)]
    ydyd: float    # E[y1 f'(y1) y2 f'(y2)]
    f1: float      # E[f(y1)]
    f2: float      # E[f(y1)²]
    ff: float      # E[f(y1) f(y2)]

    @property
    def batch_var(self) -> float:
        """a_f = E[f(y1)²] − E[f(y1)f(y2)]: the batch variance of f(y), what the next layer divides by."""
        return self.f2 - self.ff


@lru_cache(maxsize=256)
def sphere_moments(activation: str, batch: int) -> SphereMoments:
    """The moments by the quadrature of :func:`pair_rule` (cached per activation and batch)."""
    act = ACTIVATIONS[activation]
    y1, y2, w = pair_rule(batch)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        d1, d2 = act.df(y1), act.df(y2)
        f1, f2 = act.f(y1), act.f(y2)

    def e(v):
        return float(np.dot(w, v))

    return SphereMoments(
        d2=e(d1 * d1), y2d2=e(y1 * y1 * d1 * d1), dd=e(d1 * d2), ydyd=e(y1 * d1 * y2 * d2),
        f1=e(f1), f2=e(f1 * f1), ff=e(f1 * f2),
    )


def projected_traces(m: SphereMoments, batch: int) -> tuple[float, float]:
    """(E tr P_y D G D P_y, E tr P_y D 11ᵀ D P_y): the traces of the map's images of G and of 11ᵀ."""
    b = batch
    t_i = (b - 1) * m.d2 - m.y2d2
    t_j = b * m.d2 - (m.d2 + (b - 1) * m.dd) - (m.y2d2 + (b - 1) * m.ydyd)
    return t_i - t_j / b, t_j


def bn_lambda(activation: str, batch: int) -> float:
    """λ(B): the growth of the squared gradient norm per plain batch-normalised layer (B ≥ 2)."""
    if batch == 2:
        return 0.0
    if batch == 3:
        return math.inf
    m = sphere_moments(activation, batch)
    t_g, _ = projected_traces(m, batch)
    return batch * t_g / (m.batch_var * (batch - 3) * (batch - 1))


def linear_lambda(batch: int) -> float:
    """λ(B) of a linear batch-normalised net: (B−2)/(B−3)."""
    return (batch - 2) / (batch - 3)


def relu_lambda(batch: int) -> float:
    """λ(B) of ReLU in closed form (Yang et al.'s Theorem 8, in this module's terms).

    Two coordinates of y have correlation ρ = −1/(B−1). Degree-0 homogeneous moments of the uniform
    sphere equal those of the Gaussian N(0, G) (the orthant probability 1/4 + asin(ρ)/2π); degree-2
    ones are B/(B−1) times the Gaussian's (the arc-cosine kernel at ρ).
    """
    b = batch
    rho = -1.0 / (b - 1)
    kernel = (math.sqrt(1.0 - rho * rho) + (math.pi - math.acos(rho)) * rho) / (2.0 * math.pi)
    orthant = 0.25 + math.asin(rho) / (2.0 * math.pi)
    trace = (b - 2) / 2.0 - 0.5 + (0.5 + (b - 1) * orthant) / b + (0.5 + (b - 1) * kernel) / b
    return b * trace / ((0.5 - kernel) * (b - 3) * (b - 1))


def _input_moments(config: Config) -> tuple[float, float]:
    """(mean, variance) of the network's input entries (DESIGN §1; N(0, 1) unless the config says)."""
    return float(config.input_mean), float(config.input_std) ** 2


def compute_batchnorm(config: Config) -> Result:
    """The expected-mode result of a batch-normalised config (norm = batch, batch ≥ 2, ≠ 3)."""
    b, depth = config.batch, config.depth
    residual, alpha2 = config.residual, config.residual_scale**2
    m = sphere_moments(config.activation, b)
    t_g, t_j = projected_traces(m, b)
    a_f = m.batch_var
    mean0, var0 = _input_moments(config)
    zero = config.sigma_w2 == 0.0 or b == 2
    # the batch variance a of each layer's input: fixed (a_f) in a plain net, growing with the skip
    if residual:
        a_in = var0 + alpha2 * a_f * np.arange(depth)
    else:
        a_in = np.full(depth, a_f)
        a_in[0] = var0
    # backward, output to input: Π = p·G + u·11ᵀ/B, tr Π = (B−1)p + u, renormalised every layer
    log_factor = np.empty(depth)
    log_branch = np.empty(depth)  # ln of the branch's squared ratio χ_l (the plain layer's factor²)
    p, u = 1.0, 1.0
    if not residual and not zero:
        # below the output layer Π ∝ G: every layer multiplies tr Π by c·t_G/(B−1), λ where a = a_f
        chi = b / (a_in * (b - 3)) * t_g / (b - 1)
        chi[-1] = b / (a_in[-1] * (b - 3)) * (t_g + t_j / b) / b  # Π_L = I: tr Π_L = B
        log_branch[:] = np.log(chi)
        log_factor[:] = 0.5 * log_branch
    for i in range(depth - 1 if residual or zero else -1, -1, -1):
        before = (b - 1) * p + u
        k = 0.0 if zero else b / (a_in[i] * (b - 3)) * (p * t_g + u * t_j / b) / (b - 1)
        log_branch[i] = math.log((b - 1) * k / before) if k > 0 else -math.inf
        if residual:
            p += alpha2 * k
        else:
            p, u = k, 0.0
        after = (b - 1) * p + u
        if after <= 0:
            log_factor[: i + 1] = -math.inf
            log_branch[:i] = -math.inf
            break
        log_factor[i] = 0.5 * math.log(after / before)
        p, u = p / after, u / after
    deriv_gain = math.sqrt(m.d2)
    sigma_w = math.sqrt(config.sigma_w2)
    var_f = m.f2 - m.f1 * m.f1  # Var h over units and batch of a plain layer
    layers = np.arange(1, depth + 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # the branch's factor √χ = w · (÷σ_B and the projection) · f': the norm's own gain is the rest
        norm_gain = (np.exp(0.5 * log_branch) / (sigma_w * deriv_gain) if sigma_w > 0
                     else np.full(depth, math.nan))
        act_var = var0 + alpha2 * var_f * layers if residual else np.full(depth, var_f)
        log10_act_std = 0.5 * np.log10(act_var)
    lam = bn_lambda(config.activation, b)
    return Result(
        config=config,
        log10_factor=log_factor / LN10,
        weight_gain=np.full(depth, sigma_w),
        deriv_gain=np.full(depth, deriv_gain),
        log10_act_std=log10_act_std,
        norm_gain=norm_gain,
        overflow=np.zeros(depth, dtype=bool),
        q=np.ones(depth),  # what f sees: exactly unit variance over the batch
        extras={"engine": "expected", "batchnorm_lambda": lam},
    )


__all__ = [
    "SphereMoments", "bn_lambda", "compute_batchnorm", "jacobi_rule", "linear_lambda",
    "pair_rule", "projected_traces", "relu_lambda", "sphere_moments",
]
