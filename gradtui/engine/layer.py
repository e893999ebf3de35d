"""One layer step of DESIGN §1, forward and exact backward — the one the engines compose.

    z_l = s·(h_{l-1}·Wᵀ) + b·2^-k         pre_activation   (W = s·base; h held as H·2^k)
    ẑ_l = norm(z_l)                        forward          (the registry's normalisation, in place)
    h_l = f(ẑ_l)  or  h_{l-1} + α·f(ẑ_l)   forward          (plain or residual)

and back: ∂loss/∂z_l = norm'ᵀ(α·f'(ẑ_l)·∂loss/∂h_l) (:meth:`Layer.backward`), then
∂loss/∂h_{l-1} = s·(∂loss/∂z_l)·W (+ ∂loss/∂h_l through the skip) (:meth:`Layer.backward_input`).
Arrays are (batch, units); every step can write into preallocated arrays (``out=``), which is how
the sampled engine runs allocation-free, or allocate, which is how the trainer and the spectrum
call it. The sampled engine, the Jacobian spectrum and the trainer all compose these steps.

Exact rescaling: for positively homogeneous activations (f(c·z) = c·f(z), f'(c·z) = f'(z), c > 0)
without a normalisation, h may be held as H·2^k: nothing but the exponent changes, the bias enters as
b·2^-k, and the forward pass never overflows. :meth:`Layer.rescale_exponent` says when and by what.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS, Activation
from .config import Config
from .kernels import f_and_df_into
from .norms import NORMALISATIONS, Normalisation

#: activations with f(c·z) = c·f(z) for c > 0: rescaled exactly in the forward pass
HOMOGENEOUS = frozenset({"linear", "relu", "leaky_relu"})
#: the forward pass is rescaled when the RMS of h leaves [2^-R, 2^R] (homogeneous activations only)
RESCALE_LOG2 = 100


@dataclass(frozen=True)
class Layer:
    """What every layer of a config's network does (weights and biases are the caller's)."""

    activation: Activation
    norm: Normalisation
    residual: bool = False
    #: the residual scale α (unused without the skip)
    alpha: float = 1.0

    @classmethod
    def of(cls, config: Config) -> "Layer":
        return cls(ACTIVATIONS[config.activation], NORMALISATIONS[config.norm], config.residual,
                   config.residual_scale)

    @property
    def linear(self) -> bool:
        """f is the identity: f' = 1 everywhere, nothing to keep for the backward pass."""
        return self.activation.name == "linear"

    @property
    def exact_rescale(self) -> bool:
        """h may be held as H·2^k (homogeneous activation, no normalisation)."""
        return self.activation.name in HOMOGENEOUS and self.norm.identity

    def rescale_exponent(self, log2_rms: float) -> int:
        """The e to hold h_l as (h_l·2^-e)·2^e with, given ≈log2 of its RMS; 0 when none is due."""
        if self.exact_rescale and RESCALE_LOG2 < abs(log2_rms) < math.inf:
            return round(log2_rms)
        return 0

    # -- forward --------------------------------------------------------------------------------
    @staticmethod
    def pre_activation(h, base, scale: float = 1.0, bias=None, k: int = 0, out=None) -> np.ndarray:
        """z = scale·(h·baseᵀ) + bias·2^-k for h (B, N) holding the true h_{l-1}·2^-k."""
        z = np.matmul(h, base.T, out=out)
        if scale != 1.0:
            z *= scale
        if bias is not None:
            z += bias if k == 0 else np.ldexp(bias, -int(k))
        return z

    def forward(self, h, z, h_out=None, d_out=None, stats=None, work=None):
        """From the pre-activation z (normalised in place) to h_l; returns (h_l, f'(ẑ), stats).

        f'(ẑ) is None for the linear activation (it is 1), and when ``d_out`` is None (not needed:
        only f is evaluated then). ``stats``: where the normalisation keeps its statistics; ``work``:
        two scratch arrays of z's shape for the fused kernels (allocated when None).
        """
        act = self.activation
        stats = self.norm.forward(z, stats)
        d = None
        if self.linear:
            if h_out is None:
                hn = z.copy()
            else:
                hn = h_out
                np.copyto(hn, z)
        elif d_out is None:
            hn = act.f(z)
            if h_out is not None:
                np.copyto(h_out, hn)
                hn = h_out
        else:
            hn = np.empty_like(z) if h_out is None else h_out
            w1, w2 = work if work is not None else (np.empty_like(z), np.empty_like(z))
            f_and_df_into(act, z, hn, d_out, w1, w2)
            d = d_out
        if self.residual:
            if self.alpha != 1.0:
                hn *= self.alpha
            hn += h
        return hn, d, stats

    # -- backward -------------------------------------------------------------------------------
    def backward(self, g, d, zhat, stats, out=None, work=None) -> np.ndarray:
        """∂loss/∂z_l (before the normalisation) from g = ∂loss/∂h_l.

        ``d`` = f'(ẑ_l) (None: linear), ``zhat``/``stats``: the forward's normalised z and
        statistics; ``work``: scratch of g's shape for the normalisation.
        """
        if d is None and out is None:
            gz = g.copy()
        elif d is None:
            gz = out
            np.copyto(gz, g)
        else:
            gz = np.multiply(g, d, out=out)
        if self.residual and self.alpha != 1.0:
            gz *= self.alpha
        if not self.norm.identity:
            self.norm.backward(gz, zhat, stats, work)
        return gz

    def backward_input(self, gz, g, base, scale: float = 1.0, out=None) -> np.ndarray:
        """∂loss/∂h_{l-1} = scale·gz·base (+ g = ∂loss/∂h_l through the skip)."""
        new = np.matmul(gz, base, out=out)
        if scale != 1.0:
            new *= scale
        if self.residual:
            new += g
        return new

    def tangent(self, wt, d, zhat, stats) -> np.ndarray:
        """The branch's Jacobian diag(f'(ẑ))·norm' applied to tangents W·t (N, m) of one sample."""
        if not self.norm.identity:
            wt = self.norm.jvp(wt, zhat, stats)
        return wt if d is None else d[:, None] * wt


__all__ = ["HOMOGENEOUS", "Layer", "RESCALE_LOG2"]
