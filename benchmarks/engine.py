"""Engine benchmarks: ``python benchmarks/engine.py [section ...]`` (sampled, new_weights, uncached,
peak_rss, slowest, generators, tanh_kernel, expected, expected_batchnorm; all by default).

Each section prints its timings; ``main()`` runs every section that exists. Times are the minimum of
several repeats (the least disturbed run) in the same process.
"""

from __future__ import annotations

import collections
import contextlib
import math
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from gradtui.engine import Config  # noqa: E402
from gradtui.engine import sampled  # noqa: E402

#: (depth, width, batch) of the sampled benchmark; each runs tanh/relu × plain/residual (20 in all)
SAMPLED_SHAPES = ((16, 256, 64), (50, 512, 32), (100, 256, 64), (200, 256, 64), (1000, 128, 16))
VARIANTS = tuple((act, res) for act in ("tanh", "relu") for res in (False, True))
#: targets of issue 15: the engine ÷ PyTorch autograd, ÷ its bare one-thread matmuls, a change that
#: draws new weights ÷ a cached recompute, a stack too big for the cache ÷ bare matmuls
TORCH_TARGET, MATMUL_TARGET, NEW_WEIGHTS_TARGET, UNCACHED_TARGET = 1.0, 1.3, 1.5, 2.0
#: stacks that do not fit the weight cache (depth, width, batch)
UNCACHED_SHAPES = ((2000, 256, 64), (16, 4096, 64))
#: the largest accepted setting (the memory budget's corner)
LARGEST = (10, 4096, 1024)


def times_of(fn, repeats: int = 7, setup=None) -> list[float]:
    """Wall times of ``fn()`` over ``repeats`` runs, in seconds (``setup()`` before each, untimed)."""
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def best_of(fn, repeats: int = 7, setup=None) -> float:
    """Minimum wall time of ``fn()`` over ``repeats`` runs, in seconds."""
    return min(times_of(fn, repeats, setup))


def bare_matmuls(weights, batch: int, seed: int = 1):
    """A closure doing, on one BLAS thread, the two matmuls of one forward and one backward pass
    per layer (h@Wᵀ and δ@W) into preallocated outputs. ``weights``: a sequence of (N, N) arrays,
    or one (N, N) array and a depth (reused at every layer, for stacks too big to hold)."""
    from gradtui.engine.blas import single_thread

    if isinstance(weights, tuple):
        w, depth = weights
        weights = [w] * depth
    n = weights[0].shape[-1]
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, n))
    g = rng.standard_normal((batch, n))
    out = np.empty((batch, n))

    def run() -> None:
        with single_thread():
            for w in weights:
                np.matmul(h, w.T, out=out)
            for w in weights[::-1]:
                np.matmul(g, w, out=out)

    return run


def bare_grams(depth: int, width: int, batch: int, seed: int = 1):
    """A closure doing, on one BLAS thread, what the weight-gradient norms add per layer to the
    bare matmuls: the two B×B Gram products (hhᵀ, δδᵀ) into preallocated outputs, or the direct
    product δᵀh where B > N (as ``lognorm.log10_outer_norm`` does)."""
    from gradtui.engine.blas import single_thread

    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, width))
    g = rng.standard_normal((batch, width))
    side = min(batch, width)
    p, q = np.empty((side, side)), np.empty((side, side))

    def run() -> None:
        with single_thread():
            for _ in range(depth):
                if batch <= width:
                    np.matmul(h, h.T, out=p)
                    np.matmul(g, g.T, out=q)
                else:
                    np.matmul(g.T, h, out=p)

    return run


def _keywords() -> set[str]:
    """The keywords this checkout's compute_sampled takes (weight_grads, precision)."""
    import inspect

    return set(inspect.signature(sampled.compute_sampled).parameters) - {"config"}


def _verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "OVER TARGET"


def _header(title: str) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{title}; {os.cpu_count()} CPUs, load average {load}")


