"""The sampled engine's fast paths give the numbers of the plain ones: weight_grads=False, weights
drawn into buffers, stacks filled in the background, and stacks too big to hold streamed."""

import gc
import math
import threading
import time
import weakref

import numpy as np
import pytest

from gradtui.engine import Config, compute
from gradtui.engine import call_weights, weights
from gradtui.engine import sampled as S
from gradtui.engine.inits import base_draw
from test_sampled import assert_same_backprop as _assert_same
from gradtui.engine.result import Stopped


def sampled(**kw) -> Config:
    return Config(mode="sampled", **kw)


@pytest.mark.parametrize("kw", [
    {"activation": "tanh"},
    {"activation": "relu", "init": "he_normal", "residual": True},
    {"activation": "gelu", "norm": "layer", "bias_std": 0.3},
    {"activation": "sigmoid", "init": "zeros"},
])
def test_without_weight_grads_every_other_number_is_the_same(kw):
    config = sampled(depth=9, width=24, batch=5, **kw)
    full = compute(config)
    lean = compute(config, weight_grads=False)
    assert full.log10_weight_grad is not None and lean.log10_weight_grad is None
    for name in ("log10_factor", "log10_grad", "weight_gain", "deriv_gain", "log10_act_std",
                 "norm_gain", "overflow", "dead_frac", "saturated_frac"):
        np.testing.assert_array_equal(getattr(full, name), getattr(lean, name), err_msg=name)
    assert full.extras == lean.extras
    rows = lean.to_json()["layers"]
    assert all("weight_grad" not in r and "log10_weight_grad" not in r for r in rows)
    assert all("weight_grad" in r for r in full.to_json()["layers"])
    _assert_same(S.backprop(S.network(config)), S.backprop(S.network(config), weight_grads=False),
                 skip=("log10_weight_grad",))


def test_other_modes_take_the_keyword_and_have_no_weight_grads():
    for mode in ("expected", "chain"):
        r = compute(Config(mode=mode, depth=5), weight_grads=False)
        assert r.log10_weight_grad is None


@pytest.mark.parametrize("family", ["normal", "uniform", "orthogonal", "zeros"])
def test_drawing_into_a_buffer_gives_the_same_draws(family):
    out = np.full((7, 7), np.nan)
    got = weights.layer_base_weight(3, family, 7, 4, out=out)
    assert got is out
    rng = weights._rng(3, weights._STREAM_WEIGHTS, 4)
    if family == "normal":  # one chunk: the layer's generator, scaled to variance 1/7
        ref = rng.standard_normal((7, 7)) * (1 / math.sqrt(7))
    else:
        ref = base_draw(rng, family, 7)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(weights.layer_base_weight(3, family, 7, 4), ref)
    strided = np.full((7, 14), np.nan)[:, ::2]  # a non-contiguous buffer gets the same draws
    np.testing.assert_array_equal(weights.layer_base_weight(3, family, 7, 4, out=strided), ref)


def test_a_layer_of_several_chunks_draws_each_from_its_own_generator_with_the_normal_law():
    """Width 1024: four chunks, the first from the layer's generator, the others from their own
    (spawned from the layer's key); every entry drawn once, N(0, 1/N), chunks independent."""
    from math import erf, sqrt

    width = 1024
    w = weights.layer_base_weight(11, "normal", width, 2)
    flat = w.reshape(-1) * sqrt(width)
    k = weights._CHUNK
    assert flat.size == 4 * k
    for j in range(4):
        rng = weights._chunk_rng(11, 2, j)
        np.testing.assert_array_equal(w.reshape(-1)[j * k:(j + 1) * k],
                                      rng.standard_normal(k) * (1 / sqrt(width)))
    z, n = flat, flat.size
    assert abs(z.mean()) < 5 / sqrt(n)
    assert abs(z.var() - 1.0) < 5 * sqrt(2 / n)
    assert abs((z**4).mean() - 3.0) < 5 * sqrt(96 / n)
    for q in (-3.0, -1.5, -0.5, 0.0, 0.7, 2.0, 3.5):  # within 5 binomial standard errors
        p = 0.5 * (1 + erf(q / sqrt(2)))
        assert abs(np.mean(z < q) - p) < 5 * sqrt(p * (1 - p) / n) + 1e-12
    chunks = z.reshape(4, k)
    for a in range(4):
        for b in range(a + 1, 4):
            assert abs(np.mean(chunks[a] * chunks[b])) < 5 / sqrt(k)


