"""The ``sampled`` engine: one real random network, forward pass and exact backprop (DESIGN §1, §3).

    net = network(config)      # the drawn network: inputs, readout, biases, weights (cached or not)
    bp = backprop(net)         # forward + backward; absolute per-layer gradient norms in log10
    result = compute_sampled(config)

Numerics
- The backward signal is rescaled by a power of two at every layer (exact in binary floating point)
  and the log10 norms are accumulated, so depth 2000 never underflows. A backward signal that
  becomes exactly zero stays zero: that layer's factor is 0 and every layer below gets factor 0
  (log10 -inf) and gradient 0 — "nothing arrives, nothing leaves", as the expected engine reports
  for zero init.
- Positively homogeneous activations (linear, relu, leaky_relu) without layer norm are rescaled
  exactly in the forward pass as well: h_l is held as H_l·2^K_l, and since f(2^K z) = 2^K f(z) and
  f'(2^K z) = f'(z) nothing but the exponent changes (the bias enters as b·2^-K). These networks
  never overflow. Every other activation is evaluated on true values; a layer whose forward values
  are not finite float64 numbers is flagged in ``overflow`` together with every layer above it, and
  since every backward factor depends on the layers above it, all factors and weight gradients are
  then NaN (unknown), never an exception or a warning.
- Weights are unit-gain base draws (``inits.base_draw``), one generator per layer derived from the
  seed, scaled by √σ_w²·weight_scale at use (the matmul output is scaled, the draw never is). The
  base stack of a (seed, width, family) is cached (at most two stacks, at most 512 MiB together, and
  only while stack + activations stay within 1 GiB); otherwise each layer's weights are redrawn from
  its own generator, so cached and regenerated networks give bit-identical results.

Memory: h_0..h_{L-1} and f'(ẑ_l) for every layer, plus ẑ_l with layer norm — at most the three
(L, B, N) float64 arrays that ``config.sampled_activation_bytes`` budgets for — and a few B×N
scratch arrays, all carved from one workspace buffer that is kept for the next call when it is at
most 128 MiB (fresh memory costs a page fault per 4 KiB, as much as the arithmetic at small sizes).
Weights are held only while workspace + stack ≤ 1 GiB; otherwise one N×N layer at a time.
Idle, the engine holds at most 512 MiB of weights and a 128 MiB workspace.

Speed: per layer two matmuls (h@Wᵀ, δ@W) plus two B×B Gram matrices for the weight-gradient norm
(‖AᵀG‖² = Σ (AAᵀ)⊙(GGᵀ), B²N instead of BN²; the direct product when B > N) and a few passes
over B×N. Common activations have fused f/f' kernels (bit-identical to the registry's).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .activations import ACTIVATIONS, Activation
from .config import Config
from .expected import LN_EPS
from .inits import INITS, base_draw
from .result import Result
from .special import ndtr, npdf

#: activations with f(c·z) = c·f(z) for c > 0: rescaled exactly in the forward pass
HOMOGENEOUS = frozenset({"linear", "relu", "leaky_relu"})
#: f' below this fraction of the activation's largest f' counts as saturated
SATURATION = 1e-3
#: held base weight stacks: how many, and how many bytes together
MAX_STACKS = 2
WEIGHT_CACHE_BYTES = 512 << 20
#: held activations + held weights of one call stay below this
TOTAL_BYTES = 1 << 30
#: the activation workspace is kept for the next call (no page faults on reuse) up to this size
WORKSPACE_KEEP_BYTES = 128 << 20

LOG10_2 = math.log10(2.0)
#: the forward pass is rescaled when the RMS of h leaves [2^-R, 2^R] (homogeneous activations only)
_RESCALE_LOG2 = 100
#: sums of squares in this range are safe to take the square root of directly
_SS_LO, _SS_HI = 1e-280, 1e280
# independent random streams under one seed
_STREAM_WEIGHTS, _STREAM_INPUT, _STREAM_READOUT, _STREAM_BIAS = 1, 2, 3, 4


# -- random draws ------------------------------------------------------------------------------
def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def layer_base_weight(seed: int, family: str, width: int, layer: int) -> np.ndarray:
    """The unit-gain base draw of one layer (0-based), from that layer's own generator."""
    if family == "zeros":
        return np.zeros((width, width))
    return base_draw(_rng(seed, _STREAM_WEIGHTS, layer), family, width)


