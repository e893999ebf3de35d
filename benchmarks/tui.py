"""TUI benchmarks, run by hand: ``python benchmarks/tui.py [--quick]``.

1. Keypress → repainted frame, inside the app (headless ``run_test`` at 80×24): a key event is
   posted and the clock stops when the screen is next composited with the new result on it. Depth
   16, 200 and 1000, in expected and in sampled mode (width 256, batch 64). Each press raises the
   weight scale one ×2^¼ step, so every press is a new config (never a cached result). Median ms.
2. Cold start to first frame: the installed ``gradtui`` in a pseudo-terminal of 80×24, from spawn
   to the first frame that shows the verdict (the chart and verdict are drawn). Median of 5.

Targets: median ≤ 16 ms at depth ≤ 200 in expected mode, ≤ 50 ms in sampled mode; cold start ≤ 0.5 s.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import select
import shutil
import statistics
import struct
import sys
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradtui.engine import Config  # noqa: E402

DEPTHS = (16, 200, 1000)
TARGET_MS = {"expected": 16.0, "sampled": 50.0}
COLD_TARGET_S = 0.5


async def keypress_latency(config: Config, presses: int) -> tuple[list[float], list[float]]:
    """Milliseconds from a posted → key to the first composited frame that shows its result.

    Returns wall times and the process CPU time spent over the same spans (all threads): on a busy
    machine the wall time includes waiting for a core, the CPU time does not.
    """
    from textual import events

    from gradtui.tui.app import GradApp

    app = GradApp(config=config)
    painted: list[tuple[float, float]] = []
    display = app._display

    def timed_display(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None and app.settled:
            painted.append((time.perf_counter(), time.process_time()))

    app._display = timed_display  # type: ignore[method-assign]
    times, cpu = [], []
    async with app.run_test(size=(80, 24)) as pilot:
        while not app.settled:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()  # the background warm-up of activation tables
        await pilot.press(*["down"] * 3)  # select "weight"
        await pilot.pause(0.1)
        for _ in range(presses):
            painted.clear()
            target = app.config
            start, start_cpu = time.perf_counter(), time.process_time()
            app.post_message(events.Key("right", None))
            while not (painted and app.config != target and app.settled):
                await asyncio.sleep(0)
            times.append((painted[-1][0] - start) * 1000.0)
            cpu.append((painted[-1][1] - start_cpu) * 1000.0)
            await pilot.pause(0.05)
    return times, cpu


def cold_start(command: list[str], runs: int = 5) -> list[tuple[float, float]]:
    """Seconds from spawning ``command`` in an 80×24 pty to the first frame (the control panel is
    drawn) and to the first frame that shows the chart's verdict."""
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child: the app, on the pty
            env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
            env["TERM"] = "xterm-256color"
            os.execvpe(command[0], command, env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        seen = b""
        elapsed = first = None
        deadline = start + 20.0
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                seen += chunk
                if first is None and b"controls" in seen:
                    first = time.perf_counter() - start
                if b"VANISHING" in seen:
                    elapsed = time.perf_counter() - start
                    break
        try:
            os.write(fd, b"q")
            # drain until the app exits
            end = time.perf_counter() + 5
            while time.perf_counter() < end:
                ready, _, _ = select.select([fd], [], [], 0.05)
                if ready:
                    try:
                        if not os.read(fd, 65536):
                            break
                    except OSError:
                        break
        finally:
            os.close(fd)
            os.waitpid(pid, 0)
        if elapsed is None or first is None:
            raise RuntimeError("the first frame never showed the verdict")
        results.append((first, elapsed))
    return results


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("keypress -> repainted frame (80x24, headless, weight x2^(1/4) per press)")
    print(f"{'mode':<9}{'depth':>6}{'presses':>9}{'median ms':>11}{'max ms':>9}{'cpu ms':>8}  target")
    for mode in ("expected", "sampled"):
        for depth in DEPTHS:
            presses = 15 if mode == "expected" else (9 if depth <= 200 else 3)
            if quick:
                presses = min(presses, 3)
            config = Config(depth=depth, mode=mode, width=256, batch=64)
            times, cpu = asyncio.run(keypress_latency(config, presses))
            med = statistics.median(times)
            target = TARGET_MS[mode] if depth <= 200 else None
            verdict = "" if target is None else ("ok" if med <= target else "MISSED") + f" (<= {target:g})"
            print(f"{mode:<9}{depth:>6}{presses:>9}{med:>11.1f}{max(times):>9.1f}"
                  f"{statistics.median(cpu):>8.1f}  {verdict}")

    script = Path(sys.executable).parent / "gradtui"
    command = [str(script)] if script.exists() else [shutil.which("gradtui") or "gradtui"]
    runs = cold_start(command, runs=3 if quick else 5)
    print(f"\ncold start ({' '.join(command)}, 80x24 pty), {len(runs)} runs")
    for label, values in (("first frame", [r[0] for r in runs]), ("chart drawn", [r[1] for r in runs])):
        med = statistics.median(values)
        print(f"  {label}: median {med:.3f} s, min {min(values):.3f} s, max {max(values):.3f} s  "
              f"{'ok' if med <= COLD_TARGET_S else 'MISSED'} (<= {COLD_TARGET_S} s)")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
