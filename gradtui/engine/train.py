"""Watch it (not) learn: a few steps of training on the network of DESIGN §1 (NumPy only).

The network is exactly the one the bars describe — ``L`` square layers of width ``N``, plain or
residual (``h_l = h_{l-1} + α·f(z_l)``), optional normalisation of ``z_l`` (no affine), bias,
activations and inits from the registries, float64 — trained on a small synthetic regression task:

* **data**: a fixed training set of ``batch`` inputs ``x ~ N(input_mean, input_std²)`` (entries), drawn from the seed;
* **teacher**: a fixed random 2-layer tanh net ``y = c·tanh(A x)`` (16 hidden units, ``A ~ N(0, 1/N)``,
  ``c`` scaled so ``Var y ≈ 1``), also drawn from the seed;
* **student output**: ``ŷ = ⟨r, h_L⟩`` with a **fixed** random readout ``r ~ N(0, I/N)`` (the same
  kind of readout the bars use, DESIGN §1). The readout is not trained, so every change in the loss
  is bought by the L layers the bars show, and layer L's update is not swamped by a readout that
  could fit the targets on its own;
* **loss**: mean squared error ``mean((ŷ − y)²)`` over the training set; every step uses the whole
  set (plain gradient descent: "SGD" with one fixed batch), so the loss curve is a clean function
  of the network and the learning rate.

Optimisers: ``sgd`` (``θ ← θ − lr·g``) and ``adam`` (β = 0.9, 0.999, ε = 1e-8, bias-corrected).
Clipping (``clip_norm``) rescales the *total* gradient (all W and b together) to that norm when it
is larger, before the optimiser sees it, and counts how often it fired.

``tied=True`` is the unrolled recurrent net: one ``W`` and one ``b`` for every layer (time step);
its gradient is the sum of the per-layer terms. Each layer is the engines' one step
(:class:`~gradtui.engine.layer.Layer`), forward and backward.

Nothing here raises or warns on overflow: the whole computation runs under ``np.errstate(all=
"ignore")``; a loss that is not finite ends the run and is recorded (``diverged_at``), and
non-finite weights show up as ``inf`` relative updates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .blas import single_thread
from .config import MEMORY_BUDGET, Config
from .inits import INITS, base_draw
from .layer import Layer
from .train_config import (  # noqa: F401 (train_bytes re-exported)
    ADAM_BETAS, ADAM_EPS, DEFAULT_LR, LR_RANGE, MAX_STEPS, OPTIMIZERS, TrainConfig, TrainResult,
    train_bytes,
)
from .weights import release_held_buffers, scaled_biases, scaled_inputs

#: hidden units of the teacher network
TEACHER_HIDDEN = 16
#: E[tanh(u)²] for u ~ N(0, 1): the teacher's output weights are scaled by it so Var y ≈ 1
_TANH2 = 0.3942944903

#: independent random streams spawned from the seed (fixed order: never reorder, only append)
_STREAMS = ("weights", "biases", "readout", "teacher", "data")


# -- the network ---------------------------------------------------------------------------------
@dataclass
class _Net:
    """Parameters of the trained network: W (P, N, N) and b (P, N) with P = 1 (tied) or L."""

    config: Config
    tied: bool
    W: np.ndarray
    b: np.ndarray

    @property
    def step(self) -> Layer:
        return Layer.of(self.config)

    def index(self, layer: int) -> int:
        return 0 if self.tied else layer


@dataclass
class _Cache:
    """What the backward pass needs: the layer inputs h_{l-1}, the (normalised) pre-activations and
    the normalisation's statistics, or without a normalisation f'(z) itself instead of z (made with
    f in one fused pass; the backward needs nothing else of z)."""

    inputs: list[np.ndarray]
    zhat: list[np.ndarray | None]
    stats: list[np.ndarray | None]
    out: np.ndarray
    df: list[np.ndarray | None]


def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(_STREAMS, children)}


def _draw_net(config: Config, tied: bool, rngs: dict[str, np.random.Generator],
              check: Callable[[], None] = lambda: None) -> _Net:
    n, count = config.width, 1 if tied else config.depth
    init = INITS[config.init]
    gain = math.sqrt(init.sigma_w2(n)) * config.weight_scale
    # one matrix at a time (the same stream as one (count, n, n) draw), so a stop is heard between
    # two of them: 4096² orthogonal draws take seconds each
    W = np.empty((count, n, n))
    for i in range(count):
        check()
        W[i] = base_draw(rngs["weights"], init.family, n)
    W *= gain
    rng = rngs["biases"]
    b = scaled_biases(config, count, lambda: rng.standard_normal((count, n)),
                      lambda: rng.uniform(-1.0, 1.0, (count, n)))
    if b is None:
        b = np.zeros((count, n))
    return _Net(config, tied, W, b)


class _Stopped(Exception):
    """Raised between two layers of a pass when the run's ``cancel()`` says stop."""


