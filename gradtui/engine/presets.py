"""Named scenarios for lectures: each a config and one line on what to notice.

Presets are keyed 1–9 in the TUI in the order below, and named with `--preset NAME` on the command line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .config import Config


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    caption: str
    settings: dict[str, Any]

    def config(self, base: Config | None = None) -> Config:
        """The preset applied to ``base``'s mode, width, batch and seed (or the defaults)."""
        keep = {}
        if base is not None:
            keep = {"mode": base.mode, "width": base.width, "batch": base.batch, "seed": base.seed}
        return Config(**{**Config().to_dict(), **keep, **self.settings})


_PLAIN = {"tied": False, "residual": False, "residual_scale": 1.0, "norm": "none", "bias_std": 0.0, "weight_scale": 1.0}

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "sigmoid_deep", "Sigmoid, 16 layers",
            "Vanishing: sigmoid' ≤ 1/4, so 16 layers leave ~1e-9 of the gradient at layer 1.",
            {**_PLAIN, "depth": 16, "activation": "sigmoid", "init": "xavier_normal"},
        ),
        Preset(
            "tanh_xavier", "Tanh + Xavier, 50 layers",
            "Nearly critical: χ₁ = 1 at the origin, yet the signal shrinks and ~1 decade is lost.",
            {**_PLAIN, "depth": 50, "activation": "tanh", "init": "xavier_normal"},
        ),
        Preset(
            "relu_xavier", "ReLU + Xavier, 20 layers",
            "Slow vanishing: Xavier ignores that ReLU zeroes half the units, ×0.71 per layer.",
            {**_PLAIN, "depth": 20, "activation": "relu", "init": "xavier_normal"},
        ),
        Preset(
            "relu_he", "ReLU + He, 50 layers",
            "Flat: He's σ_w² = 2 exactly undoes ReLU's halving, ×1.00 per layer.",
            {**_PLAIN, "depth": 50, "activation": "relu", "init": "he_normal"},
        ),
        Preset(
            "too_large", "ReLU + N(0,1) weights, 12 layers",
            "Exploding: unscaled N(0,1) weights multiply the gradient by ~√(N/2) per layer.",
            {**_PLAIN, "depth": 12, "activation": "relu", "init": "normal"},
        ),
        Preset(
            "sigmoid_residual", "Sigmoid + residual, 50 layers",
            "Rescued: the identity skip carries the gradient past every sigmoid.",
            {**_PLAIN, "depth": 50, "activation": "sigmoid", "init": "xavier_normal", "residual": True},
        ),
        Preset(
            "relu_residual", "ReLU + He residual, 100 layers",
            "Growth: each skip adds a branch, so the gradient grows ×√2 per layer.",
            {**_PLAIN, "depth": 100, "activation": "relu", "init": "he_normal", "residual": True},
        ),
        Preset(
            "relu_residual_scaled", "ReLU + He residual, α = 1/√L",
            "The fix: scaling each branch by 1/√L (here 0.1) keeps 100 layers stable.",
            {**_PLAIN, "depth": 100, "activation": "relu", "init": "he_normal", "residual": True,
             "residual_scale": 1.0 / math.sqrt(100)},
        ),
        Preset(
            "orthogonal_linear", "Linear + orthogonal, 50 layers",
            "Dynamical isometry: orthogonal weights keep every gradient norm exactly 1.",
            {**_PLAIN, "depth": 50, "activation": "linear", "init": "orthogonal"},
        ),
        Preset(
            "zero_init", "Zero init, 8 layers",
            "Symmetry: with all weights zero, nothing reaches layer L−1 or below.",
            {**_PLAIN, "depth": 8, "activation": "relu", "init": "zeros"},
        ),
        Preset(
            "tanh_chaotic", "Tanh, weights ×2.5, 30 layers",
            "Chaotic phase: large weights push tanh past the edge of chaos and gradients explode.",
            {**_PLAIN, "depth": 30, "activation": "tanh", "init": "xavier_normal", "weight_scale": 2.5},
        ),
        Preset(
            "sigmoid_layernorm", "Sigmoid + layer norm, 16 layers",
            "Layer norm alone does not rescue sigmoid: it fixes the scale, not sigmoid' ≤ 1/4.",
            {**_PLAIN, "depth": 16, "activation": "sigmoid", "init": "xavier_normal", "norm": "layer"},
        ),
        Preset(
            "rnn_explode", "Tied weights (RNN), gain 1.2, 50 steps",
            "One matrix at every step: gain 1.2 compounds to 1.2^49 ≈ 7600. Pin it, then try rnn_vanish.",
            {**_PLAIN, "depth": 50, "activation": "linear", "init": "orthogonal", "weight_scale": 1.2,
             "tied": True},
        ),
        Preset(
            "rnn_vanish", "Tied weights (RNN), gain 0.8, 50 steps",
            "The same recurrence at gain 0.8: 0.8^49 ≈ 1.8e-5 reaches the first step.",
            {**_PLAIN, "depth": 50, "activation": "linear", "init": "orthogonal", "weight_scale": 0.8,
             "tied": True},
        ),
        # batch norm at initialisation (Yang et al., ICLR 2019; docs/batchnorm.md)
        Preset(
            "sigmoid_batchnorm", "Sigmoid + batch norm, 16 layers",
            "Batch norm fixes sigmoid's scale, not its slope: f' stays 0.21; ÷σ_B ≈ 4.8 undoes it.",
            {**_PLAIN, "depth": 16, "activation": "sigmoid", "init": "xavier_normal", "norm": "batch",
             "batch": 64},
        ),
        Preset(
            "relu_batchnorm", "ReLU + batch norm, 50 layers, batch 64",
            "Batch norm without skips explodes: ×1.22 per layer at batch 64, whatever σ_w and σ_b.",
            {**_PLAIN, "depth": 50, "activation": "relu", "init": "he_normal", "norm": "batch",
             "batch": 64},
        ),
        Preset(
            "relu_batchnorm_b8", "ReLU + batch norm, 50 layers, batch 8",
            "The same net at batch 8 explodes faster: ×1.34 per layer, 6 decades over 50 layers.",
            {**_PLAIN, "depth": 50, "activation": "relu", "init": "he_normal", "norm": "batch",
             "batch": 8},
        ),
        Preset(
            "batchnorm_b4", "Batch size matters: batch norm at B = 4",
            "λ(B) sets the rate: ×1.76 per layer at batch 4, 12 decades. Pin it, then batchnorm_b256.",
            {**_PLAIN, "depth": 50, "activation": "relu", "init": "he_normal", "norm": "batch",
             "batch": 4},
        ),
        Preset(
            "batchnorm_b256", "Batch size matters: batch norm at B = 256",
            "At batch 256, ×1.21 per layer: close to the B → ∞ limit √(π/(π−1)) ≈ 1.211 for ReLU.",
            {**_PLAIN, "depth": 50, "activation": "relu", "init": "he_normal", "norm": "batch",
             "batch": 256},
        ),
        Preset(
            "batchnorm_residual", "ReLU + batch norm + residual, 50 layers",
            "The skip tames batch norm: 0.8 decades over 50 layers instead of 4.3 without it.",
            {**_PLAIN, "depth": 50, "activation": "relu", "init": "he_normal", "norm": "batch",
             "batch": 64, "residual": True},
        ),
        Preset(
            "sigmoid_rmsnorm", "Sigmoid + RMS norm, 16 layers",
            "RMS norm ≈ layer norm at init: without the centring, the same bars as sigmoid_layernorm.",
            {**_PLAIN, "depth": 16, "activation": "sigmoid", "init": "xavier_normal", "norm": "rms"},
        ),
        Preset(
            "torch_default_sigmoid", "PyTorch nn.Linear default, sigmoid, 10 layers",
            "nn.Linear's default is U(±1/√fan_in): σ_w² = 1/3, not He's 2 and below Xavier's 1, so "
            "each layer's ×σ_w·sigmoid' is smaller still and 10 layers vanish faster than Xavier's.",
            {**_PLAIN, "depth": 10, "activation": "sigmoid", "init": "torch_linear", "bias_std": None,
             "width": 128},
        ),
        Preset(
            "pixels_sigmoid", "Pixels 0–255 into sigmoid, 10 layers",
            "Unnormalised inputs (mean 127.5, std 73.6): layer 1's z is ~150 wide, its sigmoids "
            "saturate, f' gain 0.02, and its factor is ×0.02, not ×0.21. Normalise the inputs.",
            {**_PLAIN, "depth": 10, "activation": "sigmoid", "init": "xavier_normal",
             "input_mean": 127.5, "input_std": 73.6},
        ),
        Preset(
            "relu_bias", "ReLU + He with bias 0.1, 20 layers",
            "A small positive bias mean keeps more units above 0: fewer dead ReLUs (sampled mode "
            "shows the dead fraction) and a gradient a little above He's exact ×1.00.",
            {**_PLAIN, "depth": 20, "activation": "relu", "init": "he_normal", "bias_mean": 0.1},
        ),
    )
}

PRESET_ORDER: list[str] = list(PRESETS)
