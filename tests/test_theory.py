"""Order/chaos theory (fixed point, χ₁, depth scale, critical σ_w), the phase map, the Jacobian spectrum."""

import importlib.util
import json
import math

import mpmath as mp
import numpy as np
import pytest

from gradtui.engine import ACTIVATIONS, Config, compute
from gradtui.engine.norms import NORM_EPS
from gradtui.engine.expected import gaussian_expectation, log10_grad_first_grid
from gradtui.engine.theory.svd import _jacobi_log_sv
from gradtui.engine.theory import (
    chi1,
    critical_sigma_w,
    cursor_of,
    depth_scale,
    fixed_point_q,
    jacobian_spectrum,
    layers_per_decade,
    map_ranges,
    phase_map,
    phase_of,
    spectrum_summary,
    theory_summary,
)

#: the spectrum is of the sampled engine's own network
needs_sampled = pytest.mark.skipif(
    importlib.util.find_spec("gradtui.engine.sampled") is None, reason="the sampled engine is not there yet"
)


# -- the acceptance numbers -----------------------------------------------------------------------
def test_relu_at_he_variance_is_exactly_critical():
    assert chi1("relu", 2.0, 0.0) == 1.0
    assert chi1("relu", 2.0, 0.3) == 1.0  # relu's χ₁ = σ_w²/2 whatever q* is
    assert phase_of(chi1("relu", 2.0, 0.0)) == "critical"
    assert depth_scale(1.0) == math.inf


def test_relu_at_unit_variance_halves_the_squared_gradient():
    assert chi1("relu", 1.0, 0.0) == pytest.approx(0.5, abs=1e-12)
    assert fixed_point_q("relu", 1.0, 0.0) == 0.0  # q shrinks to 0; χ₁ is the q → 0⁺ limit


def test_tanh_critical_sigma_w_at_zero_bias_is_one():
    assert critical_sigma_w("tanh", 0.0) == pytest.approx(1.0, abs=5e-5)


def test_tanh_critical_sigma_w_at_bias_variance_005():
    assert critical_sigma_w("tanh", 0.05) == pytest.approx(1.327, abs=0.002)


def test_sigmoid_at_unit_variance():
    assert chi1("sigmoid", 1.0, 0.0) == pytest.approx(0.0557, rel=0.01)


def test_sigmoid_chi1_matches_a_high_precision_reference():
    mp.mp.dps = 20
    sig = lambda z: 1 / (1 + mp.exp(-z))  # noqa: E731

    def expect(g, q):
        s = mp.sqrt(q)
        return mp.quad(lambda x: g(s * x) * mp.npdf(x), [-mp.inf, -4, 0, 4, mp.inf])

    q = mp.mpf(1)
    for _ in range(14):  # q ↦ E[σ(z)²] contracts fast here (slope ≈ 0.06)
        q = expect(lambda z: sig(z) ** 2, q)
    ref = expect(lambda z: (sig(z) * (1 - sig(z))) ** 2, q)
    assert fixed_point_q("sigmoid", 1.0, 0.0) == pytest.approx(float(q), rel=1e-9)
    assert chi1("sigmoid", 1.0, 0.0) == pytest.approx(float(ref), rel=1e-9)


# -- the fixed point ------------------------------------------------------------------------------
def test_tanh_fixed_point_is_exactly_zero_in_the_ordered_phase():
    for sw2 in (0.25, 0.5, 1.0):
        assert fixed_point_q("tanh", sw2, 0.0) == 0.0
        assert chi1("tanh", sw2, 0.0) == sw2  # σ_w²·f'(0)², exactly


def test_tanh_chaotic_fixed_point_is_the_stable_nonzero_one():
    q = fixed_point_q("tanh", 1.5, 0.0)
    assert q > 0.1
    v = gaussian_expectation(lambda z: np.tanh(z) ** 2, q)
    assert 1.5 * v == pytest.approx(q, rel=1e-8)  # the tables interpolate ln V to ~1e-10
    assert chi1("tanh", 1.5, 0.0) > 1.0


