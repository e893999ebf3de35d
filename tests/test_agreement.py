"""The two engines agree where theory says they must (DESIGN §3)."""

import numpy as np
import pytest

from gradtui.engine import Config, compute

CASES = [
    ("tanh", "xavier_normal"),
    ("relu", "he_normal"),
    ("sigmoid", "xavier_normal"),
    ("relu", "xavier_normal"),
]


@pytest.mark.parametrize("depth", [16, 50])
@pytest.mark.parametrize("activation,init", CASES)
def test_sampled_slope_matches_mean_field_at_large_width(activation, init, depth):
    """Mean log10 factor per layer: expected vs the mean of 5 sampled seeds at width 1024, batch 64."""
    base = Config(depth=depth, activation=activation, init=init, width=1024, batch=64)
    theory = compute(base).mean_log10_factor
    sampled = [compute(base.replace(mode="sampled", seed=s)).mean_log10_factor for s in range(5)]
    assert np.mean(sampled) == pytest.approx(theory, abs=0.02)


def test_linear_orthogonal_sampled_is_exactly_one():
    r = compute(Config(depth=50, activation="linear", init="orthogonal", mode="sampled", width=128))
    np.testing.assert_allclose(r.log10_factor, 0.0, atol=1e-12)
    np.testing.assert_allclose(r.log10_grad, 0.0, atol=1e-12)


def test_relu_residual_grows_faster_in_a_real_network_than_in_mean_field():
    """Known and real (DESIGN §3): forward and backward share weights, theory assumes they don't.

    The engines are not tuned to hide it; this pins down the direction of the difference.
    """
    base = Config(depth=50, activation="relu", init="he_normal", residual=True, width=512, batch=32)
    theory = compute(base).log10_grad_first
    sampled = np.mean([compute(base.replace(mode="sampled", seed=s)).log10_grad_first for s in range(3)])
    assert sampled > theory


@pytest.mark.parametrize("scale", [1.2, 0.8])
def test_tied_orthogonal_linear_rnn_is_exactly_scale_to_the_depth(scale):
    """One W at every step: ‖∂loss/∂h_1‖ = s^(L-1) exactly, explode above 1, vanish below."""
    c = Config(depth=50, activation="linear", init="orthogonal", weight_scale=scale, tied=True,
               mode="sampled", width=64, batch=8)
    r = compute(c)
    assert r.log10_grad_first == pytest.approx(49 * np.log10(scale), abs=1e-9)
    assert r.regime == ("exploding" if scale > 1 else "vanishing")
    from gradtui.engine.sampled import network

    net = network(c)
    assert np.array_equal(net.weight(0), net.weight(37))