def bench_sampled(repeats: int = 5) -> list[dict]:
    """Cached recompute (the TUI's steady state) ÷ PyTorch autograd ÷ one-thread bare matmuls.

    Columns: the engine with every output (as --json), without the weight-gradient products (the
    TUI when the weight view is not shown) and, where offered, float32 products; torch autograd on
    the same float64 network (one thread; skipped without torch); bare matmuls; the weight-gradient
    Gram products alone (what ∇W adds in arithmetic: the full engine's floor is the two summed).
    Ratios use the full engine unless named. For tanh also the same config at width 2, batch 1:
    what the engine's NumPy and Python calls cost apart from the arithmetic: the part of its time
    that only fewer calls, not faster arithmetic, can cut.
    """
    try:
        from torch_compare import max_log10_difference, torch_backprop
    except ImportError:
        torch_backprop = None
    kw = _keywords()
    _header(f"sampled engine, cached weights, min of {repeats}")
    print(f"{'shape (L,N,B)':>16} {'act':>4} {'skip':>4} {'engine':>8} {'no ∇W':>8} {'f32':>8} "
          f"{'torch':>8} {'matmul':>8} {'Gram':>6} {'calls':>7} {'÷torch':>7} {'÷mm':>6} "
          f"{'÷mm noW':>7} {'|Δlog|':>8}")
    rows = []
    for depth, width, batch in SAMPLED_SHAPES:
        for act, res in VARIANTS:
            config = Config(mode="sampled", depth=depth, width=width, batch=batch, activation=act,
                            init="he_normal" if act == "relu" else "xavier_normal", residual=res,
                            residual_scale=1 / math.sqrt(depth) if res else 1.0)
            sampled.compute_sampled(config)  # draws and caches the weights
            net = sampled.network(config)
            assert net.held, "benchmark shapes are expected to fit the weight cache"
            t_e = best_of(lambda: sampled.compute_sampled(config), repeats)
            t_nw = t_f32 = math.nan
            if "weight_grads" in kw:
                t_nw = best_of(lambda: sampled.compute_sampled(config, weight_grads=False), repeats)
            if "precision" in kw:
                t_f32 = best_of(lambda: sampled.compute_sampled(config, weight_grads=False,
                                                                precision="float32"), repeats)
            t_mm = best_of(bare_matmuls([net.base_weight(l) for l in range(depth)], batch), repeats)
            t_gram = best_of(bare_grams(depth, width, batch), repeats)
            t_calls = math.nan
            if act == "tanh":  # the same calls on arrays of two entries (tanh nets never die out)
                tiny = config.replace(width=2, batch=1)
                sampled.compute_sampled(tiny)
                t_calls = best_of(lambda: sampled.compute_sampled(tiny), repeats)
            t_t = diff = math.nan
            if torch_backprop is not None:
                run = torch_backprop(net)
                diff = max_log10_difference(sampled.backprop(net), run())
                t_t = best_of(run, repeats)
            row = {"shape": (depth, width, batch), "activation": act, "residual": res,
                   "engine_s": t_e, "no_weight_grads_s": t_nw, "float32_s": t_f32, "torch_s": t_t,
                   "matmuls_s": t_mm, "vs_torch": t_e / t_t, "vs_matmuls": t_e / t_mm,
                   "no_weight_grads_vs_matmuls": t_nw / t_mm, "torch_vs_matmuls": t_t / t_mm,
                   "calls_s": t_calls, "calls_floor": (t_mm + t_calls) / t_mm, "grams_s": t_gram,
                   "grams_floor": (t_mm + t_gram) / t_mm, "max_log10_diff": diff}
            rows.append(row)
            print(f"{str((depth, width, batch)):>16} {act:>4} {'res' if res else 'no':>4} "
                  f"{t_e * 1e3:8.2f} {t_nw * 1e3:8.2f} {t_f32 * 1e3:8.2f} {t_t * 1e3:8.2f} "
                  f"{t_mm * 1e3:8.2f} {t_gram * 1e3:6.2f} {t_calls * 1e3:7.2f} {row['vs_torch']:7.2f} "
                  f"{row['vs_matmuls']:6.2f} {row['no_weight_grads_vs_matmuls']:7.2f} {diff:8.1e}")
        sampled.clear_cache()
    for key, target, label in (("vs_torch", TORCH_TARGET, "engine ÷ torch autograd"),
                               ("vs_matmuls", MATMUL_TARGET, "engine ÷ bare matmuls"),
                               ("no_weight_grads_vs_matmuls", MATMUL_TARGET,
                                "engine without ∇W ÷ bare matmuls"),
                               ("torch_vs_matmuls", None,
                                "beside them, torch autograd ÷ the same bare matmuls"),
                               ("grams_floor", None,
                                "the matmuls plus the weight-gradient Gram products alone "
                                "÷ the matmuls"),
                               ("calls_floor", None,
                                "and (bare matmuls + tanh's calls at width 2, batch 1) "
                                "÷ bare matmuls")):
        vals = [r[key] for r in rows if math.isfinite(r[key])]
        if vals:
            med = statistics.median(vals)
            verdict = "" if target is None else f" (target ≤ {target:g}×): {_verdict(med, target)}"
            print(f"  {label}: {min(vals):.2f}–{max(vals):.2f}×, median {med:.2f}×{verdict}")
    if "precision" in kw:
        vals = [r["float32_s"] / r["no_weight_grads_s"] for r in rows]
        print(f"  float32 ÷ float64 (both without ∇W): median {statistics.median(vals):.2f}×")
    return rows


