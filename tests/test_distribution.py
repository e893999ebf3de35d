"""The distribution of one layer's pre-activations: engine agreement and the renderer.

The histogram's mass in the dead and saturated classes is the sampled engine's inspector fractions
(same network, same definitions); the expected-mode Gaussian has the expected engine's q_l; E[f'²]
over the histogram is the engine's deriv_gain².
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from rich.cells import cell_len

from gradtui.engine import ACTIVATIONS, Config, compute
from gradtui.engine.distribution import (
    boundaries, histogram, histogram_mean_sq_deriv, layer_distribution, saturation_threshold,
)
from gradtui.engine.sampled import SATURATION
from gradtui.render.distribution import distribution_readout, render_distribution, x_range

SAMPLED = [
    Config(mode="sampled", depth=16, width=64, batch=16),
    Config(mode="sampled", activation="relu", init="he_normal", depth=20, width=64, batch=16),
    Config(mode="sampled", activation="tanh", depth=10, width=64, batch=16, bias_std=2.0, weight_scale=3.0),
    Config(mode="sampled", activation="relu", init="he_normal", depth=12, width=32, batch=8, norm="layer"),
    Config(mode="sampled", activation="gelu", depth=8, width=32, batch=8, norm="rms", bias_mean=0.3),
    Config(mode="sampled", activation="relu", init="he_normal", depth=8, width=32, batch=8, norm="batch"),
    Config(mode="sampled", activation="sigmoid", depth=6, width=32, batch=8, input_mean=127.5,
           input_std=73.6),
    Config(mode="sampled", activation="relu", init="he_normal", depth=30, width=16, batch=4,
           residual=True, bias_mean=0.1),
    Config(mode="sampled", activation="elu", depth=6, width=16, batch=4, tied=True),
    Config(mode="sampled", activation="linear", depth=5, width=16, batch=4),
]


@pytest.mark.parametrize("config", SAMPLED, ids=lambda c: f"{c.activation}-{c.norm}-{c.depth}")
def test_sampled_histogram_mass_is_the_engines_fractions(config):
    """Dead and saturated mass of the histogram = the engine's dead_frac and saturated_frac."""
    result = compute(config)
    for layer in sorted({1, config.depth // 2, config.depth}):
        dist = layer_distribution(config, layer)
        n = dist.values.size
        assert n == config.batch * config.width
        assert dist.dead_frac == result.dead_frac[layer - 1]
        assert dist.saturated_frac == result.saturated_frac[layer - 1]
        lo, hi = x_range(dist)
        hist = histogram(dist, 64, lo, hi)
        assert hist.outside == 0.0
        assert hist.total.sum() == pytest.approx(1.0, abs=1e-12)
        if config.activation != "linear":
            assert hist.share[0].sum() == pytest.approx(result.dead_frac[layer - 1], abs=0.5 / n)
            assert hist.share[:2].sum() == pytest.approx(result.saturated_frac[layer - 1], abs=0.5 / n)
        # the units' own E[f'²] is the engine's deriv_gain² exactly; over the bins, approximately
        assert math.sqrt(dist.mean_sq_deriv) == pytest.approx(result.deriv_gain[layer - 1], rel=1e-12)


def test_sampled_values_are_the_real_network():
    """Relu + He, no norm, 200 layers: the forward pass is rescaled by powers of two; the values
    shown are the true z (their RMS is the layer's, ~√2·act std of the layer below)."""
    c = Config(mode="sampled", activation="relu", init="he_normal", depth=200, width=32, batch=8,
               weight_scale=2.0)
    dist = layer_distribution(c, 200)
    rms = math.sqrt(float(np.mean(dist.values ** 2)))
    result = compute(c)
    # z_L = W h_{L-1}: its RMS ≈ σ_w·RMS(h_{L-1}) = 2√2 · RMS(h_{L-1}); act std is in log10
    assert math.log10(rms) == pytest.approx(float(result.log10_act_std[198]) + math.log10(2 * math.sqrt(2)),
                                            abs=0.5)
    assert math.log10(rms) > 30  # far beyond what an unscaled float pass would be asked to hold


def test_histogram_mean_sq_deriv_is_deriv_gain_squared():
    for config in SAMPLED[:4]:
        result = compute(config)
        dist = layer_distribution(config, config.depth)
        lo, hi = x_range(dist)
        hist = histogram(dist, 2000, lo, hi)
        assert histogram_mean_sq_deriv(dist, hist) == pytest.approx(
            float(result.deriv_gain[-1]) ** 2, rel=2e-2)


EXPECTED = [
    Config(depth=16),
    Config(activation="relu", init="he_normal", depth=20),
    Config(activation="tanh", depth=30, bias_std=2.0, weight_scale=3.0),
    Config(activation="tanh", depth=30, bias_std=0.5, weight_scale=2.5, bias_mean=0.5),
    Config(depth=10, activation="sigmoid", input_mean=127.5, input_std=73.6),
    Config(norm="layer"),
    Config(norm="rms", activation="gelu"),
    Config(activation="relu", init="he_normal", norm="batch", batch=8),
    Config(activation="silu", depth=12, residual=True),
]


@pytest.mark.parametrize("config", EXPECTED, ids=lambda c: f"{c.activation}-{c.norm}-{c.depth}")
def test_expected_gaussian_has_the_engines_q_and_deriv_gain(config):
    result = compute(config)
    for layer in (1, config.depth):
        dist = layer_distribution(config, layer)
        assert dist.q == result.q[layer - 1]
        if config.norm == "none":
            assert dist.var == dist.q and dist.mean == config.bias_mean
        # E[f'(z)²] under the Gaussian is the engine's D(q̂) = deriv_gain²
        assert math.sqrt(dist.mean_sq_deriv) == pytest.approx(float(result.deriv_gain[layer - 1]), rel=1e-5)
        lo, hi = x_range(dist)
        hist = histogram(dist, 4000, lo, hi)  # bins finer than f' (sigmoid's bump at q = 2e4)
        assert histogram_mean_sq_deriv(dist, hist) == pytest.approx(
            float(result.deriv_gain[layer - 1]) ** 2, rel=2e-2)
        # the histogram's mass in each class is the Gaussian's, but for the tail off the chart
        assert hist.outside < 1e-3
        assert abs(hist.share[0].sum() - dist.dead_frac) <= hist.outside + 1e-12
        assert abs(hist.share[:2].sum() - dist.saturated_frac) <= hist.outside + 1e-12


def test_expected_relu_is_half_dead_and_sigmoid_raw_pixels_saturate():
    relu = layer_distribution(Config(activation="relu", init="he_normal", depth=20), 10)
    assert relu.dead_frac == pytest.approx(0.5, abs=1e-12)
    assert relu.saturated_frac == pytest.approx(0.5, abs=1e-12)
    pixels = layer_distribution(Config(depth=10, activation="sigmoid", input_mean=127.5, input_std=73.6), 1)
    assert pixels.saturated_frac > 0.9  # raw 0–255 inputs push layer 1 deep into saturation
    # and the mass beyond the boundaries is the Gaussian's tail there
    b = boundaries("sigmoid", pixels.threshold)[-1]
    tail = math.erfc(b / math.sqrt(2 * pixels.var))
    assert pixels.saturated_frac == pytest.approx(tail, rel=1e-9)


def test_chain_is_one_value():
    c = Config(mode="chain", depth=16, weight_scale=4.0, bias_mean=-2.0, input_mean=1.0)
    result = compute(c)
    for layer in (1, 8, 16):
        dist = layer_distribution(c, layer)
        assert dist.value == result.chain_z[layer - 1]
        # |w·f'(z)| is the chain's factor
        assert math.log10(c.weight_scale * math.sqrt(dist.mean_sq_deriv)) == pytest.approx(
            float(result.log10_factor[layer - 1]), abs=1e-9)
        hist = histogram(dist, 50, *x_range(dist))
        assert hist.total.sum() == 1.0


def test_thresholds_are_the_sampled_engines():
    from gradtui.engine.kernels import max_derivative

    for name in ACTIVATIONS:
        assert saturation_threshold(name) == SATURATION * max_derivative(name)
    assert boundaries("relu", saturation_threshold("relu")) == [0.0]
    lo, hi = boundaries("sigmoid", saturation_threshold("sigmoid"))
    assert lo == pytest.approx(-hi) and 8 < hi < 9
    assert boundaries("leaky_relu", saturation_threshold("leaky_relu")) == []


def test_overflow_and_bad_layer():
    c = Config(mode="sampled", activation="elu", init="normal", weight_scale=1000.0, bias_std=100.0,
               depth=200, width=16, batch=4)
    assert compute(c).overflow[:-1].all()  # the forward pass overflows (the top bar keeps grad_L = 1)
    dist = layer_distribution(c, 200)
    assert dist.overflow
    text = render_distribution(dist, 80, 20, color=False)
    assert len(text.split("\n")) == 20 and "not finite" in text
    with pytest.raises(ValueError):
        layer_distribution(c, 201)


def test_stop_ends_the_forward_pass():
    c = Config(mode="sampled", depth=50, width=32, batch=4)
    assert layer_distribution(c, 50, stop=lambda: True) is None


# -- the renderer ------------------------------------------------------------------------------
CASES = [
    (Config(mode="sampled", depth=16, width=64, batch=16), 16),
    (Config(mode="sampled", activation="relu", init="he_normal", depth=20, width=64, batch=16), 5),
    (Config(depth=10, activation="sigmoid", input_mean=127.5, input_std=73.6), 1),
    (Config(mode="chain"), 3),
    (Config(activation="tanh", depth=30, bias_std=0.5, weight_scale=2.5), 30),
    (Config(init="zeros", activation="relu"), 4),
    (Config(mode="sampled", activation="linear", depth=3, width=8, batch=2), 2),
]


@pytest.mark.parametrize("ascii", [False, True])
@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("size", [(60, 12), (78, 16), (118, 30)])
def test_render_is_exactly_the_size(size, color, ascii):
    import re

    for config, layer in CASES:
        dist = layer_distribution(config, layer)
        text = render_distribution(dist, *size, color=color, ascii=ascii)
        lines = text.split("\n")
        assert len(lines) == size[1]
        plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
        assert {cell_len(line) for line in plain} == {size[0]}
        if not color:
            assert "\x1b" not in text
        if ascii:
            assert all(ord(ch) < 128 for line in plain for ch in line)
            assert "?" not in "".join(plain)  # nothing the ASCII table does not know
            assert all(ord(ch) < 128 for ch in distribution_readout(dist, ascii=True))
        assert "nan" not in text.lower()


def test_render_marks_dead_and_saturated():
    relu = layer_distribution(CASES[1][0], 5)
    text = render_distribution(relu, 78, 16, color=False)
    assert "dead" in text and "░" in text and "█" in text and "┆" in text
    assert "dead f'=0" in text  # the legend
    readout = distribution_readout(relu)
    assert f"dead {100 * relu.dead_frac:.1f}%" in readout and "dead (z < 0)" in readout
    pixels = layer_distribution(CASES[2][0], 1)
    text = render_distribution(pixels, 78, 16, color=False)
    assert "saturated" in text and "▒" in text
    assert "sigmoid saturates" in distribution_readout(pixels)
    # no colour: every class still has its own glyph; ASCII: its own ASCII glyph
    ascii = render_distribution(relu, 78, 16, color=False, ascii=True)
    assert "." in ascii and "#" in ascii and ":" in ascii


def test_render_x_range_shows_the_saturation_edges():
    dist = layer_distribution(Config(mode="sampled", depth=16, width=64, batch=16), 1)
    lo, hi = x_range(dist)
    b = boundaries("sigmoid", dist.threshold)
    assert lo < b[0] and hi > b[1]
    text = render_distribution(dist, 78, 16, color=False)
    assert "f'(z), top 0.25" in text and "-8" in text and "8" in text
