"""TUI benchmarks, run by hand: ``python benchmarks/tui.py [--quick] [--python OTHER ...]``.

1. Keypress → repainted frame, inside the app (headless ``run_test`` at 80×24): a key event is
   posted and the clock stops when the screen is next composited with the new result on it. Each
   press raises the weight scale one ×2^¼ step, so every press is a new config (never a cached
   result), except in the "to and fro" row. The waiting loop polls with a real 5 ms sleep: ``asyncio.sleep(0)`` would spin against
   the app it measures (the paint is timestamped where it happens, so polling adds no latency).
   Rows: expected depth 16 (keypress → repainted frame; and again with the app's look-ahead off,
   as for a press it did not foresee; and with → and ← in turn, one step to and fro); sampled depth 200 width 256 and depth 1000
   width 128 (keypress → first visible answer, provisional or not, and → the settled exact frame).
2. Where one press's time goes (``breakdown``): the same presses with the look-ahead off, each
   part timed where it runs — gradtui's handler (of which the engine, plotext drawing the chart, the
   status line, the command line), Textual's compositor and screen layouts (of which every widget's
   ``render_lines``) — and counted: status texts made, fixed-point solves, widgets re-rendered.
3. Cold start to the first frame and to the first chart: ``python -m gradtui`` in an 80×24 pty
   (scripts/cold_start.py), median of 9.

Each ``--python`` interpreter (its own installed gradtui, e.g. a venv of the previous version) is
measured in the same run, rows interleaved, printed side by side with the current one.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: (label, config keywords, presses, target of the first visible answer ms, of the settled one)
ROWS = (
    ("expected d16", dict(depth=16), 21, 16.0, 16.0),
    # the same presses with the app's look-ahead (the next step drawn ahead) turned off: a press
    # nothing predicted, such as the first on another control
    ("expected d16 unforeseen", dict(depth=16), 21, 16.0, 16.0),
    # → and ← in turn, weight ×1 ↔ ×1.19: at 80 columns the command line wraps to two lines and
    # back, as when a lecturer rocks the arrow key (a screen layout a press, before the lines held)
    ("expected d16 to and fro", dict(depth=16), 21, 16.0, 16.0),
    ("sampled d200 w256", dict(depth=200, mode="sampled", width=256), 9, 50.0, None),
    ("sampled d1000 w128", dict(depth=1000, mode="sampled", width=128), 5, 50.0, None),
)
#: the settled sampled frame: at most this many times the engine's own time for the same config
SETTLED_RATIO = 1.2
COLD_TARGET_S = 0.5
POLL_S = 0.005


async def keypress_latency(config, presses: int, keys: tuple[str, ...] = ("right",)) -> list[dict]:
    """Per press: ms to the first frame showing the new config's result (``first``), to the frame
    showing its exact, settled result (``settled``), and the engine's own ms for that config."""
    from textual import events

    from gradtui.engine import compute
    from gradtui.tui.app import GradApp

    import inspect

    # as run_app makes it (a version from before the collector was frozen takes no such argument)
    frozen = "freeze_gc" in inspect.signature(GradApp).parameters
    app = GradApp(config=config, **({"freeze_gc": True} if frozen else {}))
    painted: list[tuple[float, bool]] = []  # (time, settled) of frames showing the current config
    display = app._display

    def timed_display(screen, renderable) -> None:
        display(screen, renderable)
        shown = app.result
        provisional = getattr(app, "provisional", False)  # set only for the current request
        if renderable is not None and shown is not None and (shown.config == app.config or provisional):
            painted.append((time.perf_counter(), app.settled and not provisional))

    app._display = timed_display  # type: ignore[method-assign]
    rows = []
    async with app.run_test(size=(80, 24)) as pilot:
        while not app.settled:
            await asyncio.sleep(POLL_S)
        await app.workers.wait_for_complete()
        await pilot.pause(1.0)  # the background warm-up of activation tables
        await pilot.press(*["down"] * 3)  # select "weight"
        await pilot.pause(0.1)
        for press in range(presses):
            painted.clear()
            target = app.config
            start = time.perf_counter()
            app.post_message(events.Key(keys[press % len(keys)], None))
            while not (app.config != target and any(exact for _, exact in painted)):
                await asyncio.sleep(POLL_S)
            settled = next(t for t, exact in painted if exact)
            t0 = time.perf_counter()
            compute(app.config)
            engine = time.perf_counter() - t0
            rows.append({"first": (painted[0][0] - start) * 1e3, "settled": (settled - start) * 1e3,
                         "engine": engine * 1e3})
            await pilot.pause(0.05)
    return rows


