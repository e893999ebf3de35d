"""The base weights of one sampled forward + backward pass, each drawn at most once where memory allows.

    src = CallWeights(net, room)      # room: bytes this call may hold in weights
    wb, norm = src.forward(l)         # l = 0, 1, …, L-1 in order: base W_l and ‖W_l‖
    wb = src.backward(l)              # l = L-1, …, 0 in order
    src.close()

A held (cached) stack is read as it is. A stack too big to hold is streamed: a background thread
draws each layer into one of two N×N buffers (no temporaries) one layer ahead of the engine, so
drawing overlaps the products; the last layers of the forward pass are kept, as many as ``room``
allows beside the two buffers, and the backward pass uses them first and redraws only the rest.
Every layer comes from its own generator, so streamed, kept and cached weights are bit-identical.
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from .weights import Network, layer_base_weight


class CallWeights:
    """What one pass reads its weights from (see the module doc)."""

    def __init__(self, net: Network, room: int) -> None:
        c = net.config
        self.net, self.depth, n = net, c.depth, c.width
        self._stream: _Stream | None = None
        self._const: tuple | None = None
        if net.stack is not None:
            return
        if net.family == "zeros" or c.tied:  # one matrix for every layer
            w = layer_base_weight(c.seed, net.family, n, 0)
            self._const = (w, float(np.linalg.norm(w)))
            return
        layer_bytes = n * n * 8
        keep = max(0, min(self.depth, (room - 2 * layer_bytes) // layer_bytes))
        self._stream = _Stream(net, keep)

    def forward(self, layer: int):
        if self._const is not None:
            return self._const
        if self._stream is None:
            st = self.net.stack
            i = 0 if self.net.config.tied else layer
            return st.weight(i), st.norm(i)
        return self._stream.get(layer)

    def backward(self, layer: int) -> np.ndarray:
        if self._const is not None:
            return self._const[0]
        if self._stream is None:
            return self.net.base_weight(layer)
        return self._stream.get(layer)[0]

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()

    @property
    def kept(self) -> int:
        """Layers a streamed pass keeps for the backward (0 for held stacks)."""
        return 0 if self._stream is None else self._stream.keep


class _Stream:
    """Layers 0..L-1 then L-K-1..0 (the kept K top layers are not redrawn), drawn one ahead."""

    def __init__(self, net: Network, keep: int) -> None:
        c = net.config
        n, depth = c.width, c.depth
        self.keep = keep
        self._kept = np.empty((keep, n, n))
        self._first_kept = depth - keep
        self._free: queue.Queue = queue.Queue()
        for _ in range(2 if keep < depth else 0):
            self._free.put(np.empty((n, n)))
        self._ready: queue.Queue = queue.Queue()
        self._held: dict[int, tuple] = {}  # kept layers, served to the backward
        self._lent: np.ndarray | None = None  # the buffer the engine is reading
        self._stop = False
        order = list(range(depth)) + list(range(self._first_kept - 1, -1, -1))
        self._order = iter(order)
        args = (c.seed, net.family, n, order)
        self._thread = threading.Thread(target=self._draw, args=args, daemon=True,
                                        name="gradtui-weight-stream")
        self._thread.start()

    def _draw(self, seed: int, family: str, n: int, order: list[int]) -> None:
        try:
            for i, layer in enumerate(order):
                forward = i < len(order) - self._first_kept
                if forward and layer >= self._first_kept:
                    buf = self._kept[layer - self._first_kept]
                else:
                    buf = self._free.get()
                if self._stop or buf is None:
                    return
                w = layer_base_weight(seed, family, n, layer, out=buf)
                self._ready.put((layer, w, float(np.linalg.norm(w))))
        except BaseException as exc:  # noqa: BLE001  (raised in the engine's thread)
            self._ready.put((None, exc, 0.0))

    def get(self, layer: int) -> tuple[np.ndarray, float]:
        if self._lent is not None:  # the engine is done with the previous streamed layer
            self._free.put(self._lent)
            self._lent = None
        if layer in self._held:
            w, norm = self._held.pop(layer)
            return w, norm
        expected = next(self._order)
        got, w, norm = self._ready.get()
        if got is None:
            raise w
        assert got == layer == expected, (got, layer, expected)
        if layer >= self._first_kept:
            self._held[layer] = (w, norm)  # served again to the backward without a redraw
        else:
            self._lent = w
        return w, norm

    def close(self) -> None:
        self._stop = True
        self._free.put(None)
