"""Normalisations of the pre-activation z_l, before f (DESIGN §1): a registry, like the activations.

Each entry is a small object with the exact batched step and its mean-field counterpart:

    stats = norm.forward(z)             # z (B, N): normalised in place; the statistics it divided by
    norm.backward(g, zhat, stats)       # g = ∂loss/∂ẑ → ∂loss/∂z in place (zhat: forward's output)
    norm.jvp(t, zhat, stats)            # the Jacobian times tangents t (N, m), one sample (spectrum)
    norm.log_seen(lq), norm.log_gain2(lq)   # mean field: ln q̂ of what f sees, ln n² of the backward

``forward`` may couple the samples of the batch (axis 0) or the units of a sample (axis 1): the
statistics' shape is the normalisation's own (``stats_shape``), so a batch norm keeps per-unit
statistics where layer norm keeps per-sample ones, and ``backward`` gets them back with ẑ. No affine
parameters (at initialisation they are 1 and 0). One ε for all, PyTorch's default.
"""

from __future__ import annotations

import math

import numpy as np

from .special import logaddexp

#: the ε every normalisation adds to the variance it divides by (PyTorch's default)
NORM_EPS = 1e-5
_LEPS = math.log(NORM_EPS)


class Normalisation:
    """No normalisation: the identity, and the base of the others."""

    name = "none"
    label = "no normalisation"
    #: True for the identity: nothing to keep for the backward pass, nothing to apply
    identity = True
    #: True when the statistics are taken over the batch (the samples are coupled)
    couples_batch = False

    def stats_shape(self, batch: int, width: int) -> tuple[int, ...]:
        """Shape of the statistics ``forward`` keeps for a (batch, width) z."""
        return (0,)

    def forward(self, z: np.ndarray, stats: np.ndarray | None = None) -> np.ndarray | None:
        """Normalise z (B, N) in place; return its statistics (written into ``stats`` if given)."""
        return stats

    def backward(self, g: np.ndarray, zhat: np.ndarray, stats, work: np.ndarray | None = None) -> None:
        """∂loss/∂ẑ → ∂loss/∂z, in place on g (B, N); ``work``: optional scratch of g's shape."""

    def jvp(self, t: np.ndarray, zhat: np.ndarray, stats) -> np.ndarray:
        """J·t for tangents t (N, m) of one sample (zhat (N,), stats of a batch of 1)."""
        return t

    def gain(self, stats) -> float:
        """RMS of the factor the normalisation divides by (DESIGN's norm_gain; 1 without norm)."""
        return 1.0

    def image_normal(self, zhat: np.ndarray) -> np.ndarray | None:
        """A vector every output tangent of one sample is exactly orthogonal to, or None."""
        return None

    # -- mean field (infinite width): what f sees and what the backward multiplies by -------------
    def log_seen(self, lq):
        """ln q̂, the variance f sees, from ln q (arrays; ±inf allowed)."""
        return lq

    def log_seen_scalar(self, lq: float) -> float:
        """The same for one Python float (the expected engine's hot loop)."""
        return lq

    def log_gain2(self, lq):
        """ln n², the squared factor the normalisation puts on the backward signal (arrays)."""
        return np.zeros_like(np.asarray(lq, dtype=float))