@pytest.mark.parametrize("init", ["xavier_normal", "he_uniform", "orthogonal"])
def test_a_deeper_network_starts_with_the_shallower_ones_weights(init):
    shallow = sampled(depth=6, width=16, batch=3, init=init, seed=9)
    deep = shallow.replace(depth=10)
    S.clear_cache()
    before = S.cache_info()["layers_drawn"]
    a = S.network(shallow)
    first = [np.array(a.base_weight(l)) for l in range(6)]
    b = S.network(deep)  # extends the cached stack: draws layers 7..10 only
    assert S.cache_info()["layers_drawn"] - before == 10
    # and takes over the shallower stack's arrays: nothing of the first six layers is copied
    assert all(np.shares_memory(b.base_weight(l), a.base_weight(l)) for l in range(6))
    for l in range(6):
        np.testing.assert_array_equal(b.base_weight(l), first[l])
        # and so does a deep network drawn from scratch, layer by layer
        np.testing.assert_array_equal(S.network(deep, hold_weights=False).base_weight(l), first[l])
    S.clear_cache()
    c = S.network(deep)  # drawn afresh, deep first
    for l in range(6):
        np.testing.assert_array_equal(c.base_weight(l), first[l])


def test_a_stack_being_filled_is_waited_for_layer_by_layer():
    config = sampled(depth=40, width=64, batch=4, activation="tanh")
    S.clear_cache()
    fresh = S.backprop(S.network(config))  # the stack fills in the background as the pass runs
    stack = S.network(config).stack
    assert stack.filled == stack.depth == 40
    _assert_same(fresh, S.backprop(S.network(config)))
    _assert_same(fresh, S.backprop(S.network(config, hold_weights=False)))


def _bare_stack(depth: int, width: int, seed: int) -> "weights._Stack":
    """A stack no background thread fills: whoever waits for a layer draws it."""
    return weights._Stack(list(np.empty((depth, width, width))), np.empty(depth), 0, seed, "normal")


@pytest.mark.parametrize("family", ["normal", "uniform", "orthogonal"])
@pytest.mark.parametrize("width", [3, 256, 512, 1000])
def test_a_layer_drawn_in_parts_in_any_order_is_the_layer_drawn_in_one_go(family, width):
    whole = weights.layer_base_weight(7, family, width, 5)
    for most in (1, 2, 3, 16, 64):
        parts = weights.layer_parts(family, width, most)
        assert parts[0][0] == 0 and parts[-1][1] == width * width and len(parts) <= most
        assert all(a < b == c for (a, b), (c, _) in zip(parts, parts[1:]))
        out = np.full((width, width), np.nan)
        for start, stop in reversed(parts):  # each chunk has its own generator
            weights.draw_part(7, family, width, 5, out, start, stop)
        np.testing.assert_array_equal(out, whole)
    if family in ("normal", "uniform") and width >= 1000:
        assert len(weights.layer_parts(family, width, 16)) > 1


def test_whoever_waits_for_a_layer_draws_the_undrawn_ones_and_the_draws_are_the_same():
    stack = _bare_stack(7, 16, seed=4)
    w5 = np.array(stack.weight(5))  # draws layers 0..5 on its way (each layer's own generator)
    assert stack.filled == 6 and stack._next == 6
    for l in range(7):
        np.testing.assert_array_equal(stack.weight(l), weights.layer_base_weight(4, "normal", 16, l))
        assert stack.norm(l) == pytest.approx(np.linalg.norm(weights.layer_base_weight(4, "normal", 16, l)))
    np.testing.assert_array_equal(w5, stack.weight(5))
    assert stack.filled == 7


