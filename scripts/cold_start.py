"""Where gradtui's start-up time goes, run by hand: ``python scripts/cold_start.py [--runs N]``.

1. Import cost per module: ``python -X importtime -c "import gradtui.tui.app"`` parsed, each
   top-level package's share of the total (self time summed over its modules), then the slowest
   single modules by self time — what the first frame pays before Textual can draw anything.
2. Time to first frame and to the first chart in a real run: ``python -m gradtui`` in an 80×24
   pseudo-terminal, from spawn to the first output showing the control panel ("controls") and to
   the first showing the verdict's regime word (the chart and verdict are drawn). Median of N.

``--python PATH`` measures another interpreter's gradtui (e.g. a venv of the previous release),
so two versions can be compared side by side in one run: ``--python A --python B``.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections import defaultdict

#: what the first frame imports (the TUI's app module pulls in everything the main screen needs)
FIRST_FRAME_IMPORT = "import gradtui.tui.app"
#: the verdict's regime words: one of them on screen means the chart and verdict are drawn
REGIME_WORDS = re.compile(rb"VANISHING|EXPLODING|STABLE|OVERFLOW")
#: the footer's last key ("q quit"; the bare app's "q Quit"): the footer's keys are drawn
FOOTER_KEYS = re.compile(rb"[Qq]uit")
TARGET_S = 0.5

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_costs(python: str, statement: str = FIRST_FRAME_IMPORT) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, nesting level) per module, from ``-X importtime``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIMPORTTIME"}
    proc = subprocess.run([python, "-X", "importtime", "-c", statement], capture_output=True,
                          text=True, env=env, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        m = _LINE.match(line)
        if m:
            rows.append((m.group(4), int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2))
    return rows


def print_import_costs(python: str, top: int = 15) -> None:
    rows = import_costs(python)
    total = sum(r[1] for r in rows)
    by_package: dict[str, int] = defaultdict(int)
    for name, own, _, _ in rows:
        by_package[name.split(".")[0]] += own
    print(f"imports of `{FIRST_FRAME_IMPORT}` ({python}): {total / 1000:.0f} ms in {len(rows)} modules")
    print(f"  {'package':<28}{'ms':>8}{'share':>8}")
    for name, own in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {name:<28}{own / 1000:8.1f}{100 * own / total:7.1f}%")
    print(f"  slowest modules (self time):")
    for name, own, cum, _ in sorted(rows, key=lambda r: -r[1])[:top]:
        print(f"  {name:<40}{own / 1000:8.1f} ms self {cum / 1000:8.1f} ms with imports")
    print()


def first_frames(command: list[str], runs: int, size: tuple[int, int] = (80, 24),
                 timeout: float = 20.0) -> list[tuple[float, float, float]]:
    """Seconds from spawning ``command`` in a pty of ``size`` to its first frame (the control panel
    is drawn), to the first frame with the chart's verdict, and to the footer's keys, per run."""
    results = []
    columns, rows = size
    for _ in range(runs):
        start = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the app, on the pty
            # from a directory without gradtui in it: ``python -m`` and ``-c`` put the working
            # directory first on sys.path, and run from a checkout they would import its sources
            # instead of the installed package (compiled afresh at every start where
            # PYTHONDONTWRITEBYTECODE is set: ~130 ms here)
            os.chdir(tempfile.gettempdir())
            env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
            env["TERM"] = "xterm-256color"
            os.execvpe(command[0], command, env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        seen = b""
        first = chart = keys = None
        while time.perf_counter() < start + timeout:
            ready, _, _ = select.select([fd], [], [], 0.005)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += chunk
            now = time.perf_counter() - start
            if first is None and b"controls" in seen:
                first = now
            if chart is None and REGIME_WORDS.search(seen):
                chart = now
            if keys is None and FOOTER_KEYS.search(seen):
                keys = now
            if chart is not None and keys is not None:
                break
        _quit(pid, fd)
        if first is None or chart is None or keys is None:
            raise RuntimeError(f"{' '.join(command)}: the screen never showed the verdict and keys")
        results.append((first, chart, keys))
    return results


def _quit(pid: int, fd: int) -> None:
    try:
        os.write(fd, b"q")
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


def summary(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Median seconds to the first frame, to the chart and to the footer's keys."""
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))


#: the floor under gradtui's start: a bare Textual app that imports NumPy and plotext (as gradtui
#: does, without plotext's docs and self-test runner: the whole of plotext takes ~0.3 s more) and
#: shows the two words the clock waits for, with a Footer as gradtui has
BARE_APP = """
import numpy
import gradtui.render.plot
from textual.app import App
from textual.widgets import Footer, Static


class Bare(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Static("controls STABLE")
        yield Footer()


Bare().run()
"""


def interleaved_commands(commands: dict[str, list[str]], runs: int) -> dict[str, list[tuple]]:
    """``runs`` cold starts of each command, one of each per round and the order reversed every
    other round, so neither a burst of load elsewhere nor the place in the round favours one of
    them (two fixed-order runs of three versions, minutes apart, ranked them in opposite orders)."""
    out: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    labels = list(commands)
    for i in range(runs):
        for label in (labels if i % 2 == 0 else labels[::-1]):
            out[label] += first_frames(commands[label], 1)
    return out


def interleaved(pythons: list[str], runs: int) -> dict[str, list[tuple]]:
    """:func:`interleaved_commands` of each interpreter's ``python -m gradtui``."""
    return interleaved_commands({p: [p, "-m", "gradtui"] for p in pythons}, runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", action="append", help="interpreter(s) whose gradtui to measure")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-imports", action="store_true", help="skip the import table")
    args = parser.parse_args(argv)
    pythons = args.python or [sys.executable]
    if not args.no_imports:
        for python in pythons:
            print_import_costs(python)
    print(f"cold start, 80x24 pty, median of {args.runs}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores; target <= {TARGET_S} s with the chart drawn")
    print(f"  {'interpreter':<40}{'first frame s':>14}{'chart s':>9}{'keys s':>8}{'fastest':>9}  target")
    runs = interleaved(pythons, args.runs)
    for python in pythons:
        first, chart, keys = summary(runs[python])
        fastest = min(r[1] for r in runs[python])
        verdict = "ok" if chart <= TARGET_S else "MISSED"
        print(f"  {python:<40}{first:14.3f}{chart:9.3f}{keys:8.3f}{fastest:9.3f}  {verdict} "
              f"(<= {TARGET_S})")


if __name__ == "__main__":
    main()