class LayerNorm(Normalisation):
    """Over the units of each sample: ẑ = (z − mean)/√(var + ε) (biased variance)."""

    name = "layer"
    label = "layer norm: each sample over its units"
    identity = False

    def stats_shape(self, batch: int, width: int) -> tuple[int, ...]:
        return (batch,)  # 1/√(var + ε) per sample

    #: subtract each sample's mean over its units first (RMS norm does not)
    centre = True

    def forward(self, z, stats=None):
        n = z.shape[-1]
        if self.centre:
            z -= z.mean(axis=1, keepdims=True)
        inv = np.divide(1.0, np.sqrt(np.einsum("ij,ij->i", z, z) / n + NORM_EPS), out=stats)
        z *= inv[:, None]
        return inv

    def backward(self, g, zhat, stats, work=None):
        # ∂ẑ_i/∂z_j = (δ_ij − [1/N] − ẑ_i ẑ_j / N)/σ (the bracket with centring): symmetric
        n = g.shape[-1]
        g_dot_zh = np.einsum("ij,ij->i", g, zhat) / n
        if self.centre:
            g -= g.mean(axis=1, keepdims=True)
        g -= np.multiply(zhat, g_dot_zh[:, None], out=work)
        g *= stats[:, None]

    def jvp(self, t, zhat, stats):
        # the Jacobian (I − 11ᵀ/N − ẑẑᵀ/N)/σ is symmetric: J·t is the backward step of tᵀ's rows
        rows = np.ascontiguousarray(t.T)
        self.backward(rows, np.broadcast_to(zhat, rows.shape), np.broadcast_to(stats, rows.shape[:1]))
        return rows.T

    def gain(self, stats):
        return math.sqrt(float(np.mean(stats * stats)))

    def image_normal(self, zhat):
        return np.ones(zhat.shape[-1])  # the mean is removed

    def log_seen(self, lq):
        top = np.isposinf(lq)  # q → ∞: q̂ → 1
        return np.where(top, 0.0, lq - np.where(top, 0.0, np.logaddexp(lq, _LEPS)))

    def log_seen_scalar(self, lq):
        return lq - logaddexp(lq, _LEPS)

    def log_gain2(self, lq):
        return -np.logaddexp(lq, _LEPS)


class RMSNorm(LayerNorm):
    """Over the units of each sample, without centring: ẑ = z/√(mean z² + ε).

    Its mean field is layer norm's (at infinite width the units' mean of a zero-mean pre-activation
    is 0): q̂ = q/(q + ε) and the backward gain² 1/(q + ε), inherited.
    """

    name = "rms"
    label = "RMS norm: each sample over its units, no centring"
    centre = False

    def image_normal(self, zhat):
        return None  # ẑ is orthogonal to the image only up to ε


class BatchNorm(Normalisation):
    """Each unit over the B samples of the batch: ẑ = (z − mean_B)/√(var_B + ε), biased variance,
    training-mode statistics. It couples the samples: every sample's gradient depends on all others.

    Its mean field is not a function of q alone (it depends on the batch size and on the whole
    batch's covariance): the expected engine runs :mod:`~gradtui.engine.batchnorm` instead.
    """

    name = "batch"
    label = "batch norm: each unit over the batch"
    identity = False
    #: the samples are coupled, so a one-sample Jacobian (the spectrum) does not describe the net
    couples_batch = True
    #: why the per-sample Jacobian spectrum is refused
    SPECTRUM_REFUSAL = ("batch norm couples the samples of the batch: a one-sample Jacobian "
                        "spectrum cannot express it")

    def stats_shape(self, batch: int, width: int) -> tuple[int, ...]:
        return (width,)  # 1/√(var + ε) per unit

    def forward(self, z, stats=None):
        b = z.shape[0]
        z -= z.mean(axis=0, keepdims=True)
        inv = np.divide(1.0, np.sqrt(np.einsum("ij,ij->j", z, z) / b + NORM_EPS), out=stats)
        z *= inv[None, :]
        return inv

    def backward(self, g, zhat, stats, work=None):
        b = g.shape[0]
        g_dot_zh = np.einsum("ij,ij->j", g, zhat) / b
        g -= g.mean(axis=0, keepdims=True)
        g -= np.multiply(zhat, g_dot_zh[None, :], out=work)
        g *= stats[None, :]

    def jvp(self, t, zhat, stats):
        raise ValueError(self.SPECTRUM_REFUSAL)

    def gain(self, stats):
        return math.sqrt(float(np.mean(stats * stats)))

    def _no_q_mean_field(self, *_):
        raise ValueError("batch norm's mean field depends on the batch, not on q alone: "
                         "see gradtui.engine.batchnorm")

    log_seen = log_seen_scalar = log_gain2 = _no_q_mean_field


#: name → normalisation; config's ``norm`` is one of these names
NORMALISATIONS: dict[str, Normalisation] = {
    n.name: n for n in (Normalisation(), LayerNorm(), RMSNorm(), BatchNorm())
}

__all__ = ["NORMALISATIONS", "NORM_EPS", "BatchNorm", "LayerNorm", "Normalisation", "RMSNorm"]
