"""The ``sampled`` engine: one real random network, forward pass and exact backprop (DESIGN §1, §3).

    net = network(config)      # the drawn network: inputs, readout, biases, weights (cached or not)
    bp = backprop(net)         # forward + backward; absolute per-layer gradient norms in log10
    result = compute_sampled(config)

The layers are :class:`~gradtui.engine.layer.Layer` steps; the drawn weights and their cache live in
:mod:`~gradtui.engine.weights`, the kept buffer in :mod:`~gradtui.engine.workspace`, the fused f/f'
kernels in :mod:`~gradtui.engine.kernels` and the log-space norms in :mod:`~gradtui.engine.lognorm`.

Numerics
- The backward signal is rescaled by a power of two at every layer (exact in binary floating point)
  and the log10 norms are accumulated, so depth 2000 never underflows. A backward signal that
  becomes exactly zero stays zero: that layer's factor is 0 and every layer below gets factor 0
  (log10 -inf) and gradient 0 — "nothing arrives, nothing leaves", as the expected engine reports
  for zero init.
- Positively homogeneous activations (linear, relu, leaky_relu) without a normalisation are rescaled
  exactly in the forward pass as well (h_l held as H_l·2^K_l, see :mod:`~gradtui.engine.layer`);
  these networks never overflow. Every other activation is evaluated on true values; a layer whose
  forward values are not finite float64 numbers is flagged in ``overflow`` together with every
  layer above it, and since every backward factor depends on the layers above it, all factors and
  weight gradients are then NaN (unknown), never an exception or a warning.

Memory: h_0..h_{L-1} and f'(ẑ_l) for every layer, plus ẑ_l with a normalisation — at most the three
(L, B, N) float64 arrays that ``config.sampled_activation_bytes`` budgets for — and a few B×N
scratch arrays, all carved from one workspace buffer that is kept for the next call when it is at
most 128 MiB. Weights are held only while workspace + stack ≤ 1 GiB; otherwise they are streamed
(:mod:`~gradtui.engine.call_weights`): three N×N buffers, plus as many of the top layers as fit in
1 GiB − workspace − cache − the network's inputs, readout and biases, kept so the backward pass
redraws only the rest. The backward signal and the weight-gradient Gram products use the
workspace's scratch arrays (nothing of size B×N or B×B is allocated per layer). Idle, the engine
holds at most 512 MiB of weights and a 128 MiB workspace; for 10 s after a pass also a larger
workspace and a streamed pass's weight buffers (together within the pass's 1 GiB), which the next
pass of that shape reuses instead of faulting fresh memory in, and which a network of another
shape or a training run frees before allocating its own.

Speed: per layer two matmuls (h@Wᵀ, δ@W) plus two B×B Gram matrices for the weight-gradient norm
(‖AᵀG‖² = Σ (AAᵀ)⊙(GGᵀ), B²N instead of BN²; the direct product when B > N) and a few passes
over B×N; ``weight_grads=False`` drops the Gram matrices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .config import RUNTIME_BYTES, Config
from .kernels import FUSED, f_and_df_into, max_derivative
from .layer import HOMOGENEOUS, Layer
from .lognorm import LOG10_2, log10_outer_norm, log10_std, lognorm
from .result import Result, Stopped
from .call_weights import CallWeights
from .weights import (
    MAX_STACKS, TOTAL_BYTES, WEIGHT_CACHE_BYTES, Network, cache_info, clear_weights,
    layer_base_weight, network,
)
from .workspace import (
    Carver, activation_bytes, clear_workspace, give_back_workspace, take_workspace, workspace_size,
)

#: f' below this fraction of the activation's largest f' counts as saturated
SATURATION = 1e-3


def clear_cache() -> None:
    """Drop the cached weights, inputs and the kept workspace."""
    clear_weights()
    clear_workspace()


@dataclass(frozen=True, eq=False)
class Backprop:
    """Per-layer arrays, index 0 = layer 1. Gradient norms are absolute (not relative to h_L)."""

    #: log10 ‖∂loss/∂h_l‖_F for l = 0..L (length L+1; index L is the output)
    log10_grad_norm: np.ndarray
    log10_factor: np.ndarray
    #: log10 ‖∂loss/∂W_l‖_F (None when not asked for: ``backprop(net, weight_grads=False)``)
    log10_weight_grad: np.ndarray | None
    weight_gain: np.ndarray
    deriv_gain: np.ndarray
    norm_gain: np.ndarray
    log10_act_std: np.ndarray
    overflow: np.ndarray
    dead_frac: np.ndarray
    saturated_frac: np.ndarray
    #: True when the forward pass used exact power-of-two rescaling at some layer
    rescaled: bool


def backprop(net: Network, weight_grads: bool = True,
             cancel: Callable[[], bool] | None = None) -> Backprop:
    """Forward pass, then exact backprop with the signal renormalised at every layer.

    ``weight_grads=False`` skips the weight-gradient products (``log10_weight_grad`` is None);
    every other number is the same. ``cancel()`` is asked before every layer of both passes: True
    raises :class:`~gradtui.engine.result.Stopped`."""
    size = workspace_size(net.config)
    buf = take_workspace(size)
    # what the pass may hold in weights: the budget less the workspace, the cached stacks and the
    # network's own arrays (inputs, readout, biases) and what BLAS and the stream's thread hold,
    # so a streamed pass's kept layers stay inside it
    own = sum(a.nbytes for a in (net.x, net.readout, net.bias) if a is not None) + RUNTIME_BYTES
    src = CallWeights(net, TOTAL_BYTES - 8 * max(size, buf.size) - cache_info()["bytes"] - own)
    try:
        with np.errstate(all="ignore"):
            return _backprop(net, Carver(buf), src, weight_grads, cancel or _never)
    finally:
        src.close()
        give_back_workspace(buf)


class _Pass:
    """The arrays one forward + backward pass keeps (carved from the workspace)."""

    def __init__(self, net: Network, ws: Carver) -> None:
        c = net.config
        L, B, N = c.depth, c.batch, c.width
        self.layer = layer = Layer.of(c)
        norm = layer.norm
        self.H = ws.take(L, B, N)  # h_0 .. h_{L-1}; true h_l = H[l]·2^K[l]
        self.D = None if layer.linear else ws.take(L, B, N)  # f'(ẑ_l)
        self.Z = None if norm.identity else ws.take(L, B, N)  # ẑ_l
        self.stats = None if norm.identity else ws.take(L, *norm.stats_shape(B, N))
        self.zbuf, self.hlast, self.w1, self.w2 = (ws.take(B, N) for _ in range(4))
        self.K = np.zeros(L + 1, dtype=np.int64)

    def d(self, l: int):
        return None if self.D is None else self.D[l]

    def zhat(self, l: int):
        return None if self.Z is None else self.Z[l]

    def stat(self, l: int):
        return None if self.stats is None else self.stats[l]


def _never() -> bool:
    return False


def _count_low(ss: float, n: int, levels: tuple[float, float] | None) -> int | None:
    """How many of n entries, each either ``levels[0]`` or ``levels[1]``, are the low one, from
    their sum of squares ss (exact for relu's 0/1: the sum of whole numbers below 2⁵³ is); None
    when f' has no two levels or ss is not such a sum (then the entries are counted)."""
    if levels is None:
        return None
    low, high = levels
    highs = (ss - low * low * n) / (high * high - low * low)
    count = round(highs)
    if not (0 <= count <= n and abs(highs - count) < 1e-3):
        return None
    return n - count


def _backprop(net: Network, ws: Carver, src: CallWeights, weight_grads: bool,
              cancel: Callable[[], bool]) -> Backprop:
    c = net.config
    L, N = c.depth, c.width
    p = _Pass(net, ws)
    layer, norm = p.layer, p.layer.norm
    s = net.scale
    thr = SATURATION * max_derivative(net.activation.name)
    levels = net.activation.df_levels
    nan = math.nan

    weight_gain = np.zeros(L)
    deriv_gain = np.ones(L)
    norm_gain = np.ones(L)
    log10_act_std = np.full(L, nan)
    dead_frac = np.zeros(L)
    saturated_frac = np.zeros(L)
    overflow = np.zeros(L, dtype=bool)

    H, K = p.H, p.K
    H[0] = net.x
    rescaled = False
    top = L  # first overflowed layer (0-based); L when none

    h = H[0]
    for l in range(L):
        if cancel():
            raise Stopped
        wb, norm_wb = src.forward(l)
        weight_gain[l] = s * norm_wb / math.sqrt(N)
        bias = net.bias[l] if net.bias is not None else None
        z = layer.pre_activation(h, wb, s, bias, int(K[l]), out=p.zbuf if p.Z is None else p.Z[l])
        hn = H[l + 1] if l + 1 < L else p.hlast
        hn, d, st = layer.forward(h, z, hn, p.d(l), p.stat(l), (p.w1, p.w2))
        if st is not None:
            norm_gain[l] = norm.gain(st)
        d_ok = True
        if d is not None:
            ss = float(np.vdot(d, d))
            d_ok = math.isfinite(ss)
            deriv_gain[l] = math.sqrt(ss / d.size)
            low = _count_low(ss, d.size, levels) if d_ok else None
            if low is None:
                sat = np.count_nonzero(d < thr)
                dead = np.count_nonzero(d == 0.0) if sat else 0
            else:  # f' is low or high: the low ones are saturated if below thr, dead if 0
                sat = low if levels[0] < thr else 0
                dead = low if levels[0] == 0.0 else 0
            saturated_frac[l] = sat / d.size
            dead_frac[l] = dead / d.size
        lstd, log2_rms, finite = log10_std(hn, p.w1)
        if not (finite and d_ok and (st is None or np.isfinite(st).all())):
            top = l
            break
        log10_act_std[l] = lstd + K[l] * LOG10_2
        e = layer.rescale_exponent(log2_rms)
        K[l + 1] = K[l] + e
        if e:
            np.ldexp(hn, -e, out=hn)
            rescaled = True
        h = hn

    log10_grad_norm = np.full(L + 1, nan)
    log10_factor = np.full(L, nan)
    log10_weight_grad = np.full(L, nan) if weight_grads else None
    stats = (log10_grad_norm, log10_factor, log10_weight_grad, weight_gain, deriv_gain, norm_gain,
             log10_act_std, overflow, dead_frac, saturated_frac)
    # δ_L = ∂loss/∂h_L: the readout r for every sample (one r per sample under batch norm, see
    # weights.network); held as G·2^E with ‖G‖ in [0.5, 1)
    g = p.w2  # scratch from here on (the backward never needs it otherwise)
    np.copyto(g, net.readout)  # one r per sample: broadcast over the batch, or (B, N) already
    lg, e, lg_stored = lognorm(g)  # lg_stored: log10 ‖G‖
    log10_grad_norm[L] = lg
    if top < L:
        overflow[top:] = True
        for a in (deriv_gain, dead_frac, saturated_frac) + (() if norm.identity else (norm_gain,)):
            a[top:] = nan
        return Backprop(*stats, rescaled)
    np.ldexp(g, -e, out=g)
    _backward(net, p, src, g, e, lg_stored, log10_grad_norm, log10_factor, log10_weight_grad, cancel)
    return Backprop(*stats, rescaled)


def _backward(net: Network, p: _Pass, src: CallWeights, g, E: int, lg_stored: float,
              log10_grad_norm, log10_factor, log10_weight_grad, cancel: Callable[[], bool]) -> None:
    """Exact backprop from G·2^E = ∂loss/∂h_L, filling the log10 arrays (layers L..1; the weight
    gradients only when ``log10_weight_grad`` is an array)."""
    layer, s = p.layer, net.scale
    new = p.hlast  # scratch
    # without the skip, s·(gz·W) is scaled by s together with the renormalisation (one pass):
    # s = m·2^k, the stored δ is (gz·W)·m·2^-e and its exponent e + k
    fold = not layer.residual and 0.0 < s < math.inf
    m, k = math.frexp(s) if fold else (1.0, 0)
    log_s, log_m = (math.log10(s), math.log10(m)) if fold else (0.0, 0.0)
    for l in range(net.config.depth - 1, -1, -1):
        if cancel():
            raise Stopped
        # gz = ∂loss/∂z_l (stored scale 2^E)
        gz = layer.backward(g, p.d(l), p.zhat(l), p.stat(l), out=p.zbuf, work=p.w1)
        if log10_weight_grad is not None:
            # the B×B products go into w1 (free after the normalisation's backward) and the
            # buffer the next δ is written to (free until backward_input); B ≤ N when they are used
            log10_weight_grad[l] = (log10_outer_norm(gz, p.H[l], (p.w1, new))
                                    + (E + int(p.K[l])) * LOG10_2)
        layer.backward_input(gz, g, src.backward(l), 1.0 if fold else s, out=new)
        ln, e, ln_scaled = lognorm(new)
        if not ln > -math.inf:  # exactly zero (or nan): so is everything below
            fill = ln if math.isnan(ln) else -math.inf
            log10_factor[: l + 1] = fill
            log10_grad_norm[: l + 1] = fill
            if log10_weight_grad is not None:
                log10_weight_grad[:l] = fill
            break
        ln += log_s
        log10_factor[l] = ln - lg_stored  # ‖δ_{l-1}‖ / ‖δ_l‖ = ‖new‖ / ‖G‖
        log10_grad_norm[l] = ln + E * LOG10_2
        _scale_by(new, m, -e)
        g, new = new, g
        E += e + k
        lg_stored = ln_scaled + log_m


def _scale_by(x: np.ndarray, m: float, e: int) -> None:
    """x ← x·m·2^e in place, in one pass where m·2^e is a normal float (exact for m = 1)."""
    if -1000 < e < 1000:
        np.multiply(x, math.ldexp(m, e), out=x)
    else:
        np.ldexp(x, e, out=x)
        if m != 1.0:
            x *= m


def compute_sampled(config: Config, *, weight_grads: bool = True,
                    cancel: Callable[[], bool] | None = None) -> Result:
    """The sampled engine (DESIGN §3): one real network of width N, batch B, seed S.

    ``weight_grads=False`` leaves out ‖∂loss/∂W_l‖ (``log10_weight_grad`` is None, as in expected
    mode; the JSON then has no ``weight_grad`` fields): it saves the two B×B Gram products per
    layer, for a caller that does not show them. Every other number is bit-identical."""
    from .blas import single_thread

    # one BLAS thread: these products are small, and split over a busy machine's cores they wait
    # for each other (measured 2-3x slower at width 1024 under load; see blas.py)
    with single_thread():
        net = network(config)
        bp = backprop(net, weight_grads, cancel)
    return Result(
        config=config,
        log10_factor=bp.log10_factor,
        weight_gain=bp.weight_gain,
        deriv_gain=bp.deriv_gain,
        log10_act_std=bp.log10_act_std,
        norm_gain=bp.norm_gain,
        overflow=bp.overflow,
        dead_frac=bp.dead_frac,
        saturated_frac=bp.saturated_frac,
        log10_weight_grad=bp.log10_weight_grad,
        extras={
            "engine": "sampled",
            "overflow_layers": int(bp.overflow.sum()),
            "exact_rescale": bp.rescaled,
            "log10_grad_output": float(bp.log10_grad_norm[-1]),
        },
    )


__all__ = [
    "Backprop", "FUSED", "HOMOGENEOUS", "MAX_STACKS", "Network", "TOTAL_BYTES", "WEIGHT_CACHE_BYTES",
    "activation_bytes", "backprop", "cache_info", "clear_cache", "compute_sampled", "f_and_df_into",
    "layer_base_weight", "max_derivative", "network",
]
