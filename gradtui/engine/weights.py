"""The sampled engine's drawn network: inputs, readout, biases and weights, with the weight cache.

Weights are unit-gain base draws (normal and uniform entries by NumPy's generator on its SFC64
bits, a chunk at a time; orthogonal ones by ``inits.base_draw``), one generator per layer derived
from the seed (so a deeper network starts with the shallower one's layers, and a layer is the same
whatever the depth), scaled by √σ_w²·weight_scale at use (the matmul output is scaled, the draw
never is). The base stack of a (seed, width, family) is cached (at most two stacks, at most 512 MiB
together, and only while stack + activations stay within 1 GiB); otherwise each layer's weights are
redrawn from its own generator, so cached and regenerated networks give bit-identical results.
A caller that expects a network next can have its stack drawn ahead in the background
(:func:`prefetch_weights`: the TUI, for the next step of the control being stepped).
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
from .inits import INITS, base_draw
from .norms import NORMALISATIONS
from .workspace import (
    HOLD_SECONDS, release_large_workspace, release_unfit_workspace, workspace_bytes,
)

#: held base weight stacks: how many, and how many bytes together
MAX_STACKS = 2
WEIGHT_CACHE_BYTES = 512 << 20
#: held activations + held weights of one call stay below this
TOTAL_BYTES = 1 << 30
#: independent random streams under one seed
_STREAM_WEIGHTS, _STREAM_INPUT, _STREAM_READOUT, _STREAM_BIAS, _STREAM_BIAS_UNIFORM = 1, 2, 3, 4, 5


# -- random draws ------------------------------------------------------------------------------
def _rng(seed: int, *key: int) -> np.random.Generator:
    # SFC64, NumPy's fastest bit generator: 0.81-0.85x PCG64's time a normal drawn as the engine
    # draws them (`python benchmarks/engine.py generators`, side by side); each stream is seeded
    # through its own SeedSequence (seed, key), as default_rng would seed PCG64
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence(seed, spawn_key=key)))


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def layer_base_weight(seed: int, family: str, width: int, layer: int,
                      out: np.ndarray | None = None) -> np.ndarray:
    """The unit-gain base draw of one layer (0-based), from that layer's own generators.

    ``out``: an (N, N) float64 array to draw into (no N×N temporaries for the normal and uniform
    families); the numbers are the same either way. Normal and uniform entries are drawn chunk by
    chunk (:func:`draw_part`); orthogonal ones are ``inits.base_draw``'s."""
    if out is None:
        out = np.empty((width, width))
    elif not out.flags.c_contiguous:  # the generators fill contiguous arrays only
        np.copyto(out, layer_base_weight(seed, family, width, layer))
        return out
    if family == "zeros":
        out.fill(0.0)
    elif family in _CHUNKED:
        draw_part(seed, family, width, layer, out, 0, width * width)
    else:
        np.copyto(out, base_draw(_rng(seed, _STREAM_WEIGHTS, layer), family, width))
    return out


#: normal and uniform layers are drawn in chunks of this many entries (2 MiB), each from its own
#: generator, the layer's for the first: any thread can draw any chunk, and a chunk is one call
#: of NumPy's generator, which holds the interpreter lock only to start (a Box–Muller in NumPy
#: steps, ~11 calls a block, needed the lock between calls: beside a cached pass at
#: (1000, 128, 16) such a loop slowed the pass from 160 to 258 ms and itself ran at 0.61× its
#: speed alone; a one-call draw beside it slowed it not at all)
_CHUNK = 1 << 18
_CHUNKED = ("normal", "uniform")


def _chunk_rng(seed: int, layer: int, chunk: int) -> np.random.Generator:
    return _rng(seed, _STREAM_WEIGHTS, layer) if chunk == 0 else _rng(seed, _STREAM_WEIGHTS, layer, chunk)