@lru_cache(maxsize=4)
def _input(seed: int, width: int, batch: int) -> np.ndarray:
    return _readonly(_rng(seed, _STREAM_INPUT).standard_normal((batch, width)))


@lru_cache(maxsize=4)
def _readout(seed: int, width: int) -> np.ndarray:
    return _readonly(_rng(seed, _STREAM_READOUT).standard_normal(width))


@lru_cache(maxsize=4)
def _bias_base(seed: int, width: int, depth: int) -> np.ndarray:
    # row l is the same for every depth ≥ l+1: the generator fills rows in order
    return _readonly(_rng(seed, _STREAM_BIAS).standard_normal((depth, width)))


# -- the weight cache --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Stack:
    base: np.ndarray  # (depth, N, N) unit-gain draws, read-only
    norms: np.ndarray  # ‖base[l]‖_F

    @property
    def nbytes(self) -> int:
        return self.base.nbytes


_CACHE: OrderedDict[tuple[int, int, str], _Stack] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_STATS = {"hits": 0, "draws": 0, "layers_drawn": 0}


def _trim(allowed: int, keep: tuple | None = None, stacks: int = MAX_STACKS) -> None:
    """Evict least recently used stacks (never ``keep``) until the cache holds ≤ ``allowed`` bytes
    in ≤ ``stacks`` stacks."""
    while True:
        total = sum(s.nbytes for s in _CACHE.values())
        if total <= allowed and len(_CACHE) <= stacks:
            return
        victim = next((k for k in _CACHE if k != keep), None)
        if victim is None:
            return
        del _CACHE[victim]


def _held_stack(seed: int, width: int, family: str, depth: int, allowed: int) -> _Stack | None:
    """The cached base stack covering ``depth`` layers, drawn if needed; None if it may not be held."""
    key = (seed, width, family)
    need = depth * width * width * 8
    with _CACHE_LOCK:
        if need > allowed:
            _trim(allowed)
            return None
        hit = _CACHE.get(key)
        if hit is not None and hit.base.shape[0] >= depth and hit.nbytes <= allowed:
            _CACHE.move_to_end(key)
            _trim(allowed, keep=key)
            _STATS["hits"] += 1
            return hit
        old = _CACHE.pop(key, None)
        if old is not None and old.base.shape[0] >= depth:  # deeper than may be held now
            old = None
        _trim(allowed - need, stacks=MAX_STACKS - 1)
        base = np.empty((depth, width, width))
        norms = np.empty(depth)
        start = 0
        if old is not None:  # a shallower stack of the same draws: keep its layers
            start = old.base.shape[0]
            base[:start] = old.base
            norms[:start] = old.norms
            del old
        for layer in range(start, depth):
            base[layer] = layer_base_weight(seed, family, width, layer)
            norms[layer] = np.linalg.norm(base[layer])
        stack = _Stack(_readonly(base), _readonly(norms))
        _CACHE[key] = stack
        _STATS["draws"] += 1
        _STATS["layers_drawn"] += depth - start
        return stack


def clear_cache() -> None:
    """Drop the cached weights, inputs and the kept workspace."""
    with _CACHE_LOCK:
        _CACHE.clear()
    with _WORKSPACE_LOCK:
        _WORKSPACE.clear()
    for f in (_input, _readout, _bias_base):
        f.cache_clear()


def cache_info() -> dict:
    """Held stacks (key → depth) and counters of hits and draws."""
    with _CACHE_LOCK:
        return {
            "stacks": {k: s.base.shape[0] for k, s in _CACHE.items()},
            "bytes": sum(s.nbytes for s in _CACHE.values()),
            **_STATS,
        }