def test_a_draw_interrupted_in_a_waiting_pass_is_given_back_not_poisoning_the_stack(monkeypatch):
    stack = _bare_stack(5, 8, seed=2)
    real = weights.layer_base_weight
    calls = []

    def interrupted_once(seed, family, width, layer, out=None):
        calls.append(layer)
        if layer == 2 and calls.count(2) == 1:
            raise KeyboardInterrupt  # what a cancelled pass raises inside its thread
        return real(seed, family, width, layer, out=out)

    monkeypatch.setattr(weights, "layer_base_weight", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        stack.wait(4)
    assert stack.error is None and stack.filled == 2
    stack.wait(4)  # the next pass draws layer 2 after all
    assert stack.filled == 5 and calls.count(2) == 2
    monkeypatch.setattr(weights, "layer_base_weight", real)
    for l in range(5):
        np.testing.assert_array_equal(stack.weight(l), real(2, "normal", 8, l))


def test_a_failing_filler_thread_reaches_the_waiting_pass(monkeypatch):
    stack = _bare_stack(4, 8, seed=1)

    def broken(*args, **kwargs):
        raise MemoryError("no room")

    monkeypatch.setattr(weights, "layer_base_weight", broken)
    stack.fill()
    assert isinstance(stack.error, MemoryError)
    with pytest.raises(MemoryError):
        stack.wait(0)


def test_an_abandoned_stack_stops_filling_but_a_pass_still_reading_it_draws_what_it_needs():
    stack = _bare_stack(6, 16, seed=3)
    stack.wait(1)
    stack.abandoned = True
    stack.fill()  # the filler's loop ends at once: nothing more is drawn for nobody
    assert stack.filled == 2
    for l in range(6):  # a pass that still holds the stack draws each layer it waits for
        np.testing.assert_array_equal(stack.weight(l), weights.layer_base_weight(3, "normal", 16, l))
    assert stack.filled == 6


def test_stacks_evicted_from_the_cache_stop_being_filled():
    """A held seed key makes a new stack a key, and each pass is stopped by the next key: the
    evicted stacks' fillers end after their current layer instead of drawing ~whole stacks that
    nobody will read (their memory is freed as soon as the stopped passes let go)."""
    S.clear_cache()
    configs = [sampled(depth=1000, width=128, batch=4, seed=seed) for seed in range(6)]
    stacks = [S.network(c).stack for c in configs]  # each evicts the oldest but one
    evicted, held = stacks[:-weights.MAX_STACKS], stacks[-weights.MAX_STACKS:]
    for stack in evicted:
        assert stack.abandoned and stack.filler is not None
        stack.filler.join(30)
        assert not stack.filler.is_alive()
        assert stack.filled < stack.depth // 2, stack.filled  # ~150 ms of draws, left at once
    for stack in held:
        assert not stack.abandoned
        stack.filler.join(60)
        assert stack.filled == stack.depth
    assert set(weights.cache_info()["stacks"]) == {(c.seed, 128, "normal") for c in configs[-2:]}
    S.clear_cache()
    assert all(stack.abandoned for stack in held)


@pytest.mark.parametrize("keep_layers", [0, 3, 12])
def test_a_stack_too_big_to_hold_is_drawn_once_per_layer_where_kept(monkeypatch, keep_layers):
    config = sampled(depth=12, width=32, batch=4, activation="relu", init="he_normal", bias_std=0.1)
    held = S.backprop(S.network(config, hold_weights=True))
    drawn: list[int] = []
    real = call_weights.draw_part

    def counting(seed, family, width, layer, out, start, stop):
        if start == 0:  # a layer's first part (this small layer has one)
            drawn.append(layer)
        return real(seed, family, width, layer, out, start, stop)

    monkeypatch.setattr(call_weights, "draw_part", counting)
    layer_bytes = 32 * 32 * 8
    net = S.network(config, hold_weights=False)
    room = (keep_layers + call_weights.STREAM_BUFFERS) * layer_bytes
    src = call_weights.CallWeights(net, room)
    assert src.kept == keep_layers
    src.close()
    weights.release_stream_buffer()  # a pass from scratch: nothing left by a previous one
    drawn.clear()
    monkeypatch.setattr(S, "CallWeights", lambda net, _: call_weights.CallWeights(net, room))
    streamed = S.backprop(net)
    _assert_same(held, streamed)
    # forward: every layer once; backward: only the layers not kept, top down
    assert drawn == list(range(12)) + list(range(11 - keep_layers, -1, -1))


@pytest.mark.parametrize("keep_layers", [0, 2])
def test_a_streamed_pass_whose_thread_is_slow_draws_parts_itself_and_the_numbers_stay(monkeypatch,
                                                                                      keep_layers):
    """Width 1024: four parts a layer. The stream's thread is slowed down, so the engine draws the
    parts (and layers) nobody has started; every part is its layer's chunks, each from its own
    generator, so the pass is bit-identical with the held one."""
    import threading
    import time

    config = sampled(depth=6, width=1024, batch=4, activation="tanh", seed=9)
    assert len(weights.layer_parts("normal", 1024, call_weights.STREAM_PARTS)) == 4
    held = S.backprop(S.network(config, hold_weights=True))
    drawers: list[str] = []
    real = call_weights.draw_part

    def slow_thread(*args):
        name = threading.current_thread().name
        drawers.append(name)
        if name == "gradtui-weight-stream":
            time.sleep(0.02)
        return real(*args)

    monkeypatch.setattr(call_weights, "draw_part", slow_thread)
    room = (keep_layers + call_weights.STREAM_BUFFERS) * 1024 * 1024 * 8
    monkeypatch.setattr(S, "CallWeights", lambda net, _: call_weights.CallWeights(net, room))
    streamed = S.backprop(S.network(config, hold_weights=False))
    _assert_same(held, streamed)
    assert len(drawers) == 4 * (2 * 6 - keep_layers)  # every part of every draw, once
    assert threading.current_thread().name in drawers  # the engine drew some itself
    assert "gradtui-weight-stream" in drawers


def test_streamed_tied_and_zero_weights_are_drawn_once():
    for kw in ({"tied": True, "activation": "linear", "init": "orthogonal"}, {"init": "zeros"}):
        config = sampled(depth=8, width=16, batch=3, **kw)
        _assert_same(S.backprop(S.network(config, hold_weights=True)),
                     S.backprop(S.network(config, hold_weights=False)))


def test_weight_gain_uses_the_norm_of_the_drawn_layer():
    config = sampled(depth=5, width=20, batch=2, init="he_normal", weight_scale=1.5)
    r = compute(config)
    net = S.network(config, hold_weights=False)
    expected = [net.scale * np.linalg.norm(net.base_weight(l)) / math.sqrt(20) for l in range(5)]
    np.testing.assert_array_equal(r.weight_gain, expected)


def _streamed(monkeypatch, keep_layers: int, width: int) -> int:
    """Make every pass stream, keeping ``keep_layers`` top layers; returns the room in bytes."""
    room = (keep_layers + call_weights.STREAM_BUFFERS) * width * width * 8
    monkeypatch.setattr(S, "CallWeights", lambda net, _: call_weights.CallWeights(net, room))
    return room


def test_the_backward_redraws_into_the_buffers_the_kept_layers_free(monkeypatch):
    """Depth 12, two layers kept: a kept layer's buffer, read by the backward for the last time,
    takes a redrawn layer. Which buffer a redraw goes to depends on how far the stream's thread
    has run ahead, so the order is fixed here by leaving every draw to the engine (the thread
    draws nothing); the numbers are the held network's either way."""
    config = sampled(depth=12, width=32, batch=4, activation="tanh", seed=4)
    held = S.backprop(S.network(config, hold_weights=True))
    weights.release_stream_buffer()
    _streamed(monkeypatch, 2, 32)
    _assert_same(held, S.backprop(S.network(config, hold_weights=False)))  # the thread drawing
    weights.release_stream_buffer()
    into: list[tuple[int, int]] = []
    real = call_weights.draw_part

    def recording(seed, family, width, layer, out, start, stop):
        into.append((layer, out.__array_interface__["data"][0]))
        return real(seed, family, width, layer, out, start, stop)

    monkeypatch.setattr(call_weights, "draw_part", recording)
    monkeypatch.setattr(call_weights._Stream, "_fill", lambda self: None)
    _assert_same(held, S.backprop(S.network(config, hold_weights=False)))
    assert [layer for layer, _ in into] == list(range(12)) + list(range(9, -1, -1))
    kept_at = {addr for layer, addr in into[10:12]}  # the forward's draws of 10, 11
    assert len(kept_at) == 2
    assert kept_at & {addr for _, addr in into[12:]}, into


def test_a_streamed_pass_hands_its_buffer_to_the_next_of_the_same_shape(monkeypatch):
    """The flat weight buffer is held after a streamed pass: the next pass of the same shape (here
    another seed and weight scale) draws into it, and its numbers are those of a pass on fresh
    memory; a network of another shape frees it before anything of its own is allocated."""
    _streamed(monkeypatch, 2, 32)
    first = sampled(depth=12, width=32, batch=4, activation="tanh", seed=4)
    second = first.replace(seed=5, weight_scale=1.3)
    weights.release_stream_buffer()
    S.backprop(S.network(first, hold_weights=False))
    held = weights._HELD[1]
    assert weights.held_stream_bytes() == held.nbytes == (2 + call_weights.STREAM_BUFFERS) * 32 * 32 * 8
    taken: list[np.ndarray] = []
    real = call_weights.take_stream_buffer
    monkeypatch.setattr(call_weights, "take_stream_buffer",
                        lambda *args: taken.append(real(*args)) or taken[-1])
    again = S.backprop(S.network(second, hold_weights=False))
    assert taken[0][0] is held and taken[0][1] == {}  # another seed: its slots are of no use
    weights.release_stream_buffer()
    _assert_same(again, S.backprop(S.network(second, hold_weights=False)))  # fresh memory
    assert taken[1][0] is not held
    _assert_same(again, S.backprop(S.network(second, hold_weights=True)))
    S.network(first.replace(width=24))  # another shape: the held buffer goes first
    assert weights.held_stream_bytes() == 0


def test_held_buffers_are_freed_after_their_hold(monkeypatch):
    """The stream buffer and a workspace beyond the kept size are freed once their hold ends (here
    shortened), so an idle engine keeps only the cached stacks and the small workspace."""
    from gradtui.engine import workspace

    monkeypatch.setattr(weights, "STREAM_HOLD_SECONDS", 0.05)
    monkeypatch.setattr(workspace, "HOLD_SECONDS", 0.05)
    monkeypatch.setattr(workspace, "WORKSPACE_KEEP_BYTES", 1024)  # this pass's counts as large
    _streamed(monkeypatch, 2, 32)
    workspace.clear_workspace()
    S.backprop(S.network(sampled(depth=12, width=32, batch=4, activation="tanh"), hold_weights=False))
    assert weights.held_stream_bytes() > 0 and workspace._WORKSPACE
    held = [weakref.ref(weights._HELD[1]), weakref.ref(workspace._WORKSPACE[0])]
    for _ in range(400):  # waits for the timers, up to 4 s; no time is asserted
        if not weights.held_stream_bytes() and not workspace._WORKSPACE:
            break
        time.sleep(0.01)
    assert weights.held_stream_bytes() == 0
    assert not workspace._WORKSPACE
    gc.collect()
    assert [ref() for ref in held] == [None, None]  # freed, not only forgotten


def test_a_large_workspace_serves_only_a_call_that_needs_most_of_it(monkeypatch):
    """Up to the kept size any larger workspace is reused; beyond it only one at most 5/4 of the
    need, since a held workspace counts against the next call's budget for weights."""
    from gradtui.engine import workspace

    monkeypatch.setattr(workspace, "WORKSPACE_KEEP_BYTES", 8 * 1000)
    assert workspace._fits(1000, 10) and workspace._fits(1000, 1000)
    assert workspace._fits(5000, 4000) and not workspace._fits(5000, 3999)
    assert not workspace._fits(999, 1000)
    big = sampled(depth=40, width=32, batch=8, activation="tanh")
    small = big.replace(depth=4)
    workspace.clear_workspace()
    workspace.give_back_workspace(np.empty(workspace.workspace_size(big)))
    assert workspace.workspace_bytes(big) == 8 * workspace.workspace_size(big)
    assert workspace.workspace_bytes(small) == 8 * workspace.workspace_size(small)  # not the big one
    S.network(small)  # frees the big one before drawing anything
    assert not workspace._WORKSPACE
    workspace.clear_workspace()


def _fill(config: Config) -> None:
    """Wait for the filler thread of ``config``'s cached stack (a test's prefetch)."""
    stack = weights._CACHE[(config.seed, config.width, "normal")]
    if stack.filler is not None:
        stack.filler.join(timeout=30)


def test_prefetched_weights_are_the_drawn_ones_and_the_next_pass_draws_nothing():
    S.clear_cache()
    shown = sampled(depth=12, width=32, batch=4, activation="tanh", seed=3)
    S.compute_sampled(shown)
    nxt = shown.replace(seed=4)
    assert weights.prefetch_weights(nxt)
    _fill(nxt)
    drawn = weights.cache_info()["layers_drawn"]
    ahead = S.compute_sampled(nxt)
    info = weights.cache_info()
    assert info["layers_drawn"] == drawn and set(info["stacks"]) == {(3, 32, "normal"), (4, 32, "normal")}
    S.clear_cache()
    fresh = S.compute_sampled(nxt)
    for name in ("log10_factor", "log10_weight_grad", "weight_gain", "log10_act_std"):
        np.testing.assert_array_equal(getattr(ahead, name), getattr(fresh, name), err_msg=name)


def test_a_prefetch_never_evicts_the_weights_on_show(monkeypatch):
    S.clear_cache()
    shown = sampled(depth=12, width=32, batch=4, activation="tanh", seed=3)
    S.compute_sampled(shown)
    S.compute_sampled(shown.replace(seed=9))  # an older stack: it may go
    S.compute_sampled(shown)  # the one on show, used last
    one = 12 * 32 * 32 * 8
    # room for the shown stack and one more, not two more
    monkeypatch.setattr(weights, "WEIGHT_CACHE_BYTES", 2 * one)
    assert weights.prefetch_weights(shown.replace(seed=4))
    _fill(shown.replace(seed=4))
    assert set(weights.cache_info()["stacks"]) == {(3, 32, "normal"), (4, 32, "normal")}
    assert list(weights._CACHE)[-1] == (3, 32, "normal")  # still the one used last
    assert not weights.prefetch_weights(shown.replace(seed=5, depth=13))  # would evict it
    assert set(weights.cache_info()["stacks"]) == {(3, 32, "normal"), (4, 32, "normal")}
    # a deeper network of the shown draws takes its layers over: room for the new depth only
    assert weights.prefetch_weights(shown.replace(depth=14))
    _fill(shown.replace(depth=14))
    assert weights.cache_info()["stacks"][(3, 32, "normal")] == 14


def test_what_is_not_prefetched():
    S.clear_cache()
    base = sampled(depth=6, width=16, batch=2, seed=2)
    assert not weights.prefetch_weights(base.replace(mode="expected"))
    assert not weights.prefetch_weights(base.replace(tied=True))
    assert not weights.prefetch_weights(base.replace(init="zeros"))
    assert not weights.prefetch_weights(base.replace(width=4096, depth=2000))  # beyond the cache
    assert weights.cache_info()["stacks"] == {}


def test_a_prefetch_does_not_wait_for_a_stack_being_drawn(monkeypatch):
    """Extending a stack still being drawn would wait for it: the prefetch starts nothing."""
    S.clear_cache()
    gate = threading.Event()
    real = weights._Stack.fill

    def held_fill(self):
        gate.wait(10)
        real(self)

    monkeypatch.setattr(weights._Stack, "fill", held_fill)
    config = sampled(depth=6, width=16, batch=2, seed=2)
    assert weights.prefetch_weights(config)
    try:
        # (one that waited would take the layers over once the gate opens, and say True)
        assert not weights.prefetch_weights(config.replace(depth=8))
    finally:
        gate.set()
    _fill(config)
    assert weights.cache_info()["stacks"] == {(2, 16, "normal"): 6}


def _drawn_counts(monkeypatch) -> dict[int, int]:
    """How many times each layer is drawn from here on (its first part counted)."""
    counts: dict[int, int] = {}
    real = call_weights.draw_part

    def counting(seed, family, width, layer, out, start, stop):
        if start == 0:
            counts[layer] = counts.get(layer, 0) + 1
        return real(seed, family, width, layer, out, start, stop)

    monkeypatch.setattr(call_weights, "draw_part", counting)
    return counts


@pytest.mark.parametrize("keep_layers", [0, 4, 12])
def test_the_next_pass_of_the_same_weights_reads_the_layers_the_last_one_left(monkeypatch,
                                                                           keep_layers):
    """Depth 12: a pass leaves the layers it drew last in the held buffer's K + 3 slots (the kept
    ones and the spare ones: a slot just read is drawn into last); the next pass of the same
    weights (another activation, weight scale and bias) reads them in its forward instead of
    drawing them, and its numbers are the held network's. Four kept: 0–6 are read, 7 is drawn in
    both passes, the top four once; none kept: 0–2 are read; all twelve kept: nothing is drawn.
    The counts with the engine drawing alone (the thread's head start changes which layers are
    last); the numbers with the thread too."""
    first = sampled(depth=12, width=32, batch=4, activation="tanh", seed=6)
    second = first.replace(activation="relu", init="he_normal", weight_scale=1.2, bias_std=0.2)
    _streamed(monkeypatch, keep_layers, 32)
    weights.release_stream_buffer()
    held = S.backprop(S.network(second, hold_weights=True))
    S.backprop(S.network(first.replace(seed=7), hold_weights=False))  # seed 7's layers left
    _assert_same(S.backprop(S.network(first, hold_weights=False)),  # not read for seed 6
                 S.backprop(S.network(first, hold_weights=True)))
    _assert_same(held, S.backprop(S.network(second, hold_weights=False)))  # the thread drawing
    weights.release_stream_buffer()
    monkeypatch.setattr(call_weights._Stream, "_fill", lambda self: None)
    counts = _drawn_counts(monkeypatch)
    S.backprop(S.network(first, hold_weights=False))
    kept = range(12 - keep_layers, 12)
    assert counts == {l: 1 if l in kept else 2 for l in range(12)}  # from scratch
    bottom = 12 - keep_layers
    left = min(bottom, keep_layers + (call_weights.STREAM_BUFFERS if bottom else 0))
    expected = {} if not bottom else {l: 1 if l < left or l in kept else 2 for l in range(12)}
    for _ in range(2):
        counts.clear()
        _assert_same(held, S.backprop(S.network(second, hold_weights=False)))
        assert counts == expected, counts


@pytest.mark.parametrize("stop_at", [3, 9, 14, 20])
def test_a_pass_stopped_anywhere_leaves_only_whole_layers_for_the_next(monkeypatch, stop_at):
    """A pass stopped in its forward (3, 9) or its backward (14, 20 of 24 checks) holds the
    buffer with the layers then whole in it, in whatever slots: the next pass reads those, draws
    the rest (giving up a left layer's spare slot where every one is taken), never waits for
    ever, and its numbers are the held network's."""
    config = sampled(depth=12, width=32, batch=4, activation="tanh", seed=8)
    held = S.backprop(S.network(config, hold_weights=True))
    _streamed(monkeypatch, 4, 32)
    weights.release_stream_buffer()
    S.backprop(S.network(config, hold_weights=False))  # a whole pass first, then a stopped one
    asked = [0]

    def stop() -> bool:
        asked[0] += 1
        return asked[0] > stop_at

    with pytest.raises(Stopped):
        S.backprop(S.network(config.replace(weight_scale=0.9), hold_weights=False), cancel=stop)
    _assert_same(held, S.backprop(S.network(config, hold_weights=False)))
    _assert_same(held, S.backprop(S.network(config, hold_weights=False)))


def test_left_layers_in_every_spare_slot_give_one_up_for_a_layer_to_draw(monkeypatch):
    """The held buffer's three spare slots hold layers 5, 6, 7, none of 0–4: the forward needs a
    slot for layer 0 before it reaches them, so the one needed last (7) is given up, and the
    numbers are still the held network's (the engine alone draws: the thread is left out)."""
    config = sampled(depth=12, width=32, batch=4, activation="tanh", seed=3)
    held = S.backprop(S.network(config, hold_weights=True))
    _streamed(monkeypatch, 4, 32)
    weights.release_stream_buffer()
    S.backprop(S.network(config, hold_weights=False))
    key, buf, timer, (ident, slots) = weights._HELD
    slots = {slot: v for slot, v in slots.items() if slot < 4}  # the kept slots' layers
    flat = buf.reshape(7, 32, 32)
    for slot, layer in ((4, 5), (5, 6), (6, 7)):
        weights.layer_base_weight(config.seed, "normal", 32, layer, out=flat[slot])
        slots[slot] = (layer, float(np.linalg.norm(flat[slot])))
    weights._HELD[3] = (ident, slots)
    monkeypatch.setattr(call_weights._Stream, "_fill", lambda self: None)
    counts = _drawn_counts(monkeypatch)
    _assert_same(held, S.backprop(S.network(config, hold_weights=False)))
    assert counts.get(7, 0) == 2 and counts.get(5, 0) == 1  # 7 given up and redrawn, 5 read