def layer_parts(family: str, width: int, most: int) -> list[tuple[int, int]]:
    """A layer's N² entries split into at most ``most`` runs [start, stop) of whole chunks that
    :func:`draw_part` can draw independently (by different threads) into the numbers
    :func:`layer_base_weight` draws in one go: normal and uniform layers at chunk boundaries,
    other families (orthogonal, zeros) in one piece."""
    m = width * width
    chunks = -(-m // _CHUNK)
    parts = min(most, chunks)
    if family not in _CHUNKED or parts <= 1:
        return [(0, m)]
    cuts = [min(m, (chunks * i // parts) * _CHUNK) for i in range(parts + 1)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def draw_part(seed: int, family: str, width: int, layer: int, out: np.ndarray,
              start: int, stop: int) -> None:
    """Entries [start, stop) (whole chunks, or up to the end) of the flat C-contiguous (N, N)
    ``out`` of a normal or uniform layer: N(0, 1/N), or U(±√(3/N)) as ``rng.uniform`` draws it;
    a layer of another family only whole."""
    if family not in _CHUNKED:
        if (start, stop) != (0, width * width):
            raise ValueError(f"{family} layers are drawn in one piece")
        layer_base_weight(seed, family, width, layer, out=out)
        return
    assert start % _CHUNK == 0, start
    flat = out.reshape(-1)
    sd, c = 1.0 / math.sqrt(width), math.sqrt(3.0 / width)
    for a in range(start, stop, _CHUNK):
        rng, part = _chunk_rng(seed, layer, a // _CHUNK), flat[a:min(a + _CHUNK, stop)]
        if family == "normal":
            rng.standard_normal(out=part)
            part *= sd
        else:  # = rng.uniform(-c, c): low + (high - low)·U[0, 1)
            rng.random(out=part)
            part *= c - (-c)
            part += -c


@lru_cache(maxsize=4)
def _input(seed: int, width: int, batch: int) -> np.ndarray:
    return _readonly(_rng(seed, _STREAM_INPUT).standard_normal((batch, width)))


@lru_cache(maxsize=4)
def _readout(seed: int, width: int, rows: int = 0) -> np.ndarray:
    """DESIGN §1's readout r (N,), or ``rows`` of them (rows, N), the first being that same r."""
    shape = (rows, width) if rows else width
    return _readonly(_rng(seed, _STREAM_READOUT).standard_normal(shape))


@lru_cache(maxsize=4)
def _bias_base(seed: int, width: int, depth: int) -> np.ndarray:
    # row l is the same for every depth ≥ l+1: the generator fills rows in order
    return _readonly(_rng(seed, _STREAM_BIAS).standard_normal((depth, width)))


@lru_cache(maxsize=4)
def _bias_uniform(seed: int, width: int, depth: int) -> np.ndarray:
    return _readonly(_rng(seed, _STREAM_BIAS_UNIFORM).uniform(-1.0, 1.0, (depth, width)))


def scaled_biases(config: Config, count: int, normal, uniform) -> np.ndarray | None:
    """``count`` rows of biases, or None when all are zero: b ~ N(bias_mean, bias_std²), or the
    init's own U(±c) shifted by bias_mean. ``normal()`` and ``uniform()`` give the unit draws
    (N(0, 1) and U(±1) of shape (count, width)); each is called only when it is needed."""
    c = config
    b = None
    if c.bias_std is None:
        b = INITS[c.init].bias_bound(c.width) * uniform()
    elif c.bias_std > 0:
        b = c.bias_std * normal()
    if c.bias_mean != 0.0:
        b = np.full((count, c.width), c.bias_mean) if b is None else b + c.bias_mean
    return b


def scaled_inputs(config: Config, x: np.ndarray) -> np.ndarray:
    """Unit normal draws ``x`` as inputs ~ N(input_mean, input_std²) (``x`` itself at the default)."""
    if config.input_mean == 0.0 and config.input_std == 1.0:
        return x
    return config.input_mean + config.input_std * x


# -- the weight cache --------------------------------------------------------------------------
class _Stack:
    """The held base draws of one (seed, width, family): ``base``, one (N, N) array a layer (views
    of the blocks they were drawn into), and their norms. Layers [0, filled) are ready; a new stack
    is filled by a background thread while the engine already uses its first layers, and an engine
    that would wait for a layer draws the next undrawn one itself meanwhile (each layer has its own
    generator, so who draws it changes nothing): a pass whose draws take longer than its products
    keeps both cores drawing. A deeper stack of the same draws takes over the shallower one's
    arrays (nothing is copied) and draws only the layers below them.

    (A contiguous transposed copy would make h·Wᵀ up to 2× faster at small batches, but OpenBLAS
    then sums in another order at some shapes — last-bit differences — so it is not kept.)"""

    def __init__(self, base: list[np.ndarray], norms: np.ndarray, filled: int,
                 seed: int = 0, family: str = "normal") -> None:
        self.base, self.norms = base, norms
        self.seed, self.family = seed, family
        #: every layer below this is drawn
        self.filled = filled
        self._done = [True] * filled + [False] * (len(base) - filled)
        #: the next layer nobody has started to draw, and layers given back undrawn
        self._next = filled
        self._returned: list[int] = []
        self.error: BaseException | None = None
        #: evicted from the cache: the background filler stops after its layer (a pass still
        #: reading the stack draws what it needs itself, see :meth:`wait`)
        self.abandoned = False
        #: the background thread filling it (None for a stack that was complete when made)
        self.filler: threading.Thread | None = None
        self._ready = threading.Condition()

    @property
    def depth(self) -> int:
        return len(self.base)

    @property
    def nbytes(self) -> int:
        return len(self.base) * self.base[0].nbytes if self.base else 0

    def wait(self, layer: int) -> None:
        """Return once ``layer`` is drawn (at once when it is), drawing undrawn layers meanwhile."""
        if layer < self.filled:
            return
        while True:
            with self._ready:
                while True:
                    if self.error is not None:
                        raise self.error
                    if self._done[layer]:
                        return
                    mine = self._claim()
                    if mine is not None:
                        break
                    self._ready.wait()  # every layer is being drawn: ``layer`` will be soon
            try:
                self._draw(mine)
            except BaseException:  # e.g. the pass was interrupted: the layer is anyone's again
                with self._ready:
                    self._returned.append(mine)
                    self._ready.notify_all()
                raise

    def weight(self, layer: int) -> np.ndarray:
        self.wait(layer)
        return _readonly(self.base[layer].view())

    def norm(self, layer: int) -> float:
        self.wait(layer)
        return float(self.norms[layer])

    def _claim(self) -> int | None:
        """The next undrawn layer, now this thread's to draw (call with the lock held)."""
        if self._returned:
            return self._returned.pop()
        if self._next >= self.depth:
            return None
        self._next += 1
        return self._next - 1

    def _draw(self, layer: int) -> None:
        out = self.base[layer]
        w = layer_base_weight(self.seed, self.family, len(out), layer, out=out)
        self.norms[layer] = np.linalg.norm(w)
        with self._ready:
            self._done[layer] = True
            while self.filled < self.depth and self._done[self.filled]:
                self.filled += 1
            self._ready.notify_all()

    def fill(self) -> None:
        """Draw undrawn layers in order until none is left (the background thread's body)."""
        try:
            while True:
                with self._ready:
                    mine = self._claim() if self.error is None and not self.abandoned else None
                if mine is None:
                    return
                self._draw(mine)
        except BaseException as exc:  # noqa: BLE001  (handed to the waiting engine)
            with self._ready:
                self.error = exc
                self._ready.notify_all()


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
        # nobody will find it here again: stop filling it (a held seed key makes a stack a key,
        # and each pass it starts is stopped by the next key; their fillers must not pile up)
        _CACHE.pop(victim).abandoned = True


def _held_stack(seed: int, width: int, family: str, depth: int, allowed: int) -> _Stack | None:
    """The cached base stack covering ``depth`` layers, drawn if needed; None if it may not be held.

    A stack that is drawn is filled layer by layer in a background thread: the engine waits only
    for the layer it needs next, so drawing and the first products overlap."""
    key = (seed, width, family)
    need = depth * width * width * 8
    with _CACHE_LOCK:
        if need > allowed:
            _trim(allowed)
            return None
        hit = _CACHE.get(key)
        if hit is not None and hit.depth >= depth and hit.nbytes <= allowed and hit.error is None:
            _CACHE.move_to_end(key)
            _trim(allowed, keep=key)
            _STATS["hits"] += 1
            return hit
        old = _CACHE.pop(key, None)
        if old is not None and (old.depth >= depth or old.error is not None):  # deeper than may be held now
            old.abandoned = True
            old = None
        _trim(allowed - need, stacks=MAX_STACKS - 1)
        base: list[np.ndarray] = []
        norms = np.empty(depth)
        start = 0
        if old is not None:  # a shallower stack of the same draws: take over its layers
            start = old.depth
            old.wait(start - 1)
            base = list(old.base)
            norms[:start] = old.norms
            del old
        if start < depth:
            # the new layers are views of one block: a fresh array is first touched page by page,
            # and a block this size gets the kernel's huge pages (NumPy asks for them above
            # 4 MiB), so 1000 new 128×128 layers fault in ~20 ms instead of ~80 ms
            base += list(np.empty((depth - start, width, width)))
        stack = _Stack(base, norms, start, seed, family)
        _CACHE[key] = stack
        _STATS["draws"] += 1
        _STATS["layers_drawn"] += depth - start
    if start < depth:
        try:
            stack.filler = threading.Thread(target=stack.fill, daemon=True, name="gradtui-weights")
            stack.filler.start()
        except BaseException as exc:  # noqa: BLE001  (no filler: never leave the stack waited for)
            with _CACHE_LOCK:
                if _CACHE.get(key) is stack:
                    del _CACHE[key]
            with stack._ready:
                stack.error = exc
                stack._ready.notify_all()
            raise
    return stack


def prefetch_weights(config: Config) -> bool:
    """Start drawing ``config``'s base stack in the background, for a caller that expects to
    compute it next (the TUI: the next step of the control being stepped), if the cache can hold
    it beside the stack used last, which it never evicts. Returns True when the stack is cached
    now (drawn, or being drawn by its filler thread); False when nothing was started: not a held
    network (sampled mode, normal, uniform or orthogonal, not tied), too big to hold beside the
    last stack, or a shallower stack of the same draws still being drawn (taking it over would
    wait for it). It never waits, and draws nothing itself."""
    c = config
    family = INITS[c.init].family
    if c.mode != "sampled" or family == "zeros" or c.tied:
        return False
    key = (c.seed, c.width, family)
    need = c.depth * c.width * c.width * 8
    allowed = min(WEIGHT_CACHE_BYTES, TOTAL_BYTES - workspace_bytes(c))
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit.error is None and hit.depth >= c.depth:
            return True  # left where it is in the LRU order: the stack used last stays last
        if hit is not None and hit.filled < hit.depth:
            return False
        # the stack used last: kept beside the new one (unless the new one extends it)
        last_key = next(reversed(_CACHE), None)
        beside = _CACHE[last_key].nbytes if last_key not in (None, key) else 0
        if need + beside > allowed:
            return False
    stack = _held_stack(c.seed, c.width, family, c.depth, allowed)
    with _CACHE_LOCK:
        if last_key not in (None, key) and last_key in _CACHE:
            _CACHE.move_to_end(last_key)  # still the one used last
    return stack is not None


def clear_weights() -> None:
    """Drop the cached weights, inputs, readouts and biases, and a held stream buffer."""
    with _CACHE_LOCK:
        for stack in _CACHE.values():
            stack.abandoned = True
        _CACHE.clear()
    for f in (_input, _readout, _bias_base, _bias_uniform):
        f.cache_clear()
    release_stream_buffer()


# -- the held stream buffer --------------------------------------------------------------------
#: a streamed pass's weight buffer (its kept layers and the layers it draws into) is held this
#: long after the pass, for the next pass of the same shape: fresh memory is faulted in page by
#: page on first touch (here by the drawing threads), with the workspace's (held as long, see
#: workspace.HOLD_SECONDS); at depth 2000 width 256 that cost up to ~0.9 s a pass of ~1.55 s
STREAM_HOLD_SECONDS = HOLD_SECONDS
_HELD_LOCK = threading.Lock()
#: [key, buffer, expiry timer] of the held stream buffer, or empty
_HELD: list = []


def stream_key(config: Config) -> tuple:
    """What fixes a streamed pass's buffer size: the shape, the kept arrays, the weight family."""
    c = config
    return (c.depth, c.width, c.batch, c.norm, c.activation == "linear", c.tied,
            INITS[c.init].family)


def take_stream_buffer(key: tuple, size: int, ident: tuple | None = None
                       ) -> tuple[np.ndarray, dict[int, tuple[int, float]]]:
    """A float64 buffer of ``size`` elements: the held one if it is ``key``'s of that size, else
    a fresh one (the held one is freed first); and what the held one's slots hold, {slot: (layer,
    norm)}, when it was left by a pass of the same weights ``ident`` = (seed, family, width),
    else {}."""
    with _HELD_LOCK:
        held = _HELD[:]
        _HELD.clear()
    buf, contents = None, {}
    if held:
        held[2].cancel()
        if held[0] == key and held[1].size == size:
            buf = held[1]
            left_by, slots = held[3]
            if ident is not None and left_by == ident:
                contents = slots
    del held
    return (np.empty(size) if buf is None else buf), contents


def hold_stream_buffer(key: tuple, buf: np.ndarray,
                       contents: tuple[tuple, dict[int, tuple[int, float]]] = ((), {})) -> None:
    """Keep ``buf`` for the next pass of ``key`` for :data:`STREAM_HOLD_SECONDS` (one at most),
    with ``contents`` = (the weights' (seed, family, width), {slot: (layer, norm)}): which base
    layers its N×N slots hold, for a next pass of the same weights to read instead of drawing."""
    timer = threading.Timer(STREAM_HOLD_SECONDS, _expire, (buf,))
    timer.daemon = True
    timer.name = "held-stream-buffer"
    with _HELD_LOCK:
        old = _HELD[:]
        _HELD[:] = [key, buf, timer, contents]
    if old:
        old[2].cancel()
    timer.start()


def _expire(buf: np.ndarray) -> None:
    with _HELD_LOCK:
        if _HELD and _HELD[1] is buf:
            _HELD.clear()


def release_stream_buffer(unless: tuple | None = None) -> None:
    """Free the held stream buffer now, unless it is ``unless``'s."""
    with _HELD_LOCK:
        held = _HELD[:]
        if not held or held[0] == unless:
            return
        _HELD.clear()
    held[2].cancel()


def release_held_buffers() -> None:
    """Free now what sampled passes hold for the next one (the stream buffer, a workspace beyond
    128 MiB): for work that allocates its own, such as training."""
    release_stream_buffer()
    release_large_workspace()


def held_stream_bytes() -> int:
    with _HELD_LOCK:
        return _HELD[1].nbytes if _HELD else 0


def cache_info() -> dict:
    """Held stacks (key → depth) and counters of hits and draws."""
    with _CACHE_LOCK:
        return {
            "stacks": {k: s.depth for k, s in _CACHE.items()},
            "bytes": sum(s.nbytes for s in _CACHE.values()),
            **_STATS,
        }



# -- the network -------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Network:
    """One drawn network. ``weight(l)`` and ``bias[l]`` are layer l+1's true W and b (0-based)."""

    config: Config
    activation: Activation
    #: √σ_w²·weight_scale: the true weights are scale·base
    scale: float
    x: np.ndarray  # (B, N)
    #: (N,): one r for the whole batch; (B, N) under batch norm: one r per sample (see network())
    readout: np.ndarray
    bias: np.ndarray | None  # (L, N), None when every bias is zero
    family: str
    stack: _Stack | None  # held base draws, or None: regenerated per layer

    @property
    def held(self) -> bool:
        return self.stack is not None

    def base_weight(self, layer: int) -> np.ndarray:
        if self.config.tied:  # an unrolled RNN: layer 1's matrix at every step
            layer = 0
        if self.stack is not None:
            return self.stack.weight(layer)
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
    # before anything of this network is allocated: free what its pass would not reuse
    release_stream_buffer(unless=stream_key(c))
    release_unfit_workspace(c)
    init = INITS[c.init]
    family = init.family
    scale = math.sqrt(init.sigma_w2(c.width)) * c.weight_scale
    stack = None
    if family != "zeros" and hold_weights is not False:
        allowed = min(WEIGHT_CACHE_BYTES, TOTAL_BYTES - workspace_bytes(c))
        if hold_weights:
            allowed = max(allowed, c.depth * c.width * c.width * 8)
        stack = _held_stack(c.seed, c.width, family, 1 if c.tied else c.depth, allowed)
    bias = scaled_biases(c, c.depth, lambda: _bias_base(c.seed, c.width, c.depth),
                         lambda: _bias_uniform(c.seed, c.width, c.depth))
    if bias is not None:
        if c.tied:
            bias = np.repeat(bias[:1], c.depth, axis=0)
        bias = _readonly(bias)
    return Network(
        config=c,
        activation=ACTIVATIONS[c.activation],
        scale=scale,
        x=_readonly(scaled_inputs(c, _input(c.seed, c.width, c.batch))),
        # under batch norm one r per sample: with one shared r, Σ_b⟨r, h_L,b⟩ of a linear
        # batch-normalised net is identically 0 (batch norm removes the batch mean) and so is its
        # gradient. Only there: every other network keeps the one r (and its numbers) it always had.
        readout=_readout(c.seed, c.width, c.batch if NORMALISATIONS[c.norm].couples_batch else 0),
        bias=bias,
        family=family,
        stack=stack,
    )



__all__ = [
    "MAX_STACKS", "Network", "STREAM_HOLD_SECONDS", "TOTAL_BYTES", "WEIGHT_CACHE_BYTES",
    "cache_info", "clear_weights", "draw_part", "held_stream_bytes", "hold_stream_buffer",
    "layer_base_weight", "layer_parts", "network", "prefetch_weights", "release_held_buffers",
    "release_stream_buffer", "scaled_biases", "scaled_inputs", "stream_key", "take_stream_buffer",
]
