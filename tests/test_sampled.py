"""The sampled engine: exact gradients (finite differences), deep nets, overflow, zero init, the
weight cache, dead/saturated units, determinism."""

import math
import warnings

import numpy as np
import pytest

from gradtui.engine import ACTIVATIONS, Config, compute
from gradtui.engine import sampled as S
from gradtui.engine import weights
from gradtui.engine.kernels import BLOCK
from gradtui.engine.norms import NORM_EPS, NORMALISATIONS
from gradtui.engine.config import sampled_activation_bytes
from gradtui.engine.result import Result



def sampled(**kw) -> Config:
    return Config(mode="sampled", **kw)


# -- an independent reference: the loss of DESIGN §1 written plainly ----------------------------
def ref_loss(net: S.Network, weights, inject_at=None, perturb=None) -> np.ndarray:
    """loss for a stack of P perturbations: weights[l] is (N, N) or (P, N, N); ``perturb`` (P, B, N)
    is added to h_{inject_at}. Returns (P,) losses (P = 1 without perturbations)."""
    c = net.config
    h = net.x[None]
    if inject_at == 0:
        h = h + perturb
    for l in range(c.depth):
        z = h @ np.swapaxes(weights[l], -1, -2)
        if net.bias is not None:
            z = z + net.bias[l]
        z = REF_NORMS.get(c.norm, _registry_norm(c.norm))(z)
        y = net.activation.f(z)
        h = h + c.residual_scale * y if c.residual else y
        if inject_at == l + 1:
            h = h + perturb
    if net.readout.ndim == 2:  # batch norm: one r per sample
        return (h * net.readout).sum(axis=(-1, -2))
    return (h @ net.readout).sum(axis=-1)


def _layer_norm(z):
    mu = z.mean(axis=-1, keepdims=True)
    var = ((z - mu) ** 2).mean(axis=-1, keepdims=True)
    return (z - mu) / np.sqrt(var + NORM_EPS)


def _rms_norm(z):
    return z / np.sqrt((z * z).mean(axis=-1, keepdims=True) + NORM_EPS)


def _batch_norm(z):  # each unit over the batch (axis -2), biased variance
    mu = z.mean(axis=-2, keepdims=True)
    var = ((z - mu) ** 2).mean(axis=-2, keepdims=True)
    return (z - mu) / np.sqrt(var + NORM_EPS)


#: independent references of the normalisations (written plainly, batched over any leading axes)
REF_NORMS = {"none": lambda z: z, "layer": _layer_norm, "rms": _rms_norm, "batch": _batch_norm}


def _registry_norm(name):
    """A normalisation without its own reference above: its registry forward on (B, N) slices."""
    def apply(z):
        out = np.array(z, dtype=float)
        for i in np.ndindex(out.shape[:-2]):
            NORMALISATIONS[name].forward(out[i])
        return out
    return apply


def fd_gradient(loss_of, shape, step: float, five_point: bool) -> np.ndarray:
    """Central differences of loss_of(E) (E: (P, *shape) perturbations) along every coordinate."""
    n = math.prod(shape)
    basis = np.eye(n).reshape((n, *shape))
    if five_point:  # 4th order: (−f(2h) + 8f(h) − 8f(−h) + f(−2h)) / 12h
        return ((-loss_of(2 * step * basis) + 8 * loss_of(step * basis) - 8 * loss_of(-step * basis)
                 + loss_of(-2 * step * basis)) / (12 * step)).reshape(shape)
    return ((loss_of(step * basis) - loss_of(-step * basis)) / (2 * step)).reshape(shape)


