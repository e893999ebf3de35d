"""The mean-field engine: quadrature accuracy, closed forms, log space, and the vectorised map."""

import json
import math
import warnings

import mpmath as mp
import numpy as np
import pytest

from gradtui.engine import ACTIVATIONS, PRESETS, Config, compute
from gradtui.engine.norms import NORM_EPS
from gradtui.engine.expected import (
    _moments,
    compute_expected,
    gaussian_expectation,
    log10_grad_first_grid,
    tables,
)

# -- an independent high-precision reference for E[g(z)], z ~ N(0, q) --------------------------
mp.mp.dps = 30


def _mp_sigmoid(z):
    return 1 / (1 + mp.exp(-z))


MP_ACTS = {
    "linear": (lambda z: z, lambda z: mp.mpf(1)),
    "sigmoid": (_mp_sigmoid, lambda z: _mp_sigmoid(z) * (1 - _mp_sigmoid(z))),
    "tanh": (mp.tanh, lambda z: mp.sech(z) ** 2),
    "relu": (lambda z: max(z, 0), lambda z: mp.mpf(1) if z > 0 else mp.mpf(0)),
    "leaky_relu": (lambda z: z if z > 0 else 0.01 * z, lambda z: mp.mpf(1) if z > 0 else mp.mpf("0.01")),
    "elu": (lambda z: z if z > 0 else mp.expm1(z), lambda z: mp.mpf(1) if z > 0 else mp.exp(z)),
    "gelu": (lambda z: z * mp.ncdf(z), lambda z: mp.ncdf(z) + z * mp.npdf(z)),
    "silu": (lambda z: z * _mp_sigmoid(z), lambda z: _mp_sigmoid(z) * (1 + z * (1 - _mp_sigmoid(z)))),
    "softplus": (lambda z: mp.log1p(mp.exp(z)), _mp_sigmoid),
}


def mp_expect(g, q):
    s = mp.sqrt(q)
    pts = sorted({mp.mpf(0), *(k * s for k in (0.5, 1, 2, 4, 8, 16)), *(mp.mpf(k) for k in (1, 4, 16) if k < 16 * s)})
    pts = [-p for p in reversed(pts[1:])] + pts
    dens = lambda z: mp.exp(-z * z / (2 * q)) / mp.sqrt(2 * mp.pi * q)  # noqa: E731
    return mp.quad(lambda z: g(z) * dens(z), [-mp.inf, *pts, mp.inf])


def test_reference_covers_every_activation():
    assert set(MP_ACTS) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("q", [1e-8, 1e-3, 1.0, 37.0, 1e4])
def test_gaussian_expectations_match_high_precision_reference(name, q):
    act = ACTIVATIONS[name]
    f, df = MP_ACTS[name]
    for ours, ref in (
        (gaussian_expectation(lambda z: act.f(z) ** 2, q, act.kinks), mp_expect(lambda z: f(z) ** 2, q)),
        (gaussian_expectation(lambda z: act.df(z) ** 2, q, act.kinks), mp_expect(lambda z: df(z) ** 2, q)),
    ):
        assert ours == pytest.approx(float(ref), rel=1e-9)


def test_plain_gauss_hermite_would_not_be_accurate_enough():
    # the reason for the composite rule: 20-point Gauss–Hermite is off by percents on relu's kink
    x, w = np.polynomial.hermite_e.hermegauss(20)
    exact = 1 / math.sqrt(2 * math.pi)  # E[relu(z)] for z ~ N(0, 1)
    gh = float(np.sum(w * np.maximum(x, 0)) / math.sqrt(2 * math.pi))
    ours = gaussian_expectation(ACTIVATIONS["relu"].f, 1.0)
    assert abs(ours - exact) < 1e-14 * exact
    assert abs(gh - exact) > 1e-3 * exact


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_tables_interpolate_the_quadrature(name):
    u = np.random.default_rng(7).uniform(math.log(1e-12), math.log(1e12), 60)
    t, mo = tables(name), _moments(ACTIVATIONS[name], np.exp(u))
    np.testing.assert_allclose(t.log_v(u), np.log(mo["v"]), atol=1e-8)
    np.testing.assert_allclose(t.log_d(u), np.log(mo["d"]), atol=1e-8)
    np.testing.assert_allclose([t.log_v.scalar(x) for x in u], t.log_v(u), atol=1e-14)


