"""The command line (DESIGN §4): flags → Config → TUI, ``--print`` or ``--json``.

    gradtui [--depth N] [--activation NAME] [--init NAME] [--weight-scale X] [--bias-std X]
            [--residual | --no-residual] [--residual-scale X] [--norm none|layer]
            [--mode expected|sampled] [--width N] [--batch N] [--seed N] [--preset NAME]
            [--print | --json] [--ascii] [--list-presets] [--version]

Every value goes through the same ``Config`` validation as the TUI. A bad invocation prints one line
on stderr (``gradtui: error: --flag: value ...; allowed ...``) and exits with status 2, never a
traceback. ``config_to_argv``/``command_line`` write the command that reproduces a config exactly:
``parse_args(config_to_argv(c))[0] == c`` for every valid config.

Textual is imported only when the TUI opens, plotext only for ``--print``.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import math
import os
import shlex
import shutil
import sys
import textwrap
from dataclasses import dataclass, fields
from typing import Any, Sequence

from gradtui import __version__
from gradtui.engine.activations import ACTIVATIONS
from gradtui.engine.config import MODES, NORMS, Config, canonical_name, closest
from gradtui.engine.inits import INITS
from gradtui.engine.presets import PRESET_ORDER, PRESETS

__all__ = ["Options", "UsageError", "command_line", "config_to_argv", "main", "parse_args"]

PROG = "gradtui"

#: config field → its flag, in the order the reproducing command lists them
FLAGS: dict[str, str] = {
    "depth": "--depth",
    "activation": "--activation",
    "init": "--init",
    "weight_scale": "--weight-scale",
    "bias_std": "--bias-std",
    "residual": "--residual",
    "residual_scale": "--residual-scale",
    "norm": "--norm",
    "mode": "--mode",
    "width": "--width",
    "batch": "--batch",
    "seed": "--seed",
    "tied": "--tied",
}
#: boolean fields written as --flag / --no-flag
_BOOL_FIELDS = ("residual", "tied")
#: always written by ``config_to_argv`` (they say what the network is); the rest only when not default
CORE_FIELDS = ("depth", "activation", "init")
_NAME_FIELDS = ("activation", "init", "norm", "mode")
_FLOAT_FIELDS = ("weight_scale", "bias_std", "residual_scale")


class UsageError(Exception):
    """A bad invocation; its message is the one line printed after ``gradtui: error:``."""


@dataclass(frozen=True)
class Options:
    """Everything on the command line that is not part of the Config."""

    output: str | None = None  # None: open the TUI; "print" or "json"
    ascii: bool = False
    preset: str | None = None
    list_presets: bool = False
    version: bool = False
    theory: bool = False
    spectrum: bool = False
    #: None: no tour; "": the shipped tour; else a path to a tour TOML file
    tour: str | None = None


# -- config → command line ------------------------------------------------------------------------

def _float_text(x: float) -> str:
    """Shortest text that reads back as exactly ``x`` (``2``, ``0.1``, ``1.189207115002721``)."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _value_text(field: str, value: Any) -> str:
    if field in _NAME_FIELDS:
        return str(value).replace("_", "-")
    if field in _FLOAT_FIELDS:
        return _float_text(value)
    return str(int(value))


def config_to_argv(config: Config) -> list[str]:
    """Flags that rebuild ``config`` exactly; defaults are left out except depth/activation/init."""
    default = Config()
    argv: list[str] = []
    for field, flag in FLAGS.items():
        value = getattr(config, field)
        if field not in CORE_FIELDS and value == getattr(default, field):
            continue
        if field in _BOOL_FIELDS:
            argv.append(flag if value else "--no-" + flag[2:])
            continue
        argv += [flag, _value_text(field, value)]
    return argv


def command_line(config: Config) -> str:
    """The shell command that reproduces ``config``, e.g. ``gradtui --depth 16 --activation sigmoid …``."""
    return shlex.join([PROG, *config_to_argv(config)])


