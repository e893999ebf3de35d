"""Config ⇄ command line (DESIGN §4), used by the CLI and by the TUI.

``parse_args`` turns flags into a (Config, Options) pair; ``config_to_argv`` and ``command_line``
write the command that reproduces a config exactly: ``parse_args(config_to_argv(c))[0] == c`` for
every valid config. The network and engine flags, their metavars and the ranges an error names come
from Config's own table (:data:`gradtui.engine.config.LIMITS`); a bad value raises
:class:`UsageError`, one line naming the flag as the user typed it (a value longer than 40
characters is echoed as its first 40 and ``…``, control characters as escape text). A flag that
would be silently ignored in the combination given (``--spectrum --print``, ``--tour --json`` …) is
refused too. ``--help`` raises :class:`HelpRequested`: argv writes nothing itself.
"""

from __future__ import annotations

import argparse
import difflib
import shlex
import sys
from dataclasses import dataclass, fields, replace
from typing import Any, Sequence

from gradtui.engine.config import (
    LIMITS, MODES, Config, ConfigError, affordable_width_cost, canonical_name, check_budget, closest,
    float_text,
)
from gradtui.engine.presets import PRESET_ORDER, PRESETS

from .checks import (
    FLAGS, HelpRequested, UsageError, check_combinations, check_number_text, echo_safely, whole,
)

__all__ = [
    "FLAGS", "HelpRequested", "Options", "THEMES", "UsageError", "build_parser", "command_line",
    "config_to_argv", "parse_args",
]

PROG = "gradtui"

#: always written by ``config_to_argv`` (they say what the network is); the rest only when not default
CORE_FIELDS = ("depth", "activation", "init")

#: the network and engine flags in the order ``--help`` lists them, with their help (a default is
#: added from Config; a switch's help is (on, off))
_NETWORK_HELP: dict[str, Any] = {
    "depth": "number of layers L",
    "activation": None,  # the registry's names
    "init": None,
    "weight_scale": "multiplies every weight's standard deviation",
    "bias_std": "standard deviation of the biases (default 0; torch-linear: its own U(+-1/sqrt(N)))",
    "bias_mean": "mean of the biases (the chain's b)",
    "input_mean": "mean of the inputs' entries (the chain's x_0)",
    "input_std": "standard deviation of the inputs' entries",
    "residual": ("identity skip around every layer: h = h + alpha*f(z)", "plain stack h = f(z)"),
    "residual_scale": "alpha, the residual branch scale",
    "norm": "normalisation",
    "tied": ("one weight matrix for every layer (an unrolled RNN; sampled mode)",
             "independent weights per layer"),
}
_ENGINE_HELP: dict[str, Any] = {
    "mode": "expected: mean-field theory (default); sampled: one random network; "
            "chain: one neuron per layer, the textbook's z = w*x + b",
    "width": "units per layer in sampled mode",
    "batch": "inputs per batch in sampled mode",
    "seed": "random seed in sampled mode",
}
#: choices named in the metavar itself (few and short); the others say NAME and list them in help
_CHOICE_METAVAR = ("norm", "mode")


#: ``--theme``: the interactive view's colours (and the background of ``--print --svg``)
THEMES = ("dark", "light")


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
    #: ``--open FILE``: a recorded run instead of a simulated network; ``--step N``, ``--follow``
    open: str | None = None
    step: int | None = None
    follow: bool = False
    #: ``--compare "FLAGS" …``: the settings compared (gradtui.compare_args), or None
    compare: tuple[Config, ...] | None = None
    #: ``--print --svg FILE`` ("-": standard output), ``--print --markdown``
    svg: str | None = None
    markdown: bool = False
    #: ``--theme``: one of THEMES
    theme: str = "dark"


# -- config → command line ------------------------------------------------------------------------

def _value_text(field: str, value: Any) -> str:
    kind = LIMITS[field].kind
    if kind == "choice":
        return str(value).replace("_", "-")
    if kind == "float":
        return float_text(value)
    return str(int(value))


def config_to_argv(config: Config) -> list[str]:
    """Flags that rebuild ``config.effective()`` exactly; defaults are left out except
    depth/activation/init, and in chain mode so is every setting the chain does not read."""
    default = Config(init=config.init)  # bias_std's default is the init's own bias
    argv: list[str] = []
    for field, flag in FLAGS.items():
        value = getattr(config, field)
        if not config.applies(field):
            continue
        if field not in CORE_FIELDS and value == getattr(default, field):
            continue
        if LIMITS[field].kind == "bool":
            argv.append(flag if value else "--no-" + flag[2:])
            continue
        text = _value_text(field, value)
        # argparse takes "-1e-05" for a flag: a negative value is written as --flag=-1e-05
        argv += [f"{flag}={text}"] if text.startswith("-") else [flag, text]
    return argv


def command_line(config: Config) -> str:
    """The shell command that reproduces ``config``, e.g. ``gradtui --depth 16 --activation sigmoid …``."""
    return shlex.join([PROG, *config_to_argv(config)])


