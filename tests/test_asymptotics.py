"""Large-q asymptotics beyond the mean-field tables (q > 1e12) against mpmath references.

Tolerances, and why: the reference is evaluated at q = exp(u) for the very float u the engine is
given, so only the engine's own error is measured, and it is held to 2e-15 + 4 ulp of the value in
absolute terms (for ln E[f'²] ≈ −0.69 and E[f]/√E[f²] that is ~10 ulp of an O(1) number). The logs
that grow with q (ln E[f²] ≈ u − ln 2, or a bounded activation's ln E[f'²] ≈ −u/2) are sums with u
and cannot round better than an ulp of u itself (1.1e-13 at q = 1e300), hence the ulp term.
"""

import math

import mpmath as mp
import numpy as np
import pytest
from test_expected import MP_ACTS

from gradtui.engine import ACTIVATIONS, Config
from gradtui.engine.asymptotics import large_q, moments, moments_scalar
from gradtui.engine.expected import compute_expected, tables

QS = [1e12, 1e13, 1e20, 1e100, 1e300]
_T = tables("relu")
#: the tables' last node, u = ln q ≈ 27.62 (q ≈ 9.9e11): past it the asymptotics take over
U_EDGE = _T.log_d.u0 + (_T.log_d.n - 1) * _T.log_d.h
MEANS = [0.0, 0.7]
_DPS = 30


#: the line each activation follows on each side: f(z) = k·z + c + (a part below e^-|z|/2 past |z| = 8)
LINES = {  # (k+, c+, k-, c-)
    "linear": (1, 0, 1, 0), "sigmoid": (0, 1, 0, 0), "tanh": (0, 1, 0, -1), "relu": (1, 0, 0, 0),
    "leaky_relu": (1, 0, mp.mpf("0.01"), 0), "elu": (1, 0, 0, -1), "gelu": (1, 0, 0, 0),
    "silu": (1, 0, 0, 0), "softplus": (1, 0, 0, 0),
}
#: past ±_CORE every activation is its line to e^-120 relative (gelu's remainder is e^-z²/2)
_CORE = 240


def _line_tail(kind, k, c, q, mean):
    """E[g(z)·1[|z| > _CORE]] in closed form for the line's g: f'² = k², f² = (kz + c)², f = kz + c
    (truncated-Gaussian moments: E[1], E[z], E[z²] on each tail)."""
    s = mp.sqrt(q)
    total = mp.mpf(0)
    for side in (1, -1):
        kk, cc = k[side], c[side]
        a = (side * _CORE - mean) / s  # the tail is side·x > side·a
        p0 = mp.ncdf(-side * a)
        pdf = mp.npdf(a)
        e1 = mean * p0 + side * s * pdf
        e2 = (mean * mean + q) * p0 + side * s * pdf * (mean + side * _CORE)
        total += {"d": kk * kk * p0, "v": kk * kk * e2 + 2 * kk * cc * e1 + cc * cc * p0,
                  "m": kk * e1 + cc * p0}[kind]
    return total


def mp_expect(g, q, mean, name, kind):
    """E[g(z)], z ~ N(mean, q) (q ≥ 1), of g = f'² ("d"), f² ("v") or f ("m") of activation ``name``:
    tanh-sinh on |z| ≤ _CORE (panels at 0, ±1, ±4, ±16, ±64) with the exact density, plus the line's
    part outside in closed form."""
    kp, cp, km, cm = LINES[name]
    pts = sorted([mp.mpf(0), *(sg * mp.mpf(k) for k in (1, 4, 16, 64) for sg in (1, -1))])
    # the density's constant outside: mp.quad stops on an absolute error, so keep the integrand O(1)
    bump = lambda z: mp.exp(-(z - mean) ** 2 / (2 * q))  # noqa: E731
    core = mp.quad(lambda z: g(z) * bump(z), [-_CORE, *pts, _CORE]) / mp.sqrt(2 * mp.pi * q)
    return core + _line_tail(kind, {1: kp, -1: km}, {1: cp, -1: cm}, q, mean)


def mp_moments(name, u, mean):
    """(ln E[f'²], ln E[f²], ln Var f, E[f]/√E[f²]) at q = e^u by mpmath."""
    f, df = MP_ACTS[name]
    with mp.workdps(_DPS):
        q, mu = mp.exp(mp.mpf(u)), mp.mpf(mean)
        d = mp_expect(lambda z: df(z) ** 2, q, mu, name, "d")
        v = mp_expect(lambda z: f(z) ** 2, q, mu, name, "v")
        m = mp_expect(f, q, mu, name, "m")
        return float(mp.log(d)), float(mp.log(v)), float(mp.log(v - m * m)), float(m / mp.sqrt(v))


