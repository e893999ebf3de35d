"""The training engine: acceptance numbers, exact determinism, overflow without warnings, clipping,
tied weights, and gradients checked against finite differences."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from gradtui.engine import PRESETS, Config, compute
from gradtui.engine import train as T
from gradtui.engine.train import TrainConfig, train


def tied_grads(config: Config, tied: bool = True) -> np.ndarray:
    """log10 grad_l of the bars' network (the sampled engine), tied or not."""
    return compute(config.replace(mode="sampled", tied=tied)).log10_grad


def run_quietly(config: Config, tc: TrainConfig, **kw) -> T.TrainResult:
    """Train with every warning turned into an error (overflow must be silent and flagged)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return train(config, tc, **kw)


# -- acceptance -------------------------------------------------------------------------------
def test_sigmoid_deep_first_layer_barely_moves():
    r = run_quietly(Config(depth=10, activation="sigmoid", init="xavier_normal"), TrainConfig(steps=50))
    assert r.finished and r.steps_taken == 50
    first, last = r.rel_update[0], r.rel_update[-1]
    assert first < 1e-3 * last, (first, last)
    # the last layer does move: ~5e-3 of its size at lr 0.002
    assert last > 1e-3
    # gradient vanishing makes the updates grow monotonically towards the output
    assert np.all(np.diff(r.log10_rel_update) > 0)


def test_relu_he_every_layer_moves_and_loss_falls():
    r = run_quietly(Config(depth=10, activation="relu", init="he_normal"), TrainConfig(steps=50))
    assert r.finished
    assert r.rel_update.max() / r.rel_update.min() < 100
    assert r.final_loss < 0.1 * r.first_loss
    assert np.all(np.diff(r.loss) < 0), "plain GD at the default lr decreases the loss every step"


def test_exact_determinism_for_a_seed():
    c = Config(depth=6, activation="tanh", init="xavier_normal", width=32, bias_std=0.1, seed=7)
    for tc in (TrainConfig(steps=20), TrainConfig(steps=20, optimizer="adam", clip_norm=0.5),
               TrainConfig(steps=20, tied=True)):
        a, b = train(c, tc), train(c, tc)
        for name in ("loss", "rel_update", "rel_update_steps", "step_norm", "grad_norm"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert a.clip_fired == b.clip_fired
    other = train(c.replace(seed=8), TrainConfig(steps=20))
    assert not np.array_equal(other.loss, a.loss)


def test_pinned_values():
    """Fixed numbers for one small run, so a change to the draws or the maths shows up."""
    r = train(Config(depth=4, activation="tanh", init="xavier_normal", width=16, seed=3),
              TrainConfig(steps=10, batch=8))
    assert r.loss.shape == (11,)
    assert r.first_loss == pytest.approx(PINNED["first_loss"], rel=1e-12)
    assert r.final_loss == pytest.approx(PINNED["final_loss"], rel=1e-9)
    assert r.rel_update == pytest.approx(PINNED["rel_update"], rel=1e-9)


PINNED = {
    "first_loss": 1.3327400332464023,
    "final_loss": 1.2845248958499853,
    "rel_update": [0.004726355007926925, 0.002605526035670778, 0.0027347578455337706,
                   0.003072610161173223],
}


# -- divergence: flagged, never raised or warned ------------------------------------------------
def test_too_large_init_diverges_to_inf_silently():
    r = run_quietly(PRESETS["too_large"].config(), TrainConfig(steps=50))
    assert r.diverged and r.diverged_at == 1
    assert math.isfinite(r.loss[0]) and r.loss[0] > 1e20
    assert math.isinf(r.loss[-1])
    assert list(r.loss_finite) == [True, False]
    assert r.steps_taken == 1 and not r.finished


def test_nan_loss_is_kept_and_flagged():
    r = run_quietly(PRESETS["relu_residual"].config(), TrainConfig(steps=20))
    assert r.diverged
    assert math.isnan(r.loss[-1])
    assert r.loss.dtype == np.float64


def test_zero_init_nothing_moves():
    r = run_quietly(PRESETS["zero_init"].config(), TrainConfig(steps=5))
    assert r.finished
    assert np.all(r.rel_update == 0)  # 0/0 is "did not move", not nan
    assert np.all(r.loss == r.loss[0])


# -- clipping ---------------------------------------------------------------------------------
def test_clipping_limits_the_step_without_curing_the_init():
    c = PRESETS["too_large"].config()
    free = run_quietly(c, TrainConfig(steps=20))
    clipped = run_quietly(c, TrainConfig(steps=20, clip_norm=1.0))
    assert clipped.finished and clipped.clip_fired == 20
    # SGD: the step is lr × (clipped gradient), at most lr × clip_norm
    assert clipped.max_step_norm == pytest.approx(0.002 * 1.0, rel=1e-9)
    assert clipped.max_step_norm < 1e-15 * free.max_step_norm
    # limited damage, not a cure: the loss is still astronomically large
    assert clipped.final_loss < clipped.first_loss and clipped.final_loss > 1e20


def test_clip_fires_only_above_the_threshold():
    c = Config(depth=4, activation="relu", init="he_normal", width=32)
    never = train(c, TrainConfig(steps=10, clip_norm=1e9))
    off = train(c, TrainConfig(steps=10))
    assert never.clip_fired == 0
    assert np.array_equal(never.loss, off.loss)
    assert TrainConfig(clip_norm=0).clip_norm is None


# -- the optimiser and the worker hooks ----------------------------------------------------------
def test_adam_trains_relu_he():
    r = run_quietly(Config(depth=10, activation="relu", init="he_normal", width=64),
                    TrainConfig(steps=50, optimizer="adam"))
    assert r.train_config.lr == T.DEFAULT_LR["adam"]
    assert r.finished and r.final_loss < 0.5 * r.first_loss


def test_adam_first_step_is_lr_sized():
    """Adam's first update is lr·sign(g) elementwise (up to ε), so ‖Δθ‖ ≈ lr·√(#params)."""
    c = Config(depth=2, activation="tanh", init="xavier_normal", width=8)
    r = train(c, TrainConfig(steps=1, optimizer="adam", lr=1e-3))
    n_params = 2 * (8 * 8 + 8)
    assert r.step_norm[0] == pytest.approx(1e-3 * math.sqrt(n_params), rel=1e-3)


