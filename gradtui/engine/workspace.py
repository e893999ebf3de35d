"""The sampled engine's activation workspace: one flat buffer carved into its (L, B, N) arrays.

Fresh memory costs a page fault per 4 KiB on first touch, as much as the arithmetic at small sizes;
so one flat buffer is kept between calls (up to :data:`WORKSPACE_KEEP_BYTES`) and carved into the
arrays :func:`gradtui.engine.sampled.backprop` holds. A larger one is held for
:data:`HOLD_SECONDS` after its call, for a next call it fits (a held key at a setting whose pass
holds ~1 GiB), then freed. A concurrent call that finds it taken allocates its own.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from .config import Config
from .norms import NORMALISATIONS

#: the activation workspace is kept for the next call (no page faults on reuse) up to this size
WORKSPACE_KEEP_BYTES = 128 << 20
#: a larger workspace (and a streamed pass's weight buffer, see weights.hold_stream_buffer) is
#: held this long after its call; the next call reuses it only if it needs at least 4/5 of it
HOLD_SECONDS = 10.0

_WORKSPACE: list[np.ndarray] = []
_TIMERS: list[threading.Timer] = []
_WORKSPACE_LOCK = threading.Lock()


def _fits(held: int, size: int) -> bool:
    """A kept buffer of ``held`` elements serves a call needing ``size``: any larger one up to
    :data:`WORKSPACE_KEEP_BYTES`, beyond it one at most 5/4 of the need (a big kept buffer
    counts against the next call's memory budget: see workspace_bytes)."""
    return size <= held and (8 * held <= WORKSPACE_KEEP_BYTES or 4 * held <= 5 * size)


def activation_bytes(config: Config) -> int:
    """Bytes of the (L, B, N) arrays the backprop holds (h, f' and, with a normalisation, ẑ)."""
    arrays = (1 if config.activation == "linear" else 2) + (not NORMALISATIONS[config.norm].identity)
    return arrays * 8 * config.depth * config.batch * config.width


def workspace_size(config: Config) -> int:
    """float64 elements the backprop carves: the (L, B, N) arrays, the norm's statistics, B×N scratch."""
    c = config
    norm = NORMALISATIONS[c.norm]
    arrays = activation_bytes(c) // (8 * c.depth * c.batch * c.width)
    stats = 0 if norm.identity else c.depth * math.prod(norm.stats_shape(c.batch, c.width))
    return arrays * c.depth * c.batch * c.width + 4 * c.batch * c.width + stats


def workspace_bytes(config: Config) -> int:
    """Bytes of workspace a call holds: its own, or the larger kept one it reuses."""
    size = workspace_size(config)
    with _WORKSPACE_LOCK:
        kept = _WORKSPACE[0].size if _WORKSPACE else 0
    return 8 * (kept if _fits(kept, size) else size)


def take_workspace(size: int) -> np.ndarray:
    with _WORKSPACE_LOCK:
        buf = _WORKSPACE.pop() if _WORKSPACE else None
        _cancel_timer()
    if buf is None or not _fits(buf.size, size):
        del buf  # free the old buffer before the new one is allocated
        buf = np.empty(size)
    return buf


def give_back_workspace(buf: np.ndarray) -> None:
    with _WORKSPACE_LOCK:
        if _WORKSPACE:
            return
        _WORKSPACE.append(buf)
        if buf.nbytes > WORKSPACE_KEEP_BYTES:
            timer = threading.Timer(HOLD_SECONDS, _expire, (buf,))
            timer.daemon = True
            timer.name = "held-workspace"
            _TIMERS.append(timer)
            timer.start()


def _cancel_timer() -> None:
    while _TIMERS:
        _TIMERS.pop().cancel()


def _expire(buf: np.ndarray) -> None:
    with _WORKSPACE_LOCK:
        if _WORKSPACE and _WORKSPACE[0] is buf:
            _WORKSPACE.clear()
            _TIMERS.clear()  # the timer holds the buffer too, as its argument


def release_unfit_workspace(config: Config) -> None:
    """Free the kept workspace now unless ``config``'s call would reuse it (before anything of a
    new network is allocated)."""
    size = workspace_size(config)
    with _WORKSPACE_LOCK:
        if _WORKSPACE and not _fits(_WORKSPACE[0].size, size):
            _WORKSPACE.clear()
            _cancel_timer()


def release_large_workspace() -> None:
    """Free a held workspace beyond :data:`WORKSPACE_KEEP_BYTES` now (before other work allocates)."""
    with _WORKSPACE_LOCK:
        if _WORKSPACE and _WORKSPACE[0].nbytes > WORKSPACE_KEEP_BYTES:
            _WORKSPACE.clear()
            _cancel_timer()


def clear_workspace() -> None:
    with _WORKSPACE_LOCK:
        _WORKSPACE.clear()
        _cancel_timer()


class Carver:
    """Hands out contiguous float64 arrays from one flat buffer."""

    def __init__(self, buf: np.ndarray) -> None:
        self.buf, self.used = buf, 0

    def take(self, *shape: int) -> np.ndarray:
        n = math.prod(shape)
        out = self.buf[self.used : self.used + n].reshape(shape)
        self.used += n
        return out