def activation_bytes(config: Config) -> int:
    """Bytes of the (L, B, N) arrays :func:`backprop` holds (h, f' and, with layer norm, ẑ)."""
    arrays = (1 if config.activation == "linear" else 2) + (config.norm == "layer")
    return arrays * 8 * config.depth * config.batch * config.width


# -- the activation workspace -------------------------------------------------------------------
# Fresh memory costs a page fault per 4 KiB on first touch, as much as the arithmetic at small
# sizes; so one flat buffer is kept between calls (up to WORKSPACE_KEEP_BYTES) and carved into
# the (L, B, N) arrays. A concurrent call that finds it taken allocates its own.
_WORKSPACE: list[np.ndarray] = []
_WORKSPACE_LOCK = threading.Lock()


def _workspace_size(config: Config) -> int:
    """float64 elements :func:`backprop` carves: the (L, B, N) arrays and B×N scratch."""
    c = config
    arrays = activation_bytes(c) // (8 * c.depth * c.batch * c.width)
    lb, bn = c.depth * c.batch, c.batch * c.width
    return arrays * lb * c.width + 4 * bn + (lb if c.norm == "layer" else 0)


def _workspace_bytes(config: Config) -> int:
    """Bytes of workspace a call holds: its own, or the larger kept one it reuses."""
    with _WORKSPACE_LOCK:
        kept = _WORKSPACE[0].nbytes if _WORKSPACE else 0
    return max(8 * _workspace_size(config), kept)


def _take_workspace(size: int) -> np.ndarray:
    with _WORKSPACE_LOCK:
        buf = _WORKSPACE.pop() if _WORKSPACE else None
    if buf is None or buf.size < size:
        del buf  # free the old buffer before the new one is allocated
        buf = np.empty(size)
    return buf


def _give_back_workspace(buf: np.ndarray) -> None:
    if buf.nbytes <= WORKSPACE_KEEP_BYTES:
        with _WORKSPACE_LOCK:
            if not _WORKSPACE:
                _WORKSPACE.append(buf)


class _Carver:
    """Hands out contiguous float64 arrays from one flat buffer."""

    def __init__(self, buf: np.ndarray) -> None:
        self.buf, self.used = buf, 0

    def take(self, *shape: int) -> np.ndarray:
        n = math.prod(shape)
        out = self.buf[self.used : self.used + n].reshape(shape)
        self.used += n
        return out


# -- the network -------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Network:
    """One drawn network. ``weight(l)`` and ``bias[l]`` are layer l+1's true W and b (0-based)."""

    config: Config
    activation: Activation
    #: √σ_w²·weight_scale: the true weights are scale·base
    scale: float
    x: np.ndarray  # (B, N)
    readout: np.ndarray  # (N,)
    bias: np.ndarray | None  # (L, N), None when bias_std = 0
    family: str
    stack: _Stack | None  # held base draws, or None: regenerated per layer

    @property
    def held(self) -> bool:
        return self.stack is not None

    def base_weight(self, layer: int) -> np.ndarray:
        if self.config.tied:  # an unrolled RNN: layer 1's matrix at every step
            layer = 0
        if self.stack is not None:
            return self.stack.base[layer]
        c = self.config
        return layer_base_weight(c.seed, self.family, c.width, layer)

    def weight(self, layer: int) -> np.ndarray:
        return self.scale * self.base_weight(layer)