def _checker(cancel: Callable[[], bool] | None) -> Callable[[], None]:
    """A per-layer check: raises :class:`_Stopped` once ``cancel()`` is true (never without one)."""
    if cancel is None:
        return lambda: None

    def check() -> None:
        if cancel():
            raise _Stopped

    return check


def _forward(net: _Net, x: np.ndarray, check: Callable[[], None] = lambda: None) -> _Cache:
    step = net.step
    h = x
    inputs, zhat, stats, dfs = [], [], [], []
    # without a normalisation f and f' come from one fused pass (bit for bit act.f and act.df)
    fused = step.norm.identity and not step.linear
    work = (np.empty_like(x), np.empty_like(x)) if fused else None
    for layer in range(net.config.depth):
        check()
        i = net.index(layer)
        z = step.pre_activation(h, net.W[i], bias=net.b[i])
        inputs.append(h)
        if fused:
            h, d, st = step.forward(h, z, d_out=np.empty_like(z), work=work)
            zhat.append(None)
        else:
            h, d, st = step.forward(h, z)
            zhat.append(z)
        dfs.append(d)
        stats.append(st)
    return _Cache(inputs, zhat, stats, h, dfs)


def _backward_layer(net: _Net, cache: _Cache, layer: int, g_h: np.ndarray, need_prev: bool = True):
    """Given ∂loss/∂h_l, return (∂loss/∂z_l before norm, ∂loss/∂h_{l-1} or None)."""
    step = net.step
    zh, d = cache.zhat[layer], cache.df[layer]
    if d is None:
        d = step.activation.df(zh)
    g = step.backward(g_h, d, zh, cache.stats[layer])
    if not need_prev:
        return g, None
    return g, step.backward_input(g, g_h, net.W[net.index(layer)])


def _gradients(net: _Net, cache: _Cache, g_out: np.ndarray, gW: np.ndarray, gb: np.ndarray,
               per_layer: np.ndarray | None, check: Callable[[], None] = lambda: None) -> None:
    """Fill ∂loss/∂W into ``gW`` and ∂loss/∂b into ``gb`` given ∂loss/∂h_L. ``per_layer`` (L, N, N),
    if given, accumulates each layer's own term of ∂loss/∂W (tied nets sum the terms into one W).
    ``check()`` runs before every layer (a stop there leaves ``per_layer`` holding part of a step)."""
    tied = net.tied
    if tied:
        gW.fill(0.0)
        gb.fill(0.0)
    g_h = g_out
    for layer in range(net.config.depth - 1, -1, -1):
        check()
        # ∂loss/∂x (below layer 1) is not needed for training
        g_z, g_prev = _backward_layer(net, cache, layer, g_h, need_prev=layer > 0)
        if tied:
            term = g_z.T @ cache.inputs[layer]
            gW[0] += term
            gb[0] += g_z.sum(axis=0)
            if per_layer is not None:
                per_layer[layer] += term
        else:
            np.matmul(g_z.T, cache.inputs[layer], out=gW[layer])
            np.sum(g_z, axis=0, out=gb[layer])
        g_h = g_prev