# -- closed forms ------------------------------------------------------------------------------
def test_relu_he_is_exactly_one_per_layer():
    r = compute(Config(depth=50, activation="relu", init="he_normal"))
    np.testing.assert_allclose(r.log10_factor, 0.0, atol=1e-12)
    np.testing.assert_allclose(r.log10_grad, 0.0, atol=1e-12)
    assert r.regime == "stable"


def test_relu_xavier_is_root_half_per_layer():
    r = compute(Config(depth=20, activation="relu", init="xavier_normal"))
    np.testing.assert_allclose(10**r.log10_factor, math.sqrt(0.5), rtol=1e-12)


def test_linear_orthogonal_is_exactly_one():
    r = compute(Config(depth=50, activation="linear", init="orthogonal"))
    np.testing.assert_allclose(r.log10_grad, 0.0, atol=1e-12)


def test_zero_init_gives_exact_zero_below_the_last_layer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = compute(Config(depth=8, activation="relu", init="zeros"))
        doc = json.loads(json.dumps(r.to_json(), allow_nan=False))
    assert np.all(np.isneginf(r.log10_grad[:-1])) and r.log10_grad[-1] == 0
    assert all(row["grad"] == 0.0 and row["log10_grad"] is None for row in doc["layers"][:-1])
    assert doc["layers"][-1]["grad"] == 1.0
    assert r.regime == "vanishing"


def test_zero_init_with_residual_passes_gradient_through_the_skips():
    r = compute(Config(depth=8, activation="relu", init="zeros", residual=True))
    np.testing.assert_allclose(r.log10_grad, 0.0, atol=1e-15)


def test_sigmoid_xavier_depth_16_loses_about_nine_decades():
    r = compute(Config(depth=16, activation="sigmoid", init="xavier_normal"))
    assert 1e-11 <= 10**r.log10_grad_first <= 1e-8
    assert np.all(r.deriv_gain <= 0.25)  # sigmoid' ≤ 1/4, so each factor ≤ 1/4 at σ_w = 1
    # the textbook bound: 0.25^15 ≈ 9.3e-10 is an upper bound on grad_1
    assert r.log10_grad_first <= 15 * math.log10(0.25)
    assert r.regime == "vanishing"


def test_tanh_xavier_loses_about_a_decade_over_fifty_layers():
    # χ₁ = 1 at the origin, but q_l shrinks only like 1/l, so the factors stay below 1 all the way
    r = compute(Config(depth=50, activation="tanh", init="xavier_normal"))
    assert -1.0 < r.log10_grad_input < -0.8
    assert np.all(np.diff(r.q) < 0)


def test_residual_factor_is_root_one_plus_alpha_squared_chi():
    c = Config(depth=10, activation="tanh", init="he_normal", residual=True, residual_scale=0.7)
    r = compute(c)
    chi = (r.weight_gain * r.deriv_gain) ** 2
    np.testing.assert_allclose(10**r.log10_factor, np.sqrt(1 + 0.49 * chi), rtol=1e-12)


def test_relu_he_residual_grows_root_two_per_layer():
    r = compute(Config(depth=100, activation="relu", init="he_normal", residual=True))
    np.testing.assert_allclose(10**r.log10_factor, math.sqrt(2), rtol=1e-12)
    assert r.regime == "exploding"


def test_layer_norm_divides_by_the_pre_activation_std():
    c = Config(depth=6, activation="relu", init="he_normal", weight_scale=3.0, norm="layer")
    r = compute(c)
    q = r.q
    chi = c.sigma_w2 * 0.5 / (q + NORM_EPS)  # relu: E[f'²] = 1/2 at any variance
    np.testing.assert_allclose(10 ** (2 * r.log10_factor), chi, rtol=1e-10)
    np.testing.assert_allclose(r.norm_gain, 1 / np.sqrt(q + NORM_EPS), rtol=1e-12)