def network(config: Config, hold_weights: bool | None = None) -> Network:
    """Draw (or fetch from the cache) the network of ``config``.

    ``hold_weights``: None decides by memory; True holds the whole base stack (cached); False
    regenerates each layer's weights from its own generator whenever they are needed.
    """
    c = config
    init = INITS[c.init]
    family = init.family
    scale = math.sqrt(init.sigma_w2(c.width)) * c.weight_scale
    stack = None
    if family != "zeros" and hold_weights is not False:
        allowed = min(WEIGHT_CACHE_BYTES, TOTAL_BYTES - _workspace_bytes(c))
        if hold_weights:
            allowed = max(allowed, c.depth * c.width * c.width * 8)
        stack = _held_stack(c.seed, c.width, family, 1 if c.tied else c.depth, allowed)
    bias = None
    if c.bias_std > 0:
        bias = c.bias_std * _bias_base(c.seed, c.width, c.depth)
        if c.tied:
            bias = np.repeat(bias[:1], c.depth, axis=0)
        bias = _readonly(bias)
    return Network(
        config=c,
        activation=ACTIVATIONS[c.activation],
        scale=scale,
        x=_input(c.seed, c.width, c.batch),
        readout=_readout(c.seed, c.width),
        bias=bias,
        family=family,
        stack=stack,
    )


# -- numerics helpers --------------------------------------------------------------------------
@lru_cache(maxsize=None)
def max_derivative(name: str) -> float:
    """The largest f' of an activation, from a dense grid (once per activation)."""
    grid = np.linspace(-40.0, 40.0, 160_001)
    with np.errstate(all="ignore"):
        return float(np.max(ACTIVATIONS[name].df(grid)))