# -- command line → config ------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)

    def print_help(self, file=None) -> None:  # argparse's own would swallow a failed write
        raise HelpRequested(self.format_help())


def _default_text(field: str) -> str:
    value = getattr(Config(), field)
    return _value_text(field, value) if LIMITS[field].kind != "bool" else ""


def _add_config_flags(group, help_texts: dict[str, Any]) -> None:
    S = argparse.SUPPRESS  # only flags the user gave reach the namespace (so a preset stays intact)
    for field, text in help_texts.items():
        limit, flag = LIMITS[field], FLAGS[field]
        if limit.kind == "bool":
            on, off = text
            default_on = getattr(Config(), field)
            pair = group.add_mutually_exclusive_group()
            pair.add_argument(flag, dest=field, action="store_const", const=True, default=S,
                              help=on + (" (default)" if default_on else ""))
            pair.add_argument("--no-" + flag[2:], dest=field, action="store_const", const=False,
                              default=S, help=off + ("" if default_on else " (default)"))
            continue
        if limit.kind == "choice":
            metavar = "|".join(limit.choices) if field in _CHOICE_METAVAR else "NAME"
            text = text or ", ".join(n.replace("_", "-") for n in limit.choices)
        else:
            metavar = "N" if limit.kind == "int" else "X"
        if "(default" not in text:
            text += f" (default {_default_text(field)})"
        group.add_argument(flag, metavar=metavar, dest=field, default=S, help=text)


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
    _add_config_flags(p.add_argument_group("network"), _NETWORK_HELP)
    eng = p.add_argument_group("engine")
    _add_config_flags(eng, _ENGINE_HELP)
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
    out.add_argument("--svg", metavar="FILE", default=None,
                     help="with --print: also write the same text as an SVG picture to FILE (- for standard output)")
    out.add_argument("--markdown", action="store_true",
                     help="with --print: a fenced text block (no colour) and the command, for handouts")
    out.add_argument("--theme", choices=THEMES, default=None,
                     help="colours of the interactive view and of --svg: dark (default) or light, for projectors")
    out.add_argument("--tour", metavar="FILE", nargs="?", const="", default=None,
                     help="open the lecture tour (the shipped one; exercises: questions that ask first; "
                     "or your TOML file of at most 1 MiB)")
    out.add_argument("--compare", nargs="+", metavar="FLAGS",  # read by gradtui.compare_args
                     help='up to 4 settings side by side, each a quoted string of flags over the rest')
    rec = p.add_argument_group("your own model (a file gradtui.probe recorded)")
    rec.add_argument("--open", metavar="FILE", default=None,
                     help="show a recorded run: per-module gradients, activations, findings")
    rec.add_argument("--step", metavar="N", default=None,
                     help="with --open: the recorded step to show (default: the last)")
    rec.add_argument("--follow", action="store_true",
                     help="with --open: keep reading as the training run appends (with --print/--json: "
                     "wait for its first recorded step)")
    out.add_argument("--list-presets", dest="list_presets", action="store_true",
                     help="list the presets and exit")
    out.add_argument("--version", action="store_true", help="print the version and exit")
    return p


def _is_negative_number(token: str) -> bool:
    """``-1e-3``, ``-inf``, ``-.5``: a value, though argparse would take it for a flag."""
    if not token.startswith("-") or token.startswith("--"):
        return False
    try:
        float(token)
    except ValueError:
        return False
    return True


def _normalise(argv: Sequence[str], parser: argparse.ArgumentParser) -> tuple[list[str], dict[str, str]]:
    """``--weight_scale`` → ``--weight-scale``, ``--bias-std -1e-3`` → ``--bias-std=-1e-3``, and a
    flag given again replaces its earlier copy (argparse's last-wins, without its cost: it scans
    every remaining option for every option, so 10,000 repeated flags took seconds). Remembers how
    the user spelled each flag."""
    nargs = {o: a.nargs for a in parser._actions for o in a.option_strings}
    items: list[tuple[str | None, list[str]]] = []  # (flag whose copy this is, tokens)
    typed: dict[str, str] = {}
    tokens = [str(t) for t in argv]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            items.append((None, tokens[i:]))
            break
        if not (token.startswith("--") and len(token) > 2):
            items.append((None, [token]))
            i += 1
            continue
        name, eq, value = token.partition("=")
        canon = name.replace("_", "-")
        typed.setdefault(canon, name)
        kind = nargs.get(canon, "unknown")
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if eq or kind in (0, "unknown"):
            items.append((canon, [canon + eq + value]))
            i += 1
        elif nxt is not None and _is_negative_number(nxt):
            items.append((canon, [f"{canon}={nxt}"]))
            i += 2
        elif nxt is not None and not nxt.startswith("-") and kind in (None, "?"):
            items.append((canon, [canon, nxt]))
            i += 2
        else:  # a flag missing its value: left for argparse to refuse, never replaced
            items.append((None, [canon]))
            i += 1
    last = {key: n for n, (key, _) in enumerate(items) if key is not None}
    out = [t for n, (key, group) in enumerate(items) if key is None or last[key] == n for t in group]
    return out, typed