def test_fixed_point_with_bias_satisfies_its_equation():
    for act, sw2, sb2 in (("tanh", 1.76, 0.05), ("gelu", 2.0, 0.1), ("softplus", 0.5, 0.0), ("elu", 1.0, 0.2)):
        q = fixed_point_q(act, sw2, sb2)
        f = ACTIVATIONS[act].f
        v = gaussian_expectation(lambda z: f(z) ** 2, q, ACTIVATIONS[act].kinks)
        assert sw2 * v + sb2 == pytest.approx(q, rel=1e-8), act


def test_variance_without_bound_gives_infinite_fixed_point():
    assert fixed_point_q("relu", 3.0, 0.1) == math.inf
    assert chi1("relu", 3.0, 0.1) == pytest.approx(1.5, rel=1e-12)
    # q_l = 1 + l·σ_b² never settles; past ~1e11 the step in ln q is below the tables' accuracy
    assert fixed_point_q("linear", 1.0, 0.01) > 1e10
    assert chi1("linear", 1.0, 0.01) == 1.0


def test_chi1_is_the_per_layer_factor_the_expected_engine_settles_to():
    # deep in a plain network the variance sits at q*, so factor_l → √χ₁ (DESIGN §2)
    for act, ws, bs in (("tanh", 1.3, 0.0), ("tanh", 1.0, 0.3), ("sigmoid", 1.0, 0.0), ("gelu", 1.2, 0.2)):
        c = Config(activation=act, weight_scale=ws, bias_std=bs, depth=400)
        r = compute(c)
        chi = chi1(act, c.sigma_w2, bs**2)
        assert r.log10_factor[-1] == pytest.approx(0.5 * math.log10(chi), abs=1e-7), act


def test_layer_norm_fixed_point_uses_the_normalised_variance():
    c = Config(activation="tanh", norm="layer", depth=300, weight_scale=2.0, bias_std=0.1)
    chi = chi1("tanh", c.sigma_w2, 0.01, "layer")
    assert compute(c).log10_factor[-1] == pytest.approx(0.5 * math.log10(chi), abs=1e-7)


def test_depth_scale_and_layers_per_decade():
    assert depth_scale(0.5) == pytest.approx(1 / math.log(2))
    assert layers_per_decade(0.5) == pytest.approx(2 * math.log(10) / math.log(2))
    assert depth_scale(2.0) == pytest.approx(-1 / math.log(2))  # chaotic: growth with scale |ξ|
    assert layers_per_decade(2.0) == pytest.approx(2 * math.log(10) / math.log(2))
    assert layers_per_decade(1.0) == math.inf
    assert depth_scale(0.0) == 0.0 and layers_per_decade(0.0) == 0.0
    # consistent with the engine: the gradient norm falls 10× over layers_per_decade layers
    c = Config(activation="tanh", weight_scale=0.8, depth=300)
    lpd = layers_per_decade(chi1("tanh", c.sigma_w2, 0.0))
    assert -np.diff(compute(c).log10_grad)[-1] * lpd == pytest.approx(-1.0, abs=1e-9)


def test_critical_sigma_w_of_relu_types_does_not_depend_on_the_bias():
    for sb2 in (0.0, 0.05, 1.0):
        assert critical_sigma_w("relu", sb2) == pytest.approx(math.sqrt(2), rel=1e-9)
    assert critical_sigma_w("linear", 0.3) == pytest.approx(1.0, rel=1e-9)


def test_critical_sigma_w_rises_with_the_bias_for_tanh():
    values = [critical_sigma_w("tanh", sb2) for sb2 in (0.0, 0.01, 0.05, 0.25, 1.0)]
    assert values == sorted(values)
    for sb2, crit in zip((0.01, 0.25), values[1:4:2]):
        assert chi1("tanh", crit**2, sb2) == pytest.approx(1.0, abs=1e-6)


def test_no_crossing_is_none():
    # with layer norm and no bias, sigmoid's χ₁ hardly depends on σ_w and stays below 1
    assert critical_sigma_w("sigmoid", 0.0, "layer") is None