def test_bias_raises_the_variance():
    a = compute(Config(depth=5, activation="tanh"))
    b = compute(Config(depth=5, activation="tanh", bias_std=0.5))
    assert b.q[0] == pytest.approx(a.q[0] + 0.25, rel=1e-14)


# -- log space and extremes ----------------------------------------------------------------------
def test_sigmoid_depth_1000_is_a_finite_number():
    r = compute(Config(depth=1000, activation="sigmoid"))
    assert math.isfinite(r.log10_grad_first)
    assert -640 < r.log10_grad_first < -620
    doc = r.to_json()
    assert doc["summary"]["log10_grad_first"] == pytest.approx(r.log10_grad_first)
    assert doc["layers"][0]["grad"] is None  # 1e-626 is not a float64


def test_depth_ten_thousand_exploding_stays_finite_in_log_space():
    r = compute(Config(depth=10_000, activation="relu", init="normal", weight_scale=1000.0, width=4096))
    assert np.all(np.isfinite(r.log10_grad)) and r.log10_grad_first > 1e4
    assert np.all(np.isfinite(r.log10_act_std))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("norm", ["none", "layer"])
def test_every_activation_is_warning_free_at_the_extremes(name, residual, norm):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for ws, bias in ((1e-3, 0.0), (1000.0, 100.0), (1.0, 0.0)):
            r = compute(Config(depth=300, activation=name, init="normal", weight_scale=ws, bias_std=bias,
                               residual=residual, norm=norm, width=4096))
            assert not np.any(np.isnan(r.log10_grad))
            json.dumps(r.to_json(), allow_nan=False)


def test_presets_give_the_regimes_their_captions_promise():
    expect = {"sigmoid_deep": "vanishing", "relu_xavier": "vanishing", "relu_he": "stable",
              "too_large": "exploding", "sigmoid_residual": "stable", "relu_residual": "exploding",
              "relu_residual_scaled": "stable", "orthogonal_linear": "stable", "zero_init": "vanishing",
              "tanh_chaotic": "exploding", "sigmoid_layernorm": "vanishing", "tanh_xavier": "stable",
              "rnn_explode": "exploding", "rnn_vanish": "vanishing",
              "sigmoid_batchnorm": "stable", "relu_batchnorm": "exploding",
              "relu_batchnorm_b8": "exploding", "batchnorm_b4": "exploding",
              "batchnorm_b256": "exploding", "batchnorm_residual": "stable",
              "sigmoid_rmsnorm": "vanishing"}
    assert set(expect) == set(PRESETS)
    for name, regime in expect.items():
        assert compute(PRESETS[name].config()).regime == regime, name


# -- the vectorised chain agrees with the scalar one ----------------------------------------------
@pytest.mark.parametrize(
    "kw",
    [
        dict(activation="tanh", init="xavier_normal", bias_std=0.3),
        dict(activation="sigmoid", init="he_normal", residual=True, residual_scale=0.5),
        dict(activation="gelu", init="lecun_normal", norm="layer", bias_std=0.1),
        dict(activation="elu", init="he_normal", residual=True, norm="layer"),
    ],
)
def test_grid_matches_single_config(kw):
    scales = np.array([0.5, 1.0, 1.7])
    grid = log10_grad_first_grid(
        kw["activation"], 30, Config(**kw).sigma_w2 * scales**2, kw.get("bias_std", 0.0) ** 2,
        residual=kw.get("residual", False), residual_scale=kw.get("residual_scale", 1.0), norm=kw.get("norm", "none"),
    )
    single = [compute_expected(Config(depth=30, weight_scale=s, **kw)).log10_grad_first for s in scales]
    np.testing.assert_allclose(grid, single, atol=1e-9)