#: (part, "module:Class.method" timed where it runs) of one press, in the order printed; an
#: indented part runs inside the one above it
PARTS = (
    ("gradtui's handler (config, engine, text)", "gradtui.tui.app:GradApp.action_change"),
    ("  the engine", "gradtui.engine:compute"),
    ("  the chart (plotext)", "gradtui.tui.widgets:ChartView._draw"),
    ("  the status line", "gradtui.tui.repaint:Repaint._update_status"),
    ("  the command line", "gradtui.tui.repaint:Repaint._update_command"),
    ("Textual's compositor (whole frame)", "textual.screen:Screen._compositor_refresh"),
    ("Textual's screen layouts", "textual.screen:Screen._refresh_layout"),
    ("  every widget's render (inside those two)", "textual.widget:Widget.render_lines"),
)
#: calls counted per press
COUNTED = (("status texts made", "gradtui.tui.repaint:status_text"),
           ("fixed-point solves (theory_summary)", "gradtui.engine.theory:theory_summary"))


def _timed_parts(parts, counted):
    """Wrap each named function to add its wall time (outermost call only) and its calls up;
    returns (seconds by part, calls by name, widgets rendered)."""
    import importlib

    seconds = {part: 0.0 for part, _ in parts}
    calls = {name: 0 for name, _ in counted}
    rendered: set[str] = set()

    def wrap(target: str, on_call) -> None:
        module_name, attr = target.split(":")
        owner = importlib.import_module(module_name)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        depth = [0]

        def timed(*args, **kwargs):
            on_call(args)
            depth[0] += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    on_time(target, time.perf_counter() - start)

        setattr(owner, name, timed)

    by_target: dict[str, list[str]] = {}
    for part, target in parts:
        by_target.setdefault(target, []).append(part)

    def on_time(target: str, elapsed: float) -> None:
        for part in by_target.get(target, ()):
            seconds[part] += elapsed

    for target in {t for _, t in parts} | {t for _, t in counted}:
        names = [name for name, t in counted if t == target]

        def on_call(args, names=names, target=target) -> None:
            for name in names:
                calls[name] += 1
            if target.endswith("Widget.render_lines") and args:
                rendered.add(type(args[0]).__name__ + (f"#{args[0].id}" if args[0].id else ""))

        wrap(target, on_call)
    return seconds, calls, rendered


async def press_breakdown(config, presses: int) -> dict:
    """Per press (the weight stepped, the look-ahead off): ms in each of :data:`PARTS`, calls of
    :data:`COUNTED`, widgets re-rendered, and the press → frame median."""
    from textual import events

    from gradtui.tui.app import GradApp

    GradApp._look_ahead = lambda self, *args: None
    app = GradApp(config=config, freeze_gc=True)
    painted: list[float] = []
    display = app._display

    def timed_display(screen, renderable) -> None:
        display(screen, renderable)
        painted.append(time.perf_counter())

    app._display = timed_display  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        while not app.settled:
            await asyncio.sleep(POLL_S)
        await app.workers.wait_for_complete()
        await pilot.pause(1.0)
        await pilot.press(*["down"] * 3)
        await pilot.pause(0.1)
        seconds, calls, rendered = _timed_parts(PARTS, COUNTED)
        latencies, widgets = [], []
        for _ in range(presses):
            painted.clear()
            rendered.clear()
            target = app.config
            start = time.perf_counter()
            app.post_message(events.Key("right", None))
            while not (app.config != target and painted and app.settled):
                await asyncio.sleep(POLL_S)
            latencies.append((painted[0] - start) * 1e3)
            await pilot.pause(0.05)
            widgets.append(sorted(rendered))
        total = len(app.screen.query("*")) + 1  # and the screen
    return {"presses": presses, "first": statistics.median(latencies),
            "ms": {part: s / presses * 1e3 for part, s in seconds.items()},
            "calls": {name: n / presses for name, n in calls.items()},
            "widgets": widgets, "widgets_total": total}


