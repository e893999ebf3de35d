"""The base weights of one sampled forward + backward pass, each drawn at most once where memory allows.

    src = CallWeights(net, room)      # room: bytes this call may hold in weights
    wb, norm = src.forward(l)         # l = 0, 1, …, L-1 in order: base W_l and ‖W_l‖
    wb = src.backward(l)              # l = L-1, …, 0 in order
    src.close()

A held (cached) stack is read as it is. A stack too big to hold is streamed: a background thread
draws each layer into one of three N×N buffers (no temporaries) ahead of the engine, so drawing
overlaps the products, and the engine draws the remaining parts of a layer it would wait for; the
last layers of the forward pass are kept, as many as ``room`` allows beside the buffers, and the
backward pass uses them first and redraws only the rest, into the buffers the kept layers free as
it passes them (so the redraws run ahead while the backward reads kept layers). Every layer comes
from its own generators (one a chunk of 2¹⁸ entries, see weights.draw_part), so streamed, kept and
cached weights are bit-identical. The buffers are one flat array, held after the pass for the next
one of the same shape (weights.hold_stream_buffer): fresh memory is faulted in on first touch. It
is held with what its slots then hold: the layers drawn last, mostly the bottom ones the backward
redrew (a freed slot is drawn into after every slot freed before it, so they are distinct). A next
pass of the same weights (same seed, width and family: another activation, bias, weight scale or
input) reads those in its forward instead of drawing them again; at depth 2000, width 256 its
forward then draws the 1,011 kept layers instead of all 2,000 (about 2,000 draws a pass instead
of 2,989).
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

from .weights import (
    Network, draw_part, hold_stream_buffer, layer_base_weight, layer_parts, stream_key,
    take_stream_buffer,
)


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
        keep = max(0, min(self.depth, (room - STREAM_BUFFERS * layer_bytes) // layer_bytes))
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


#: streamed N×N buffers beside the kept layers: one the engine reads, two being drawn
STREAM_BUFFERS = 3
#: a streamed layer is drawn in up to this many parts, so the engine can help draw the layer it
#: waits for (parts are whole chunks of the draw: layers of at most 2¹⁸ entries are one part)
STREAM_PARTS = 16


class _Layer:
    """One streamed layer being drawn into buffer ``slot``: its parts are claimed by whoever is
    free (the drawing thread, or the engine waiting for it); the one who draws the last part takes
    the norm. ``norm`` given: the layer is already there (left by the previous pass), nothing to
    draw."""

    def __init__(self, layer: int, slot: int, buf: np.ndarray, parts: list[tuple[int, int]],
                 norm: float | None = None) -> None:
        self.layer, self.slot, self.buf = layer, slot, buf
        self.parts = [] if norm is not None else parts
        self.norm = 0.0 if norm is None else norm
        self.error: BaseException | None = None
        self.ready = threading.Event()
        if norm is not None:
            self.ready.set()
        self._next = 0
        self._left = len(self.parts)
        self._lock = threading.Lock()

    def work(self, seed: int, family: str, n: int) -> None:
        """Draw unclaimed parts until none is left (returns before the others' parts are done)."""
        while True:
            with self._lock:
                if self._next >= len(self.parts) or self.error is not None:
                    return
                a, b = self.parts[self._next]
                self._next += 1
            try:
                draw_part(seed, family, n, self.layer, self.buf, a, b)
            except BaseException as exc:  # noqa: BLE001  (raised in the engine's thread)
                self.error = exc
                self.ready.set()
                raise
            with self._lock:
                self._left -= 1
                last = self._left == 0
            if last:
                self.norm = float(np.linalg.norm(self.buf))
                self.ready.set()


class _Stream:
    """Layers 0..L-1 then L-K-1..0 (the kept K top layers are not redrawn), drawn ahead by a
    thread into :data:`STREAM_BUFFERS` buffers. The engine, when the layer it needs is not ready,
    draws the rest of its parts, or else the next undrawn layer, itself, so a pass whose draws
    cost more than its products keeps both cores drawing. Every part is whole chunks of its
    layer, each from its own generator: the numbers are the same whoever draws them.

    Buffer slots 0..K-1 are the kept layers' (slot i: layer L-K+i), the rest the spare ones.
    The buffer is held after the pass with what its slots then hold (weights.hold_stream_buffer):
    mostly the bottom layers the backward redrew last, which a next pass of the same weights and
    shape (another bias, activation, weight scale or input) reads in its forward instead of
    drawing them again, so its forward draws only the top K layers, each into its kept slot once
    the bottom layer held there is read."""

    def __init__(self, net: Network, keep: int, buffers: int = STREAM_BUFFERS) -> None:
        c = net.config
        n, depth = c.width, c.depth
        self.keep = keep
        # one flat buffer: the kept layers, then the buffers drawn into; held after the pass for
        # the next one of this shape (see weights.hold_stream_buffer)
        self._key = stream_key(c)
        self._ident = (c.seed, net.family, n)
        spare = buffers if keep < depth else 0
        self._buf, left = take_stream_buffer(self._key, (keep + spare) * n * n, self._ident)
        self._slots = self._buf.reshape(keep + spare, n, n)
        self._first_kept = first = depth - keep
        self._parts = layer_parts(net.family, n, STREAM_PARTS)
        self._args = (c.seed, net.family, n)
        self._order = list(range(depth)) + list(range(first - 1, -1, -1))
        self._forward = depth
        #: layers the previous pass left in the slots, for this forward: layer → (slot, norm);
        #: a top layer only in its own kept slot (where this pass keeps it)
        self._left: dict[int, tuple[int, float]] = {}
        #: what each slot holds at the end, unless a job is claimed for it (see close)
        self._contents: dict[int, tuple[int, float]] = {}
        for slot, (layer, norm) in left.items():
            if 0 <= slot < keep + spare and 0 <= layer < depth:
                self._contents[slot] = (layer, norm)
                if layer < first or slot == layer - first:
                    self._left[layer] = (slot, norm)
        #: slots whose left layer this forward has not read yet (not to be drawn into)
        self._occupied = {slot for slot, _ in self._left.values()}
        #: free slots, the longest free first: a slot just read is drawn into last, so a pass ends
        #: with as many distinct layers in its slots as they hold (the last ones drawn)
        self._free = deque(i for i in range(keep, keep + spare) if i not in self._occupied)
        self._slot_job: dict[int, _Layer] = {}
        #: the next position of the order nobody has claimed, and the claimed ones not yet served
        self._next = 0
        self._jobs: dict[int, _Layer] = {}
        self._cv = threading.Condition()
        self._held: dict[int, tuple[int, float]] = {}  # kept layers, served to the backward
        self._lent: int | None = None  # the slot the engine is reading
        self._pos = 0  # the engine's position in the order
        self._stop = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._fill, daemon=True,
                                        name="gradtui-weight-stream")
        self._thread.start()

    def _claim(self, block: bool) -> _Layer | None:
        """The next position's layer, now the caller's to draw (None when all are claimed, when
        stopped, or, without ``block``, when no buffer is free). Positions whose layer the
        previous pass left in a slot are registered as drawn on the way."""
        with self._cv:
            while True:
                pos = self._next
                if self._stop or pos >= len(self._order):
                    return None
                layer = self._order[pos]
                forward = pos < self._forward
                if forward and layer in self._left:  # there already: nothing to draw
                    slot, norm = self._left.pop(layer)
                    self._next += 1
                    self._jobs[pos] = _Layer(layer, slot, self._slots[slot], self._parts, norm)
                    self._cv.notify_all()
                    continue
                if forward and layer >= self._first_kept:
                    slot = layer - self._first_kept
                    if slot not in self._occupied:
                        break
                elif self._free:
                    slot = self._free.popleft()
                    break
                else:
                    # no spare slot is free: one will be when the engine has read a left layer
                    # already served from it, else (every spare slot holding a left layer not
                    # reached yet, say after a stopped pass) give up the one needed last
                    later = {at: other for other, (at, _) in self._left.items() if at >= self.keep}
                    if not any(at >= self.keep and at not in later for at in self._occupied):
                        if later:
                            slot = max(later, key=later.__getitem__)
                            del self._left[later[slot]]
                            self._occupied.discard(slot)
                            break
                if not block:
                    return None
                self._cv.wait()
            self._next += 1
            job = self._jobs[pos] = _Layer(layer, slot, self._slots[slot], self._parts)
            self._slot_job[slot] = job
            self._cv.notify_all()
            return job

    def _fill(self) -> None:
        try:
            while (job := self._claim(block=True)) is not None:
                job.work(*self._args)
        except BaseException as exc:  # noqa: BLE001  (raised in the engine's thread)
            with self._cv:
                self._error = exc
                self._cv.notify_all()

    def _release(self, slot: int) -> None:
        """The engine is done with ``slot``: a left layer's slot may now be drawn into (a kept
        slot by its own top layer only), any other goes back to the free ones."""
        with self._cv:
            if slot in self._occupied:
                self._occupied.discard(slot)
                if slot >= self.keep:
                    self._free.append(slot)
            else:
                self._free.append(slot)
            self._cv.notify_all()

    def get(self, layer: int) -> tuple[np.ndarray, float]:
        if self._lent is not None:  # the engine is done with the previous layer's buffer
            self._release(self._lent)
            self._lent = None
        if layer in self._held:  # a kept layer, read by the backward for the last time: its
            slot, norm = self._held.pop(layer)  # buffer then takes a redrawn one, drawn meanwhile
            self._lent = slot
            return self._slots[slot], norm
        pos = self._pos
        assert self._order[pos] == layer, (self._order[pos], layer)
        self._pos += 1
        job = self._job(pos)
        if job.error is not None:
            raise job.error
        if layer >= self._first_kept:
            self._held[layer] = (job.slot, job.norm)  # served again to the backward without a redraw
            if job.slot in self._occupied:  # left there by the previous pass: now a kept layer
                with self._cv:
                    self._occupied.discard(job.slot)
        else:
            self._lent = job.slot
        return job.buf, job.norm

    def _job(self, pos: int) -> _Layer:
        """Position ``pos``'s layer, drawn, drawing meanwhile what nobody has started."""
        while True:
            with self._cv:
                job = self._jobs.get(pos)
                if self._error is not None:
                    raise self._error
            if job is None:  # not claimed yet (unless the thread claims it first)
                mine = self._claim(block=False)
                if mine is not None:
                    mine.work(*self._args)  # ``pos``'s layer, or the one after it
                    continue
                with self._cv:  # no buffer free yet: the thread is drawing into them
                    if pos not in self._jobs and self._error is None:
                        self._cv.wait(0.01)
                continue
            if not job.ready.is_set():
                job.work(*self._args)  # its parts nobody has started
            if not job.ready.is_set():
                ahead = self._claim(block=False)
                if ahead is not None:
                    ahead.work(*self._args)  # the next layer, while the thread finishes this one
                    continue
                job.ready.wait()
            with self._cv:
                self._jobs.pop(pos, None)
            return job

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        # the thread ends after the part it is drawing; only then is the buffer nobody's
        self._thread.join()
        if self._error is None:
            contents = dict(self._contents)
            for slot, job in self._slot_job.items():  # the last layer drawn into each slot
                if job.ready.is_set() and job.error is None:
                    contents[slot] = (job.layer, job.norm)
                else:
                    contents.pop(slot, None)
            hold_stream_buffer(self._key, self._buf, (self._ident, contents))
