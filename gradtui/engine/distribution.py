"""The distribution of one layer's pre-activations: what f is applied to, and where f' vanishes.

    dist = layer_distribution(config, layer)   # layer is 1-based
    hist = histogram(dist, bins, lo, hi)       # shares of units per bin, split by class

What is measured is ẑ_l, the pre-activation f sees (after layer/RMS/batch norm, see
:mod:`~gradtui.engine.layer`), by the config's mode:

- ``sampled``: the real values of the sampled engine's network (same inputs, weights, biases and
  seed, :func:`~gradtui.engine.weights.network`), run forward to layer l with the one layer step
  :class:`~gradtui.engine.layer.Layer`; the dead and saturated shares are counted exactly as the
  sampled engine counts its inspector fractions (f' = 0 is dead; f' below
  :data:`~gradtui.engine.sampled.SATURATION` × the largest f' is saturated, dead included).
- ``expected``: the mean-field Gaussian N(μ, q̂_l) of the expected engine (q̂ = q, or what the
  norm makes of it; μ = the bias mean, 0 under a norm); the shares are its mass where f' is dead
  or saturated.
- ``chain``: the one neuron's z_l, a single value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .activations import ACTIVATIONS
from .config import Config
from .kernels import max_derivative
from .special import ndtr

#: classes of a unit, in the order :class:`Histogram` stacks them
CLASSES = ("dead", "saturated", "active")
#: saturation boundaries are looked for in [-SEARCH, SEARCH]
SEARCH = 40.0


def saturation_threshold(activation: str) -> float:
    """f' below this counts as saturated: the sampled engine's own definition."""
    from .sampled import SATURATION

    return SATURATION * max_derivative(activation)


def classify(d: np.ndarray, threshold: float) -> np.ndarray:
    """0 dead (f' = 0), 1 saturated (0 ≠ f' < threshold), 2 active, for derivatives ``d``."""
    out = np.full(d.shape, 2, dtype=np.int8)
    out[d < threshold] = 1
    out[d == 0.0] = 0
    return out


@dataclass(frozen=True, eq=False)
class LayerDistribution:
    """What one layer's f is applied to, and the share of units where f' is dead or saturated."""

    config: Config
    #: 1-based layer
    layer: int
    #: the config's mode: "sampled" (values), "expected" (mean, var) or "chain" (value)
    kind: str
    #: the f' below which a unit is saturated
    threshold: float
    dead_frac: float
    #: saturated share, dead units included (as the sampled engine's inspector counts it)
    saturated_frac: float
    #: E[f'(ẑ)²] over the units (sampled, chain) or the Gaussian (expected)
    mean_sq_deriv: float
    #: sampled: ẑ_l of every (sample, unit), flat; None when the forward pass overflowed before
    values: np.ndarray | None = None
    #: expected: the Gaussian's mean and variance (what f sees); q: the engine's q_l before the norm
    mean: float = 0.0
    var: float = 0.0
    q: float | None = None
    #: chain: the one z_l
    value: float | None = None
    #: the forward pass is not finite at or below this layer (sampled)
    overflow: bool = False

    @property
    def activation(self):
        return ACTIVATIONS[self.config.activation]

    def deriv(self, z) -> np.ndarray:
        """f'(z) of this layer's activation."""
        with np.errstate(all="ignore"):
            return np.asarray(self.activation.df(np.asarray(z, dtype=float)), dtype=float)

    def data_range(self) -> tuple[float, float]:
        """Where the units are: min/max (sampled), μ ± 4σ (expected), the value (chain)."""
        if self.kind == "sampled":
            v = self.values
            if v is None or v.size == 0:
                return (-1.0, 1.0)
            return float(np.min(v)), float(np.max(v))
        if self.kind == "expected":
            s = math.sqrt(self.var)
            return self.mean - 4.0 * s, self.mean + 4.0 * s
        return float(self.value), float(self.value)


def boundaries(activation: str, threshold: float) -> list[float]:
    """The z in [-SEARCH, SEARCH] where f' crosses the saturation threshold or becomes exactly 0
    (the edges of the dead and saturated regions), refined by bisection."""
    act = ACTIVATIONS[activation]
    grid = np.linspace(-SEARCH, SEARCH, 8001)
    with np.errstate(all="ignore"):
        cls = classify(act.df(grid), threshold)
    out = [float(k) for k in act.kinks
           if np.ptp(classify(act.df(np.array([k - 1e-9, k + 1e-9])), threshold)) > 0]
    for i in np.flatnonzero(cls[1:] != cls[:-1]):
        a, b = float(grid[i]), float(grid[i + 1])
        if any(a <= k <= b for k in out):
            continue
        ca = cls[i]
        for _ in range(60):
            m = 0.5 * (a + b)
            with np.errstate(all="ignore"):
                cm = classify(act.df(np.array([m])), threshold)[0]
            a, b = (m, b) if cm == ca else (a, m)
        out.append(0.5 * (a + b))
    return sorted(out)


# -- the three modes ---------------------------------------------------------------------------
def _sampled(config: Config, layer: int, stop: Callable[[], bool] | None) -> LayerDistribution | None:
    from .layer import Layer
    from .lognorm import log10_std
    from .weights import network

    c = config
    net = network(c)
    step = Layer.of(c)
    thr = saturation_threshold(c.activation)
    B, N = c.batch, c.width
    h = np.array(net.x, dtype=float)
    k = 0
    w1, w2 = np.empty((B, N)), np.empty((B, N))
    d = None if step.linear else np.empty((B, N))
    stats = None if step.norm.identity else np.empty(step.norm.stats_shape(B, N))
    with np.errstate(all="ignore"):
        for l in range(layer):
            if stop is not None and stop():
                return None
            bias = net.bias[l] if net.bias is not None else None
            z = step.pre_activation(h, net.base_weight(l), net.scale, bias, k)
            hn, dl, _ = step.forward(h, z, None, d, stats, (w1, w2))
            _, log2_rms, finite = log10_std(hn)
            if not (finite and np.isfinite(z).all()):
                return LayerDistribution(c, layer, "sampled", thr, math.nan, math.nan, math.nan,
                                         overflow=True)
            if l == layer - 1:
                break
            e = step.rescale_exponent(log2_rms)
            if e:
                np.ldexp(hn, -e, out=hn)
                k += e
            h = hn
        zt = np.ldexp(z, k).reshape(-1) if k else z.reshape(-1).copy()
        if dl is None:  # linear: f' = 1 everywhere
            return LayerDistribution(c, layer, "sampled", thr, 0.0, 0.0, 1.0, values=zt)
        dd = dl.reshape(-1)
        n = dd.size
        sat = np.count_nonzero(dd < thr)
        dead = np.count_nonzero(dd == 0.0) if sat else 0
        msd = float(np.vdot(dd, dd)) / n
    return LayerDistribution(c, layer, "sampled", thr, dead / n, sat / n, msd, values=zt)


def _expected_gaussian(config: Config, layer: int) -> tuple[float, float, float]:
    """(μ, q̂_l, q_l): the mean and variance of what f sees at ``layer``, and the engine's q_l."""
    from .expected import compute_expected, seen_mean
    from .norms import NORMALISATIONS

    result = compute_expected(config)
    q = float(result.q[layer - 1])
    nm = NORMALISATIONS[config.norm]
    if nm.couples_batch:  # batch norm's engine reports what f sees: unit variance, mean 0
        return 0.0, q, q
    if nm.identity:
        return seen_mean(config), q, q
    with np.errstate(all="ignore"):
        seen = float(np.exp(nm.log_seen(np.array([math.log(q)]))[0])) if q > 0 else 0.0
    return seen_mean(config), seen, q


