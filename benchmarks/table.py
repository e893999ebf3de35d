"""The README's performance table, every row measured side by side in one run, run by hand:

    python benchmarks/table.py [--quick] [--readme] [--python INSTALLED_PYTHON]

It runs the sections of ``benchmarks/engine.py`` (sampled ÷ torch and ÷ bare matmuls, new
weights, uncached, peak RSS, the slowest accepted settings, expected), the rows of
``benchmarks/tui.py`` (keypress → frame, where a press goes, cold start beside a bare Textual
app), the phase map and spectrum of ``benchmarks/theory.py`` and ``benchmarks/train.py``, prints
each section's own output as it goes, and at the end the table in Markdown: what, measured,
target, met or missed. ``--readme`` writes the table into README.md between its two markers.

``--python`` names the interpreter whose installed gradtui the keypress rows and the cold start
run (default: this one). Measure cold start from a regular ``pip install``: an editable install
on a machine with ``PYTHONDONTWRITEBYTECODE`` set recompiles gradtui's modules at every start.
The engine sections run in this process, on the checkout's code. ``--quick`` runs fewer repeats
(to try the script, not to quote).
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import engine  # noqa: E402
import theory  # noqa: E402
import train  # noqa: E402
import tui  # noqa: E402

README = ROOT / "README.md"
BEGIN = "<!-- performance table: written by `python benchmarks/table.py --readme` -->"
END = "<!-- end of the performance table -->"

#: (what, target) of every row, in the table's order; :func:`measured` gives each its figures
ROWS = (
    ("keypress → repainted frame, expected mode, depth 16 (80×24 headless, median of the presses): "
     "a press the look-ahead foresaw / one it did not / → and ← in turn", "≤ 16 ms"),
    ("inside an unforeseen press (mean of the presses): gradtui's handler (of which the engine / "
     "plotext drawing the chart / the status line / the command line) / Textual's compositor / "
     "every widget's render, inside the compositor and layouts", "—"),
    ("per press: status texts made / fixed-point solves (`theory_summary`) / widgets re-rendered",
     "once per config; only what changed"),
    ("keypress → first visible answer, sampled depth 200 width 256 / depth 1000 width 128",
     "≤ 50 ms"),
    ("keypress → settled exact frame ÷ the engine's own time, same settings", "≤ 1.2×"),
    ("cold start: first frame / chart drawn (`python -m gradtui` in an 80×24 pty, median; the "
     "footer's keys follow), beside "
     "a bare Textual app that imports NumPy and plotext as gradtui does", "≤ 0.5 s with the chart"),
    ("sampled engine ÷ PyTorch autograd on the same float64 network, one thread each, cached "
     "weights (20 shapes (16,256,64) … (1000,128,16), tanh/relu × plain/residual)", "≤ 1.0×"),
    ("sampled engine ÷ its bare one-thread matmuls, same shapes: with the weight-gradient products "
     "(as `--json`) / without them (as the TUI unless the weight view is shown)", "≤ 1.3×"),
    ("a change that needs new weights (a new seed) ÷ a cached recompute (5 shapes); the depth "
     "raised by 25 %", "≤ 1.5×"),
    ("weight stack too big for the cache ÷ bare matmuls: depth 2000 width 256 / depth 16 width "
     "4096, batch 64", "≤ 2×"),
    ("peak RSS above the import at depth 10, batch 1024, the largest accepted width (tanh / layer "
     "norm / linear)", "within the estimate and the 1 GiB budget"),
    ("the slowest accepted settings (corners of depth × width × batch and the widest each budget "
     "accepts, tanh and gelu), from scratch; refusing one past the budget", "≤ 10 s each"),
    ("expected engine, depth 16 / 1000 / 10,000 (sigmoid, plain)", "depth 1000 < 2 ms"),
    ("phase map 60×40 at depth 50 (tanh / relu / gelu, median)", "< 300 ms"),
    ("Jacobian spectrum at width 256 (linear orthogonal d16 / tanh d50 / relu d200, median)", "—"),
    ("training, 200 steps at depth 16 width 128: relu SGD / Adam / sigmoid SGD / relu tied SGD",
     "< 2 s each"),
)


def _range(values) -> str:
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return "not measured"
    return f"{min(values):.2f}–{max(values):.2f}×, median {statistics.median(values):.2f}×"


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def measure(python: str, quick: bool) -> dict:
    """Run every section, printing as it goes; their results by name."""
    r: dict = {"load_before": os.getloadavg()}
    reps = 2 if quick else 5
    r["sampled"] = engine.bench_sampled(reps)
    print()
    r["new_weights"] = engine.bench_new_weights(reps)
    print()
    r["uncached"] = engine.bench_uncached(2 if quick else 4)
    print()
    r["peak_rss"] = engine.bench_peak_rss()
    print()
    r["slowest"] = engine.bench_slowest()
    print()
    r["expected"] = engine.bench_expected(5 if quick else 21)
    print()
    r["phase_map"] = theory.bench_phase_map(3 if quick else 9)
    r["spectrum"] = theory.bench_spectrum(1 if quick else 3)
    print()
    r["train"] = train.bench(1 if quick else 3)
    print()
    r["keys"] = tui.keypress_rows([python], quick)[python]
    for label, row in r["keys"].items():
        print(f"  {label:<24} first {row['first']:6.1f} ms (slowest {row['worst']:6.1f}), settled "
              f"{row['settled']:7.1f} ms, engine {row['engine']:7.1f} ms, {row['presses']} presses")
    r["breakdown"] = tui.breakdown(python, quick)
    tui.print_breakdown(r["breakdown"])
    r["seed_presses"] = tui.seed_presses(python, quick)
    for row in r["seed_presses"]:
        print(f"  seed press {str(row['shape']):<18} drawn ahead {row['ahead_ms']:7.1f} ms, "
              f"not {row['not_ms']:7.1f} ms")
    r["cold"] = tui.cold_starts([python], 3 if quick else 9, bare=True)
    for label, c in r["cold"].items():
        print(f"  cold start {label[-40:]:<42} first frame {c['first']:.3f} s, chart {c['chart']:.3f} s, "
              f"keys {c['keys']:.3f} s")
    r["cold"] = {"gradtui": r["cold"][python], "bare": r["cold"]["bare"]}
    r["load_after"] = os.getloadavg()
    return r


def measured(r: dict) -> list[tuple[str, str]]:
    """(measured, met) of every row of :data:`ROWS`, in order."""
    keys, b, cold = r["keys"], r["breakdown"], r["cold"]
    out = []
    d16 = [keys[k] for k in ("expected d16", "expected d16 unforeseen", "expected d16 to and fro")]
    out.append((" / ".join(f"{k['first']:.1f}" for k in d16) + " ms (slowest press "
                + " / ".join(f"{k['worst']:.1f}" for k in d16) + " ms)",
                _met(all(k["first"] <= 16 for k in d16))))
    handler, eng, chart, status, command, compositor, layout, widgets = (b["ms"][part] for part, _ in tui.PARTS)
    out.append((f"{handler:.1f} ms ({eng:.2f} / {chart:.1f} / {status:.2f} / {command:.2f}) / "
                f"{compositor:.1f} ms / {widgets:.1f} ms; screen layouts {layout:.1f} ms a press", "—"))
    made, solves = (b["calls"][name] for name, _ in tui.COUNTED)
    common = statistics.mode(tuple(w) for w in b["widgets"])
    names = ", ".join("#" + w.split("#", 1)[1] if "#" in w else w for w in common)
    out.append((f"{made:.2f} / {solves:.2f} a press; {len(common)} of {b['widgets_total']} widgets "
                f"({names})", _met(made <= 1 and solves <= 1)))
    sampled_rows = [keys["sampled d200 w256"], keys["sampled d1000 w128"]]
    out.append((" / ".join(f"{k['first']:.1f}" for k in sampled_rows) + " ms",
                _met(all(k["first"] <= 50 for k in sampled_rows))))
    ratios = [k["settled"] / k["engine"] for k in sampled_rows]
    out.append((" / ".join(f"{x:.2f}×" for x in ratios) + " ("
                + " / ".join(f"{k['settled']:.0f}" for k in sampled_rows) + " ms against "
                + " / ".join(f"{k['engine']:.0f}" for k in sampled_rows) + " ms)",
                _met(all(x <= tui.SETTLED_RATIO for x in ratios))))
    g, bare = cold["gradtui"], cold["bare"]
    out.append((f"{g['first']:.3f} / {g['chart']:.3f} s (fastest {g['fastest']:.3f} s), the footer's "
                f"keys {g['keys']:.3f} s; the bare app {bare['chart']:.3f} s (its footer's keys "
                f"{bare['keys']:.3f} s), median of {g['runs']}", _met(g["chart"] <= tui.COLD_TARGET_S)))
    s = r["sampled"]
    vs_torch = [x["vs_torch"] for x in s]
    finite = [v for v in vs_torch if math.isfinite(v)]
    out.append((_range(vs_torch), _met(bool(finite) and statistics.median(finite) <= engine.TORCH_TARGET)
                if finite else "not measured (no torch)"))
    full, no_w = [x["vs_matmuls"] for x in s], [x["no_weight_grads_vs_matmuls"] for x in s]
    with_ok, without_ok = (statistics.median(v) <= engine.MATMUL_TARGET for v in (full, no_w))
    torch_mm = [x.get("torch_vs_matmuls", math.nan) for x in s]
    beside = (f"; PyTorch autograd ÷ the same bare matmuls {_range(torch_mm)}"
              if any(math.isfinite(v) for v in torch_mm) else "")
    grams = [x.get("grams_floor", math.nan) for x in s]
    if any(math.isfinite(v) for v in grams):
        beside += (f"; the matmuls plus the weight-gradient Gram products alone ÷ the matmuls "
                   f"{_range(grams)}")
    calls = [x.get("calls_floor", math.nan) for x in s]
    if any(math.isfinite(v) for v in calls):
        beside += (f"; the matmuls plus tanh's calls alone (the engine at width 2, batch 1) "
                   f"÷ the matmuls {_range(calls)}")
    out.append((f"{_range(full)} / {_range(no_w)}{beside}", _met(with_ok) if with_ok == without_ok
                else "met without them, **missed** with them" if without_ok else "**missed**"))
    nw = r["new_weights"]
    worst = max(nw, key=lambda x: x["ratio"])
    floors = [x.get("floor_ratio", math.nan) for x in nw]
    beside = (f"; the floor, both cores sharing perfectly the draws and the forward, then the "
              f"backward: {_range(floors)}" if all(math.isfinite(v) for v in floors) else "")
    seeds = r.get("seed_presses", [])
    if seeds:
        beside += ("; in the app, the seed selected, → presses 0.6 s apart, press → exact frame at "
                   + " / ".join(str(x["shape"]) for x in seeds) + ": "
                   + " / ".join(f"{x['ahead_ms']:.0f}" for x in seeds)
                   + " ms with the next seed's weights drawn ahead while the frame is read, "
                   + " / ".join(f"{x['not_ms']:.0f}" for x in seeds) + " ms without")
    out.append((f"{_range([x['ratio'] for x in nw])} (the most {worst['shape']}){beside}; deeper: "
                f"{_range([x['deeper_ratio'] for x in nw])}",
                _met(statistics.median(x["ratio"] for x in nw) <= engine.NEW_WEIGHTS_TARGET)))
    un = r["uncached"]
    out.append((" / ".join(f"{x['ratio']:.2f}×" for x in un) + " ("
                + " / ".join(f"{x['engine_s']:.2f}" for x in un) + " s); the floor, both cores "
                "sharing perfectly the pass with nothing drawn (one tied matrix: "
                + " / ".join(f"{x['tied_s'] / x['matmuls_s']:.2f}×" for x in un)
                + ") and its "
                + " / ".join(f"{x['layers_drawn']:,.0f}" for x in un) + " layer draws ("
                + " / ".join(f"{x['normal_ns']:.1f}" for x in un) + " ns a normal): "
                + " / ".join(f"{x['floor_ratio']:.2f}×" for x in un)
                + ("; per pass (the forward cannot end before its layers are drawn, the redraws "
                   "wait for the backward): " + " / ".join(f"{x['phase_floor_ratio']:.2f}×" for x in un)
                   if all("phase_floor_ratio" in x for x in un) else "")
                + ("; median of the runs " + " / ".join(f"{x['median_s']:.2f}" for x in un)
                   + " s, on fresh memory (the buffers the previous pass holds freed first) "
                   + " / ".join(f"{x['fresh_median_s']:.2f}" for x in un) + " s"
                   if all(math.isfinite(x.get("fresh_median_s", math.nan)) for x in un) else ""),
                _met(all(x["ratio"] <= engine.UNCACHED_TARGET for x in un))))
    from gradtui.engine.config import MEMORY_BUDGET

    rss = r["peak_rss"]
    out.append(("; ".join(f"{x['activation']}{' ' + x['norm'] + ' norm' if x['norm'] != 'none' else ''} "
                          f"width {x['width']}: {x['engine_mib']:.0f} MiB (estimate {x['estimate_mib']:.0f})"
                          for x in rss),
                _met(all(x["engine_mib"] <= x["estimate_mib"] and x["engine_mib"] * 2**20 <= MEMORY_BUDGET
                         for x in rss))))
    runs = [x for x in r["slowest"] if "shape" in x]
    refusal = next(x for x in r["slowest"] if "refusal_s" in x)
    slow = sorted(runs, key=lambda x: -x["seconds"])[:3]
    out.append(("; ".join(f"{x.get('activation', 'tanh')} {x['shape']} {x['seconds']:.1f} s "
                          f"(estimated {x['estimate_s']:.1f} s)"
                          for x in slow)
                + f"; {len(runs)} settings in all; (2000, 4096, 5) and (2000, {refusal['refused_shape'][1]}, 5) "
                  f"refused in {refusal['refusal_s'] * 1e3:.1f} ms", _met(all(x["seconds"] <= engine.SLOWEST_TARGET_S
                                                                for x in runs))))
    exp = {x["depth"]: x["seconds"] for x in r["expected"]
           if x["activation"] == "sigmoid" and not x["residual"]}
    out.append((" / ".join(f"{exp[d] * 1e3:.2f}" for d in (16, 1000, 10_000)) + " ms",
                _met(exp[1000] < 2e-3)))
    pm = r["phase_map"]
    out.append((" / ".join(f"{x['median_s'] * 1e3:.0f}" for x in pm) + " ms",
                _met(all(x["median_s"] < theory.MAP_TARGET_S for x in pm))))
    sp = [x for x in r["spectrum"] if not (x["activation"] == "linear" and x["init"] != "orthogonal")]
    out.append((" / ".join(f"{x['median_s']:.2f}" for x in sp) + " s", "—"))
    tr = {x["case"]: x["wall_s"] for x in r["train"]}
    sgd, adam = tr["relu he, sgd"], tr["relu he, adam"]
    out.append((f"{sgd:.2f} / {adam:.2f} / {tr['sigmoid xavier, sgd']:.2f} / {tr['relu he, sgd, tied']:.2f} s "
                f"(the bare matrix products {tr['bare']:.2f} s)",
                _met(all(v < train.TARGET_SECONDS for k, v in tr.items() if k != "bare"))))
    assert len(out) == len(ROWS)
    return out


def _machine() -> str:
    model = platform.processor() or platform.machine()
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
        model = next(ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name"))
        flags = " (AVX-512)" if "avx512f" in info else " (AVX2, no AVX-512)" if "avx2" in info else ""
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} × {model}{flags}"


def markdown(r: dict) -> str:
    import numpy
    import textual

    before = ", ".join(f"{x:.1f}" for x in r["load_before"])
    after = ", ".join(f"{x:.1f}" for x in r["load_after"])
    lines = [
        f"Measured on {datetime.date.today().isoformat()} by `python benchmarks/table.py --readme`, "
        f"all rows in one run, on {_machine()}; Python {platform.python_version()}, NumPy "
        f"{numpy.__version__}, Textual {textual.__version__}; load average {before} before and "
        f"{after} after.",
        "",
        "| what | measured | target | |",
        "|---|---|---|---|",
    ]
    for (what, target), (value, met) in zip(ROWS, measured(r)):
        lines.append(f"| {what} | {value} | {target} | {met} |")
    return "\n".join(lines)


def write_readme(table: str, path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path}: the markers {BEGIN!r} and {END!r} are missing")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, to try the script")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter whose installed gradtui the TUI rows run")
    args = parser.parse_args(argv)
    table = markdown(measure(args.python, args.quick))
    print("\n" + table)
    if args.readme:
        write_readme(table)
        print(f"\nwritten into {README}")


if __name__ == "__main__":
    main()
