"""The ``gradtui`` program (DESIGN §4): flags → the TUI, ``--print`` or ``--json``.

    gradtui [--depth N] [--activation NAME] [--init NAME] [--weight-scale X] [--bias-std X]
            [--residual | --no-residual] [--residual-scale X] [--norm none|layer]
            [--mode expected|sampled] [--width N] [--batch N] [--seed N] [--preset NAME]
            [--print | --json] [--ascii] [--list-presets] [--version]
    gradtui --open FILE [--step N] [--follow] [--print | --json]

The flags are read by :mod:`gradtui.argv`, with the same ``Config`` validation as the TUI. A bad
invocation prints one line on stderr (``gradtui: error: --flag: value ...; allowed ...``) and exits
with status 2, never a traceback.

Textual is imported only when the TUI opens, plotext only for ``--print``.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import textwrap
from typing import Sequence

from gradtui import __version__
from gradtui.argv import PROG, Options, UsageError, command_line
from gradtui.compare_args import parse_with_compare
from gradtui.engine.config import Config
from gradtui.engine.presets import PRESET_ORDER, PRESETS

__all__ = ["main"]


def _print_text(config: Config, options: Options) -> str:
    from gradtui.render.bars import render_chart
    from gradtui.render.text import asciify
    from gradtui.render.verdict import verdict
    from gradtui.engine import compute

    result = compute(config)
    tty = sys.stdout.isatty()
    color = tty and not os.environ.get("NO_COLOR")
    columns, lines = shutil.get_terminal_size((80, 24))
    width = max(1, columns)
    height = max(12, min(lines - 4, 30))
    chart = render_chart(result, width, height, color=color, ascii=options.ascii)
    out = [line.rstrip() for line in chart.split("\n")]
    if options.preset is not None and config == PRESETS[options.preset].config():
        preset = PRESETS[options.preset]
        caption = f"{preset.title} — {preset.caption}"
        caption = asciify(caption) if options.ascii else caption
        out[:0] = textwrap.wrap(caption, width=max(20, width)) or [caption]
    out.append(verdict(result, ascii=options.ascii))
    if options.theory:
        from gradtui.render.verdict import depth_scale_text

        out.append(str(depth_scale_text(config, ascii=options.ascii)))
    out.append(command_line(config))
    return "\n".join(out) + "\n"


def _list_presets(options: Options) -> str:
    from gradtui.render.text import asciify

    width = max(len(n) for n in PRESET_ORDER)
    text = "\n".join(f"{name:<{width}}  {PRESETS[name].caption}" for name in PRESET_ORDER) + "\n"
    return asciify(text) if options.ascii else text


#: characters gradtui draws with; a stream that cannot encode them gets the ASCII drawing
_DRAWING = "╭─│█░▓▼▲●═•÷×—χ₁σαξ≤"


def _speaks_unicode(stream) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        _DRAWING.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `gradtui --json | head`: the reader left, that is fine
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradtui`` console script; returns the exit status."""
    try:
        config, options = parse_with_compare(argv)
    except UsageError as error:
        message = f"{PROG}: error: {error}"
        if not _speaks_unicode(sys.stderr):
            from gradtui.render.text import asciify

            message = asciify(message)
        print(message, file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 2

    if not options.ascii and not _speaks_unicode(sys.stdout):
        # a terminal or pipe in a non-UTF-8 locale: box and block characters would come out as
        # escapes (or fail to encode), so draw with ASCII, exactly as --ascii does
        options = dataclasses.replace(options, ascii=True)
    if options.version:
        _write(f"{PROG} {__version__}\n")
        return 0
    if options.list_presets:
        _write(_list_presets(options))
        return 0
    if options.open is not None:
        from gradtui.tui.recorded_cli import run_open

        return run_open(options, _write)
    if options.compare is not None and options.output is not None:
        from gradtui.compare_args import run_compare

        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        return run_compare(options, _write, width=shutil.get_terminal_size((80, 24)).columns, color=color)
    if options.output == "json":
        from gradtui.engine.report import json_text

        _write(json_text(config, theory=options.theory, spectrum=options.spectrum) + "\n")
        return 0
    if options.output == "print":
        _write(_print_text(config, options))
        return 0

    tour = None
    if options.tour is not None:
        from gradtui.tour import TourError, load_tour

        try:
            tour = load_tour(options.tour or None)
        except TourError as error:
            print(f"{PROG}: error: --tour: {error}", file=sys.stderr)
            return 2
    from gradtui.tui.start import prefetch

    prefetch(config)  # the first chart computes while Textual imports and starts
    from gradtui.tui.app import run_app

    extra = {"compare": options.compare} if options.compare is not None else {}
    return int(run_app(config, ascii=options.ascii, tour=tour, **extra) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