#: shapes of the seed-press row (depth, width, batch), and the pause between presses (a lecturer
#: reading the bars), seconds
SEED_SHAPES = ((200, 256, 64), (1000, 128, 16), (50, 512, 32))
SEED_PAUSE_S = 0.6


async def seed_press_latency(config, presses: int, ahead: bool) -> list[float]:
    """Sampled mode, the seed selected: ms from a → press to its exact frame, a pause between
    presses; ``ahead=False`` with the app's drawing of the next step's weights turned off."""
    from textual import events

    from gradtui.engine import sampled
    from gradtui.tui.app import GradApp
    from gradtui.tui.controls import CONTROL_KEYS

    sampled.clear_cache()
    app = GradApp(config=config)
    if not ahead:
        app._draw_weights_ahead = lambda *args: None  # type: ignore[method-assign]
    latencies = []
    async with app.run_test(size=(80, 24)) as pilot:
        while not app.settled:
            await asyncio.sleep(POLL_S)
        delta = CONTROL_KEYS.index("seed") - app.selected
        await pilot.press(*(["down"] * delta if delta > 0 else ["up"] * -delta))
        for _ in range(presses):
            await asyncio.sleep(SEED_PAUSE_S)
            target = app.config
            start = time.perf_counter()
            app.post_message(events.Key("right", None))
            while app.config == target or not app.settled:
                await asyncio.sleep(POLL_S)
            latencies.append((time.perf_counter() - start) * 1e3)
    return latencies


def seed_presses(python: str = sys.executable, quick: bool = False) -> list[dict]:
    """The seed-press row for each of :data:`SEED_SHAPES`: the median press → exact frame with
    the next seed's weights drawn ahead and without, runs interleaved (each a fresh process)."""
    rows = []
    for depth, width, batch in SEED_SHAPES:
        runs: dict[bool, list[float]] = {True: [], False: []}
        for i in range(2 if quick else 4):
            for ahead in ((True, False) if i % 2 == 0 else (False, True)):
                runs[ahead] += measure(python, f"seed {depth} {width} {batch} {int(ahead)}", quick)
        rows.append({"shape": (depth, width, batch), "ahead_ms": statistics.median(runs[True]),
                     "not_ms": statistics.median(runs[False])})
    return rows


def print_breakdown(b: dict) -> None:
    print(f"\nwhere a press goes (weight stepped, look-ahead off; mean of {b['presses']} presses, "
          f"press -> frame median {b['first']:.1f} ms)")
    for part, ms in b["ms"].items():
        print(f"  {part:<44}{ms:7.2f} ms")
    for name, n in b["calls"].items():
        print(f"  {name:<44}{n:7.2f} a press")
    common = statistics.mode(tuple(w) for w in b["widgets"])
    print(f"  widgets re-rendered: {len(common)} of {b['widgets_total']} ({', '.join(common)})")


def worker(label: str, quick: bool) -> None:
    """Measure one row in this interpreter and print its presses as JSON (one line)."""
    from gradtui.engine import Config

    if label == "breakdown":
        print(json.dumps(asyncio.run(press_breakdown(Config(depth=16), 5 if quick else 21))))
        return
    if label.startswith("seed "):
        depth, width, batch, ahead = (int(v) for v in label.split()[1:])
        config = Config(mode="sampled", depth=depth, width=width, batch=batch, activation="tanh")
        print(json.dumps(asyncio.run(seed_press_latency(config, 3 if quick else 6, bool(ahead)))))
        return
    _, kw, presses, _, _ = next(row for row in ROWS if row[0] == label)
    if label.endswith("unforeseen"):
        from gradtui.tui.app import GradApp

        GradApp._look_ahead = lambda self, *args: None  # (a version without it: harmless)
    keys = ("right", "left") if label.endswith("to and fro") else ("right",)
    print(json.dumps(asyncio.run(keypress_latency(Config(**kw), min(presses, 3) if quick else presses, keys))))


