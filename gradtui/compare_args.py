"""``gradtui --compare "FLAGS" "FLAGS" …``: up to four settings, each one's flags applied over the
rest of the command line, for the compare screen, ``--print`` (small multiples) and ``--json``
(``{"compare": [doc, …]}``, one DESIGN §5 document per setting).

    gradtui --depth 20 --compare "--activation sigmoid" "--activation tanh" \\
            "--activation relu --init xavier-normal" "--activation relu --init he-normal"

The items are the tokens after ``--compare`` that hold a space or do not start with ``-`` (so
``--compare "--residual " "--no-residual "`` needs the trailing spaces; ``""`` is the rest of the
command line as it is). A bad item is one line naming the item and the flag, exit status 2.
"""

from __future__ import annotations

import shlex
from dataclasses import replace
from typing import Callable, Sequence

from gradtui.argv import FLAGS, Options, UsageError, parse_args
from gradtui.engine.config import LIMITS, Config

__all__ = ["MAX_COMPARE", "compare_print_text", "parse_with_compare", "run_compare", "split_compare"]

MAX_COMPARE = 4
#: what an item may set: the network and engine flags (both spellings of a switch) and a preset
_ITEM_FLAGS = {*FLAGS.values(), *("--no-" + FLAGS[f][2:] for f in LIMITS if LIMITS[f].kind == "bool"), "--preset"}
_SWITCHES = [(FLAGS[f], "--no-" + FLAGS[f][2:]) for f in LIMITS if LIMITS[f].kind == "bool"]


def _is_item(token: str) -> bool:
    return token == "" or any(ch.isspace() for ch in token) or not token.startswith("-")


def split_compare(argv: Sequence[str]) -> tuple[list[str], list[str] | None]:
    """(the command line without ``--compare`` and its items, the items or None)."""
    rest: list[str] = []
    items: list[str] | None = None
    tokens = [str(t) for t in argv]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        name, eq, value = token.partition("=")
        if name.replace("_", "-") == "--compare":
            if items is not None:
                raise UsageError("--compare: give it once, followed by every setting")
            items = [value] if eq else []
            i += 1
            while i < len(tokens) and _is_item(tokens[i]):
                items.append(tokens[i])
                i += 1
            continue
        rest.append(token)
        i += 1
    return rest, items


def _flag_name(token: str) -> str:
    return token.partition("=")[0].replace("_", "-")


def _item_config(rest: list[str], item: str, number: int) -> Config:
    where = f"--compare item {number} ({item.strip()!r})" if item.strip() else f"--compare item {number}"
    try:
        tokens = shlex.split(item)
    except ValueError as error:  # an unclosed quote
        raise UsageError(f"{where}: {error}") from None
    for token in tokens:
        if token.startswith("--") and _flag_name(token) not in _ITEM_FLAGS:
            flag = token.partition("=")[0]
            if "--" + flag[2:].replace("_", "-") in {"--print", "--json", "--ascii", "--open", "--tour",
                                                      "--theory", "--spectrum", "--compare"}:
                raise UsageError(f"{where}: {flag}: not inside a setting (give it once, outside --compare)")
    given = {_flag_name(t) for t in tokens if t.startswith("--")}
    base = list(rest)
    for on, off in _SWITCHES:  # the item's switch replaces the rest's (argparse refuses both)
        if on in given or off in given:
            base = [t for t in base if _flag_name(t) not in (on, off)]
    try:
        return parse_args([*base, *tokens])[0]
    except UsageError as error:
        raise UsageError(f"{where}: {error}") from None


def parse_with_compare(argv: Sequence[str] | None = None) -> tuple[Config, Options]:
    """:func:`gradtui.argv.parse_args`, plus ``--compare``: ``options.compare`` is a tuple of the
    settings' Configs (None without the flag). Raises UsageError (one line)."""
    import sys

    argv = sys.argv[1:] if argv is None else list(argv)
    rest, items = split_compare(argv)
    config, options = parse_args(rest)
    if items is None:
        return config, options
    if not items:
        raise UsageError('--compare: give 1 to 4 settings, each a quoted string of flags, e.g. '
                         '--compare "--activation tanh" "--activation relu"')
    if len(items) > MAX_COMPARE:
        raise UsageError(f"--compare: at most {MAX_COMPARE} settings ({len(items)} given)")
    for flag, given in (("--open", options.open is not None), ("--tour", options.tour is not None)):
        if given:
            raise UsageError(f"{flag}: not with --compare")
    for flag, given in (("--theory", options.theory), ("--spectrum", options.spectrum)):
        if given and options.output != "json":
            raise UsageError(f"{flag}: with --compare only together with --json")
    configs = tuple(_item_config(rest, item, n) for n, item in enumerate(items, start=1))
    return config, replace(options, compare=configs)


def compare_print(configs: Sequence[Config], *, ascii: bool) -> Callable[[bool, int, int], str]:
    """``--compare … --print``: the settings computed once; the returned function draws them as
    small multiples at a colour and width (``(color, width, height) -> text``, the height unused:
    each panel is PRINT_PANEL_HEIGHT lines), for the text, ``--svg`` and ``--markdown`` alike."""
    from gradtui.argv import command_line
    from gradtui.engine import compute
    from gradtui.render.compare import Setting, render_compare

    items = [Setting(c, compute(c), command_line(c)) for c in configs]

    def produce(color: bool, width: int, height: int) -> str:
        cols = 4 if width >= 4 * 44 + 3 and len(items) == 4 else (2 if width >= 2 * 38 + 1 and len(items) > 1 else 1)
        cols = min(cols, len(items))
        rows = -(-len(items) // cols)
        text = render_compare(items, width, rows * PRINT_PANEL_HEIGHT, color=color, ascii=ascii,
                              shape=(rows, cols))
        return "\n".join(line.rstrip() for line in text.split("\n")) + "\n"

    return produce



#: lines per panel in ``--print``: a chart with its title, the verdict and the command
PRINT_PANEL_HEIGHT = 18


def compare_json(options: Options) -> str:
    """``--compare … --json``: ``{"compare": [doc, …]}``, one DESIGN §5 document per setting."""
    from gradtui.engine.report import compare_json_text

    assert options.compare is not None
    return compare_json_text(options.compare, theory=options.theory, spectrum=options.spectrum) + "\n"