def _forward_share(config: Config, repeats: int) -> tuple[float, float]:
    """(whole pass, its forward) in seconds, of the fastest of ``repeats`` cached passes: the
    forward ends where the engine first asks ``cancel`` in the backward (it asks before every
    layer of both passes)."""
    runs = []
    for _ in range(repeats):
        marks: list[float] = []

        def mark() -> bool:
            marks.append(time.perf_counter())
            return False

        t0 = time.perf_counter()
        sampled.compute_sampled(config, cancel=mark)
        runs.append((time.perf_counter() - t0, marks[config.depth] - t0))
    return min(runs)


def bench_new_weights(repeats: int = 5) -> list[dict]:
    """A change that needs new weights (here: the seed) ÷ a cached recompute of the same config.

    Beside it, the floor on two cores: the forward needs every layer's draw before it ends, the
    backward none, so at best both cores share the draws and the forward, then the backward runs:
    max(forward, (draws + forward) / 2) + backward, from the cached pass's two halves and the
    layers drawn on one core, measured in the same run."""
    from gradtui.engine import weights

    _header(f"new weights ÷ cached recompute, min of {repeats}")
    rows = []
    for depth, width, batch in SAMPLED_SHAPES:
        config = Config(mode="sampled", depth=depth, width=width, batch=batch, activation="tanh")
        seeds = iter(range(1, 10_000))

        def fresh() -> None:
            sampled.compute_sampled(config.replace(seed=next(seeds)))

        fresh()  # the workspace is warm, as in the TUI
        t_new = best_of(fresh, repeats)
        sampled.compute_sampled(config)
        t_cached = best_of(lambda: sampled.compute_sampled(config), repeats)
        t_pass, t_fwd = _forward_share(config, repeats)
        stack = np.empty((depth, width, width))

        def draws() -> None:
            for layer in range(depth):
                weights.layer_base_weight(config.seed + 1, "normal", width, layer, out=stack[layer])

        t_draws = best_of(draws, 3)
        del stack
        floor = max(t_fwd, (t_draws + t_fwd) / 2) + (t_pass - t_fwd)
        deeper = config.replace(depth=depth + max(1, depth // 4))
        sampled.compute_sampled(config)
        t0 = time.perf_counter()
        sampled.compute_sampled(deeper)  # draws only the new layers
        t_deeper = time.perf_counter() - t0
        t_deeper_cached = best_of(lambda: sampled.compute_sampled(deeper), repeats)
        rows.append({"shape": (depth, width, batch), "new_s": t_new, "cached_s": t_cached,
                     "ratio": t_new / t_cached, "deeper_ratio": t_deeper / t_deeper_cached,
                     "forward_s": t_fwd, "pass_s": t_pass, "draws_s": t_draws,
                     "floor_ratio": floor / t_pass})
        print(f"  {str((depth, width, batch)):>16} new seed {t_new * 1e3:8.2f} ms, cached "
              f"{t_cached * 1e3:8.2f} ms: {t_new / t_cached:5.2f}× ; depth +25 %: "
              f"{t_deeper / t_deeper_cached:5.2f}× (target ≤ {NEW_WEIGHTS_TARGET:g}×)")
        print(f"  {'':>16} floor: draws on one core {t_draws * 1e3:.2f} ms, cached forward "
              f"{t_fwd * 1e3:.2f} of {t_pass * 1e3:.2f} ms: {floor * 1e3:.2f} ms, "
              f"{floor / t_pass:.2f}×")
        sampled.clear_cache()
    med = statistics.median(r["ratio"] for r in rows)
    print(f"  new seed ÷ cached: median {med:.2f}× (target ≤ {NEW_WEIGHTS_TARGET:g}×): "
          f"{_verdict(med, NEW_WEIGHTS_TARGET)}; the floors' median "
          f"{statistics.median(r['floor_ratio'] for r in rows):.2f}×")
    return rows


@contextlib.contextmanager
def _counting_draws():
    """Counts the weight entries streamed passes draw meanwhile (``counter[0]``), the draws of
    each layer (``counter[1]``: layer → count) and the first kept layer of the last stream
    (``counter[2]``)."""
    from gradtui.engine import call_weights

    draw, counter = call_weights.draw_part, [0, collections.Counter(), None]
    init = call_weights._Stream.__init__

    def counted(seed, family, width, layer, out, start, stop):
        counter[0] += stop - start
        if start == 0:
            counter[1][layer] += 1
        return draw(seed, family, width, layer, out, start, stop)

    def noting(self, net, keep, *args):
        init(self, net, keep, *args)
        counter[2] = net.config.depth - keep

    call_weights.draw_part = counted
    call_weights._Stream.__init__ = noting
    try:
        yield counter
    finally:
        call_weights.draw_part = draw
        call_weights._Stream.__init__ = init


def bench_uncached(repeats: int = 4) -> list[dict]:
    """Weight stacks too big for the cache ÷ the bare matmuls of the same shapes (one thread).

    Beside each, what no streaming could beat on this machine, measured in the same run: the same
    pass with one tied matrix (nothing drawn; the bare matmuls reuse one matrix as well), the
    normals the streamed pass draws (counted during the run) drawn on one core, and the time two
    cores would take if they shared both perfectly: max(pass, (pass + draws) / 2). Then the same
    per pass: the forward cannot end before every layer is drawn, and the memory budget leaves
    the redraws of the bottom layers to the backward (into the buffers the kept layers free), so
    max(forward, (forward + L draws) / 2) + max(backward, (backward + redraws) / 2), from the tied
    pass's two halves (timed at the engine's per-layer cancel checks). And the pass on fresh
    memory: with the buffers the previous pass holds for the next one freed before it."""
    from gradtui.engine import weights

    layer_base_weight = weights.layer_base_weight
    release = getattr(weights, "release_held_buffers", None)

    _header(f"weight stack too big for the cache, min of {repeats}")
    rows = []
    for depth, width, batch in UNCACHED_SHAPES:
        config = Config(mode="sampled", depth=depth, width=width, batch=batch, activation="tanh")
        sampled.clear_cache()
        sampled.compute_sampled(config)  # the process's first touch of this much memory
        with _counting_draws() as counter:
            held = times_of(lambda: sampled.compute_sampled(config), repeats)
        t_e = min(held)
        layers_drawn = counter[0] / repeats / (width * width)
        # a bottom layer is drawn in the backward and, unless the previous pass left it in the
        # buffer, in the forward too; a kept (top) layer in the forward only
        first_kept, per_layer = counter[2], counter[1]
        back_draws = sum(min(n, repeats) for l, n in per_layer.items() if l < first_kept) / repeats
        fwd_draws = (sum(n for l, n in per_layer.items() if l >= first_kept)
                     + sum(max(0, n - repeats) for l, n in per_layer.items() if l < first_kept)) / repeats
        assert not sampled.network(config).held
        fresh = [math.nan]
        if release is not None:
            fresh = times_of(lambda: sampled.compute_sampled(config), repeats, setup=release)
        t_fresh = min(fresh)
        w = np.random.default_rng(0).standard_normal((width, width)) / math.sqrt(width)
        t_mm = best_of(bare_matmuls((w, depth), batch), repeats)
        tied = config.replace(tied=True)
        sampled.compute_sampled(tied)  # draws and caches its one matrix
        t_tied, t_tied_fwd = _forward_share(tied, repeats)
        t_tied_bwd = t_tied - t_tied_fwd
        buf = np.empty((width, width))
        t_layer = best_of(lambda: layer_base_weight(config.seed, "normal", width, 1, out=buf), 3)
        t_draws = t_layer * layers_drawn
        floor = max(t_tied, (t_tied + t_draws) / 2)
        phase_floor = (max(t_tied_fwd, (t_tied_fwd + t_layer * fwd_draws) / 2)
                       + max(t_tied_bwd, (t_tied_bwd + t_layer * back_draws) / 2))
        rows.append({"shape": (depth, width, batch), "engine_s": t_e, "matmuls_s": t_mm,
                     "ratio": t_e / t_mm, "layers_drawn": layers_drawn, "tied_s": t_tied,
                     "draws_s": t_draws, "normal_ns": t_layer / (width * width) * 1e9,
                     "floor_s": floor, "floor_ratio": floor / t_mm, "fresh_s": t_fresh,
                     "tied_forward_s": t_tied_fwd, "phase_floor_s": phase_floor,
                     "forward_draws": fwd_draws, "backward_draws": back_draws,
                     "phase_floor_ratio": phase_floor / t_mm,
                     "median_s": statistics.median(held), "fresh_median_s": statistics.median(fresh)})
        print(f"  {str((depth, width, batch)):>16} engine {t_e:7.3f} s, bare matmuls {t_mm:7.3f} s: "
              f"{t_e / t_mm:5.2f}× (target ≤ {UNCACHED_TARGET:g}×): "
              f"{_verdict(t_e / t_mm, UNCACHED_TARGET)}")
        r = rows[-1]
        print(f"  {'':>16} median {r['median_s']:.3f} s; on fresh memory (the previous pass's held "
              f"buffers freed first) {t_fresh:.3f} s ({t_fresh / t_mm:.2f}×), median "
              f"{r['fresh_median_s']:.3f} s")
        print(f"  {'':>16} floor: the pass with one tied matrix {t_tied:.3f} s ({t_tied / t_mm:.2f}×), "
              f"its {layers_drawn:,.0f} layer draws on one core {t_draws:.3f} s "
              f"({rows[-1]['normal_ns']:.1f} ns a normal), both shared by two cores "
              f"{floor:.3f} s: {floor / t_mm:.2f}×")
        print(f"  {'':>16} per pass: the forward ({t_tied_fwd:.3f} s) with its {fwd_draws:,.0f} draws, "
              f"then the backward ({t_tied_bwd:.3f} s) with its {back_draws:,.0f}, "
              f"each shared by two cores: {phase_floor:.3f} s, {phase_floor / t_mm:.2f}×; the "
              f"engine takes {t_e / phase_floor:.2f}× of it")
        sampled.clear_cache()
    return rows


_RSS_SCRIPT = """
import resource, sys
sys.path.insert(0, {root!r})
from gradtui.engine import Config
from gradtui.engine import sampled


def peak():  # KiB. VmHWM belongs to this process image; ru_maxrss starts at the forking parent's
    try:
        with open("/proc/self/status") as f:
            return int(next(ln for ln in f if ln.startswith("VmHWM")).split()[1])
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


base = peak()
sampled.compute_sampled(Config(mode="sampled", depth={d}, width={n}, batch={b}, activation={act!r},
                               norm={norm!r}))
print(base, peak())
"""


def bench_peak_rss() -> list[dict]:
    """Peak RSS of one compute at the largest accepted setting, in a fresh subprocess, beside the
    memory estimate that accepted it (``config.sampled_peak_bytes``, counted above the import).

    Depth and batch are :data:`LARGEST`'s; the width is the largest the budget accepts there (the
    full 4096 only where it fits)."""
    import subprocess

    from gradtui.engine.config import (
        MEMORY_BUDGET, activation_arrays, max_affordable_width, sampled_peak_bytes,
    )

    d, n_max, b = LARGEST
    _header(f"peak RSS at depth {d}, batch {b}, the largest accepted width ≤ {n_max} "
            f"(memory budget {MEMORY_BUDGET >> 20} MiB)")
    root = os.path.join(os.path.dirname(__file__), "..")
    rows = []
    for act, norm in (("tanh", "none"), ("tanh", "layer"), ("linear", "none")):
        arrays = activation_arrays(act, norm)
        n = min(n_max, max_affordable_width(d, b, False, arrays, norm))
        estimate = sampled_peak_bytes(d, n, b, False, arrays, norm) / 2**20
        script = _RSS_SCRIPT.format(root=root, d=d, n=n, b=b, act=act, norm=norm)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True).stdout.split()
        base, peak = (int(x) / 1024 for x in out)
        engine = peak - base
        rows.append({"activation": act, "norm": norm, "width": n, "base_mib": base,
                     "peak_mib": peak, "engine_mib": engine, "estimate_mib": estimate})
        print(f"  {act} norm {norm:5s} width {n}: engine {engine:6.0f} MiB, estimate "
              f"{estimate:6.0f} MiB (peak {peak:.0f} MiB with {base:.0f} MiB of import): "
              f"{_verdict(engine, estimate)} / {_verdict(engine * 2**20, MEMORY_BUDGET)}")
    return rows


#: the most an accepted setting should take (the compute budget's promise), seconds
SLOWEST_TARGET_S = 10.0


#: tanh, the activation the cost model is fitted on, and gelu, the one that costs most an element
SLOWEST_ACTIVATIONS = ("tanh", "gelu")


def slowest_candidates() -> list[Config]:
    """The sampled settings the budgets accept that should take longest (Xavier; each of
    :data:`SLOWEST_ACTIVATIONS`): every corner of depth × width × batch the memory budget accepts
    and the compute budget lets through, and at each corner of depth × batch (and batch 64) the
    largest width both budgets accept."""
    from gradtui.engine.config import (
        LIMITS, ConfigError, activation_arrays, budget_refusal, compute_seconds, max_affordable_width,
    )
    from gradtui.engine.cost import largest_fitting

    depth_max = int(LIMITS["depth"].upper("sampled"))
    widths = (int(LIMITS["width"].low), int(LIMITS["width"].upper("sampled")))
    batches = (int(LIMITS["batch"].low), 64, int(LIMITS["batch"].upper("sampled")))
    out: dict[tuple, Config] = {}
    for act in SLOWEST_ACTIVATIONS:
        for depth in (1, depth_max):
            for batch in batches:
                memory = min(widths[1], max_affordable_width(depth, batch, False,
                                                             activation_arrays(act, "none")))
                base = Config(mode="sampled", depth=depth, width=widths[0], batch=batch, activation=act)
                widest = largest_fitting(lambda w: compute_seconds(base, width=w), widths[0], memory)
                for width in {*widths, *([widest] if widest else [])}:
                    try:
                        config = base.replace(width=width)
                    except ConfigError:
                        continue  # refused by the memory budget
                    if budget_refusal(config) is None:
                        out[(act, depth, width, batch)] = config
    return sorted(out.values(), key=compute_seconds)


def bench_slowest() -> list[dict]:
    """Each of :func:`slowest_candidates` computed once from scratch (weights drawn), beside the
    cost model's estimate; then how long it takes to refuse a setting past the memory budget and
    the widest one it allows there, which is past the compute budget."""
    from gradtui.engine.config import (
        ConfigError, activation_arrays, budget_refusal, compute_seconds, max_affordable_width,
    )

    _header(f"the slowest accepted settings, from scratch (target ≤ {SLOWEST_TARGET_S:g} s each)")
    rows = []
    for config in slowest_candidates():
        sampled.clear_cache()
        t0 = time.perf_counter()
        sampled.compute_sampled(config)
        t = time.perf_counter() - t0
        estimate = compute_seconds(config)
        shape = (config.depth, config.width, config.batch)
        rows.append({"shape": shape, "activation": config.activation, "seconds": t,
                     "estimate_s": estimate})
        print(f"  {config.activation:>5} {str(shape):>18} {t:7.2f} s (estimated {estimate:6.2f} s): "
              f"{_verdict(t, SLOWEST_TARGET_S)}")
    sampled.clear_cache()
    # depth 2000, width 4096, batch 5: past the memory budget; its largest affordable width: past
    # the compute budget (each refusal names what would fit)
    t0 = time.perf_counter()
    try:
        Config(mode="sampled", depth=2000, width=4096, batch=5, activation="tanh")
        memory = None
    except ConfigError as error:
        memory = error
    width = max_affordable_width(2000, 5, False, activation_arrays("tanh", "none"))
    refusal = budget_refusal(Config(mode="sampled", depth=2000, width=width, batch=5, activation="tanh"))
    t_refuse = time.perf_counter() - t0
    print(f"  both refused in {t_refuse * 1e3:.1f} ms: {memory}; {refusal}")
    rows.append({"refusal_s": t_refuse, "refused_shape": (2000, width, 5), "refusal": str(refusal),
                 "memory_refusal": str(memory)})
    return rows


@contextlib.contextmanager
def swapped(module, name: str, value):
    """``module.name`` is ``value`` inside the block (a variant of the engine, timed beside its own)."""
    own = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, own)