# -- command line → config ------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _names(registry) -> str:
    return ", ".join(n.replace("_", "-") for n in registry)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="See why deep networks fail to train: the gradient that reaches each layer, "
        "as log-scale bars. Without --print or --json the interactive view opens.",
        epilog="Names accept - or _ (he-normal = he_normal). Example: "
        "gradtui --depth 16 --activation sigmoid --print",
        allow_abbrev=False,
        exit_on_error=False,
    )
    net = p.add_argument_group("network")
    S = argparse.SUPPRESS  # only flags the user gave reach the namespace (so a preset stays intact)
    net.add_argument("--depth", metavar="N", default=S, help="number of layers L (default 16)")
    net.add_argument("--activation", metavar="NAME", default=S,
                     help=f"{_names(ACTIVATIONS)} (default sigmoid)")
    net.add_argument("--init", metavar="NAME", default=S,
                     help=f"{_names(INITS)} (default xavier-normal)")
    net.add_argument("--weight-scale", metavar="X", dest="weight_scale", default=S,
                     help="multiplies every weight's standard deviation (default 1)")
    net.add_argument("--bias-std", metavar="X", dest="bias_std", default=S,
                     help="standard deviation of the biases (default 0)")
    res = net.add_mutually_exclusive_group()
    res.add_argument("--residual", dest="residual", action="store_const", const=True, default=S,
                     help="identity skip around every layer: h = h + alpha*f(z)")
    res.add_argument("--no-residual", dest="residual", action="store_const", const=False,
                     default=S, help="plain stack h = f(z) (default)")
    net.add_argument("--residual-scale", metavar="X", dest="residual_scale", default=S,
                     help="alpha, the residual branch scale (default 1)")
    net.add_argument("--norm", metavar="|".join(NORMS), default=S, help="normalisation (default none)")

    tied = net.add_mutually_exclusive_group()
    tied.add_argument("--tied", dest="tied", action="store_const", const=True, default=S,
                      help="one weight matrix for every layer (an unrolled RNN; sampled mode)")
    tied.add_argument("--no-tied", dest="tied", action="store_const", const=False, default=S,
                      help="independent weights per layer (default)")

    eng = p.add_argument_group("engine")
    eng.add_argument("--mode", metavar="|".join(MODES), default=S,
                     help="expected: mean-field theory (default); sampled: one random network")
    eng.add_argument("--width", metavar="N", default=S, help="units per layer in sampled mode (default 256)")
    eng.add_argument("--batch", metavar="N", default=S, help="inputs per batch in sampled mode (default 64)")
    eng.add_argument("--seed", metavar="N", default=S, help="random seed in sampled mode (default 0)")
    eng.add_argument("--preset", metavar="NAME", default=None,
                     help="start from a named scenario (see --list-presets); later flags override it")

    out = p.add_argument_group("output")
    which = out.add_mutually_exclusive_group()
    which.add_argument("--print", dest="output", action="store_const", const="print",
                       help="print the chart, the verdict and the command line, then exit")
    which.add_argument("--json", dest="output", action="store_const", const="json",
                       help="print the result as JSON, then exit")
    out.add_argument("--ascii", action="store_true", help="plain ASCII characters only")
    out.add_argument("--theory", action="store_true",
                     help='with --json: add "theory" (chi1, depth scale, critical sigma_w); with --print: a line')
    out.add_argument("--spectrum", action="store_true",
                     help='with --json: add "spectrum" (Jacobian singular values of the sampled network)')
    out.add_argument("--tour", metavar="FILE", nargs="?", const="", default=None,
                     help="open the lecture tour (the shipped one, or your TOML file)")
    out.add_argument("--list-presets", dest="list_presets", action="store_true",
                     help="list the presets and exit")
    out.add_argument("--version", action="store_true", help="print the version and exit")
    return p