def _respell(message: str, typed: dict[str, str]) -> str:
    for canon, name in typed.items():
        if canon != name:
            message = message.replace(canon, name)
    return message


def _config_error(error: ConfigError, mode: Any, typed: dict[str, str]) -> UsageError:
    """Config's refusal as ``--flag: reason`` (the flag as the user typed it); a value that is not
    a number also says what is allowed, from the same table Config checked it against."""
    flag = typed.get(FLAGS[error.field], FLAGS[error.field])
    reason = " ".join(error.reason.split())
    if error.kind == "type":
        mode = canonical_name(mode)
        allowed = LIMITS[error.field].allowed(mode if mode in MODES else MODES[0])
        if allowed:
            reason = f"{reason}; {allowed}"
    return UsageError(f"{flag}: {reason}")


def _flag_hint(tokens: list[str], parser: argparse.ArgumentParser) -> str:
    """'; did you mean --depth?' for the first unknown flag that is close to a real one."""
    flags = [o for action in parser._actions for o in action.option_strings if o.startswith("--")]
    for token in tokens:
        if token.startswith("--") and token.split("=")[0] not in flags:
            match = difflib.get_close_matches(token.split("=")[0], flags, n=1, cutoff=0.6)
            if match:
                return f"; did you mean {match[0]}?"
    return ""


def _preset_base(name: str, typed: dict[str, str]) -> tuple[str, dict[str, Any]]:
    canon = canonical_name(name)
    if canon not in PRESETS:
        hint = closest(canon, PRESET_ORDER)
        did = f"; did you mean {hint}?" if hint else ""
        flag = typed.get("--preset", "--preset")
        raise UsageError(
            f"{flag}: unknown value {name!r}; choose one of {', '.join(PRESET_ORDER)}{did}"
        )
    return canon, PRESETS[canon].config().to_dict()


def _check_open(ns: argparse.Namespace, options: Options, typed: dict[str, str]) -> None:
    """--open shows a recorded run: no network or simulator flag goes with it; --step and
    --follow go only with it."""
    if options.open is None:
        for flag, given in (("--step", options.step is not None), ("--follow", options.follow)):
            if given:
                raise UsageError(f"{flag}: only with --open FILE")
        return
    network = [FLAGS[f.name] for f in fields(Config) if hasattr(ns, f.name)]
    others = [flag for flag, given in (("--preset", ns.preset is not None), ("--theory", options.theory),
              ("--spectrum", options.spectrum), ("--tour", options.tour is not None)) if given]
    bad = network + others
    if bad:
        flag = typed.get(bad[0], bad[0])
        raise UsageError(f"{flag}: not with --open (a recorded run is drawn as recorded)")
    if options.step is not None and options.step < 0:
        raise UsageError(f"{typed.get('--step', '--step')}: {options.step} is not a step number (0 or more)")


def parse_args(argv: Sequence[str] | None = None) -> tuple[Config, Options]:
    """Flags → (Config, Options). Raises UsageError (one line) for anything invalid and
    HelpRequested for ``--help``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _parse(argv)
    except UsageError as error:
        raise UsageError(echo_safely(str(error), argv)) from None


def _parse(argv: list[str]) -> tuple[Config, Options]:
    parser = build_parser()
    tokens, typed = _normalise(argv, parser)
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
        open=ns.open, step=None if ns.step is None else whole("--step", ns.step, typed, "a step number"),
        follow=bool(ns.follow), svg=ns.svg, markdown=bool(ns.markdown), theme=ns.theme or THEMES[0],
    )
    _check_open(ns, options, typed)
    check_combinations(ns, options, typed)
    if options.open is not None:
        return Config(), options
    if options.version or options.list_presets:
        return Config(), options

    base = Config().to_dict()
    if ns.preset is not None:
        name, base = _preset_base(ns.preset, typed)
        options = replace(options, preset=name)
    given = {f.name: getattr(ns, f.name) for f in fields(Config) if hasattr(ns, f.name)}
    values = {**base, **given}
    if "bias_std" not in given and not values["bias_std"]:
        values["bias_std"] = None  # no bias asked for: the init's own (torch-linear's U(±1/√N))
    for field, text in given.items():
        check_number_text(field, text, values["mode"], typed)
    spectrum = options.spectrum and options.output == "json"
    try:
        config = Config(**values)
        check_budget(config, spectrum=spectrum)
    except ConfigError as error:
        if error.kind == "memory":  # the width it names must pass the compute budget too
            error = ConfigError(error.field, error.reason
                                + affordable_width_cost(values, spectrum=spectrum), error.kind)
        raise _config_error(error, values["mode"], typed) from None
    for flag, on in (("--theory", options.theory), ("--spectrum", options.spectrum)):
        if on and config.mode == "chain":
            raise UsageError(f"{flag}: describes a wide network; --mode chain has one neuron per layer")
    if options.spectrum:
        from gradtui.engine.theory import spectrum_refusal

        refusal = spectrum_refusal(config)
        if refusal is not None:
            raise UsageError(f"{typed.get('--spectrum', '--spectrum')}: {refusal}")
    return config, options


