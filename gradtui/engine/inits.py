"""Weight-initialisation registry (DESIGN §1).

Every init is described by the *distribution family* of its draws and its σ_w² = N·Var(W) for a
square N×N layer. The sampled engine draws each family once at unit gain ("base" draws, cached) and
scales them by √(σ_w²)·weight_scale, so changing weight scale or switching between inits of the same
family never redraws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Init:
    name: str
    #: "normal", "uniform", "orthogonal" or "zeros": which base draw this init scales
    family: str
    #: σ_w² as a function of the width N (before weight_scale)
    sigma_w2: Callable[[int], float]
    label: str
    #: the half-width c of the init's own bias draw U(±c) for width N (None: no bias of its own)
    bias_bound: Callable[[int], float] | None = None

    def bias_var(self, n: int) -> float:
        """Variance of the init's own bias at width n (c²/3 for U(±c)); 0 without one."""
        return 0.0 if self.bias_bound is None else self.bias_bound(n) ** 2 / 3.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """One n×n weight matrix of this init (weight_scale 1)."""
        base = base_draw(rng, self.family, n)
        return base * math.sqrt(self.sigma_w2(n))


def base_draw(rng: np.random.Generator, family: str, n: int, count: int | None = None) -> np.ndarray:
    """Unit-gain draws (N·Var(W) = 1): shape (n, n), or (count, n, n) when count is given."""
    shape = (n, n) if count is None else (count, n, n)
    if family == "normal":
        return rng.standard_normal(shape) / math.sqrt(n)
    if family == "uniform":
        return rng.uniform(-math.sqrt(3.0 / n), math.sqrt(3.0 / n), shape)
    if family == "orthogonal":
        a = rng.standard_normal(shape)
        q, r = np.linalg.qr(a)
        # sign correction makes Q Haar-distributed (Mezzadri 2007)
        d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
        d = np.where(d == 0, 1.0, d)
        return q * d[..., None, :]
    if family == "zeros":
        return np.zeros(shape)
    raise ValueError(f"unknown weight family {family!r}")


INITS: dict[str, Init] = {
    i.name: i
    for i in (
        Init("xavier_normal", "normal", lambda n: 1.0, "N(0, 2/(fan_in+fan_out)); σ_w² = 1"),
        Init("xavier_uniform", "uniform", lambda n: 1.0, "U(±√(6/(fan_in+fan_out))); σ_w² = 1"),
        Init("he_normal", "normal", lambda n: 2.0, "N(0, 2/fan_in); σ_w² = 2"),
        Init("he_uniform", "uniform", lambda n: 2.0, "U(±√(6/fan_in)); σ_w² = 2"),
        Init("lecun_normal", "normal", lambda n: 1.0, "N(0, 1/fan_in); σ_w² = 1"),
        Init("orthogonal", "orthogonal", lambda n: 1.0, "QR-orthogonal, gain 1; σ_w² = 1"),
        Init("normal", "normal", lambda n: float(n), "N(0, 1) entries, not fan-scaled; σ_w² = N"),
        Init("zeros", "zeros", lambda n: 0.0, "all zero; no gradient reaches earlier layers"),
        # PyTorch's nn.Linear.reset_parameters: kaiming_uniform_(a=√5) gives U(±1/√fan_in), i.e.
        # N·Var(W) = 1/3; the bias is U(±1/√fan_in) as well
        Init("torch_linear", "uniform", lambda n: 1.0 / 3.0,
             "PyTorch nn.Linear default U(±1/√fan_in); σ_w² = 1/3, bias U(±1/√fan_in)",
             bias_bound=lambda n: 1.0 / math.sqrt(n)),
    )
}