def _normalise(argv: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """``--weight_scale`` → ``--weight-scale``; remembers how the user spelled each flag."""
    out, typed = [], {}
    for token in argv:
        token = str(token)
        if token.startswith("--") and len(token) > 2:
            name, eq, value = token.partition("=")
            canon = name.replace("_", "-")
            typed.setdefault(canon, name)
            token = canon + eq + value
        out.append(token)
    return out, typed


def _respell(message: str, typed: dict[str, str]) -> str:
    for canon, name in typed.items():
        if canon != name:
            message = message.replace(canon, name)
    return message


def _allowed(field: str, mode: str) -> str:
    """What a numeric field allows, in Config's own words (asked by provoking its range error)."""
    try:
        Config(**{field: -1, "mode": mode if mode in MODES else "expected"})
    except ValueError as error:
        text = str(error)
        if "; allowed" in text:
            return "allowed" + text.split("; allowed", 1)[1]
    return ""


def _config_error(error: ValueError, given: dict[str, Any], typed: dict[str, str]) -> UsageError:
    """Config's ``field: message`` as ``--flag: message`` (the flag as the user typed it)."""
    text = " ".join(str(error).split())  # one line, whatever Config wrote
    field, sep, rest = text.partition(": ")
    if not sep or field not in FLAGS:
        return UsageError(text)
    flag = FLAGS[field]
    flag = typed.get(flag, flag)
    rest = rest.strip()
    if field in _NAME_FIELDS and field in given:  # show the name as typed, not canonicalised
        shown = str(given[field])
        rest = rest.replace(repr(canonical_name(shown)), repr(shown), 1)
    if ("not a number" in rest or "not a whole number" in rest or "not a finite" in rest) and (
        "allowed" not in rest
    ):
        allowed = _allowed(field, canonical_name(given.get("mode", "expected")))
        if allowed:
            rest = f"{rest}; {allowed}"
    return UsageError(f"{flag}: {rest}")


def _flag_hint(tokens: list[str], parser: argparse.ArgumentParser) -> str:
    """'; did you mean --depth?' for the first unknown flag that is close to a real one."""
    flags = [o for action in parser._actions for o in action.option_strings if o.startswith("--")]
    for token in tokens:
        if token.startswith("--") and token.split("=")[0] not in flags:
            match = difflib.get_close_matches(token.split("=")[0], flags, n=1, cutoff=0.6)
            if match:
                return f"; did you mean {match[0]}?"
    return ""


def parse_args(argv: Sequence[str] | None = None) -> tuple[Config, Options]:
    """Flags → (Config, Options). Raises UsageError (one line) for anything invalid."""
    argv = sys.argv[1:] if argv is None else list(argv)
    tokens, typed = _normalise(argv)
    parser = build_parser()
    try:
        ns = parser.parse_args(tokens)
    except argparse.ArgumentError as error:  # exit_on_error=False routes some errors here
        raise UsageError(_respell(" ".join(str(error).split()), typed)) from None
    except UsageError as error:
        message = _respell(" ".join(str(error).split()), typed)
        if message.startswith("unrecognized arguments:"):
            message += _flag_hint(tokens, parser)
        raise UsageError(message) from None
    options = Options(
        output=ns.output, ascii=bool(ns.ascii), preset=None,
        list_presets=bool(ns.list_presets), version=bool(ns.version),
        theory=bool(ns.theory), spectrum=bool(ns.spectrum), tour=ns.tour,
    )
    if options.version or options.list_presets:
        return Config(), options

    base = Config().to_dict()
    if ns.preset is not None:
        name = canonical_name(ns.preset)
        if name not in PRESETS:
            hint = closest(name, PRESET_ORDER)
            did = f"; did you mean {hint}?" if hint else ""
            flag = typed.get("--preset", "--preset")
            raise UsageError(
                f"{flag}: unknown value {ns.preset!r}; choose one of {', '.join(PRESET_ORDER)}{did}"
            )
        base = PRESETS[name].config().to_dict()
        options = Options(**{**options.__dict__, "preset": name})
    given = {f.name: getattr(ns, f.name) for f in fields(Config) if hasattr(ns, f.name)}
    try:
        config = Config(**{**base, **given})
    except ValueError as error:
        raise _config_error(error, given, typed) from None
    return config, options


# -- output ---------------------------------------------------------------------------------------

def _finite(obj: Any) -> Any:
    """JSON-safe copy: NaN and ±Infinity become null (the log10 fields next to them stay numbers)."""
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return obj
    try:
        x = float(obj)
    except (TypeError, ValueError):
        return str(obj)
    if hasattr(obj, "dtype") and getattr(obj.dtype, "kind", "f") in "iu":
        return int(obj)
    if hasattr(obj, "dtype") and getattr(obj.dtype, "kind", "f") == "b":
        return bool(obj)
    return x if math.isfinite(x) else None


def result_json(result) -> str:
    """``result.to_json()`` as strict JSON text (no NaN/Infinity tokens)."""
    return json.dumps(_finite(result.to_json()), allow_nan=False, indent=2)


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
        config, options = parse_args(argv)
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
    if options.output == "json":
        _write(json.dumps(_finite(_json_document(config, options)), allow_nan=False, indent=2) + "\n")
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
    from gradtui.tui.app import run_app

    extra = {"tour": tour} if tour is not None else {}
    return int(run_app(config, ascii=options.ascii, **extra) or 0)


#: above this many layers the Jacobian spectrum (a dense product per layer) is computed on a copy
#: capped to this depth, and the JSON says so
SPECTRUM_MAX_DEPTH = 400


def _json_document(config: Config, options: Options) -> dict[str, Any]:
    from gradtui.engine import compute

    data = compute(config).to_json()
    if options.theory:
        from gradtui.engine.theory import theory_summary

        data["theory"] = theory_summary(config)
    if options.spectrum:
        from gradtui.engine.theory import jacobian_spectrum, spectrum_summary

        capped = config.replace(mode="sampled", depth=min(config.depth, SPECTRUM_MAX_DEPTH))
        data["spectrum"] = {**spectrum_summary(jacobian_spectrum(capped)), "depth_used": capped.depth}
    return data


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
