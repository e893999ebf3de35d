"""The chain engine (one neuron per layer), torch_linear, and inputs/biases with a mean (issue 12)."""

from __future__ import annotations

import json
import math

import mpmath as mp
import numpy as np
import pytest

from gradtui.engine import ACTIVATIONS, Config, compute
from gradtui.engine.expected import gaussian_expectation
from gradtui.engine.weights import network

mp.mp.dps = 60


# -- ln|f'| against mpmath ----------------------------------------------------------------------
def _mp_sig(t):
    return 1 / (1 + mp.e ** (-t))


MP_DF = {
    "linear": lambda t: mp.mpf(1),
    "sigmoid": lambda t: _mp_sig(t) * _mp_sig(-t),
    "tanh": lambda t: mp.sech(t) ** 2,
    "relu": lambda t: mp.mpf(1) if t > 0 else mp.mpf(0),
    "leaky_relu": lambda t: mp.mpf(1) if t > 0 else mp.mpf("0.01"),
    "elu": lambda t: mp.mpf(1) if t > 0 else mp.e**t,
    "gelu": lambda t: mp.ncdf(t) + t * mp.npdf(t),
    "silu": lambda t: _mp_sig(t) * (1 + t * _mp_sig(-t)),
    "softplus": _mp_sig,
}
Z_TAILS = [-1000.0, -300.0, -40.0, -12.0, -10.5, -9.5, -3.0, -0.5, 0.0, 0.3, 2.0, 15.0, 50.0, 800.0]


def test_every_activation_has_a_reference():
    assert set(MP_DF) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_log_abs_df_is_exact_in_the_tails(name):
    got = ACTIVATIONS[name].log_abs_df(np.array(Z_TAILS))
    for z, g in zip(Z_TAILS, got):
        ref = MP_DF[name](mp.mpf(z))
        if ref == 0:
            assert g == -math.inf, z
            continue
        r = float(mp.log(abs(ref)))
        assert g == pytest.approx(r, rel=1e-12, abs=1e-12), z


# -- the chain against a plain loop ---------------------------------------------------------------
def _plain_loop(act, depth, w, b, x0):
    """The recursion in plain float64: per-layer factors |w·f'(z)|."""
    x, factors = x0, []
    for _ in range(depth):
        z = w * x + b
        factors.append(abs(w * float(act.df(np.array([z]))[0])))
        x = float(act.f(np.array([z]))[0])
    return factors


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("w, b, x0", [(1.0, 0.0, 0.0), (1.3, 0.2, 0.5), (0.7, -0.4, -1.5), (2.5, 0.1, 3.0)])
def test_chain_reproduces_a_plain_loop(name, w, b, x0):
    depth = 12
    r = compute(Config(mode="chain", depth=depth, activation=name, weight_scale=w, bias_mean=b,
                       input_mean=x0))
    factors = _plain_loop(ACTIVATIONS[name], depth, w, b, x0)
    grads = [math.prod(factors[i + 1:]) for i in range(depth)]
    np.testing.assert_allclose(r.weight_gain, w)
    for i in range(depth):
        if factors[i] == 0.0:
            assert r.log10_factor[i] == -math.inf
        else:
            assert 10 ** r.log10_factor[i] == pytest.approx(factors[i], rel=1e-12)
        if grads[i] == 0.0:
            assert r.log10_grad[i] == -math.inf
        else:
            assert 10 ** r.log10_grad[i] == pytest.approx(grads[i], rel=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "gelu", "silu"])
def test_a_chain_at_its_fixed_point_is_the_plain_loop_too(name):
    # long enough to reach the fixed point, which the engine then copies upward
    depth, w, b, x0 = 300, 1.1, 0.3, 2.0
    r = compute(Config(mode="chain", depth=depth, activation=name, weight_scale=w, bias_mean=b,
                       input_mean=x0))
    factors = _plain_loop(ACTIVATIONS[name], depth, w, b, x0)
    expect = sum(math.log10(f) for f in factors)
    assert r.log10_grad_input == pytest.approx(expect, rel=1e-12)
    np.testing.assert_allclose(10 ** r.log10_factor, factors, rtol=1e-12)


@pytest.mark.parametrize("w, depth, expect", [
    (0.9, 51, 0.9**50), (0.2, 11, 0.2**10), (2.0, 11, 2.0**10), (0.2 * 0.9, 11, (0.2 * 0.9) ** 10),
])
def test_linear_chains_give_the_textbook_numbers(w, depth, expect):
    r = compute(Config(mode="chain", activation="linear", depth=depth, weight_scale=w))
    assert r.to_json()["layers"][0]["grad"] == pytest.approx(expect, rel=1e-13)
    # "weight_scale × f'": a factor 0.2 of f' and 0.9 of the weight is the same chain
    assert r.log10_grad_input == pytest.approx(depth * math.log10(w), rel=1e-13)


def test_sigmoid_chain_at_depth_10000_is_a_finite_log():
    r = compute(Config(mode="chain", activation="sigmoid", depth=10_000))
    data = r.to_json()
    assert math.isfinite(r.log10_grad_input) and r.log10_grad_input < -6000
    assert data["summary"]["grad_first"] is None  # below float64 ...
    assert data["summary"]["log10_grad_first"] == pytest.approx(r.log10_grad_first)  # ... a number
    # the chain sits at the fixed point x* = σ(x*) (x* ≈ 0.659), factor σ'(x*) ≈ 0.2247
    assert 10 ** r.log10_factor[-1] == pytest.approx(0.2247, abs=1e-4)


