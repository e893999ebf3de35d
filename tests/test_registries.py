"""Activation and init registries: derivatives, variances, orthogonality."""

import math

import numpy as np
import pytest

from gradtui.engine import ACTIVATIONS, INITS
from gradtui.engine.inits import base_draw

Z = np.concatenate([np.linspace(-12, -1e-2, 300), np.linspace(1e-2, 12, 300)])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_central_differences(name):
    act = ACTIVATIONS[name]
    h = 1e-6
    fd = (act.f(Z + h) - act.f(Z - h)) / (2 * h)
    df = act.df(Z)
    np.testing.assert_allclose(df, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_is_finite_and_silent_at_extremes(name):
    act = ACTIVATIONS[name]
    z = np.array([-1e308, -1e5, -800.0, -50.0, 0.0, 50.0, 800.0, 1e5, 1e308])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="raise"):
        f = act.f(z)
        df = act.df(z)
    assert np.all(np.isfinite(df))
    assert not np.any(np.isnan(f))


def test_sigmoid_derivative_never_exceeds_a_quarter():
    z = np.linspace(-20, 20, 10001)
    assert ACTIVATIONS["sigmoid"].df(z).max() == pytest.approx(0.25, abs=1e-12)


@pytest.mark.parametrize("name", sorted(INITS))
def test_init_sigma_w2_matches_table(name):
    init = INITS[name]
    n = 1024
    w = init.sample(np.random.default_rng(0), n)
    measured = n * float(np.mean(w * w))  # N·Var(W) with known zero mean
    expected = init.sigma_w2(n)
    if expected == 0:
        assert measured == 0
    else:
        assert measured == pytest.approx(expected, rel=0.03)


def test_table_values_of_sigma_w2():
    n = 300
    table = {"xavier_normal": 1, "xavier_uniform": 1, "he_normal": 2, "he_uniform": 2,
             "lecun_normal": 1, "orthogonal": 1, "normal": n, "zeros": 0}
    assert {k: INITS[k].sigma_w2(n) for k in table} == table


def test_orthogonal_is_orthogonal():
    w = INITS["orthogonal"].sample(np.random.default_rng(3), 256)
    np.testing.assert_allclose(w.T @ w, np.eye(256), atol=1e-12)
    stack = base_draw(np.random.default_rng(4), "orthogonal", 32, count=5)
    for q in stack:
        np.testing.assert_allclose(q.T @ q, np.eye(32), atol=1e-12)


def test_orthogonal_sign_correction_makes_diagonal_unbiased():
    # without the sign fix, QR's R has a positive diagonal and Q is not Haar: diag(Q) skews
    diag = np.concatenate([np.diag(base_draw(np.random.default_rng(s), "orthogonal", 8)) for s in range(400)])
    assert abs(diag.mean()) < 0.05


def test_uniform_bounds():
    w = INITS["he_uniform"].sample(np.random.default_rng(0), 64)
    assert np.abs(w).max() <= math.sqrt(6 / 64)
