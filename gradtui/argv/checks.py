"""The command line's checks beyond argparse: one-line refusals, echoes that stay short and safe.

- :func:`echo_safely`: a refusal echoes at most ECHO_LIMIT characters of a value (``…`` marks a cut)
  and nothing a terminal would obey (control characters as escape text, :mod:`gradtui.safe_text`);
- :func:`check_number_text`: number flags take ASCII digits only (``１６`` is refused, though
  Python's int() reads it), and a whole number of very many digits is out of range, not "not a
  number";
- :func:`check_combinations`: a flag the rest of the command line would silently ignore is refused
  with the conflict named (``--spectrum --print``, ``--tour --json``, ``--theory`` in the TUI …).
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from typing import Any, Sequence

from gradtui.engine.config import LIMITS, MODES, Config, canonical_name
from gradtui.safe_text import clip, clip_digits, shown

#: config field → its flag, in Config's field order (the order the reproducing command lists them)
FLAGS: dict[str, str] = {name: "--" + name.replace("_", "-") for name in LIMITS}

#: an echoed value longer than this is cut (``--depth 5000-digit-number``)
ECHO_LIMIT = 40


class UsageError(Exception):
    """A bad invocation; its message is the one line printed after ``gradtui: error:``."""


class HelpRequested(Exception):
    """``--help``: ``str()`` is the help text, for the caller to write (and report a failed write)."""


def echo_safely(message: str, argv: Sequence[str]) -> str:
    """The message with every long value it echoes cut to ECHO_LIMIT characters (and ``…``) and
    nothing in it that a terminal would obey."""
    long_values = {v for t in map(str, argv) for v in (t, t.partition("=")[2]) if len(v) > ECHO_LIMIT}
    for value in sorted(long_values, key=len, reverse=True):
        for form in (value, repr(value)[1:-1]):
            message = message.replace(form, clip(form, ECHO_LIMIT))
    message = shown(clip_digits(" ".join(message.split()), ECHO_LIMIT))
    return clip(message, 1000)  # a last guard: 10,000 unrecognised arguments are not listed whole


#: a whole number with more digits than this is out of every range (and Python's int() refuses
#: strings of more than 4300 digits with an error that would say "not a whole number")
_MAX_DIGITS = 18


def check_number_text(field: str, text: Any, mode: Any, typed: dict[str, str]) -> None:
    """A number flag's text: ASCII digits only (Python's int() and float() also read full-width
    and other scripts' digits, ``１６``), and a whole number of many digits is out of range."""
    kind = LIMITS[field].kind
    if kind not in ("int", "float") or not isinstance(text, str):
        return
    flag = typed.get(FLAGS[field], FLAGS[field])
    mode = canonical_name(mode)
    allowed = LIMITS[field].allowed(mode if mode in MODES else MODES[0])
    what = "whole number" if kind == "int" else "number"
    if not text.isascii():
        raise UsageError(f"{flag}: {shown(text)!r} is not a {what}: write it with the ASCII digits "
                         f"0-9; {allowed}")
    digits = text.strip().lstrip("+-").lstrip("0")
    if kind == "int" and digits.isdigit() and len(digits) > _MAX_DIGITS:
        raise UsageError(f"{flag}: {text.strip()} is out of range; {allowed}")


def whole(flag: str, text: str, typed: dict[str, str], what: str) -> int:
    """An ASCII whole number of at most _MAX_DIGITS digits (``--step``)."""
    flag = typed.get(flag, flag)
    t = text.strip()
    if not (t.isascii() and t.lstrip("+-").isdigit() and len(t.lstrip("+-")) <= _MAX_DIGITS):
        raise UsageError(f"{flag}: {shown(text)!r} is not {what} (a whole number, 0 or more)")
    return int(t)


def _given(ns: argparse.Namespace, options: Options) -> list[str]:
    """Every flag the user gave, in --help's order (a switch that is off was not given)."""
    network = [FLAGS[f.name] for f in fields(Config) if hasattr(ns, f.name)]
    return network + [flag for flag, on in (
        ("--preset", ns.preset is not None), ("--print", options.output == "print"),
        ("--json", options.output == "json"), ("--ascii", options.ascii),
        ("--theory", options.theory), ("--spectrum", options.spectrum),
        ("--svg", options.svg is not None), ("--markdown", options.markdown),
        ("--theme", ns.theme is not None), ("--tour", options.tour is not None),
        ("--open", options.open is not None), ("--step", options.step is not None),
        ("--follow", options.follow), ("--list-presets", options.list_presets),
    ) if on]


def check_combinations(ns: argparse.Namespace, options: Options, typed: dict[str, str]) -> None:
    """A flag the rest of the command line would silently ignore is refused, naming the conflict."""
    def refuse(flag: str, why: str) -> UsageError:
        return UsageError(f"{typed.get(flag, flag)}: {why}")

    given = _given(ns, options)
    if options.version and given:
        raise refuse(given[0], "not with --version (it prints the version and exits)")
    if options.list_presets and [g for g in given if g not in ("--list-presets", "--ascii")]:
        other = next(g for g in given if g not in ("--list-presets", "--ascii"))
        raise refuse(other, "not with --list-presets (it lists the presets and exits)")
    out = options.output
    for flag, on in (("--svg", options.svg is not None), ("--markdown", options.markdown)):
        if on and out != "print":
            raise refuse(flag, "only with --print (it is a form of the printed text)")
    if options.svg == "-" and options.markdown:
        raise refuse("--markdown", "not with --svg - (both would be written to standard output)")
    if options.spectrum and out != "json":
        where = "in the interactive view, J shows the spectrum" if out is None else "--print has no spectrum"
        raise refuse("--spectrum", f"only with --json ({where})")
    if options.theory and out is None:
        raise refuse("--theory", "only with --print or --json (in the interactive view, M shows the "
                                 "phase map and its depth scale)")
    if options.tour is not None and out is not None:
        raise refuse("--tour", f"opens the interactive tour; not with --{out}")
    if options.ascii and out == "json":
        raise refuse("--ascii", "not with --json (JSON is ASCII already)")
    if ns.theme is not None and out is not None and options.svg is None:
        raise refuse("--theme", f"not with --{out} alone (the terminal keeps its own colours); "
                                "it sets the interactive view's colours, or --svg's")
    if ns.theme is not None and options.open is not None and out is None:
        raise refuse("--theme", "not with --open's interactive view (it has the dark colours only)")