def gaussian_cells(dist: LayerDistribution, cells: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """Cell edges over μ ± 10σ (with every region boundary inside as an edge) and each cell's mass."""
    s = math.sqrt(dist.var)
    lo, hi = dist.mean - 10.0 * s, dist.mean + 10.0 * s
    edges = np.linspace(lo, hi, cells + 1)
    inner = [b for b in boundaries(dist.config.activation, dist.threshold) if lo < b < hi]
    edges = np.unique(np.concatenate([edges, inner]))
    cdf = ndtr((edges - dist.mean) / s)
    return edges, np.diff(cdf)


def _expected(config: Config, layer: int) -> LayerDistribution:
    mu, var, q = _expected_gaussian(config, layer)
    thr = saturation_threshold(config.activation)
    dist = LayerDistribution(config, layer, "expected", thr, 0.0, 0.0, 0.0, mean=mu, var=var, q=q)
    if not (math.isfinite(var) and var > 0.0):  # a point mass at μ (or no number at all)
        d = dist.deriv([mu])
        cls = classify(d, thr)[0]
        return LayerDistribution(config, layer, "expected", thr, float(cls == 0), float(cls <= 1),
                                 float(d[0] ** 2), mean=mu, var=var, q=q)
    edges, mass = gaussian_cells(dist)
    mid = 0.5 * (edges[1:] + edges[:-1])
    d = dist.deriv(mid)
    cls = classify(d, thr)
    total = float(mass.sum())
    return LayerDistribution(
        config, layer, "expected", thr,
        float(mass[cls == 0].sum()) / total, float(mass[cls <= 1].sum()) / total,
        float(np.dot(mass, d * d)) / total, mean=mu, var=var, q=q,
    )


def _chain(config: Config, layer: int) -> LayerDistribution:
    from .chain import chain_trajectory

    z = float(chain_trajectory(config)[0][layer - 1])
    thr = saturation_threshold(config.activation)
    dist = LayerDistribution(config, layer, "chain", thr, 0.0, 0.0, 0.0, value=z)
    d = dist.deriv([z])
    cls = classify(d, thr)[0]
    return LayerDistribution(config, layer, "chain", thr, float(cls == 0), float(cls <= 1),
                             float(d[0] ** 2), value=z)


def layer_distribution(config: Config, layer: int,
                       stop: Callable[[], bool] | None = None) -> LayerDistribution | None:
    """Layer ``layer`` (1-based) of ``config`` in its mode; None only when ``stop()`` said so."""
    if not 1 <= layer <= config.depth:
        raise ValueError(f"layer: {layer} is not in 1..{config.depth}")
    if config.mode == "chain":
        return _chain(config, layer)
    if config.mode == "expected":
        return _expected(config, layer)
    from .blas import single_thread

    with single_thread():
        return _sampled(config, layer, stop)


# -- histogram ----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Histogram:
    """Shares of units per bin, stacked by class: ``share[c, b]`` for c in :data:`CLASSES`."""

    edges: np.ndarray
    share: np.ndarray
    #: share of the units outside [lo, hi] (not in any bin)
    outside: float

    @property
    def total(self) -> np.ndarray:
        return self.share.sum(axis=0)

    @property
    def centres(self) -> np.ndarray:
        return 0.5 * (self.edges[1:] + self.edges[:-1])


def histogram(dist: LayerDistribution, bins: int, lo: float, hi: float) -> Histogram:
    """``bins`` equal bins over [lo, hi]. Sampled: each unit in its own class (by its own f');
    expected: the Gaussian's mass, each fine cell by its f'; chain: the one value."""
    edges = np.linspace(lo, hi, bins + 1)
    share = np.zeros((3, bins))
    if dist.kind == "sampled":
        v = dist.values
        if v is None or v.size == 0:
            return Histogram(edges, share, 0.0)
        cls = classify(dist.deriv(v), dist.threshold) if dist.config.activation != "linear" \
            else np.full(v.shape, 2, dtype=np.int8)
        idx = np.floor((v - lo) / (hi - lo) * bins).astype(np.int64)
        idx[v == hi] = bins - 1
        inside = (idx >= 0) & (idx < bins)
        for c in range(3):
            sel = inside & (cls == c)
            share[c] = np.bincount(idx[sel], minlength=bins)[:bins] / v.size
        return Histogram(edges, share, float(np.count_nonzero(~inside)) / v.size)
    if dist.kind == "chain" or not (math.isfinite(dist.var) and dist.var > 0.0):
        z = float(dist.value if dist.kind == "chain" else dist.mean)
        b = int(np.clip(np.floor((z - lo) / (hi - lo) * bins), 0, bins - 1))
        if lo <= z <= hi:
            share[int(classify(dist.deriv([z]), dist.threshold)[0]), b] = 1.0
            return Histogram(edges, share, 0.0)
        return Histogram(edges, share, 1.0)
    cells, mass = gaussian_cells(dist)
    mid = 0.5 * (cells[1:] + cells[:-1])
    cls = classify(dist.deriv(mid), dist.threshold)
    idx = np.floor((mid - lo) / (hi - lo) * bins).astype(np.int64)
    inside = (idx >= 0) & (idx < bins)
    total = float(mass.sum())
    for c in range(3):
        sel = inside & (cls == c)
        share[c] = np.bincount(idx[sel], weights=mass[sel], minlength=bins)[:bins] / total
    return Histogram(edges, share, float(mass[~inside].sum()) / total)


def histogram_mean_sq_deriv(dist: LayerDistribution, hist: Histogram) -> float:
    """E[f'(z)²] over the histogram, f' taken at each bin's centre (≈ the engine's deriv_gain²)."""
    d = dist.deriv(hist.centres)
    total = float(hist.total.sum())
    return float(np.dot(hist.total, d * d)) / total if total > 0 else math.nan


__all__ = [
    "CLASSES", "Histogram", "LayerDistribution", "boundaries", "classify", "gaussian_cells",
    "histogram", "histogram_mean_sq_deriv", "layer_distribution", "saturation_threshold",
]