def test_dead_relu_chain_is_exactly_zero():
    r = compute(Config(mode="chain", activation="relu", depth=6, input_mean=-1.0))
    data = json.loads(json.dumps(r.to_json(), allow_nan=False))
    assert all(row["grad"] == 0.0 and row["log10_grad"] is None for row in data["layers"][:-1])
    assert data["summary"]["grad_input"] == 0.0 and data["summary"]["log10_grad_input"] is None
    assert data["config"]["mode"] == "chain"
    assert [row["x"] for row in data["layers"]] == [0.0] * 6


def test_chain_tails_stay_numbers():
    # 2^10000: x passes 1e308, its log does not
    r = compute(Config(mode="chain", activation="relu", depth=10_000, weight_scale=2.0, input_mean=1.0))
    assert r.log10_grad_input == pytest.approx(10_000 * math.log10(2.0), rel=1e-12)
    assert r.chain_log10_abs_x[-1] == pytest.approx(10_000 * math.log10(2.0), rel=1e-12)
    for name in ACTIVATIONS:
        for x0 in (-1.0, 1.0):
            r = compute(Config(mode="chain", activation=name, depth=3000, weight_scale=3.0, input_mean=x0))
            assert not np.isnan(r.log10_grad).any(), name
            json.dumps(r.to_json(), allow_nan=False)


def test_chain_ignores_what_does_not_apply():
    a = compute(Config(mode="chain", activation="tanh", depth=20, weight_scale=1.5, bias_mean=0.3))
    b = compute(Config(mode="chain", activation="tanh", depth=20, weight_scale=1.5, bias_mean=0.3,
                       init="he_normal", width=7, batch=3, seed=9, bias_std=2.0, input_std=5.0))
    np.testing.assert_array_equal(a.log10_grad, b.log10_grad)


# -- torch_linear -----------------------------------------------------------------------------
def test_torch_linear_draws_like_reset_parameters():
    n = 1024
    net = network(Config(mode="sampled", init="torch_linear", width=n, depth=2, batch=4))
    w = net.weight(0)
    assert abs(w.var() - 1 / (3 * n)) < 0.03 / (3 * n)
    assert np.abs(w).max() <= 1 / math.sqrt(n)
    assert net.bias is not None and np.abs(net.bias).max() <= 1 / math.sqrt(n)
    assert net.bias.var() == pytest.approx(1 / (3 * n), rel=0.05)
    # an explicit bias_std replaces the init's own bias
    net = network(Config(mode="sampled", init="torch_linear", width=n, depth=2, batch=4, bias_std=0.5))
    assert net.bias.std() == pytest.approx(0.5, rel=0.05) and np.abs(net.bias).max() > 1.0


def test_torch_linear_relu_loses_half_log_one_sixth_per_layer():
    r = compute(Config(init="torch_linear", activation="relu", depth=16))
    assert r.config.sigma_w2 == pytest.approx(1 / 3) and r.config.sigma_b2 == pytest.approx(1 / (3 * 256))
    # log10_grad_input carries all 16 factors √(σ_w²·½) = √(1/6)
    assert r.log10_grad_input == pytest.approx(16 * 0.5 * math.log10(1 / 6), rel=1e-12)


# -- Gaussian expectations with a mean ------------------------------------------------------------
MP_F = {"sigmoid": _mp_sig, "tanh": mp.tanh, "relu": lambda t: max(t, 0), "elu": lambda t: t if t > 0 else mp.e**t - 1,
        "gelu": lambda t: t * mp.ncdf(t), "softplus": lambda t: mp.log(1 + mp.e**t)}


@pytest.mark.parametrize("name", list(MP_F))
def test_shifted_gaussian_expectations_match_mpmath(name):
    act = ACTIVATIONS[name]
    mp.mp.dps = 25
    for mean in (-3.0, -0.3, 0.7, 127.5):
        for q in (1e-4, 1.0, 30.0, 2e4):
            s = mp.sqrt(q)
            pts = sorted({mean - 14 * s, mean + 14 * s} | {c for c in (0, -1, 1, -4, 4, -16, 16)
                                                            if mean - 14 * s < c < mean + 14 * s})
            for g, mg in ((lambda z: act.f(z) ** 2, lambda t: MP_F[name](t) ** 2),
                          (lambda z: act.df(z) ** 2, None)):
                if mg is None:
                    continue
                ref = mp.quad(lambda t: mg(t) * mp.npdf(t, mean, s), pts)
                if ref < 1e-250:
                    continue
                got = gaussian_expectation(g, q, act.kinks, mean=mean)
                assert got == pytest.approx(float(ref), rel=1e-11), (mean, q)
    mp.mp.dps = 60


# -- expected vs sampled with means --------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("extra", [dict(input_mean=3.0, input_std=10.0),
                                   dict(bias_mean=0.4, bias_std=0.2, input_mean=-1.0)])
def test_expected_agrees_with_sampled_with_means(name, extra):
    base = Config(activation=name, depth=6, init="he_normal" if name == "relu" else "xavier_normal", **extra)
    theory = compute(base)
    runs = np.array([compute(base.replace(mode="sampled", width=1024, batch=16, seed=s)).log10_factor
                     for s in range(5)])
    mean, sd = runs.mean(axis=0), runs.std(axis=0, ddof=1)
    # per layer within 4 standard errors of the seeds, plus a finite-width allowance
    tol = 4 * sd / math.sqrt(5) + 0.01
    assert np.all(np.abs(mean - theory.log10_factor) < tol), (mean, theory.log10_factor, tol)