def test_theory_summary_is_json_with_the_documented_keys():
    s = theory_summary(Config(activation="tanh", bias_std=math.sqrt(0.05), weight_scale=1.2))
    assert set(s) >= {"chi1", "depth_scale", "layers_per_decade", "critical_sigma_w", "q_star", "phase"}
    assert s["critical_sigma_w"] == pytest.approx(1.327, abs=0.002)
    assert s["phase"] == "ordered"
    json.dumps(s, allow_nan=False)
    crit = theory_summary(Config(activation="relu", init="he_normal"))
    assert crit["chi1"] == 1.0 and crit["depth_scale"] is None and crit["phase"] == "critical"
    assert crit["critical_weight_scale"] == pytest.approx(1.0, rel=1e-9)
    json.dumps(crit, allow_nan=False)
    zero = theory_summary(Config(init="zeros"))
    assert zero["chi1"] == 0.0 and zero["critical_weight_scale"] is None
    json.dumps(zero, allow_nan=False)
    assert theory_summary(Config(residual=True))["applies_to"] == "plain"


# -- the phase map ----------------------------------------------------------------------------------
def test_phase_map_values_match_the_engine_cell_by_cell():
    c = Config(activation="tanh", depth=50)
    pm = phase_map(c, nx=30, ny=12)
    assert pm.log10_grad.shape == (12, 30) and np.all(np.isfinite(pm.log10_grad))
    for j, i in ((0, 3), (5, 17), (11, 29)):
        cell = Config(activation="tanh", depth=50, weight_scale=float(pm.sigma_w[i]), bias_std=float(pm.sigma_b[j]))
        assert pm.log10_grad[j, i] == pytest.approx(compute(cell).log10_grad_first, abs=1e-9)
        assert pm.log_chi1[j, i] == pytest.approx(math.log(chi1("tanh", pm.sigma_w[i] ** 2, pm.sigma_b[j] ** 2)), abs=1e-9)


def test_phase_map_boundary_crosses_at_the_critical_sigma_w():
    c = Config(activation="tanh", depth=50)
    pm = phase_map(c, nx=60, ny=40)
    b = pm.boundary()
    assert b.any(axis=1).all()  # one crossing on every row
    i = int(np.argmax(b[0]))  # σ_b = 0: between σ_w[i-1] and σ_w[i] lies σ_w = 1
    assert pm.sigma_w[i - 1] < 1.0 <= pm.sigma_w[i]
    j = int(np.argmin(np.abs(pm.sigma_b - math.sqrt(0.05))))
    crit = critical_sigma_w("tanh", float(pm.sigma_b[j] ** 2))
    i = int(np.argmax(b[j]))
    assert pm.sigma_w[i - 1] < crit <= pm.sigma_w[i]
    # ordered (vanishing) on the left of the boundary, chaotic on the right
    assert pm.log10_grad[0, 0] < -1 and pm.log10_grad[0, -1] > 1
    assert not phase_map(c.replace(residual=True), nx=20, ny=8).boundary().any()


def test_phase_map_cursor_moves_with_weight_scale_and_bias():
    c = Config(activation="tanh", depth=50)
    pm = phase_map(c, nx=61, ny=41)
    assert pm.cursor is not None
    i0, j0 = pm.cursor
    up = pm.with_cursor(c.replace(weight_scale=2.0**0.25))
    assert up.cursor[0] > i0 and up.cursor[1] == j0
    assert up.key() == pm.key()  # the grid itself did not change
    down = pm.with_cursor(c.replace(weight_scale=2.0**-0.5))
    assert down.cursor[0] < i0
    biased = pm.with_cursor(c.replace(bias_std=0.2))
    assert biased.cursor[1] > j0 and biased.cursor[0] == i0
    # exactly on the node of σ_w = 1 and σ_b = 0
    assert pm.sigma_w[i0] == pytest.approx(1.0) and j0 == 0


def test_phase_map_range_follows_a_cursor_outside_it():
    c = Config(activation="tanh", init="normal", width=256)  # σ_w = 16
    (lo, hi), y_max = map_ranges(c)
    assert lo < 16 < hi
    pm = phase_map(c, nx=40, ny=10)
    assert pm.cursor is not None
    assert cursor_of(Config(init="zeros"), (lo, hi), y_max, (40, 10))[0] is None


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_phase_map_60_by_40_at_depth_50(activation):
    # its speed (< 300 ms) is measured by benchmarks/theory.py, not asserted in a unit test
    pm = phase_map(Config(activation=activation, depth=50))
    assert pm.log10_grad.shape == (40, 60)
    assert np.all(np.isfinite(pm.log10_grad) | np.isneginf(pm.log10_grad))