def test_progress_and_cancel():
    c = Config(depth=3, activation="tanh", width=8)
    calls = []
    train(c, TrainConfig(steps=7), progress=lambda k, n: calls.append((k, n)))
    assert calls == [(k, 7) for k in range(1, 8)]
    done = []
    r = train(c, TrainConfig(steps=100), progress=lambda k, n: done.append(k),
              cancel=lambda: len(done) >= 3)
    assert r.cancelled and r.steps_taken == 3 and r.loss.shape == (3,)
    assert r.rel_update_steps.shape == (3, 3) and r.grad_norm.shape == (3,)


@pytest.mark.parametrize("tied", [False, True])
def test_cancel_is_polled_before_every_draw_step_and_layer(tied):
    """A stop is heard between two layers of a pass, not only between steps (a step at width 4096
    and batch 1024 takes seconds), and between two weight matrices being drawn."""
    L, K = 4, 5
    polls = []
    r = train(Config(depth=L, activation="tanh", width=8), TrainConfig(steps=K, tied=tied),
              cancel=lambda: polls.append(1) and False)
    draws = 1 if tied else L
    # per forward pass: one before it and one per layer; per backward pass: one per layer
    assert len(polls) == draws + (K + 1) * (1 + L) + K * L
    assert r.finished


def _stop_after(n: int):
    polls = []
    return lambda: polls.append(1) or len(polls) > n


@pytest.mark.parametrize("tied", [False, True])
def test_a_stop_inside_a_step_keeps_only_what_was_finished(tied):
    L = 4
    c, tc = Config(depth=L, activation="tanh", width=8), TrainConfig(steps=5, tied=tied)
    draws = 1 if tied else L
    full = train(c, tc)
    # inside the weight draw: nothing ran
    if not tied:
        r = train(c, tc, cancel=_stop_after(2))
        assert r.cancelled and r.steps_run == 0 and r.steps_taken == 0
        assert np.all(r.rel_update == 0) and r.layer_contrib is None
    # inside the first forward pass: no loss yet
    r = train(c, tc, cancel=_stop_after(draws + 2))
    assert r.cancelled and r.steps_run == 0 and r.steps_taken == 0
    # inside the first backward pass: the first loss, no update
    r = train(c, tc, cancel=_stop_after(draws + 1 + L + 2))
    assert r.cancelled and r.steps_taken == 0
    assert r.loss.tolist() == full.loss[:1].tolist()
    assert np.all(r.rel_update == 0)
    assert r.layer_contrib is None  # tied: that step's shares were half added; untied: none
    # inside the second backward pass: one full step, identical to the full run's first
    r = train(c, tc, cancel=_stop_after(draws + 2 * (1 + L) + L + 2))
    assert r.cancelled and r.steps_taken == 1
    assert r.loss.tolist() == full.loss[:2].tolist()
    assert r.rel_update_steps.tolist() == full.rel_update_steps[:1].tolist()