def measure(python: str, label: str, quick: bool) -> list[dict]:
    proc = subprocess.run([python, __file__, "--worker", label] + (["--quick"] if quick else []),
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _target(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return f"{'ok' if value <= target else 'MISSED'} (<= {target:g})"


def summary(rows: list[dict]) -> dict:
    """Medians of one row's presses (ms): first frame, slowest first frame, settled, engine."""
    return {"presses": len(rows), "first": statistics.median(r["first"] for r in rows),
            "worst": max(r["first"] for r in rows),
            "settled": statistics.median(r["settled"] for r in rows),
            "engine": statistics.median(r["engine"] for r in rows)}


def keypress_rows(pythons: list[str], quick: bool = False) -> dict[str, dict[str, dict]]:
    """Every row of :data:`ROWS` for each interpreter, row by row and every interpreter in turn
    (so they meet the same load): ``{python: {label: summary}}``."""
    results: dict[str, dict[str, dict]] = {p: {} for p in pythons}
    for label, *_ in ROWS:
        for python in pythons:
            results[python][label] = summary(measure(python, label, quick))
    return results


def breakdown(python: str = sys.executable, quick: bool = False) -> dict:
    return measure(python, "breakdown", quick)


def cold_starts(pythons: list[str], runs: int, bare: bool = False) -> dict[str, dict]:
    """Median seconds to the first frame and to the chart, per interpreter (and, with ``bare``,
    for scripts/cold_start.py's bare Textual app under the first interpreter, as ``"bare"``),
    runs interleaved."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from cold_start import BARE_APP, interleaved_commands

    commands = {p: [p, "-m", "gradtui"] for p in pythons}
    if bare:
        commands["bare"] = [pythons[0], "-c", BARE_APP]
    cold = interleaved_commands(commands, runs)
    return {p: {"runs": runs, "first": statistics.median(r[0] for r in cold[p]),
                "chart": statistics.median(r[1] for r in cold[p]),
                "keys": statistics.median(r[2] for r in cold[p]),
                "fastest": min(r[1] for r in cold[p])} for p in commands}


def main() -> None:
    args = sys.argv[1:]
    quick = "--quick" in args
    if "--worker" in args:
        worker(args[args.index("--worker") + 1], quick)
        return
    others = [args[i + 1] for i, a in enumerate(args) if a == "--python"]
    pythons = [sys.executable, *others]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"80x24 headless, weight x2^(1/4) per press, median ms (worst: the slowest press)")
    results = keypress_rows(pythons, quick)
    print(f"{'row':<24}{'interpreter':<34}{'presses':>8}{'first':>8}{'worst':>8}{'settled':>9}{'engine':>8}  target")
    for label, _, _, first_target, settled_target in ROWS:
        for python in pythons:
            r = results[python][label]
            if settled_target is None:
                ratio = r["settled"] / r["engine"] if r["engine"] > 0 else float("inf")
                verdict = (f"first {_target(r['first'], first_target)}; settled/engine {ratio:.2f}x "
                           f"{'ok' if ratio <= SETTLED_RATIO else 'MISSED'} (<= {SETTLED_RATIO}x)")
            else:
                verdict = _target(r["first"], first_target)
            print(f"{label:<24}{python[-33:]:<34}{r['presses']:>8}{r['first']:>8.1f}{r['worst']:>8.1f}"
                  f"{r['settled']:>9.1f}{r['engine']:>8.1f}  {verdict}")
    print_breakdown(breakdown(quick=quick))
    print(f"\nsampled, seed selected: → press -> exact frame, {SEED_PAUSE_S:g} s between presses, "
          f"median ms, the next seed's weights drawn ahead / not ({pythons[0][-33:]})")
    for r in seed_presses(pythons[0], quick):
        print(f"  {str(r['shape']):<18}{r['ahead_ms']:8.1f} / {r['not_ms']:8.1f} ms")

    runs = 3 if quick else 9
    cold = cold_starts(pythons, runs, bare=True)
    print(f"\ncold start (python -m gradtui, 80x24 pty), median of {runs}; 'bare': a bare Textual "
          f"app importing NumPy and plotext")
    for python in cold:
        c = cold[python]
        print(f"  {python[-40:]:<42} first frame {c['first']:.3f} s, chart drawn {c['chart']:.3f} s, "
              f"footer keys {c['keys']:.3f} s  "
              f"{'ok' if c['chart'] <= COLD_TARGET_S else 'MISSED'} (<= {COLD_TARGET_S} s with the chart)")
    print(f"load average after: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