# piecewise-linear activations: plain central differences with a tiny step are exact between kinks;
# elu has a jump in f'': a small 2-point step; the smooth ones: 5-point stencil, larger step
FD_STEP = {"relu": (1e-6, False), "leaky_relu": (1e-6, False), "elu": (1e-5, False)}
#: every normalisation of the registry, plain and residual (α 0.7 without a norm, 1.3 with one)
VARIANTS = {
    f"{'residual_' if residual else ''}{'plain' if name == 'none' else name}": {
        "norm": name, **({"residual": True, "residual_scale": 0.7 if name == "none" else 1.3}
                         if residual else {})}
    for name in NORMALISATIONS for residual in (False, True)
}
SHAPES = [(4, 6, 3), (3, 8, 2), (5, 4, 2)]
#: batch norm needs a batch of at least 3 for a gradient to reach below it (at 2 it is ε-sized)
BATCHNORM_SHAPES = [(4, 6, 3), (3, 8, 4), (5, 4, 6)]


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_gradient_norms_match_finite_differences(activation, variant):
    i = list(ACTIVATIONS).index(activation) + list(VARIANTS).index(variant)
    shapes = BATCHNORM_SHAPES if NORMALISATIONS[VARIANTS[variant]["norm"]].couples_batch else SHAPES
    depth, width, batch = shapes[i % len(shapes)]
    init = ("xavier_normal", "he_uniform", "orthogonal")[i % 3]
    config = sampled(depth=depth, width=width, batch=batch, activation=activation, init=init,
                     weight_scale=1.3, bias_std=0.3 if i % 2 else 0.0, seed=11 + i,
                     **VARIANTS[variant])
    net = S.network(config)
    bp = S.backprop(net)
    weights = [net.weight(l) for l in range(depth)]
    step, five = FD_STEP.get(activation, (1e-3, True))
    if NORMALISATIONS[config.norm].couples_batch and five:
        step = 1e-4  # a batch of 3 puts ẑ on a circle of radius √3: curved on the 1e-3 scale

    for l in range(depth + 1):  # ∂loss/∂h_l, l = 0..L
        fd = fd_gradient(lambda e: ref_loss(net, weights, l, e), (batch, width), step, five)
        assert bp.log10_grad_norm[l] == pytest.approx(math.log10(np.linalg.norm(fd)), abs=4e-7), l
    for l in range(depth):  # ∂loss/∂W_l
        def loss_w(e):
            return ref_loss(net, weights[:l] + [weights[l] + e] + weights[l + 1:])

        fd = fd_gradient(loss_w, (width, width), step, five)
        if not fd.any():  # every unit of the layer dead: the weight gradient is exactly zero
            assert bp.log10_weight_grad[l] == -math.inf, l
            continue
        assert bp.log10_weight_grad[l] == pytest.approx(math.log10(np.linalg.norm(fd)), abs=4e-7), l
    # the factors are ratios of consecutive gradient norms
    np.testing.assert_allclose(bp.log10_factor, -np.diff(bp.log10_grad_norm), rtol=0, atol=1e-12)


# (4e-7 in log10 is a relative error of 1e-6)


def test_result_fields_and_dispatch():
    config = sampled(depth=8, width=32, batch=4)
    r = compute(config)
    assert isinstance(r, Result)
    assert r.extras["engine"] == "sampled"
    for name in ("log10_factor", "weight_gain", "deriv_gain", "log10_act_std", "norm_gain",
                 "overflow", "dead_frac", "saturated_frac", "log10_weight_grad"):
        assert getattr(r, name).shape == (8,), name
    assert r.log10_grad[-1] == 0.0
    bp = S.backprop(S.network(config))
    np.testing.assert_allclose(r.log10_grad, bp.log10_grad_norm[1:] - bp.log10_grad_norm[-1],
                               atol=1e-12)
    # DESIGN §2: weight_gain = weight_scale·σ_w in expectation, norm_gain 1 without layer norm
    np.testing.assert_allclose(r.weight_gain, 1.0, atol=0.05)
    assert np.all(r.norm_gain == 1.0)
    r.to_json()  # serialisable