@pytest.mark.parametrize("mean", MEANS)
@pytest.mark.parametrize("q", QS)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_large_q_moments_match_mpmath(name, q, mean):
    u = math.log(q)
    t = tables(name, mean)
    ref = mp_moments(name, u, mean)
    ours = (t.log_d.scalar(u), t.log_v.scalar(u), t.log_var.scalar(u), t.mean_ratio.scalar(u))
    vec = (t.log_d(u), t.log_v(u), t.log_var(u), t.mean_ratio(u))
    # relu, leaky relu and linear at mean 0 continue the table's straight lines, whose slopes are exact
    # to the quadrature's ~3e-17: 2e-14 at most by q = 1e300, on an edge value good to ~3e-15 (what
    # keeps their goldens unchanged)
    drift = 3e-17 * (u - U_EDGE) if large_q(name, mean).homogeneous else 0.0
    for what, o, w, r in zip(("ln D", "ln V", "ln Var", "M/√V"), ours, vec, ref):
        assert abs(o - r) <= 2e-15 + drift + 4 * math.ulp(r), (name, q, mean, what, o, r, o - r)
        assert abs(float(w) - o) <= 1e-15 + 4 * math.ulp(o), (name, q, what)  # the vectorised path


RELU_LIKE = ["elu", "gelu", "silu", "softplus"]


@pytest.mark.parametrize("name", ["linear", "leaky_relu", "relu"])
def test_homogeneous_activations_keep_the_tables_straight_lines(name):
    """At mean 0 their moments are exactly homogeneous (E[f'²] constant, E[f²] ∝ q): no asymptotic
    tail and no curvature term, the tables' own lines carry on (so their results stay bit-for-bit what
    they were), and with a mean they are no longer homogeneous and get both."""
    t = tables(name)
    assert large_q(name).homogeneous and not large_q(name, 0.7).homogeneous
    for table in (t.log_d, t.log_v, t.log_var, t.mean_ratio):
        assert table.upper is None and table.d2y is None
    assert tables(name, 0.7).log_d.upper is not None and tables(name, 0.7).log_d.d2y is not None
    u = np.linspace(U_EDGE, math.log(1e300), 50)
    limit = math.log((large_q(name).k[0] ** 2 + large_q(name).k[1] ** 2) / 2)
    np.testing.assert_allclose(t.log_d(u), limit, rtol=0, atol=3e-14)
    np.testing.assert_allclose(t.log_v(u), u + limit, rtol=4e-16, atol=3e-14)  # ln V ≈ u: its ulp counts


@pytest.mark.parametrize("name", RELU_LIKE)
def test_derivative_moment_tends_to_its_limit_monotonically_from_one_side(name):
    """E[f'²] → (k₊² + k₋²)/2 from the side of ∫(f'² − k±²) dz and never crosses it: from below for
    softplus (σ² < 1[z>0] integrated: −1), from above for elu, gelu and silu (their f' overshoots)."""
    lq = large_q(name)
    limit = (lq.k[0] ** 2 + lq.k[1] ** 2) / 2
    u = np.linspace(U_EDGE, math.log(1e300), 400)
    d = np.exp(tables(name).log_d(u))
    side = np.sign(lq.rd[0])
    assert np.all(side * (d - limit) >= 0.0)
    assert np.all(np.diff(np.abs(d - limit)) <= 0.0)
    if name == "softplus":
        assert np.all(d <= 0.5) and lq.rd[0] == pytest.approx(-1.0, abs=1e-14)
    assert abs(d[-1] - limit) <= 1e-16
    # and E[f²]/q → the same constant (the linear parts' second moment)
    assert tables(name).log_v.scalar(math.log(1e300)) - math.log(1e300) == pytest.approx(math.log(limit), abs=1e-13)


