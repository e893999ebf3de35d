"""Activation, init and normalisation registries: derivatives, variances, orthogonality."""

import math

import numpy as np
import pytest

from gradtui.engine import ACTIVATIONS, INITS
from gradtui.engine.inits import base_draw
from gradtui.engine.norms import NORM_EPS, NORMALISATIONS

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


@pytest.fixture(params=[False, True], ids=["one_exp", "np_tanh"])
def tanh_path(request, monkeypatch):
    """Both ways the registry and the fused kernel take tanh, whichever this CPU would choose:
    the one-exponential form with the series near zero, and np.tanh (AVX-512 CPUs)."""
    from gradtui.engine import activations

    monkeypatch.setattr(activations, "native_tanh", lambda: request.param)
    return request.param


@pytest.fixture
def one_exp_tanh(monkeypatch):
    from gradtui.engine import activations

    monkeypatch.setattr(activations, "native_tanh", lambda: False)


def test_native_tanh_is_chosen_where_numpy_runs_its_avx512_loop():
    """np.tanh where NumPy dispatches float64 tanh to an AVX-512 target on this CPU, the
    one-exponential form on any other (AVX2 CPUs: np.tanh was 1.3-3x slower there)."""
    from gradtui.engine.activations import native_tanh

    introspect = pytest.importorskip("numpy.lib.introspect")
    info = introspect.opt_func_info(func_name="^tanh$", signature="^(float64|d)$")["tanh"]
    (current,) = {v["current"] for v in info.values()}
    assert native_tanh() == (current == "X86_V4" or current.startswith("AVX512"))


def test_np_tanh_of_a_value_does_not_depend_on_its_neighbours():
    """What lets the fused kernel use np.tanh on whole arrays and the registry on any slice: the
    same value alone, at every offset and stride, and in the array (whichever loop this CPU runs)."""
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.standard_normal(2000) * s for s in (0.05, 0.5, 3.0, 30.0)]
                       + [np.array([0.0, -0.0, 5e-324, np.inf, -np.inf, np.nan, 19.06, 710.0])])
    whole = np.tanh(z)
    alone = np.array([np.tanh(np.array([x]))[0] for x in z])
    np.testing.assert_array_equal(alone, whole)
    for k in range(1, 9):
        np.testing.assert_array_equal(np.tanh(z[k:]), whole[k:])
        np.testing.assert_array_equal(np.tanh(z[::k]), whole[::k])
        n = 64 * k + 3  # a whole number of vectors and a short tail
        np.testing.assert_array_equal(np.tanh(z[k : k + n].reshape(1, -1)), whole[k : k + n][None])


def test_tanh_is_within_three_ulp_of_the_correctly_rounded_one(tanh_path):
    """The registry's tanh (one exponential, shared with sech², or np.tanh) against mpmath at 50
    digits; within 1 ulp near zero either way."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    rng = np.random.default_rng(7)
    z = np.concatenate([rng.standard_normal(3000) * s for s in (0.1, 0.5, 2.0, 10.0)]
                       + [np.array([0.0, -0.0, 5e-324, 1e-300, 0.25, -0.25, 0.2500000001, 19.0,
                                    40.0, 710.0, -1e300, np.inf, -np.inf])])
    f = ACTIVATIONS["tanh"].f(z)
    exact = np.array([float(mpmath.tanh(mpmath.mpf(float(x)))) for x in z])
    ulps = np.abs(f - exact) / np.spacing(np.maximum(np.abs(exact), 5e-324))
    assert ulps.max() <= 3.0, z[np.argmax(ulps)]
    near = np.abs(z) < 0.25  # the series there: within 1 ulp, as np.tanh
    assert ulps[near].max() <= 1.0, z[near][np.argmax(ulps[near])]
    if tanh_path:  # np.tanh: within 1 ulp everywhere
        assert ulps.max() <= 1.0, z[np.argmax(ulps)]
    assert np.signbit(ACTIVATIONS["tanh"].f(np.array([-0.0])))[0]
    assert np.isnan(ACTIVATIONS["tanh"].f(np.array([np.nan])))[0]
    assert float(ACTIVATIONS["tanh"].f(0.1)) == math.tanh(0.1)
    assert float(ACTIVATIONS["tanh"].f(3.0)) == pytest.approx(math.tanh(3.0), rel=1e-15)


def test_tanh_series_near_zero_is_within_one_ulp_and_the_same_however_it_is_reached(one_exp_tanh):
    """|z| < 1/4: the series (Horner in z²) against mpmath, down to subnormals; the fused kernel
    evaluates it over the whole array (most entries near zero) or over the gathered entries (few),
    and both give the registry's values bit for bit."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    from gradtui.engine.activations import tanh_near_zero
    from gradtui.engine.kernels import NEAR_WHOLE, f_and_df_into

    rng = np.random.default_rng(11)
    z = np.concatenate([rng.uniform(-0.25, 0.25, 4000), np.geomspace(5e-324, 0.2499999, 600),
                        -np.geomspace(1e-300, 0.2499999, 300), [0.0, -0.0]])
    got = tanh_near_zero(z, np.empty_like(z), np.empty_like(z), np.empty_like(z))
    exact = np.array([float(mpmath.tanh(mpmath.mpf(float(x)))) for x in z])
    ulps = np.abs(got - exact) / np.spacing(np.maximum(np.abs(exact), 5e-324))
    assert ulps.max() <= 1.0, z[np.argmax(ulps)]
    assert np.array_equal(np.signbit(got), np.signbit(z))
    tanh = ACTIVATIONS["tanh"]
    for far_per_near in (0.05, 3.0):  # most entries near zero (whole array), then few (gathered)
        n_far = int(far_per_near * z.size)
        zz = rng.permutation(np.concatenate([z, rng.uniform(0.3, 30.0, n_far) * rng.choice([-1, 1], n_far)]))
        zz = zz.reshape(1, -1)
        near = np.abs(zz) < 0.25
        assert (near.mean() > NEAR_WHOLE) == (far_per_near < 1.0)
        f, d = np.empty_like(zz), np.empty_like(zz)
        f_and_df_into(tanh, zz, f, d, np.empty_like(zz), np.empty_like(zz))
        np.testing.assert_array_equal(f, tanh.f(zz))
        np.testing.assert_array_equal(d, tanh.df(zz))
        by_value = dict(zip(z.tolist(), got.tolist()))
        assert all(by_value[a] == b or (a == 0.0) for a, b in zip(zz[near].tolist(), f[near].tolist()))