def test_phase_map_grid_is_the_engine_grid():
    c = Config(activation="gelu", depth=20, residual=True, residual_scale=0.5)
    pm = phase_map(c, nx=9, ny=5)
    direct = log10_grad_first_grid("gelu", 20, (pm.sigma_w**2)[None, :], (pm.sigma_b**2)[:, None],
                                   residual=True, residual_scale=0.5)
    np.testing.assert_array_equal(pm.log10_grad, direct)


# -- the Jacobian spectrum ---------------------------------------------------------------------------
@needs_sampled
def test_orthogonal_linear_network_is_an_exact_isometry():
    spec = jacobian_spectrum(Config(mode="sampled", activation="linear", init="orthogonal", depth=16, width=256))
    sv = 10.0**spec.log10_sv
    assert sv.size == 256
    assert np.max(np.abs(sv - 1.0)) < 1e-9
    s = spectrum_summary(spec)
    assert s["isometry"] and s["condition_number"] == pytest.approx(1.0, abs=1e-9)


@needs_sampled
def test_xavier_gaussian_linear_network_is_far_from_isometry():
    spec = jacobian_spectrum(Config(mode="sampled", activation="linear", init="xavier_normal", depth=16, width=256))
    s = spectrum_summary(spec)
    assert s["condition_number"] > 10
    assert not s["isometry"]
    json.dumps(s, allow_nan=False)


def _explicit_jacobians(config):
    """Every layer's Jacobian at input sample 0 of the sampled engine's own network, formed in full."""
    from gradtui.engine import sampled

    net = sampled.network(config)
    act, n = net.activation, config.width
    h = np.array(net.x[0])
    for layer in range(config.depth):
        w = net.weight(layer)
        z = w @ h + (net.bias[layer] if net.bias is not None else 0.0)
        if config.norm == "layer":
            zc = z - z.mean()
            sd = math.sqrt(float(np.mean(zc * zc)) + NORM_EPS)
            z = zc / sd
            n_l = (np.eye(n) - np.ones((n, n)) / n - np.outer(z, z) / n) / sd
        else:
            n_l = np.eye(n)
        j = act.df(z)[:, None] * (n_l @ w)
        if config.residual:
            j = np.eye(n) + config.residual_scale * j
            h = h + config.residual_scale * act.f(z)
        else:
            h = act.f(z)
        yield j


CASES = [
    dict(activation="linear", depth=12),
    dict(activation="sigmoid", depth=20, bias_std=0.3),
    dict(activation="tanh", depth=10, norm="layer"),
    dict(activation="relu", init="he_normal", depth=6),
    dict(activation="tanh", depth=8, residual=True, weight_scale=3.0),
    dict(activation="gelu", init="orthogonal", depth=9, weight_scale=1.5, bias_std=0.5),
]


@needs_sampled
@pytest.mark.parametrize("kw", CASES, ids=lambda kw: "-".join(str(v) for v in kw.values()))
def test_spectrum_matches_a_high_precision_product(kw):
    c = Config(mode="sampled", width=12, batch=2, **kw)
    mp.mp.dps = 120
    m = mp.eye(12)
    for j in _explicit_jacobians(c):
        m = mp.matrix(j.tolist()) * m
    ref = sorted((float(mp.log10(v)) if v > 0 else -math.inf for v in mp.svd_r(m, compute_uv=False)), reverse=True)
    ours = jacobian_spectrum(c).log10_sv
    for a, b in zip(ours, ref):
        if a == -math.inf:
            assert b < -100  # an exact zero (dead unit, layer norm's mean); the reference has rounding
        else:
            assert a == pytest.approx(b, abs=1e-8)


