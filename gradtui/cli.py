"""The ``gradtui`` program (DESIGN §4): flags → the TUI, ``--print`` or ``--json``.

    gradtui [--depth N] [--activation NAME] [--init NAME] [--weight-scale X] [--bias-std X]
            [--residual | --no-residual] [--residual-scale X] [--norm none|layer]
            [--mode expected|sampled] [--width N] [--batch N] [--seed N] [--preset NAME]
            [--print [--svg FILE] [--markdown] | --json] [--ascii] [--theme dark|light]
            [--tour [FILE]] [--list-presets] [--version]
    gradtui --open FILE [--step N] [--follow] [--print | --json]

The flags are read by :mod:`gradtui.argv`, with the same ``Config`` validation as the TUI. A bad
invocation prints one line on stderr (``gradtui: error: --flag: value ...; allowed ...``) and exits
with status 2, never a traceback; so does the interactive view without a terminal (stdin or
stdout not a TTY: ``use --print or --json``). Output that cannot be written (``>/dev/full``, a
closed stdout, an unwritable ``--svg FILE``) is one line and status 1; a reader that leaves early
(``| head``) is not an error. ``--print --svg FILE`` and ``--print --markdown`` are forms of the
``--print`` text (:mod:`gradtui.render.export`).

Textual is imported only when the TUI opens, plotext only for ``--print``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import textwrap
import types
from typing import Callable, Sequence

from gradtui import __version__
from gradtui.argv import PROG, HelpRequested, Options, UsageError, command_line
from gradtui.compare_args import parse_with_compare
from gradtui.engine.config import Config
from gradtui.engine.presets import PRESET_ORDER, PRESETS

__all__ = ["main"]

#: exit status of a bad invocation, and of output that could not be written
USAGE, IO_ERROR = 2, 1

#: ``--print``'s text at a given colour and size: (color, width, height) -> text
Produce = Callable[[bool, int, int], str]


def _print_text(config: Config, options: Options) -> Produce:
    from gradtui.engine import compute

    result = compute(config)

    def produce(color: bool, width: int, height: int) -> str:
        from gradtui.render.bars import render_chart
        from gradtui.render.text import asciify
        from gradtui.render.verdict import verdict

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

    return produce


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


class _OutputError(Exception):
    """Standard output could not be written: ``str()`` says why (one line)."""


def _quiet(fd: int) -> None:
    """Point ``fd`` at /dev/null, so what is still buffered for it goes nowhere at exit (instead of
    failing again and turning the exit status into 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def _write(text: str) -> None:
    """``text`` on standard output; a reader that left (``| head``) is fine, any other failure
    (a full disk, a closed stdout) raises _OutputError."""
    stream = sys.stdout
    if stream is None:  # started with stdout closed (``>&-``)
        raise _OutputError("standard output is closed")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:  # `gradtui --json | head`: the reader left, that is fine
        _quiet(stream.fileno())
    except (OSError, ValueError) as error:
        fd = _fileno(stream)
        if fd is not None:
            _quiet(fd)
        raise _OutputError(f"cannot write to standard output: {_why(error)}") from None


def _fileno(stream) -> int | None:
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):
        return None


def _why(error: Exception) -> str:
    return (getattr(error, "strerror", None) or str(error) or type(error).__name__).rstrip(".")


def _error(message: str) -> None:
    """``gradtui: error: message`` on stderr, in ASCII where stderr cannot take Unicode; a stderr
    that cannot be written is given up on quietly (the exit status still says it)."""
    line = f"{PROG}: error: {message}"
    stream = sys.stderr
    if stream is None:
        return
    if not _speaks_unicode(stream):
        from gradtui.render.text import asciify

        line = asciify(line)
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):
        fd = _fileno(stream)
        if fd is not None:
            _quiet(fd)


def _has_terminal() -> bool:
    """The interactive view reads keys from stdin and draws on stdout: both must be terminals."""
    return all(s is not None and _isatty(s) for s in (sys.stdin, sys.stdout))


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError, AttributeError):
        return False


def _emit_print(produce: Produce, options: Options) -> int:
    """``--print`` and its forms: the text (in colour on a terminal), ``--markdown``'s fenced block,
    ``--svg FILE``'s picture (always in colour; ``-`` writes it to stdout instead of the text)."""
    from gradtui.render.export import print_size, to_markdown, to_svg

    width, height = print_size()
    if options.svg is not None:
        svg = to_svg(produce(True, width, height), theme=options.theme)
        if options.svg == "-":
            _write(svg)
            return 0
        try:
            with open(options.svg, "w", encoding="utf-8") as f:
                f.write(svg)
        except OSError as error:
            from gradtui.safe_text import shown

            _error(f"--svg: cannot write {shown(options.svg)!r}: {_why(error)}")
            return IO_ERROR
    if options.markdown:
        _write(to_markdown(produce(False, width, height)))
        return 0
    color = _isatty(sys.stdout) and not os.environ.get("NO_COLOR")
    _write(produce(color, width, height))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradtui`` console script; returns the exit status: 0, 2 for a bad
    invocation (or no terminal for the interactive view), 1 when the output cannot be written."""
    try:
        return _main(argv)
    except _OutputError as error:
        _error(str(error))
        return IO_ERROR


def _main(argv: Sequence[str] | None) -> int:
    try:
        config, options = parse_with_compare(argv)
    except UsageError as error:
        _error(str(error))
        return USAGE
    except HelpRequested as help_text:
        _write(str(help_text))
        return 0

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

        return run_open(options, types.SimpleNamespace(
            write=_write, emit_print=_emit_print, error=_error, has_terminal=_has_terminal,
            no_terminal=_no_terminal))
    if options.compare is not None and options.output == "json":
        from gradtui.compare_args import compare_json

        _write(compare_json(options))
        return 0
    if options.compare is not None and options.output == "print":
        from gradtui.compare_args import compare_print

        return _emit_print(compare_print(options.compare, ascii=options.ascii), options)
    if options.output == "json":
        from gradtui.engine.report import json_text

        _write(json_text(config, theory=options.theory, spectrum=options.spectrum) + "\n")
        return 0
    if options.output == "print":
        return _emit_print(_print_text(config, options), options)

    tour = None
    if options.tour is not None:
        from gradtui.tour import TourError, load_tour

        try:
            tour = load_tour(options.tour or None)
        except TourError as error:
            _error(f"--tour: {error}")
            return USAGE
    if not _has_terminal():
        return _no_terminal()
    from gradtui.tui.start import prefetch

    prefetch(config)  # the first chart computes while Textual imports and starts
    from gradtui.tui.app import run_app

    extra = {"compare": options.compare} if options.compare is not None else {}
    return int(run_app(config, ascii=options.ascii, tour=tour, theme=options.theme, **extra) or 0)


def _no_terminal() -> int:
    _error(f"{PROG} needs a terminal; use --print or --json")
    return USAGE


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