def _teacher(rng: np.random.Generator, n: int, x: np.ndarray) -> np.ndarray:
    A = rng.standard_normal((n, TEACHER_HIDDEN)) / math.sqrt(n)
    c = rng.standard_normal(TEACHER_HIDDEN) / math.sqrt(TEACHER_HIDDEN * _TANH2)
    return np.tanh(x @ A) @ c


def _task(config: Config, batch: int, rngs: dict[str, np.random.Generator]):
    n = config.width
    x = scaled_inputs(config, rngs["data"].standard_normal((batch, n)))
    y = _teacher(rngs["teacher"], n, x)
    r = rngs["readout"].standard_normal(n) / math.sqrt(n)
    return x, y, r


def _frob(a: np.ndarray) -> np.ndarray:
    """Frobenius norm over the last two axes (so (P, N, N) → (P,))."""
    return np.sqrt(np.einsum("...ij,...ij->...", a, a))


def _sumsq(a: np.ndarray) -> float:
    flat = a.reshape(-1)
    return float(np.dot(flat, flat))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num/den with 0/0 → 0, x/0 → inf and anything non-finite → inf."""
    out = np.where(num == 0, 0.0, num / np.where(den == 0, 1.0, den))
    out = np.where((den == 0) & (num != 0), np.inf, out)
    return np.where(np.isfinite(num) & np.isfinite(den), out, np.inf)


# -- training ------------------------------------------------------------------------------------
def train(
    config: Config,
    tc: TrainConfig | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train the config's network for ``tc.steps`` steps; never raises or warns on overflow
    (``ValueError`` only when the run would not fit in memory, see :func:`check_size`).

    ``progress(step, K)`` is called after every update (step = 1..K); ``cancel()`` is polled before
    every step and before every layer of its forward and backward passes (a step at width 4096 and
    batch 1024 takes seconds; one layer of it well under one), and ends the run early
    (``cancelled=True``) when it returns true: the result holds the steps completed, and the loss
    of a forward pass that finished. A tied run stopped inside a backward pass has no
    ``layer_contrib`` (that step's shares were half added). The loss is evaluated K + 1 times:
    before the first update and after each one.
    """
    tc = tc if tc is not None else TrainConfig()
    with np.errstate(all="ignore"), single_thread():
        return _train(config, tc, progress, cancel)


def check_size(config: Config, tc: TrainConfig) -> None:
    """Raise ``ValueError`` when a run would need more than the 1 GiB memory budget, or when its
    training set cannot be batch-normalised (one sample)."""
    if config.norm == "batch" and tc.batch < 2:
        raise ValueError(f"batch: {tc.batch} cannot be batch-normalised: norm batch needs batch ≥ 2")
    need = train_bytes(config, tc)
    if need > MEMORY_BUDGET:
        raise ValueError(
            f"width: {config.width} at depth {config.depth} needs ~{need / 2**30:.1f} GiB to train "
            f"(limit 1 GiB); use a smaller width or depth"
        )