@pytest.mark.parametrize("activation", list(S.FUSED))
def test_fused_activation_kernels_are_bit_identical_to_the_registry(activation):
    rng = np.random.default_rng(3)
    special = [0.0, -0.0, 1e-300, -1e-300, 5e-324, 1.0, -1.0, 18.0, -18.0, 40.0, -40.0, 700.0,
               -700.0, 800.0, -800.0, 1e300, -1e300, np.inf, -np.inf, np.nan]
    z = np.concatenate([rng.standard_normal(2000) * 8, special])
    f, d, w1, w2 = (np.empty_like(z) for _ in range(4))
    act = ACTIVATIONS[activation]
    with np.errstate(all="ignore"):
        S.FUSED[activation](z, f, d, w1, w2)
        np.testing.assert_array_equal(f, act.f(z))
        np.testing.assert_array_equal(d, act.df(z))


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_f_and_df_into_matches_the_registry_on_large_arrays(activation):
    act = ACTIVATIONS[activation]
    z = np.random.default_rng(4).standard_normal((5, BLOCK // 2 + 7)) * 6  # several blocks
    f, d, w1, w2 = (np.empty_like(z) for _ in range(4))
    S.f_and_df_into(act, z, f, d, w1, w2)
    np.testing.assert_array_equal(f, act.f(z))
    np.testing.assert_array_equal(d, act.df(z))


@pytest.mark.parametrize("name", sorted(S.HOMOGENEOUS))
def test_homogeneous_activations_are_homogeneous(name):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(0).standard_normal(1000) * 5
    for k in (-600, -3, 7, 600):
        c = math.ldexp(1.0, k)
        np.testing.assert_array_equal(act.f(z * c), act.f(z) * c)
        np.testing.assert_array_equal(act.df(z * c), act.df(z))


# -- exact values ------------------------------------------------------------------------------
def test_linear_orthogonal_factors_are_exactly_one():
    r = compute(sampled(depth=60, width=32, batch=5, activation="linear", init="orthogonal"))
    np.testing.assert_allclose(r.log10_factor, 0.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.weight_gain, 1.0, rtol=0, atol=1e-12)


def test_residual_zero_init_passes_the_gradient_unchanged():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = compute(sampled(depth=20, width=16, batch=3, activation="tanh", init="zeros",
                            residual=True))
    assert np.all(r.log10_factor == 0.0)


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh", "gelu"])
def test_zero_init_grads_below_the_top_are_exactly_zero(activation):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = compute(sampled(depth=12, width=16, batch=4, activation=activation, init="zeros"))
        payload = r.to_json()
    assert r.log10_grad[-1] == 0.0
    assert np.all(r.log10_grad[:-1] == -np.inf)
    assert np.all(r.log10_weight_grad[:-1] == -np.inf)
    # the top layer's weight gradient is r·h_{L-1}ᵀ f'(b): zero where f(0) = 0 or f'(0) = 0
    assert np.isfinite(r.log10_weight_grad[-1]) == (activation == "sigmoid")
    assert np.all(r.weight_gain == 0.0)
    assert not r.overflow.any()
    assert r.regime == "vanishing"
    assert payload["layers"][0]["grad"] == 0.0


def test_weight_scale_scales_linear_factors_exactly():
    base = sampled(depth=20, width=16, batch=3, activation="linear", init="he_normal")
    r1, r2 = compute(base), compute(base.replace(weight_scale=2.0))
    np.testing.assert_allclose(r2.log10_factor - r1.log10_factor, math.log10(2.0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(r2.weight_gain / r1.weight_gain, 2.0, rtol=1e-15)


# -- depth, underflow, overflow ----------------------------------------------------------------
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_depth_1000_stays_finite(activation):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = compute(sampled(depth=1000, width=64, batch=4, activation=activation))
    assert np.all(np.isfinite(r.log10_grad))
    assert np.all(np.isfinite(r.log10_weight_grad))
    assert not r.overflow.any()
    if activation == "sigmoid":  # ~0.25 per layer: far below the smallest float64
        assert r.log10_grad[0] < -400


def _naive_log10_act_std(net: S.Network, layers: int) -> np.ndarray:
    """Plain float64 forward pass (no rescaling), std taken with a scale-safe formula."""
    h, out = net.x, []
    for l in range(layers):
        h = net.activation.f(h @ net.weight(l).T)
        m = np.max(np.abs(h))
        out.append(math.log10(np.std(h / m)) + math.log10(m))
    return np.array(out)


def test_relu_normal_init_is_rescaled_exactly_and_never_overflows():
    config = sampled(depth=300, width=256, batch=8, activation="relu", init="normal")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = compute(config)
        naive = _naive_log10_act_std(S.network(config), 280)  # 1e295: still a float64
    assert not r.overflow.any()
    assert r.extras["exact_rescale"] is True
    for name in ("log10_factor", "log10_grad", "log10_act_std", "log10_weight_grad"):
        assert np.all(np.isfinite(getattr(r, name))), name
    assert r.log10_act_std[-1] > 308  # the forward pass went past float64 and stayed exact
    # closed form: factor = σ_w·√E[relu'²] = √(N/2) per layer, forward std grows alike
    expected = 0.5 * math.log10(256 / 2)
    assert r.mean_log10_factor == pytest.approx(expected, abs=0.03)
    assert np.mean(np.diff(r.log10_act_std)) == pytest.approx(expected, abs=0.03)
    # where a plain float64 pass still works, the rescaled one agrees with it
    np.testing.assert_allclose(r.log10_act_std[:280], naive, rtol=0, atol=1e-9)


@pytest.mark.parametrize("activation", ["gelu", "elu", "softplus"])
def test_overflow_is_flagged_without_warnings(activation):
    config = sampled(depth=300, width=256, batch=4, activation=activation, init="normal")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = compute(config)
        payload = r.to_json()
    n = int(np.isnan(r.log10_act_std).sum())  # the layers whose forward pass overflowed
    assert n > 0
    # every bar's gradient but the output's (grad_L = 1) passes through them, so those bars are
    # overflow: flag, regime and count are one fact (issue 16 item 11)
    assert r.overflow[:-1].all() and not r.overflow[-1]
    assert r.extras["overflow_layers"] == config.depth - 1 == r.summary()["layers_overflow"]
    assert np.all(np.isnan(r.log10_act_std[-n:]))
    assert np.all(np.isfinite(r.log10_act_std[:-n]))
    assert np.all(np.isnan(r.log10_factor))  # every factor depends on the layers above
    assert np.all(np.isnan(r.log10_weight_grad))
    assert r.regime == "overflow"
    assert payload["layers"][0]["log10_grad"] is None


def test_no_warnings_across_extreme_settings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for activation in ACTIVATIONS:
            for kw in ({"init": "normal", "weight_scale": 1000.0}, {"weight_scale": 1e-3},
                       {"init": "normal", "bias_std": 100.0, "norm": "layer", "residual": True}):
                compute(sampled(depth=40, width=16, batch=2, activation=activation, **kw)).to_json()


# -- weights: cache and regeneration ----------------------------------------------------------
def assert_same_backprop(a: S.Backprop, b: S.Backprop, skip=()) -> None:
    """Every field of two backprops bit-identical (but those in ``skip``)."""
    for name in a.__dataclass_fields__:
        if name in skip:
            continue
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            assert x == y, name


@pytest.mark.parametrize("kw", [
    {"init": "xavier_normal", "activation": "tanh"},
    {"init": "he_uniform", "activation": "relu", "bias_std": 0.5},
    {"init": "orthogonal", "activation": "gelu", "norm": "layer", "residual": True},
])
def test_cached_and_regenerated_weights_give_identical_results(kw):
    config = sampled(depth=12, width=48, batch=5, **kw)
    S.clear_cache()
    held = S.network(config, hold_weights=True)
    regen = S.network(config, hold_weights=False)
    assert held.held and not regen.held
    assert_same_backprop(S.backprop(held), S.backprop(regen))


def test_weights_are_regenerated_when_the_stack_does_not_fit(monkeypatch):
    config = sampled(depth=10, width=64, batch=4, activation="sigmoid")
    S.clear_cache()
    fits = S.compute_sampled(config)
    assert S.network(config).held
    monkeypatch.setattr(weights, "WEIGHT_CACHE_BYTES", 10 * 64 * 64 * 8 - 1)
    S.clear_cache()
    assert not S.network(config).held
    regenerated = S.compute_sampled(config)
    assert S.cache_info()["stacks"] == {}
    for name in ("log10_factor", "log10_weight_grad", "log10_act_std", "deriv_gain", "weight_gain"):
        np.testing.assert_array_equal(getattr(fits, name), getattr(regenerated, name))


def test_changing_scale_or_activation_does_not_redraw():
    S.clear_cache()
    config = sampled(depth=10, width=32, batch=4, init="he_normal", activation="relu")
    compute(config)
    drawn = S.cache_info()["layers_drawn"]
    for change in ({"weight_scale": 3.0}, {"activation": "tanh"}, {"init": "xavier_normal"},
                   {"init": "lecun_normal", "bias_std": 1.0}, {"depth": 6}):
        compute(config.replace(**change))
    info = S.cache_info()
    assert info["layers_drawn"] == drawn  # same family, same seed and width: all hits
    # a deeper net reuses the layers it shares and draws only the new ones
    compute(config.replace(depth=15))
    assert S.cache_info()["layers_drawn"] == drawn + 5
    np.testing.assert_array_equal(S.network(config.replace(depth=15)).base_weight(9),
                                  S.network(config, hold_weights=False).base_weight(9))


def test_cache_is_bounded():
    S.clear_cache()
    for seed in range(5):
        compute(sampled(depth=4, width=32, batch=2, seed=seed))
        compute(sampled(depth=4, width=32, batch=2, seed=seed, init="orthogonal"))
    info = S.cache_info()
    assert len(info["stacks"]) <= S.MAX_STACKS
    assert info["bytes"] <= S.WEIGHT_CACHE_BYTES


@pytest.mark.parametrize("kw", [{}, {"activation": "linear"}, {"norm": "layer"}])
def test_held_activations_stay_within_the_config_budget(kw):
    for depth, width, batch in ((16, 256, 64), (2000, 8, 1), (3, 4096, 1024)):
        config = Config(depth=depth, width=width, batch=batch, **kw)
        assert S.activation_bytes(config) <= sampled_activation_bytes(depth, width, batch)


# -- dead and saturated units ------------------------------------------------------------------
def test_relu_he_has_half_dead_units():
    r = compute(sampled(depth=8, width=256, batch=64, activation="relu", init="he_normal"))
    assert np.all(np.abs(r.dead_frac - 0.5) < 0.06)
    assert np.mean(r.dead_frac) == pytest.approx(0.5, abs=0.02)
    np.testing.assert_array_equal(r.saturated_frac, r.dead_frac)  # f' ∈ {0, 1}
    np.testing.assert_allclose(r.deriv_gain, np.sqrt(1 - r.dead_frac), rtol=1e-12)


def test_sigmoid_saturates_with_large_weights():
    small = compute(sampled(depth=8, width=128, batch=16, activation="sigmoid"))
    large = compute(sampled(depth=8, width=128, batch=16, activation="sigmoid", weight_scale=100.0))
    assert np.all(small.saturated_frac < 0.01)
    assert np.all(large.saturated_frac[1:] > 0.8)
    assert np.all(small.dead_frac == 0.0)


def test_max_derivative():
    assert S.max_derivative("sigmoid") == pytest.approx(0.25, rel=1e-9)
    assert S.max_derivative("tanh") == pytest.approx(1.0, rel=1e-9)
    assert S.max_derivative("gelu") == pytest.approx(1.1289, abs=1e-4)


# -- determinism ------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [{}, {"activation": "relu", "init": "orthogonal", "bias_std": 0.2},
                                {"activation": "silu", "norm": "layer", "residual": True}])
def test_same_config_gives_bit_identical_results(kw):
    config = sampled(depth=20, width=40, batch=6, **kw)
    S.clear_cache()
    cold = S.backprop(S.network(config))
    warm = S.backprop(S.network(config))
    assert_same_backprop(cold, warm)
    other = S.backprop(S.network(config.replace(seed=config.seed + 1)))
    assert not np.array_equal(cold.log10_factor, other.log10_factor)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "gelu"])