@needs_sampled
def test_spectrum_is_the_network_the_bars_show():
    # the Jacobian maps the readout back to the input gradient of the sampled engine (batch of 1)
    c = Config(mode="sampled", activation="tanh", depth=7, width=16, batch=1, seed=5, bias_std=0.1)
    jac = np.eye(16)
    for j in _explicit_jacobians(c):
        jac = j @ jac
    from gradtui.engine import sampled

    net = sampled.network(c)
    bp = sampled.backprop(net)
    assert math.log10(np.linalg.norm(jac.T @ net.readout)) == pytest.approx(bp.log10_grad_norm[0], abs=1e-10)
    sv = np.linalg.svd(jac, compute_uv=False)
    np.testing.assert_allclose(jacobian_spectrum(c).log10_sv, np.log10(sv), atol=1e-10)


@needs_sampled
def test_dead_relu_units_give_exact_zeros():
    c = Config(mode="sampled", activation="relu", init="he_normal", depth=16, width=64)
    spec = jacobian_spectrum(c)
    s = spectrum_summary(spec)
    assert spec.zero_count > 0 and s["condition_number"] is None and s["log10_condition_number"] is None
    assert np.isfinite(spec.log10_sv[: 64 - spec.zero_count]).all()
    json.dumps(s, allow_nan=False)


@needs_sampled
@pytest.mark.parametrize("kw", [
    dict(activation="sigmoid", depth=300),
    dict(activation="tanh", depth=300, weight_scale=8.0),
    dict(activation="linear", depth=400, init="he_normal"),
    dict(activation="relu", depth=400, init="he_normal", weight_scale=4.0, bias_std=1.0),
], ids=["sigmoid300", "tanh300x8", "linear400", "relu400x4"])
def test_deep_networks_have_finite_spectra_far_beyond_float64(kw):
    c = Config(mode="sampled", width=24, batch=2, **kw)
    spec = jacobian_spectrum(c)
    assert spec.ok and spec.overflow_layer is None
    finite = spec.log10_sv[np.isfinite(spec.log10_sv)]
    assert finite.size >= 1 and np.all(np.isfinite(finite))
    json.dumps(spectrum_summary(spec), allow_nan=False)
    if kw["activation"] != "relu":  # no dead units: every value is a number, spanning > 1e100
        assert finite.size == 24 and spec.log10_condition > 100


@needs_sampled
def test_forward_overflow_is_reported_not_raised():
    spec = jacobian_spectrum(Config(mode="sampled", activation="gelu", depth=400, width=16, weight_scale=50.0))
    assert spec.overflow_layer is not None and not spec.ok
    s = spectrum_summary(spec)
    assert s["overflow_layer"] == spec.overflow_layer and s["condition_number"] is None
    json.dumps(s, allow_nan=False)


@needs_sampled
def test_wide_configs_use_a_width_capped_copy():
    spec = jacobian_spectrum(Config(mode="sampled", activation="tanh", depth=4, width=512), max_width=32)
    assert spec.capped and spec.width_used == 32 and spec.log10_sv.size == 32
    assert "512" in spec.note
    assert spectrum_summary(spec)["capped"] is True


@needs_sampled
@pytest.mark.parametrize("kw", [dict(activation="linear", depth=16), dict(activation="tanh", depth=40, norm="layer")])
def test_fast_svd_path_agrees_with_the_jacobi_path(kw, monkeypatch):
    from gradtui.engine.theory import svd

    c = Config(mode="sampled", width=64, batch=2, **kw)
    fast = jacobian_spectrum(c).log10_sv
    monkeypatch.setattr(svd, "_FAST_SPAN", 0.0)
    slow = jacobian_spectrum(c).log10_sv
    assert fast[-1] < -10  # graded: far beyond what an unchecked float64 SVD resolves
    np.testing.assert_allclose(fast, slow, atol=1e-11)


def test_jacobi_resolves_columns_of_any_relative_size():
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    scales = np.array([0.0, -5.0, -900.0, -901.0, -2000.0, 300.0])  # ln sizes, far beyond float64
    log_sv = np.sort(_jacobi_log_sv(scales, q.T))
    np.testing.assert_allclose(log_sv, np.sort(scales), atol=1e-12)  # orthogonal rows: sv = scales