def _train(config, tc, progress, cancel) -> TrainResult:
    L, K = config.depth, tc.steps
    check_size(config, tc)
    release_held_buffers()  # a sampled pass's, kept for the next pass: this run allocates its own
    rngs = _streams(config.seed)
    check = _checker(cancel)
    try:
        net = _draw_net(config, tc.tied, rngs, check)
    except _Stopped:  # stopped while the weights were drawn: nothing ran, nothing moved
        empty = np.empty(0)
        return TrainResult(config=config, train_config=tc, loss=empty, rel_update=np.zeros(L),
                           rel_update_steps=np.empty((0, L)), step_norm=empty, grad_norm=empty,
                           clip_fired=0, diverged_at=None, cancelled=True)
    x, y, r = _task(config, tc.batch, rngs)
    W0 = net.W.copy()
    norm0 = _frob(W0)

    adam = tc.optimizer == "adam"
    gW, gb = np.empty_like(net.W), np.empty_like(net.b)
    dW, db = np.empty_like(net.W), np.empty_like(net.b)
    if adam:
        mW, vW = np.zeros_like(net.W), np.zeros_like(net.W)
        mb, vb = np.zeros_like(net.b), np.zeros_like(net.b)
        b1, b2 = ADAM_BETAS
    contrib = np.zeros((L,) + net.W.shape[1:]) if tc.tied else None

    losses: list[float] = []
    rel_steps = np.empty((K, L))
    step_norms: list[float] = []
    grad_norms: list[float] = []
    fired = 0
    diverged_at = None
    cancelled = False

    for step in range(K + 1):
        try:
            check()
            cache = _forward(net, x, check)
        except _Stopped:
            cancelled = True
            break
        err = cache.out @ r - y
        loss = float(np.mean(err * err))
        losses.append(loss)
        if not math.isfinite(loss):
            diverged_at = step
            break
        if step == K:
            break  # the loss after the last update
        g_out = np.outer(2.0 * err / err.shape[0], r)
        try:
            _gradients(net, cache, g_out, gW, gb, contrib, check)
        except _Stopped:
            cancelled = True
            contrib = None  # part of this step's terms are in it: no honest shares to show
            break
        gnorm = math.sqrt(_sumsq(gW) + _sumsq(gb))
        grad_norms.append(gnorm)
        if tc.clip_norm is not None and gnorm > tc.clip_norm:
            fired += 1
            scale = tc.clip_norm / gnorm
            gW *= scale
            gb *= scale
        if adam:
            t = step + 1
            c1, c2 = 1 - b1**t, 1 - b2**t
            root_c2 = math.sqrt(c2)
            for g, m, v, d in ((gW, mW, vW, dW), (gb, mb, vb, db)):
                # m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
                # d = −lr·(m/c1)/(√(v/c2) + ε) = −lr·√c2/c1 · m/(√v + ε·√c2)
                np.multiply(g, 1 - b1, out=d)
                m *= b1
                m += d
                np.multiply(g, g, out=d)
                d *= 1 - b2
                v *= b2
                v += d
                np.sqrt(v, out=d)
                d += ADAM_EPS * root_c2
                np.divide(m, d, out=d)
                d *= -tc.lr * root_c2 / c1
        else:
            np.multiply(gW, -tc.lr, out=dW)
            np.multiply(gb, -tc.lr, out=db)
        dW_norm = _frob(dW)
        step_norms.append(math.sqrt(float(np.sum(dW_norm * dW_norm)) + _sumsq(db)))
        rel_steps[step] = _ratio(dW_norm, _frob(net.W))
        net.W += dW
        net.b += db
        if progress is not None:
            progress(step + 1, K)

    rel_update = _ratio(_frob(net.W - W0), norm0)
    if tc.tied:
        rel_update = np.broadcast_to(rel_update, (L,)).copy()
    if contrib is not None:
        contrib = _ratio(_frob(tc.lr * contrib), np.broadcast_to(norm0, (L,)))
    return TrainResult(
        config=config,
        train_config=tc,
        loss=np.asarray(losses, dtype=np.float64),
        rel_update=rel_update,
        rel_update_steps=rel_steps[: len(step_norms)].copy(),
        step_norm=np.asarray(step_norms, dtype=np.float64),
        grad_norm=np.asarray(grad_norms, dtype=np.float64),
        clip_fired=fired,
        diverged_at=diverged_at,
        cancelled=cancelled,
        layer_contrib=contrib,
    )


__all__ = [
    "ADAM_BETAS", "ADAM_EPS", "DEFAULT_LR", "LR_RANGE", "MAX_STEPS", "OPTIMIZERS", "TrainConfig",
    "TrainResult", "check_size", "train", "train_bytes",
]
