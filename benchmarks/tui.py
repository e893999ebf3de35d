"""TUI benchmarks, run by hand: ``python benchmarks/tui.py [--quick] [--python OTHER ...]``.

1. Keypress → repainted frame, inside the app (headless ``run_test`` at 80×24): a key event is
   posted and the clock stops when the screen is next composited with the new result on it. Each
   press raises the weight scale one ×2^¼ step, so every press is a new config (never a cached
   result), except in the "to and fro" row. The waiting loop polls with a real 5 ms sleep: ``asyncio.sleep(0)`` would spin against
   the app it measures (the paint is timestamped where it happens, so polling adds no latency).
   Rows: expected depth 16 (keypress → repainted frame; and again with the app's look-ahead off,
   as for a press it did not foresee; and with → and ← in turn, one step to and fro); sampled depth 200 width 256 and depth 1000
   width 128 (keypress → first visible answer, provisional or not, and → the settled exact frame).
2. Cold start to the first frame and to the first chart: ``python -m gradtui`` in an 80×24 pty
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


def worker(label: str, quick: bool) -> None:
    """Measure one row in this interpreter and print its presses as JSON (one line)."""
    from gradtui.engine import Config

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
    # row by row, every interpreter in turn, so they meet the same load
    results = {p: {} for p in pythons}
    for label, *_ in ROWS:
        for python in pythons:
            results[python][label] = measure(python, label, quick)
    print(f"{'row':<24}{'interpreter':<34}{'presses':>8}{'first':>8}{'worst':>8}{'settled':>9}{'engine':>8}  target")
    for label, _, _, first_target, settled_target in ROWS:
        for python in pythons:
            rows = results[python][label]
            first = statistics.median(r["first"] for r in rows)
            worst = max(r["first"] for r in rows)
            settled = statistics.median(r["settled"] for r in rows)
            engine = statistics.median(r["engine"] for r in rows)
            if settled_target is None:
                ratio = settled / engine if engine > 0 else float("inf")
                verdict = (f"first {_target(first, first_target)}; settled/engine {ratio:.2f}x "
                           f"{'ok' if ratio <= SETTLED_RATIO else 'MISSED'} (<= {SETTLED_RATIO}x)")
            else:
                verdict = _target(first, first_target)
            print(f"{label:<24}{python[-33:]:<34}{len(rows):>8}{first:>8.1f}{worst:>8.1f}{settled:>9.1f}"
                  f"{engine:>8.1f}  {verdict}")

    sys.path.insert(0, str(ROOT / "scripts"))
    from cold_start import interleaved

    runs = 3 if quick else 9
    cold = interleaved(list(pythons), runs)
    print(f"\ncold start (python -m gradtui, 80x24 pty), median of {runs}")
    for python in pythons:
        first = statistics.median(r[0] for r in cold[python])
        chart = statistics.median(r[1] for r in cold[python])
        print(f"  {python[-40:]:<42} first frame {first:.3f} s, chart drawn {chart:.3f} s  "
              f"{'ok' if chart <= COLD_TARGET_S else 'MISSED'} (<= {COLD_TARGET_S} s with the chart)")
    print(f"load average after: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