def test_finite_differences_hold_with_input_and_bias_means(activation):
    # torch_linear's own uniform bias, shifted by a bias mean, on inputs ~ N(0.7, 1.5²)
    config = sampled(depth=3, width=5, batch=2, activation=activation, init="torch_linear",
                     weight_scale=1.7, bias_mean=0.3, input_mean=0.7, input_std=1.5, seed=5)
    net = S.network(config)
    assert net.bias is not None and abs(net.bias.mean() - 0.3) < 1 / math.sqrt(5)
    assert net.x.mean() == pytest.approx(0.7, abs=1.5)
    bp = S.backprop(net)
    weights = [net.weight(l) for l in range(config.depth)]
    step, five = FD_STEP.get(activation, (1e-3, True))
    for l in range(config.depth + 1):
        fd = fd_gradient(lambda e: ref_loss(net, weights, l, e), (2, 5), step, five)
        assert bp.log10_grad_norm[l] == pytest.approx(math.log10(np.linalg.norm(fd)), abs=4e-7), l


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
@pytest.mark.parametrize("kw", [
    dict(),
    dict(bias_mean=-1.0, bias_std=0.5),  # most units dead
    dict(bias_mean=3.0),  # almost none
    dict(residual=True, norm="layer"),
    dict(norm="batch", batch=16),
    dict(depth=3, width=2, batch=1),
])
def test_two_level_derivatives_count_dead_and_saturated_units_as_comparing_them_does(
        activation, kw, monkeypatch):
    """relu's f' is 0 or 1 and leaky relu's 0.01 or 1: the engine counts the low ones from Σf'²
    (df_levels); the fractions must be exactly those of comparing every entry, as for any other
    activation, and nothing else may change."""
    import dataclasses

    c = Config(mode="sampled", depth=12, width=64, batch=32, activation=activation, init="he_normal",
               seed=5).replace(**kw)
    levels = compute(c)
    assert ACTIVATIONS[activation].df_levels is not None
    monkeypatch.setitem(ACTIVATIONS, activation,
                        dataclasses.replace(ACTIVATIONS[activation], df_levels=None))
    S.clear_cache()
    compared = compute(c)
    assert np.array_equal(levels.dead_frac, compared.dead_frac)
    assert np.array_equal(levels.saturated_frac, compared.saturated_frac)
    assert levels.to_json() == compared.to_json()
    if activation == "relu" and kw.get("bias_mean", 0.0) < 0:
        assert levels.dead_frac.min() > 0.5
    if activation == "leaky_relu":
        assert not levels.dead_frac.any() and not levels.saturated_frac.any()  # 0.01 ≥ 1e-3