def test_a_tied_run_stopped_between_steps_keeps_its_shares():
    c, tc = Config(depth=4, activation="tanh", width=8), TrainConfig(steps=9, tied=True)
    done = []
    r = train(c, tc, progress=lambda k, n: done.append(k), cancel=lambda: len(done) >= 2)
    assert r.cancelled and r.steps_taken == 2
    two = train(c, TrainConfig(steps=2, tied=True))
    assert r.layer_contrib.tolist() == two.layer_contrib.tolist()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"steps": 0}, "steps"), ({"steps": 2.5}, "steps"), ({"steps": True}, "steps"),
        ({"lr": 0.0}, "lr"), ({"lr": float("nan")}, "lr"), ({"lr": 1e3}, "lr"),
        ({"optimizer": "adma"}, "optimizer"), ({"clip_norm": -1.0}, "clip_norm"),
        ({"batch": 0}, "batch"), ({"tied": "yes"}, "tied"),
    ],
)
def test_train_config_validation_names_the_field(kwargs, field):
    with pytest.raises(ValueError) as info:
        TrainConfig(**kwargs)
    assert str(info.value).startswith(f"{field}:")


def test_optimizer_names_are_canonical_and_suggested():
    assert TrainConfig(optimizer="ADAM").optimizer == "adam"
    with pytest.raises(ValueError, match="did you mean adam"):
        TrainConfig(optimizer="adma")


def test_runs_that_do_not_fit_in_memory_are_refused():
    with pytest.raises(ValueError, match="^width: 4096 at depth 2000"):
        train(Config(depth=2000, width=4096, mode="expected"), TrainConfig(steps=1))


# -- tied weights (the unrolled RNN) ----------------------------------------------------------------
def test_tied_weights_share_one_update():
    c = Config(depth=8, activation="tanh", init="orthogonal", width=32)
    r = run_quietly(c, TrainConfig(steps=10, tied=True))
    assert np.all(r.rel_update == r.rel_update[0])
    assert r.layer_contrib is not None and r.layer_contrib.shape == (8,)
    assert train(c, TrainConfig(steps=10)).layer_contrib is None


@pytest.mark.parametrize("scale, regime", [(1.2, "exploding"), (0.8, "vanishing")])
def test_tied_rnn_explodes_above_one_and_vanishes_below(scale, regime):
    """Linear activation, orthogonal W scaled by s, tied over 50 steps: grad_1 = s^49 exactly."""
    c = Config(depth=50, activation="linear", init="orthogonal", weight_scale=scale, width=64,
               batch=16)
    log10_grad = tied_grads(c, tied=True)
    assert log10_grad[-1] == 0.0
    assert log10_grad[0] == pytest.approx(49 * math.log10(scale), abs=1e-9)
    if regime == "exploding":
        assert log10_grad[0] > 1  # 1.2^49 ≈ 7.6e3
    else:
        assert log10_grad[0] < -1  # 0.8^49 ≈ 1.8e-5
    # the same matrix at every step: a constant factor per layer
    assert np.allclose(np.diff(log10_grad), -math.log10(scale), atol=1e-9)


def test_tied_tanh_rnn_vanishes_below_one():
    c = Config(depth=50, activation="tanh", init="orthogonal", weight_scale=0.8, width=64, batch=16)
    assert tied_grads(c, tied=True)[0] < -4


def test_tied_gradient_underflow_is_a_number():
    c = Config(depth=2000, activation="linear", init="orthogonal", weight_scale=0.5, width=8,
               batch=2, mode="sampled")
    g = tied_grads(c, tied=True)
    assert g[0] == pytest.approx(1999 * math.log10(0.5), rel=1e-9)  # ~1e-602


def test_zero_init_gradients_are_exact_zeros():
    g = tied_grads(PRESETS["zero_init"].config().replace(width=16, batch=4), tied=False)
    assert g[-1] == 0.0 and np.all(g[:-1] == -np.inf)