# f(z) and f'(z) written into preallocated arrays, sharing their costly parts and allocating
# nothing: each is bit-identical to the registry's f and df (tested), just faster.
def _sigmoid_into(z, f, d, w1, w2) -> None:
    e = w1
    np.abs(z, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e^-|z|
    q = np.add(e, 1.0, out=w2)
    # numerator 1 where z ≥ 0, e^-|z| where z < 0 (e ≤ 1, so a maximum selects it; nan stays nan)
    np.greater_equal(z, 0.0, out=f)
    np.maximum(f, e, out=f)
    np.divide(f, q, out=f)
    np.multiply(q, q, out=q)
    np.divide(e, q, out=d)


def _tanh_into(z, f, d, w1, w2) -> None:
    np.tanh(z, out=f)
    e = np.abs(z, out=w1)
    np.multiply(e, -2.0, out=e)
    np.exp(e, out=e)
    q = np.add(e, 1.0, out=w2)
    np.multiply(q, q, out=q)
    np.multiply(e, 4.0, out=d)
    np.divide(d, q, out=d)


def _relu_into(z, f, d, w1, w2) -> None:
    np.maximum(z, 0.0, out=f)
    np.greater(z, 0.0, out=d)


def _gelu_into(z, f, d, w1, w2) -> None:
    phi = ndtr(z)
    np.multiply(z, npdf(z), out=d)
    np.add(phi, d, out=d)
    np.multiply(z, phi, out=f)


def _silu_into(z, f, d, w1, w2) -> None:
    _sigmoid_into(z, f, d, w1, w2)
    np.multiply(z, d, out=d)
    np.add(f, d, out=d)
    np.multiply(z, f, out=f)


FUSED = {
    "sigmoid": _sigmoid_into, "tanh": _tanh_into, "relu": _relu_into, "gelu": _gelu_into,
    "silu": _silu_into,
}
#: kernels that allocate nothing of z's size; the others (registry functions, gelu's erfc tables)
#: make temporaries, up to ~20 per element, so they run on blocks of at most this many elements
_IN_PLACE = frozenset({"sigmoid", "tanh", "relu", "silu"})
_BLOCK = 1 << 15


def f_and_df_into(act: Activation, z, f, d, w1, w2) -> None:
    """f ← f(z), d ← f'(z) (equal to ``act.f(z), act.df(z)``); w1, w2 are scratch of z's shape."""
    fused = FUSED.get(act.name)
    if act.name in _IN_PLACE:
        fused(z, f, d, w1, w2)
        return
    zf, ff, df_, w1f, w2f = (a.reshape(-1) for a in (z, f, d, w1, w2))
    for i in range(0, zf.size, _BLOCK):
        j = slice(i, i + _BLOCK)
        if fused is not None:
            fused(zf[j], ff[j], df_[j], w1f[j], w2f[j])
        else:
            ff[j] = act.f(zf[j])
            df_[j] = act.df(zf[j])


def _lognorm(x: np.ndarray) -> tuple[float, int, float]:
    """(log10 ‖x‖_F, e, log10 ‖x·2^-e‖_F) with ‖x·2^-e‖ in [0.5, 1).

    (-inf, 0, -inf) for a zero x, nan for a non-finite one. The third value is the log of the
    exactly scaled norm, so equal norms give equal logs whatever their exponents."""
    ss = float(np.vdot(x, x))
    if _SS_LO < ss < _SS_HI:
        n = math.sqrt(ss)
        e = math.frexp(n)[1]
        return math.log10(n), e, math.log10(math.ldexp(n, -e))
    m = float(np.max(np.abs(x))) if x.size else 0.0
    if m == 0.0:
        return -math.inf, 0, -math.inf
    if not math.isfinite(m):
        return math.nan, 0, math.nan
    k = math.frexp(m)[1]
    y = np.ldexp(x, -k)
    n = math.sqrt(float(np.vdot(y, y)))
    mant, e = math.frexp(n)
    return math.log10(n) + k * LOG10_2, k + e, math.log10(mant)


def _log10_outer_norm(g: np.ndarray, h: np.ndarray) -> float:
    """log10 ‖gᵀh‖_F for g, h of shape (B, N), in O(B²N) when B ≤ N (‖gᵀh‖² = Σ (ggᵀ)⊙(hhᵀ))."""
    b, n = g.shape
    if b <= n:
        p = (h @ h.T) * (g @ g.T)
        ss = float(p.sum())
        # accept when finite, away from under/overflow, and not a cancellation of big terms
        if _SS_LO < ss < _SS_HI and ss >= 1e-6 * float(np.abs(p).sum()):
            return 0.5 * math.log10(ss)
    mg, mh = float(np.max(np.abs(g))), float(np.max(np.abs(h)))
    if mg == 0.0 or mh == 0.0:
        return -math.inf
    if not (math.isfinite(mg) and math.isfinite(mh)):
        return math.nan
    kg, kh = math.frexp(mg)[1], math.frexp(mh)[1]
    m = np.ldexp(g, -kg).T @ np.ldexp(h, -kh)
    return _lognorm(m)[0] + (kg + kh) * LOG10_2


def _log10_std(h: np.ndarray, work: np.ndarray | None = None) -> tuple[float, float, bool]:
    """(log10 std, ≈log2 RMS, finite) over all entries of h; exact also for entries near 1e±308.

    ``work``: optional scratch of h's shape."""
    m = float(np.add.reduce(h, axis=None)) / h.size
    if not math.isfinite(m):  # a non-finite entry, or finite entries whose sum overflows
        a = float(np.max(np.abs(h)))
        if not math.isfinite(a):
            return math.nan, math.nan, False
        k = math.frexp(a)[1]
        lstd, log2_rms, _ = _log10_std(np.ldexp(h, -k))
        return lstd + k * LOG10_2, log2_rms + k, True
    dev = np.subtract(h, m, out=work)
    var = float(np.vdot(dev, dev)) / h.size
    if _SS_LO < var < _SS_HI:
        lstd = 0.5 * math.log10(var)
    elif var == 0.0:
        lstd = -math.inf
    else:  # squares under- or overflow: scale the deviations by a power of two first
        k = math.frexp(float(np.max(np.abs(dev))))[1]
        y = np.ldexp(dev, -k)
        lstd = 0.5 * math.log10(float(np.vdot(y, y)) / h.size) + k * LOG10_2
    log2_rms = max(lstd / LOG10_2, math.log2(abs(m)) if m else -math.inf)
    return lstd, log2_rms, True


# -- forward and backward ----------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Backprop:
    """Per-layer arrays, index 0 = layer 1. Gradient norms are absolute (not relative to h_L)."""

    #: log10 ‖∂loss/∂h_l‖_F for l = 0..L (length L+1; index L is the output)
    log10_grad_norm: np.ndarray
    log10_factor: np.ndarray
    #: log10 ‖∂loss/∂W_l‖_F
    log10_weight_grad: np.ndarray
    weight_gain: np.ndarray
    deriv_gain: np.ndarray
    norm_gain: np.ndarray
    log10_act_std: np.ndarray
    overflow: np.ndarray
    dead_frac: np.ndarray
    saturated_frac: np.ndarray
    #: True when the forward pass used exact power-of-two rescaling at some layer
    rescaled: bool


def backprop(net: Network) -> Backprop:
    """Forward pass, then exact backprop with the signal renormalised at every layer."""
    buf = _take_workspace(_workspace_size(net.config))
    try:
        with np.errstate(all="ignore"):
            return _backprop(net, _Carver(buf))
    finally:
        _give_back_workspace(buf)


def _backprop(net: Network, ws: _Carver) -> Backprop:
    c = net.config
    L, B, N = c.depth, c.batch, c.width
    act = net.activation
    linear = act.name == "linear"
    layer_norm = c.norm == "layer"
    exact_rescale = act.name in HOMOGENEOUS and not layer_norm
    s, alpha = net.scale, c.residual_scale
    thr = SATURATION * max_derivative(act.name)
    nan = math.nan

    weight_gain = np.zeros(L)
    deriv_gain = np.ones(L)
    norm_gain = np.ones(L)
    log10_act_std = np.full(L, nan)
    dead_frac = np.zeros(L)
    saturated_frac = np.zeros(L)
    overflow = np.zeros(L, dtype=bool)

    # the (L, B, N) arrays kept for the backward pass (see activation_bytes)
    H = ws.take(L, B, N)  # h_0 .. h_{L-1}; true h_l = H[l]·2^K[l]
    D = None if linear else ws.take(L, B, N)  # f'(ẑ_l)
    Z = ws.take(L, B, N) if layer_norm else None  # ẑ_l
    inv = ws.take(L, B) if layer_norm else None  # 1/sqrt(var_l + eps) per sample
    zbuf, hlast, w1, w2 = (ws.take(B, N) for _ in range(4))
    K = np.zeros(L + 1, dtype=np.int64)
    H[0] = net.x
    rescaled = False
    top = L  # first overflowed layer (0-based); L when none

    h = H[0]
    for l in range(L):
        wb = net.base_weight(l)
        norm_wb = net.stack.norms[0 if net.config.tied else l] if net.stack is not None else np.linalg.norm(wb)
        weight_gain[l] = s * norm_wb / math.sqrt(N)
        z = Z[l] if layer_norm else zbuf
        np.matmul(h, wb.T, out=z)
        if s != 1.0:
            z *= s
        if net.bias is not None:
            z += net.bias[l] if K[l] == 0 else np.ldexp(net.bias[l], -int(K[l]))
        if layer_norm:
            z -= z.mean(axis=1, keepdims=True)
            inv[l] = 1.0 / np.sqrt(np.einsum("ij,ij->i", z, z) / N + LN_EPS)
            z *= inv[l][:, None]
            norm_gain[l] = math.sqrt(float(np.mean(inv[l] * inv[l])))
        hn = H[l + 1] if l + 1 < L else hlast
        d_ok = True
        if linear:
            np.copyto(hn, z)
        else:
            d = D[l]
            f_and_df_into(act, z, hn, d, w1, w2)
            msd = float(np.vdot(d, d)) / d.size
            d_ok = math.isfinite(msd)
            deriv_gain[l] = math.sqrt(msd)
            sat = np.count_nonzero(d < thr)
            saturated_frac[l] = sat / d.size
            dead_frac[l] = np.count_nonzero(d == 0.0) / d.size if sat else 0.0
        if c.residual:
            if alpha != 1.0:
                hn *= alpha
            hn += h
        lstd, log2_rms, finite = _log10_std(hn, w1)
        if not (finite and d_ok and (inv is None or np.isfinite(inv[l]).all())):
            top = l
            break
        log10_act_std[l] = lstd + K[l] * LOG10_2
        K[l + 1] = K[l]
        if exact_rescale and _RESCALE_LOG2 < abs(log2_rms) < math.inf:
            e = round(log2_rms)
            np.ldexp(hn, -e, out=hn)
            K[l + 1] += e
            rescaled = True
        h = hn

    log10_grad_norm = np.full(L + 1, nan)
    log10_factor = np.full(L, nan)
    log10_weight_grad = np.full(L, nan)
    # δ_L = ∂loss/∂h_L: the readout r for every sample; held as G·2^E with ‖G‖ in [0.5, 1)
    g = np.tile(net.readout, (B, 1))
    lg, e, lg_stored = _lognorm(g)  # lg_stored: log10 ‖G‖
    log10_grad_norm[L] = lg
    if top < L:
        overflow[top:] = True
        for a in (deriv_gain, dead_frac, saturated_frac) + ((norm_gain,) if layer_norm else ()):
            a[top:] = nan
        return Backprop(log10_grad_norm, log10_factor, log10_weight_grad, weight_gain, deriv_gain,
                        norm_gain, log10_act_std, overflow, dead_frac, saturated_frac, rescaled)
    np.ldexp(g, -e, out=g)
    E = e
    gz, new = zbuf, hlast  # scratch
    for l in range(L - 1, -1, -1):
        # gz = ∂loss/∂z_l (stored scale 2^E)
        if linear:
            np.copyto(gz, g)
        else:
            np.multiply(g, D[l], out=gz)
        if c.residual and alpha != 1.0:
            gz *= alpha
        if layer_norm:
            zh = Z[l]
            g_dot_zh = np.einsum("ij,ij->i", gz, zh) / N
            gz -= gz.mean(axis=1, keepdims=True)
            gz -= np.multiply(zh, g_dot_zh[:, None], out=w1)
            gz *= inv[l][:, None]
        log10_weight_grad[l] = _log10_outer_norm(gz, H[l]) + (E + int(K[l])) * LOG10_2
        np.matmul(gz, net.base_weight(l), out=new)
        if s != 1.0:
            new *= s
        if c.residual:
            new += g
        ln, e, ln_scaled = _lognorm(new)
        if not ln > -math.inf:  # exactly zero (or nan): so is everything below
            fill = ln if math.isnan(ln) else -math.inf
            log10_factor[: l + 1] = fill
            log10_grad_norm[: l + 1] = fill
            log10_weight_grad[:l] = fill
            break
        log10_factor[l] = ln - lg_stored  # ‖δ_{l-1}‖ / ‖δ_l‖ = ‖new‖ / ‖G‖
        log10_grad_norm[l] = ln + E * LOG10_2
        np.ldexp(new, -e, out=new)
        g, new = new, g
        E += e
        lg_stored = ln_scaled
    return Backprop(log10_grad_norm, log10_factor, log10_weight_grad, weight_gain, deriv_gain,
                    norm_gain, log10_act_std, overflow, dead_frac, saturated_frac, rescaled)


def compute_sampled(config: Config) -> Result:
    """The sampled engine (DESIGN §3): one real network of width N, batch B, seed S."""
    from .blas import single_thread

    # one BLAS thread: these products are small, and split over a busy machine's cores they wait
    # for each other (measured 2-3x slower at width 1024 under load; see blas.py)
    with single_thread():
        net = network(config)
        bp = backprop(net)
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
    "Backprop", "HOMOGENEOUS", "Network", "backprop", "cache_info", "clear_cache", "compute_sampled",
    "layer_base_weight", "max_derivative", "network",
]
