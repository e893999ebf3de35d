"""The sampled engine's activation workspace: one flat buffer carved into its (L, B, N) arrays.

Fresh memory costs a page fault per 4 KiB on first touch, as much as the arithmetic at small sizes;
so one flat buffer is kept between calls (up to :data:`WORKSPACE_KEEP_BYTES`) and carved into the
arrays :func:`gradtui.engine.sampled.backprop` holds. A concurrent call that finds it taken
allocates its own.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from .config import Config
from .norms import NORMALISATIONS

#: the activation workspace is kept for the next call (no page faults on reuse) up to this size
WORKSPACE_KEEP_BYTES = 128 << 20

_WORKSPACE: list[np.ndarray] = []
_WORKSPACE_LOCK = threading.Lock()


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
    with _WORKSPACE_LOCK:
        kept = _WORKSPACE[0].nbytes if _WORKSPACE else 0
    return max(8 * workspace_size(config), kept)


def take_workspace(size: int) -> np.ndarray:
    with _WORKSPACE_LOCK:
        buf = _WORKSPACE.pop() if _WORKSPACE else None
    if buf is None or buf.size < size:
        del buf  # free the old buffer before the new one is allocated
        buf = np.empty(size)
    return buf


def give_back_workspace(buf: np.ndarray) -> None:
    if buf.nbytes <= WORKSPACE_KEEP_BYTES:
        with _WORKSPACE_LOCK:
            if not _WORKSPACE:
                _WORKSPACE.append(buf)


def clear_workspace() -> None:
    with _WORKSPACE_LOCK:
        _WORKSPACE.clear()


class Carver:
    """Hands out contiguous float64 arrays from one flat buffer."""

    def __init__(self, buf: np.ndarray) -> None:
        self.buf, self.used = buf, 0

    def take(self, *shape: int) -> np.ndarray:
        n = math.prod(shape)
        out = self.buf[self.used : self.used + n].reshape(shape)
        self.used += n
        return out