# -- the gradients are right ----------------------------------------------------------------------
FD_CASES = [
    dict(activation="tanh", init="xavier_normal", bias_std=0.3),
    dict(activation="gelu", init="he_normal", residual=True, residual_scale=0.7, bias_std=0.2),
    dict(activation="sigmoid", init="xavier_normal", norm="layer", bias_std=0.5),
    dict(activation="softplus", init="orthogonal", residual=True, norm="layer"),
]


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("settings", FD_CASES)
def test_gradients_match_finite_differences(settings, tied):
    c = Config(depth=3, width=5, seed=11, **settings)
    rngs = T._streams(c.seed)
    net = T._draw_net(c, tied, rngs)
    if c.bias_std == 0:  # give the biases something to do
        net.b += 0.1
    x, y, r = T._task(c, 4, rngs)

    def loss_of(W, b):
        net.W, net.b = W, b
        err = T._forward(net, x).out @ r - y
        return float(np.mean(err * err))

    W0, b0 = net.W.copy(), net.b.copy()
    loss_of(W0, b0)
    cache = T._forward(net, x)
    err = cache.out @ r - y
    gW, gb = np.empty_like(W0), np.empty_like(b0)
    T._gradients(net, cache, np.outer(2 * err / err.size, r), gW, gb, None)
    rng = np.random.default_rng(0)
    for _ in range(12):
        i = tuple(rng.integers(0, s) for s in W0.shape)
        assert gW[i] == pytest.approx(central_difference(lambda W: loss_of(W, b0), W0, i),
                                      rel=1e-5, abs=1e-9)
        j = tuple(rng.integers(0, s) for s in b0.shape)
        assert gb[j] == pytest.approx(central_difference(lambda b: loss_of(W0, b), b0, j),
                                      rel=1e-5, abs=1e-9)


def central_difference(f, a: np.ndarray, index: tuple, eps: float = 1e-6) -> float:
    plus, minus = a.copy(), a.copy()
    plus[index] += eps
    minus[index] -= eps
    return (f(plus) - f(minus)) / (2 * eps)


# -- hygiene ----------------------------------------------------------------------------------------
def test_train_imports_without_textual_or_plotext():
    code = (
        "import json, sys\n"
        "from gradtui.engine import Config\n"
        "from gradtui.engine.train import train, TrainConfig\n"
        "train(Config(depth=3, width=8), TrainConfig(steps=2))\n"
        "train(Config(depth=3, width=8, norm='layer', residual=True), TrainConfig(steps=2, tied=True))\n"
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('textual', 'plotext', 'rich'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_blas_single_thread_restores_the_setting():
    from gradtui.engine import blas

    with blas.single_thread():
        with blas.single_thread():
            pass
        if blas._api:
            assert blas._api[0]() == 1
    assert blas._users == 0


# -- normalisations: training-mode statistics every step ------------------------------------------
@pytest.mark.parametrize("norm", ["none", "layer", "rms", "batch"])
def test_one_small_sgd_step_lowers_the_loss_by_lr_times_the_squared_gradient(norm):
    """First order: loss₀ − loss₁ = lr·‖g‖² + O(lr²). Under batch norm g must include the coupling
    of the samples through the batch statistics, or the ratio is off by far more than 1e-4."""
    c = Config(depth=5, activation="tanh", width=16, norm=norm, bias_std=0.2, seed=2)
    lr = 1e-7
    r = train(c, TrainConfig(steps=1, batch=6, lr=lr))
    assert (r.loss[0] - r.loss[1]) / (lr * r.grad_norm[0] ** 2) == pytest.approx(1.0, abs=1e-4)


def test_a_deep_batch_normalised_relu_net_trains():
    r = run_quietly(Config(depth=20, activation="relu", init="he_normal", width=64, norm="batch"),
                    TrainConfig(steps=100))
    assert not r.diverged and r.final_loss < 0.01 * r.first_loss


def test_a_training_set_of_one_cannot_be_batch_normalised():
    with pytest.raises(ValueError, match="cannot be batch-normalised"):
        train(Config(depth=3, width=8, norm="batch"), TrainConfig(steps=1, batch=1))


def test_batch_norm_updates_even_out_over_the_first_steps():
    """At init the plain batch-normalised ReLU net's layer-1 update is ~4 decades above layer L's;
    a few SGD steps (training-mode statistics each step) shrink that spread (docs/batchnorm.md)."""
    from gradtui.engine import PRESETS

    r = train(PRESETS["relu_batchnorm"].config().replace(width=64), TrainConfig(steps=5))
    spread = np.ptp(np.log10(r.rel_update_steps), axis=1)
    assert spread[0] > 3 and spread[-1] < spread[0] - 1, spread
