"""``gradtui --open FILE [--step N] [--follow] [--print | --json]`` (the CLI's one hook)."""

from __future__ import annotations

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


def run_open(options, out) -> int:
    """``gradtui --open FILE …``: JSON, text or the interactive view; a bad file is one line on
    stderr and exit status 2. ``out`` is the CLI's output: ``out.write(text)`` writes standard
    output (and raises when it cannot); ``out.emit_print(produce, options)`` writes ``--print``'s
    text in each of its forms (colour, ``--markdown``, ``--svg``) from ``produce(color, width,
    height)`` and returns the exit status; ``out.error(message)`` writes ``gradtui: error: …``;
    ``out.no_terminal()`` refuses the interactive view without a terminal (the exit status)."""
    try:
        run = open_run(options.open, options.follow)
        if options.follow and options.output is not None:
            _wait_for_a_step(run)
        if run.steps or not options.follow:
            run.record(options.step)  # a step not recorded (or none yet): refused here, one line
        if options.output == "json":
            out.write(json_text(run, options.step) + "\n")
            return 0
        if options.output == "print":
            return out.emit_print(lambda color, width, height: print_text(
                run, options.step, width, height, color=color, ascii=options.ascii), options)
    except KeyboardInterrupt:
        return 130
    except ProbeFileError as bad:
        message = f"--open: {bad}"
        out.error(asciify(message) if options.ascii else message)
        return 2
    if not out.has_terminal():
        return out.no_terminal()
    from .recorded import run_recorded_app  # Textual: only for the interactive view

    return run_recorded_app(run, step=options.step, follow=options.follow, ascii=options.ascii)