def bench_generators(repeats: int = 7) -> list[dict]:
    """One layer's normal draws by ``weights.layer_base_weight`` (a chunk of 2¹⁸ entries at a time,
    each chunk's generator seeded through its own SeedSequence) on NumPy's PCG64 and SFC64 bit
    generators side by side; the engine's own is the one ``weights._rng`` builds."""
    from gradtui.engine import weights

    own = weights._rng
    _header(f"weight draws, ns a normal, min of {repeats}; the engine's: "
            f"{type(own(0, 1).bit_generator).__name__}")
    rows = []
    for width in (256, 1024, 4096):
        out = np.empty((width, width))
        layers = max(1, (1 << 22) // (width * width))
        ns = {}
        for name in ("PCG64", "SFC64"):
            bit_generator = getattr(np.random, name)
            rng = lambda seed, *key, bg=bit_generator: np.random.Generator(  # noqa: E731
                bg(np.random.SeedSequence(seed, spawn_key=key)))
            with swapped(weights, "_rng", rng):
                t = best_of(lambda: [weights.layer_base_weight(0, "normal", width, l, out=out)
                                     for l in range(layers)], repeats)
            ns[name] = t / layers / (width * width) * 1e9
        rows.append({"width": width, **ns})
        print(f"  width {width:5d}: PCG64 {ns['PCG64']:5.2f} ns, SFC64 {ns['SFC64']:5.2f} ns "
              f"({ns['SFC64'] / ns['PCG64']:.2f}×)")
    return rows


def bench_tanh_kernel(repeats: int = 7) -> list[dict]:
    """The fused tanh kernel (f and f' of a (64, 256) batch, written into (L, B, N) stores as the
    engine writes them) both ways, side by side: np.tanh, which the engine takes where NumPy runs
    its AVX-512 loop (``activations.native_tanh``), and the one-exponential form, with the rational
    form near 0. The pre-activations' spread decides how many entries take the near-zero forms
    (with them sech² is 1 − tanh², so no exponential is taken there either way)."""
    from gradtui.engine import activations, kernels

    _header(f"fused tanh kernel at (64, 256), µs a call, min of {repeats}; this CPU takes np.tanh: "
          f"{activations.native_tanh()}")
    rng = np.random.default_rng(0)
    depth, rows = 100, []
    stores = np.empty((2, depth, 64, 256))
    w1, w2 = np.empty((64, 256)), np.empty((64, 256))
    for spread in (0.1, 0.3, 0.7, 1.5):
        z = rng.standard_normal((64, 256)) * spread
        calls = lambda: [kernels._tanh_into(z, stores[0, l], stores[1, l], w1, w2)  # noqa: E731
                         for l in range(depth)]
        us = {}
        for name, native in (("np.tanh", True), ("one exp", False)):
            with swapped(activations, "native_tanh", lambda native=native: native):
                us[name] = best_of(calls, repeats) / depth * 1e6
        rows.append({"spread": spread, **us})
        print(f"  z ~ N(0, {spread:g}²): np.tanh {us['np.tanh']:6.1f}, one exp + near-0 form "
              f"{us['one exp']:6.1f} ({us['np.tanh'] / us['one exp']:.2f}×)")
    return rows


def bench_expected(repeats: int = 21) -> list[dict]:
    """Expected-mode recompute (tables already built, as after the first frame) at three depths."""
    from gradtui.engine import Config, compute
    from gradtui.engine.expected import tables

    print("expected engine: recompute time (tables built once per activation beforehand)")
    rows = []
    for activation in ("sigmoid", "tanh", "relu"):
        t_table = time.perf_counter()
        tables(activation)
        t_table = time.perf_counter() - t_table
        for depth in (16, 1000, 10_000):
            for residual in (False, True):
                config = Config(depth=depth, activation=activation, residual=residual)
                compute(config)
                t = best_of(lambda: compute(config), repeats)
                rows.append({"activation": activation, "depth": depth, "residual": residual, "seconds": t})
                print(f"  {activation:8s} depth {depth:6d} {'residual' if residual else 'plain   '} "
                      f"{t * 1e3:8.3f} ms  ({t / depth * 1e6:5.2f} us/layer)")
        print(f"  {activation:8s} table build (first use): {t_table * 1e3:.0f} ms")
    return rows


#: an expected-mode batch-norm recompute at depth 1000 should stay under this (issue 11; not asserted)
BATCHNORM_TARGET_MS = 2.0


def bench_expected_batchnorm(repeats: int = 21) -> list[dict]:
    """Expected mode under batch norm at depth 1000 (sphere moments cached per activation and B)."""
    from gradtui.engine import Config, compute
    from gradtui.engine.batchnorm import sphere_moments

    print(f"expected engine, batch norm: recompute at depth 1000 (target < {BATCHNORM_TARGET_MS:g} ms)")
    rows = []
    for activation in ("relu", "tanh", "sigmoid"):
        for batch in (8, 64):
            t_moments = time.perf_counter()
            sphere_moments(activation, batch)
            t_moments = time.perf_counter() - t_moments
            for residual in (False, True):
                config = Config(depth=1000, activation=activation, norm="batch", batch=batch,
                                residual=residual)
                compute(config)
                t = best_of(lambda: compute(config), repeats)
                rows.append({"activation": activation, "batch": batch, "residual": residual, "seconds": t})
                verdict = "ok" if t * 1e3 < BATCHNORM_TARGET_MS else "OVER TARGET"
                print(f"  {activation:8s} B {batch:3d} {'residual' if residual else 'plain   '} "
                      f"{t * 1e3:7.3f} ms  {verdict}  (moments, first use: {t_moments * 1e3:.0f} ms)")
    return rows


def main() -> None:
    names = sys.argv[1:] or ["sampled", "new_weights", "uncached", "peak_rss", "slowest", "generators",
                             "tanh_kernel", "expected", "expected_batchnorm"]
    sections = [globals()[f"bench_{name}"] for name in names]
    for i, section in enumerate(sections):
        if i:
            print()
        section()


if __name__ == "__main__":
    main()
