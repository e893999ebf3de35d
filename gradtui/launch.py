"""The ``gradtui`` command and ``python -m gradtui``: the CLI, with the cyclic garbage collector off
while the program starts.

Start-up makes some 70,000 objects (NumPy, Textual, the app's widgets) that live as long as the
program, and the collector, which runs every few hundred new objects, ran ~170 times on the way to
the TUI's first frame (~150 young, 14 middle and one full collection: 60–70 ms of a 0.57–0.78 s
start, measured in an 80×24 pty on a 2-core machine). With it off, the first chart came 25–82 ms
sooner (medians of 21 alternating starts each, in three runs). The TUI switches it back on, with the
start-up objects frozen out of its sight, once it has warmed up after its first chart
(``GradApp._end_start_up``); every other command has it back when the CLI returns.
"""

from __future__ import annotations

import gc

__all__ = ["main"]


def main() -> int:
    gc.disable()
    try:
        from gradtui.cli import main as cli_main

        return cli_main()
    finally:
        gc.enable()