def test_tanh_kernel_goes_block_by_block_and_allocates_nothing_of_the_arrays_size(tanh_path):
    """Across blocks of kernels.BLOCK entries that differ (most entries near zero, few, half,
    none, all, a short last block), contiguous or not, the fused tanh gives the registry's values
    bit for bit; and on contiguous arrays what it allocates (a block's mask and the gathered
    entries' indices) is bounded by the block, not the array: under a tenth of an array of 16
    blocks (the memory budget counts only the workspace)."""
    import tracemalloc

    from gradtui.engine.kernels import BLOCK, f_and_df_into

    rng = np.random.default_rng(5)
    far = lambda n: rng.uniform(0.3, 30.0, n) * rng.choice([-1, 1], n)  # noqa: E731
    near = lambda n: rng.uniform(-0.25, 0.25, n)  # noqa: E731
    mixed = lambda n_near, n_far: rng.permutation(np.concatenate([near(n_near), far(n_far)]))  # noqa: E731
    blocks = [mixed(BLOCK - 900, 900), mixed(700, BLOCK - 700), far(BLOCK), near(BLOCK),
              mixed(BLOCK // 2, BLOCK // 2), mixed(BLOCK // 2 + 1, BLOCK // 2 - 1),
              mixed(300, 204)]
    z = np.concatenate(blocks).reshape(2, -1)
    tanh = ACTIVATIONS["tanh"]
    for zz in (z, np.asfortranarray(z), z[:, ::2]):
        f, d, w1, w2 = (np.empty_like(zz) for _ in range(4))
        f_and_df_into(tanh, zz, f, d, w1, w2)
        np.testing.assert_array_equal(f, tanh.f(zz))
        np.testing.assert_array_equal(d, tanh.df(zz))
    big = np.concatenate(blocks[:-1] * 3)[: 16 * BLOCK]
    big = np.concatenate([big, rng.permutation(big[: 16 * BLOCK - big.size])]).reshape(16, -1)
    f, d, w1, w2 = (np.empty_like(big) for _ in range(4))
    tracemalloc.start()
    try:
        f_and_df_into(tanh, big, f, d, w1, w2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < big.nbytes / 10, peak
    np.testing.assert_array_equal(f, tanh.f(big))
    np.testing.assert_array_equal(d, tanh.df(big))


def test_z_squared_below_a_sixteenth_is_exactly_abs_z_below_a_quarter():
    """The one-exponential path tells near from far by z² < 1/16 (the square its rational form
    needs anyway): the same entries as |z| < 1/4, at every float just below and above 1/4 and
    elsewhere (z² rounds monotonically, and never up to 1/16 from below 1/4)."""
    from gradtui.engine.activations import TANH_NEAR_X, TANH_NEAR_ZERO

    below = [TANH_NEAR_ZERO]
    for _ in range(2000):
        below.append(math.nextafter(below[-1], 0.0))
    above = [TANH_NEAR_ZERO]
    for _ in range(200):
        above.append(math.nextafter(above[-1], 1.0))
    rng = np.random.default_rng(4)
    z = np.concatenate([below, above, rng.uniform(-1.0, 1.0, 100_000),
                        [0.0, -0.0, 5e-324, 1e-200, 1e200, np.inf, -np.inf, np.nan]])
    z = np.concatenate([z, -z])
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        np.testing.assert_array_equal(z * z < TANH_NEAR_X, np.abs(z) < TANH_NEAR_ZERO)


def test_sech2_is_within_three_ulp_of_the_correctly_rounded_one(tanh_path):
    """tanh's derivative against mpmath at 50 digits: 4u/(1 + u)² within 3 ulp, down to the far
    tail where 1 − tanh² would be 0; on the one-exponential path 1 − tanh² near zero (|z| < 1/4),
    within 1 ulp there (4u/(1 + u)², np.tanh's companion, within 2)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    rng = np.random.default_rng(8)
    z = np.concatenate([rng.standard_normal(2000) * s for s in (0.05, 0.2, 1.0, 8.0)]
                       + [np.array([0.0, -0.0, 5e-324, 0.25, -0.25, 0.2499999999, 19.0, 40.0,
                                    300.0, 354.0])])
    d = ACTIVATIONS["tanh"].df(z)
    exact = np.array([float(mpmath.sech(mpmath.mpf(float(x))) ** 2) for x in z])
    ulps = np.abs(d - exact) / np.spacing(np.maximum(np.abs(exact), 5e-324))
    assert ulps.max() <= 3.0, z[np.argmax(ulps)]
    near = np.abs(z) < 0.25
    assert ulps[near].max() <= (2.0 if tanh_path else 1.0), z[near][np.argmax(ulps[near])]
    assert ACTIVATIONS["tanh"].df(np.array([0.0]))[0] == 1.0


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


# -- normalisations --------------------------------------------------------------------------------
def _forward(norm, z):
    out = np.array(z, dtype=float)
    stats = norm.forward(out)
    return out, stats


@pytest.mark.parametrize("name", sorted(NORMALISATIONS))
def test_normalisation_backward_matches_finite_differences(name):
    norm = NORMALISATIONS[name]
    rng = np.random.default_rng(7)
    z = rng.standard_normal((3, 6)) * 2.0 + 0.5
    r = rng.standard_normal((3, 6))  # loss = Σ r ⊙ norm(z)
    zhat, stats = _forward(norm, z)
    g = r.copy()
    norm.backward(g, zhat, stats)
    h = 1e-6
    fd = np.empty_like(z)
    for i in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[i] = h
        fd[i] = (np.sum(r * _forward(norm, z + e)[0]) - np.sum(r * _forward(norm, z - e)[0])) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


PER_SAMPLE_NORMS = sorted(n for n, norm in NORMALISATIONS.items() if not norm.couples_batch)


def test_a_norm_over_the_batch_refuses_a_one_sample_jacobian_and_a_q_mean_field():
    norm = NORMALISATIONS["batch"]
    zhat, stats = _forward(norm, np.random.default_rng(3).standard_normal((4, 5)))
    with pytest.raises(ValueError, match="couples the samples"):
        norm.jvp(np.eye(5), zhat[0], stats)
    with pytest.raises(ValueError, match="depends on the batch"):
        norm.log_seen(np.zeros(1))


def test_batch_norm_normalises_each_unit_over_the_batch():
    z = np.random.default_rng(4).standard_normal((6, 5)) * 3.0 + 2.0
    zhat, stats = _forward(NORMALISATIONS["batch"], z)
    np.testing.assert_allclose(zhat.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose((zhat * zhat).mean(axis=0), z.var(axis=0) / (z.var(axis=0) + 1e-5))
    assert stats.shape == (5,)


@pytest.mark.parametrize("name", PER_SAMPLE_NORMS)
def test_normalisation_jvp_matches_finite_differences_and_its_image_normal(name):
    norm = NORMALISATIONS[name]
    rng = np.random.default_rng(8)
    z = rng.standard_normal((1, 7)) * 1.5 - 0.3
    t = rng.standard_normal((7, 3))  # three tangents
    zhat, stats = _forward(norm, z)
    jt = norm.jvp(t, zhat[0], stats)
    h = 1e-6
    fd = np.stack([(_forward(norm, z + h * t[:, j])[0][0] - _forward(norm, z - h * t[:, j])[0][0]) / (2 * h)
                   for j in range(3)], axis=1)
    np.testing.assert_allclose(jt, fd, rtol=1e-6, atol=1e-8)
    normal = norm.image_normal(zhat[0])
    if normal is not None:
        np.testing.assert_allclose(normal @ jt, 0.0, atol=1e-12)


@pytest.mark.parametrize("name", PER_SAMPLE_NORMS)
def test_normalisation_mean_field_matches_a_wide_layer(name):
    """At large width ln q̂ and ln n² of the mean field are the variance f sees and the gain²."""
    norm = NORMALISATIONS[name]
    for q in (1e-4, 0.3, 50.0):
        z = np.random.default_rng(9).standard_normal((4, 200_000)) * math.sqrt(q)
        zhat, stats = _forward(norm, z)
        lq = np.array([math.log(q)])
        assert math.exp(norm.log_seen(lq)[0]) == pytest.approx(np.mean(zhat * zhat), rel=0.02)
        assert math.exp(0.5 * norm.log_gain2(lq)[0]) == pytest.approx(norm.gain(stats), rel=0.02)
        assert norm.log_seen_scalar(math.log(q)) == pytest.approx(norm.log_seen(lq)[0], rel=1e-15)


def test_layer_norm_uses_the_one_epsilon():
    z = np.array([[1.0, -1.0]])  # variance 1
    _, stats = _forward(NORMALISATIONS["layer"], z)
    assert stats[0] == 1.0 / math.sqrt(1.0 + NORM_EPS)