@pytest.mark.parametrize("mean", [0.0, 0.7, -3.0])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_continuous_at_the_table_edge(name, mean):
    """The table's last value and the asymptotics at the same q differ by less than the table's own
    accuracy (measured up to 9e-11 in ln with a mean, ~1e-11 without; budget 2e-10)."""
    t = tables(name, mean)
    lq = large_q(name, mean)
    inside = (t.log_d.y[-1], t.log_v.y[-1], t.log_var.y[-1], t.mean_ratio.y[-1])
    beyond = moments_scalar(lq, U_EDGE)
    # the vectorised path (NumPy's ndtr, not math.erfc) agrees to a few ulp
    np.testing.assert_allclose(beyond, [x[0] for x in moments(lq, np.array([U_EDGE]))], rtol=1e-15, atol=1e-15)
    for a, b in zip(inside, beyond):
        assert abs(a - b) <= 2e-10, (name, mean, a, b)
    # just past the edge the table hands over to the asymptotics (or, exactly homogeneous, goes on straight)
    if not lq.homogeneous:
        assert t.log_d.scalar(U_EDGE + 1e-9) == moments_scalar(lq, U_EDGE + 1e-9)[0]


def _mp_chain(config, name, depth):
    """log10 q_l per layer and Σ log10 of the factors √(σ_w²·E[f'²](q_l)) (layers 2..L) of the
    mean-field recursion, by mpmath."""
    f, df = MP_ACTS[name]
    with mp.workdps(20):
        sw2, sb2 = mp.mpf(config.sigma_w2), mp.mpf(config.sigma_b2)
        p = mp.mpf(config.input_mean) ** 2 + mp.mpf(config.input_std) ** 2
        total, log10_q, zero = mp.mpf(0), [], mp.mpf(0)
        for layer in range(1, depth + 1):
            q = sw2 * p + sb2
            p = mp_expect(lambda z: f(z) ** 2, q, zero, name, "v")
            if layer >= 2:
                total += mp.log10(sw2 * mp_expect(lambda z: df(z) ** 2, q, zero, name, "d")) / 2
            log10_q.append(float(mp.log10(q)))
        return float(total), np.array(log10_q)


@pytest.mark.parametrize("name", ["softplus", "gelu"])
def test_depth_200_run_far_beyond_the_table_matches_an_mpmath_recursion(name):
    """σ_w² = 4 doubles q per layer: it leaves the table at layer ~41 and ends near q = 1e60. Past the
    edge the asymptotics add nothing: the gap in log10 q stays put to 1e-12 decades over 160 layers
    (linear extrapolation made it grow by ~1e-3), and the summed log10 gradient agrees with mpmath to
    1e-12 decades (measured 7e-15; was ~8e-3). The gap itself, carried from the first layers inside the
    table, is measured at 1.4e-13 decades (2e-9 with the cubic tables); budget 5e-13."""
    config = Config(depth=200, width=64, activation=name, init="he_normal", weight_scale=math.sqrt(2.0),
                    mode="expected", bias_std=0.0)
    result = compute_expected(config)
    ref_total, ref_log10_q = _mp_chain(config, name, 200)
    gap = np.log10(result.q) - ref_log10_q
    beyond = ref_log10_q > 12.5
    assert ref_log10_q[-1] > 50 and beyond.sum() > 150
    assert np.ptp(gap[beyond]) <= 1e-12, np.ptp(gap[beyond])
    assert np.all(np.abs(gap) <= 5e-13), np.abs(gap).max()
    assert float(np.sum(result.log10_factor[1:])) == pytest.approx(ref_total, abs=1e-12)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_mean_zero_polynomials_are_the_general_formula(name):
    """At mean 0 the tails are polynomials in e = q^(-1/2) (the fast path): the same numbers as the
    general formula to a few ulp, whatever order the four moments are asked for in (the last (V, M)
    is shared between them) and for arrays as for floats."""
    lq = large_q(name)
    if lq.homogeneous:
        pytest.skip("no tail: the table's straight lines go on")
    t = tables(name)
    fields = (t.log_d, t.log_v, t.log_var, t.mean_ratio)
    us = np.linspace(U_EDGE + 0.01, math.log(1e300), 97)
    rng = np.random.default_rng(5)
    for u in us:
        ref = moments_scalar(lq, float(u))
        for k in rng.permutation(4):  # interleave: another u's cache must never leak in
            got = fields[k].upper.scalar(float(u))
            assert abs(got - ref[k]) <= 8 * math.ulp(ref[k]) + 1e-16, (name, u, k, got, ref[k])
            other = float(rng.uniform(U_EDGE, 700.0))
            assert fields[k].upper.scalar(other) == pytest.approx(moments_scalar(lq, other)[k], rel=1e-14, abs=1e-16)
    for k in range(4):
        np.testing.assert_allclose(fields[k].upper(us), [moments_scalar(lq, float(u))[k] for u in us],
                                   rtol=2e-15, atol=1e-16)
