"""``gradtui --open FILE [--step N] [--follow] [--print | --json]`` (the CLI's one hook)."""

from __future__ import annotations

import os
import shutil
import sys
import time

from gradtui.probe import ProbeFileError, ProbeRun
from gradtui.render.text import asciify

from .recorded_model import json_text, open_run, print_text


#: seconds between looks at a followed file that holds no step yet
POLL_SECONDS = 0.5


def _wait_for_a_step(run: ProbeRun) -> None:
    """``--follow`` with ``--json``/``--print``: a run that has not recorded a step yet (the file
    empty, or its header alone) is waited for; Ctrl-C gives up."""
    while not run.steps:
        time.sleep(POLL_SECONDS)
        try:
            run.refresh()
        except ProbeFileError as error:
            if run.header is not None or not error.reason.startswith("empty file"):
                raise


def run_open(options, write) -> int:
    """``gradtui --open FILE …``: JSON, text or the interactive view; a bad file is one line on
    stderr and exit status 2."""
    try:
        run = open_run(options.open, options.follow)
        if options.follow and options.output is not None:
            _wait_for_a_step(run)
        if run.steps or not options.follow:
            run.record(options.step)  # a step not recorded (or none yet): refused here, one line
        if options.output == "json":
            write(json_text(run, options.step) + "\n")
            return 0
        if options.output == "print":
            columns, lines = shutil.get_terminal_size((80, 24))
            color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            write(print_text(run, options.step, max(20, columns), max(12, min(lines - 4, 30)),
                             color=color, ascii=options.ascii))
            return 0
    except KeyboardInterrupt:
        return 130
    except ProbeFileError as error:
        message = f"gradtui: error: --open: {error}"
        print(asciify(message) if options.ascii else message, file=sys.stderr)
        return 2
    from .recorded import run_recorded_app  # Textual: only for the interactive view

    return run_recorded_app(run, step=options.step, follow=options.follow, ascii=options.ascii)
