"""The command line (gradtui/cli.py, DESIGN §4–5).

The acceptance tests run the real console script in subprocesses. They are started together
(a thread pool, a few at a time) so the whole file stays well under 30 s; each preset runs the
program twice at most (once with --json, once with --print).
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradtui import __version__
from gradtui.argv import FLAGS, Options, UsageError, build_parser, command_line, config_to_argv, parse_args
from gradtui.cli import main
from gradtui.engine import ACTIVATIONS, INITS, MODES, NORMS, PRESET_ORDER, PRESETS, Config
from gradtui.engine.config import MAX_DEPTH, MAX_SEED

ROOT = Path(__file__).resolve().parents[1]


def gradtui_command() -> list[str]:
    """The installed console script next to this interpreter (else ``python -m gradtui``)."""
    exe = shutil.which("gradtui", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "gradtui"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("COLUMNS", "LINES", "NO_COLOR"):
        env.pop(name, None)
    return env


def run(args: list[str]) -> subprocess.CompletedProcess:
    import tempfile

    # an example that writes a file (--svg NAME) writes it in a directory of its own
    cwd = tempfile.mkdtemp(prefix="gradtui-cli-") if "--svg" in args else None
    args = [str(ROOT / a) if a.startswith("examples/") else a for a in args]
    return subprocess.run(
        gradtui_command() + list(args), capture_output=True, text=True, timeout=120, env=_env(),
        stdin=subprocess.DEVNULL, cwd=cwd,
    )


def run_all(invocations: list[list[str]]) -> list[subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=max(2, min(8, (os.cpu_count() or 2) * 2))) as pool:
        return list(pool.map(run, invocations))


def strict_json(text: str):
    def no_constants(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=no_constants)


def compute(config: Config):
    from gradtui.engine import compute as engine_compute

    return engine_compute(config)


# -- every subprocess this file needs, started together ------------------------------------------

PRESET_INVOCATIONS = [["--preset", name, out] for name in PRESET_ORDER for out in ("--json", "--print")]
MISC_INVOCATIONS = [
    ["--version"],
    ["--list-presets"],
    ["--list-presets", "--ascii"],
    ["--depth", "16", "--activation", "sigmoid", "--print", "--ascii"],
    ["--depth", "10000", "--json"],
]


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, ...], subprocess.CompletedProcess]:
    """All invocations of the real program, keyed by their argv."""
    invocations = PRESET_INVOCATIONS + MISC_INVOCATIONS + [argv for argv, _ in BAD_IN_SUBPROCESS]
    invocations += [args for _, args in _example_invocations()]
    unique = list(dict.fromkeys(map(tuple, invocations)))
    return dict(zip(unique, run_all([list(u) for u in unique])))


@pytest.fixture(scope="module")
def preset_runs(runs):
    return {(args[1], args[2]): runs[tuple(args)] for args in PRESET_INVOCATIONS}


@pytest.mark.parametrize("name", PRESET_ORDER)
def test_preset_json_matches_the_engine(preset_runs, name):
    proc = preset_runs[(name, "--json")]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    data = strict_json(proc.stdout)
    config = PRESETS[name].config()
    result = compute(config)
    assert data["config"] == config.json_dict()
    assert len(data["layers"]) == config.depth == result.depth
    assert [row["layer"] for row in data["layers"]] == list(range(1, config.depth + 1))
    assert data["summary"]["regime"] == result.regime
    for row, lg in zip(data["layers"], result.log10_grad):
        lg = float(lg)
        if math.isfinite(lg):
            assert row["log10_grad"] == lg
        else:
            assert row["log10_grad"] is None
        assert row["regime"] in ("vanishing", "stable", "exploding", "overflow")
    first = result.log10_grad_first
    expected_first = first if math.isfinite(first) else None
    assert data["summary"]["log10_grad_first"] == expected_first


@pytest.mark.parametrize("name", PRESET_ORDER)
def test_preset_print_is_the_chart_verdict_and_command(preset_runs, name):
    from gradtui.render.bars import render_chart
    from gradtui.render.verdict import verdict

    proc = preset_runs[(name, "--print")]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    assert "\x1b[" not in out  # not a TTY: no colour
    config = PRESETS[name].config()
    result = compute(config)
    lines = out.rstrip("\n").split("\n")
    # not a TTY and no COLUMNS: 80 columns, 24 lines → the chart is 80×20, same code path as the TUI
    chart = [line.rstrip() for line in render_chart(result, 80, 20, color=False).split("\n")]
    assert lines[-2] == verdict(result)
    assert lines[-1] == command_line(config)
    assert lines[-2 - len(chart):-2] == chart
    assert all(len(line) <= 80 for line in lines[:-2])
    assert result.regime.upper() in lines[-2]
    assert parse_args(shlex.split(lines[-1])[1:])[0] == config


# -- README / docs examples -----------------------------------------------------------------------

def _cli_section() -> tuple[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"^## Command line\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, "README.md has no '## Command line' section"
    return "README.md", m.group(1)


def _examples() -> list[tuple[str, str | None]]:
    """Each ``$ gradtui ...`` line, with the error line that follows it if there is one."""
    _, text = _cli_section()
    lines = [line.strip() for line in text.splitlines()]
    examples = []
    for i, line in enumerate(lines):
        if line.startswith("$ gradtui"):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            examples.append((line[2:], nxt if nxt.startswith("gradtui: error:") else None))
    return examples


_EXIT_FLAGS = ("--print", "--json", "--list-presets", "--version", "--help")


def _example_invocations() -> list[tuple[tuple[str, str | None], list[str]]]:
    out = []
    for command, error in _examples():
        args = shlex.split(command)[1:]
        if "--tour" in args:  # the interactive tour only (tests/test_tour.py, tests/test_hostile_tour.py)
            continue
        if not any(flag in args for flag in _EXIT_FLAGS):
            args.append("--json")  # it would open the TUI
        out.append(((command, error), args))
    return out


@pytest.fixture(scope="module")
def example_runs(runs):
    return [(example, args, runs[tuple(args)]) for example, args in _example_invocations()]


def test_docs_examples_run(example_runs):
    assert len(example_runs) >= 10
    for (command, error), args, proc in example_runs:
        if error is None:
            assert proc.returncode == 0, (command, proc.stderr)
            assert proc.stdout.strip(), command
            assert proc.stderr == "", (command, proc.stderr)
            if "--json" in args:
                strict_json(proc.stdout)
        else:
            assert proc.returncode == 2, command
            assert proc.stderr.strip() == error, (command, proc.stderr)


def test_docs_show_every_flag():
    where, text = _cli_section()
    used = " ".join(command for command, _ in _examples())
    flags = {o for a in build_parser()._actions for o in a.option_strings if o.startswith("--")}
    flags.discard("--help")
    missing = sorted(f for f in flags if not re.search(re.escape(f) + r"(?![\w-])", used))
    assert not missing, f"{where}: no example uses {missing}"


# -- bad invocations ------------------------------------------------------------------------------

BAD = [
    # (argv, words the one error line must contain)
    (["--activation", "rlu"], ["--activation", "rlu", "did you mean relu"]),
    (["--activation", "sigmod"], ["--activation", "sigmod", "did you mean sigmoid"]),
    (["--init", "he-norml"], ["--init", "he-norml", "did you mean he_normal"]),
    (["--init", "kaiming"], ["--init", "kaiming", "xavier_normal"]),
    (["--norm", "group"], ["--norm", "group", "none, layer, rms, batch"]),
    (["--norm", "batch", "--batch", "1"], ["--batch", "1 cannot be batch-normalised", "batch ≥ 2"]),
    (["--norm", "batch", "--batch", "3"], ["--batch", "infinite expected squared gradient"]),
    (["--norm", "batch", "--json", "--spectrum"], ["--spectrum", "batch norm couples the samples"]),
    (["--mode", "sample"], ["--mode", "sample", "did you mean sampled"]),
    (["--preset", "sigmoid-dep"], ["--preset", "sigmoid-dep", "did you mean sigmoid_deep"]),
    (["--depth", "0"], ["--depth", "0", "1–10000"]),
    (["--depth", "-3"], ["--depth", "-3", "allowed"]),
    (["--depth", "10001"], ["--depth", "10001", "1–10000"]),
    (["--depth", "abc"], ["--depth", "abc", "whole number"]),
    (["--depth", "5.5"], ["--depth", "5.5", "whole number"]),
    (["--mode", "sampled", "--depth", "5000"], ["--depth", "5000", "1–2000"]),
    (["--width", "1"], ["--width", "1", "2–4096"]),
    (["--batch", "0"], ["--batch", "0", "1–1024"]),
    (["--seed", "-1"], ["--seed", "-1", "allowed"]),
    (["--weight-scale", "0"], ["--weight-scale", "0", "(0, 1000]"]),
    (["--weight-scale", "-1"], ["--weight-scale", "-1", "(0, 1000]"]),
    (["--weight-scale", "abc"], ["--weight-scale", "abc", "not a number", "(0, 1000]"]),
    (["--weight_scale", "nan"], ["--weight_scale", "nan", "(0, 1000]"]),
    (["--weight-scale", "inf"], ["--weight-scale", "inf"]),
    (["--bias-std", "-0.5"], ["--bias-std", "-0.5", "[0, 100]"]),
    (["--residual-scale", "11"], ["--residual-scale", "11", "(0, 10]"]),
    (["--residual_scale", "0"], ["--residual_scale", "0", "(0, 10]"]),
    # the value as it was given, not rounded onto the bound it passes
    (["--weight-scale", "1000.0000000000001"], ["1000.0000000000001 is out of range", "(0, 1000]"]),
    (["--bias-std", "100.00000000000001"], ["100.00000000000001 is out of range", "[0, 100]"]),
    (["--input-mean", "1001"], ["--input-mean", "1001", "[-1000, 1000]"]),
    (["--input-mean", "abc"], ["--input-mean", "abc", "not a number", "[-1000, 1000]"]),
    (["--input-std", "-1"], ["--input-std", "-1", "[0, 1000]"]),
    (["--input_std", "nan"], ["--input_std", "nan", "[0, 1000]"]),
    (["--bias-mean", "-101"], ["--bias-mean", "-101", "[-100, 100]"]),
    (["--bias-mean", "inf"], ["--bias-mean", "inf"]),
    (["--init", "torch-linaer"], ["--init", "torch-linaer", "did you mean torch_linear"]),
    (["--mode", "chian"], ["--mode", "chian", "did you mean chain"]),
    (["--mode", "chain", "--depth", "10001"], ["--depth", "10001", "1–10000 in chain mode"]),
    (["--mode", "chain", "--json", "--theory"], ["--theory", "--mode chain"]),
    (["--mode", "chain", "--json", "--spectrum"], ["--spectrum", "one neuron"]),
    (["--print", "--json"], ["--print", "--json"]),
    (["--residual", "--no-residual"], ["--residual", "--no-residual"]),
    (["--frobnicate"], ["--frobnicate"]),
    (["--dept", "5"], ["--dept", "did you mean --depth"]),
    (["16"], ["16"]),
    (["--depth"], ["--depth", "expected one argument"]),
    (["--mode", "sampled", "--width", "4096", "--batch", "1024", "--depth", "2000"],
     ["--width", "4096", "largest affordable width"]),
]


def test_a_memory_refusal_names_settings_that_pass_the_compute_budget_too(capsys):
    """At depth 2000, batch 5 the largest width that fits in memory would take minutes: the one
    line says so and names a depth and a width that pass both checks (each tried here), instead
    of a width the next run refuses for time. Where that width is within the budget, nothing is
    added."""
    base = ["--mode", "sampled", "--depth", "2000", "--batch", "5"]
    assert main(base + ["--width", "4096", "--print"]) == 2
    line = capsys.readouterr().err.strip()
    found = re.search(r"largest affordable width here is (\d+), which would take about .+ to "
                      r"compute \(budget 10 s\): depth ≤ (\d+) or width ≤ (\d+) fits$", line)
    assert found, line
    width, depth, both = map(int, found.groups())
    assert 2 <= both < width < 4096 and 1 <= depth < 2000
    with pytest.raises(UsageError, match=f"{width} at depth 2000 .* to compute"):
        parse_args(base + ["--width", str(width)])
    assert parse_args(base + ["--width", str(both)])[0].width == both
    with pytest.raises(UsageError, match="to compute"):
        parse_args(base + ["--width", str(both + 1)])
    shallower = ["--mode", "sampled", "--depth", str(depth), "--batch", "5", "--width", str(width)]
    assert parse_args(shallower)[0].depth == depth
    # batch 1024: the affordable width (32) is quick, so the line ends at it
    assert main(["--mode", "sampled", "--depth", "2000", "--batch", "1024", "--width", "4096"]) == 2
    line = capsys.readouterr().err.strip()
    assert line.endswith("the largest affordable width here is 32"), line
    assert parse_args(["--mode", "sampled", "--depth", "2000", "--batch", "1024", "--width", "32"])


#: a sample of the table through the real program (the whole table runs in-process below)
_SAMPLE = [["--activation", "rlu"], ["--weight-scale", "abc"], ["--depth", "0"], ["--print", "--json"],
           ["--frobnicate"], ["16"], ["--depth"], ["--mode", "sampled", "--depth", "5000"],
           ["--norm", "batch", "--batch", "1"]]
BAD_IN_SUBPROCESS = [b for b in BAD if b[0] in _SAMPLE]


def test_bad_invocations_print_one_line_and_exit_2(capsys):
    assert len(BAD) >= 20
    for argv, words in BAD:
        status = main(argv)
        captured = capsys.readouterr()
        assert status == 2, (argv, status, captured.err)
        assert captured.out == "", argv
        assert "Traceback" not in captured.err, argv
        lines = captured.err.splitlines()
        assert len(lines) == 1, (argv, captured.err)
        assert lines[0].startswith("gradtui: error: "), lines[0]
        for word in words:
            assert word in lines[0], (argv, word, lines[0])


def test_bad_invocations_of_the_real_program(runs):
    assert len(BAD_IN_SUBPROCESS) >= 6
    for argv, words in BAD_IN_SUBPROCESS:
        proc = runs[tuple(argv)]
        assert proc.returncode == 2, (argv, proc.returncode, proc.stderr)
        assert "Traceback" not in proc.stderr, argv
        assert proc.stdout == "", argv
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("gradtui: error: "), (argv, proc.stderr)
        for word in words:
            assert word in lines[0], (argv, word, lines[0])


# -- config ↔ command line ------------------------------------------------------------------------

def _valid(**kw) -> Config | None:
    """The config the command line accepts (Config's validation and the compute budget), or None."""
    from gradtui.engine.config import check_budget

    try:
        config = Config(**kw)
        check_budget(config)
        return config
    except ValueError:
        return None


@st.composite
def configs(draw) -> Config:
    mode = draw(st.sampled_from(MODES))
    while True:
        kw = dict(
            depth=draw(st.integers(1, MAX_DEPTH[mode])),
            activation=draw(st.sampled_from(list(ACTIVATIONS))),
            init=draw(st.sampled_from(list(INITS))),
            weight_scale=draw(st.one_of(
                st.floats(0, 1000, exclude_min=True), st.just(2**0.25), st.just(1.0),
                st.sampled_from([0.1, 1e-300, 5e-324, 1000.0, 1 / 3]))),
            bias_std=draw(st.one_of(st.floats(0, 100), st.just(0.0), st.just(-0.0), st.none())),
            bias_mean=draw(st.one_of(st.floats(-100, 100), st.just(0.0), st.just(-0.0))),
            input_mean=draw(st.one_of(st.floats(-1000, 1000), st.just(0.0), st.just(127.5))),
            input_std=draw(st.one_of(st.floats(0, 1000), st.just(1.0), st.just(0.0))),
            residual=draw(st.booleans()),
            tied=draw(st.booleans()),
            residual_scale=draw(st.one_of(st.floats(0, 10, exclude_min=True), st.just(1.0))),
            norm=draw(st.sampled_from(NORMS)),
            mode=mode,
            width=draw(st.integers(2, 4096)),
            batch=draw(st.integers(1, 1024)),
            seed=draw(st.integers(0, MAX_SEED)),
        )
        config = _valid(**kw)
        if config is not None:
            return config
        # sampled mode over the memory budget: shrink width and batch and try again
        mode_small = dict(kw, width=draw(st.integers(2, 64)), batch=draw(st.integers(1, 16)))
        config = _valid(**mode_small)
        if config is not None:
            return config


@settings(max_examples=200, deadline=None)
@given(configs())
def test_round_trip(config):
    argv = config_to_argv(config)
    parsed, options = parse_args(argv)
    # every setting that applies comes back (in chain mode the others are not written)
    assert parsed == config.effective()
    assert options == Options()
    if config.mode == "chain":
        assert not {"--init", "--width", "--batch", "--seed", "--bias-std", "--input-std"} & set(argv)
    # and the shell form of it
    line = command_line(config)
    assert line.startswith("gradtui ")
    assert parse_args(shlex.split(line)[1:])[0] == config.effective()


def test_round_trip_is_exact_for_awkward_floats():
    config = Config(weight_scale=2**0.25, bias_std=0.1 + 0.2, residual_scale=1 / 3)
    argv = config_to_argv(config)
    assert "1.189207115002721" in argv and "0.30000000000000004" in argv
    assert parse_args(argv)[0] == config


def test_command_line_is_short():
    assert command_line(Config()) == "gradtui --depth 16 --activation sigmoid --init xavier-normal"
    line = command_line(Config(depth=100, activation="relu", init="he_normal", residual=True,
                               residual_scale=0.1, weight_scale=2.0))
    assert line == ("gradtui --depth 100 --activation relu --init he-normal --weight-scale 2 "
                    "--residual --residual-scale 0.1")
    assert "--seed 7" in command_line(Config(mode="sampled", seed=7))


def test_preset_then_overrides():
    config, options = parse_args(["--preset", "relu-he", "--depth", "10"])
    assert options.preset == "relu_he"
    assert config == PRESETS["relu_he"].config().replace(depth=10)
    # flags override the preset wherever they are written
    assert parse_args(["--depth", "10", "--preset", "relu_he"])[0] == config
    # flags not given keep the preset's values
    config, _ = parse_args(["--preset", "relu_residual_scaled", "--mode", "sampled"])
    assert config.residual and config.residual_scale == 0.1 and config.mode == "sampled"
    assert parse_args(["--preset", "sigmoid_residual", "--no-residual"])[0].residual is False


def test_names_accept_dash_or_underscore():
    a, _ = parse_args(["--init", "he-normal", "--activation", "leaky_relu"])
    b, _ = parse_args(["--init", "he_normal", "--activation", "leaky-relu"])
    assert a == b
    c, _ = parse_args(["--weight_scale", "2", "--bias_std=0.5"])
    assert c.weight_scale == 2.0 and c.bias_std == 0.5


def test_options():
    _, o = parse_args(["--print", "--ascii"])
    assert o.output == "print" and o.ascii
    _, o = parse_args(["--json"])
    assert o.output == "json" and not o.ascii
    assert parse_args([])[1] == Options()


def test_flags_table_matches_config():
    from dataclasses import fields

    assert list(FLAGS) == [f.name for f in fields(Config)]


def test_flags_and_ranges_come_from_configs_limits_table():
    from gradtui.engine.config import LIMITS

    parser = build_parser()
    options = {o: a for a in parser._actions for o in a.option_strings}
    for field, limit in LIMITS.items():
        flag = FLAGS[field]
        assert options[flag].dest == field
        if limit.kind == "bool":
            assert options["--no-" + flag[2:]].dest == field
            continue
        if limit.kind == "choice":
            words = " ".join(str(options[flag].metavar).split("|")) + " " + options[flag].help
            assert all(c.replace("_", "-") in words or c in words for c in limit.choices), field
            continue
        # a value that is not a number names the range Config itself refuses values outside of
        for mode in MODES:
            allowed = limit.allowed(mode)
            with pytest.raises(ValueError, match=re.escape(allowed)):
                Config(**{field: limit.upper(mode) * 2 + 1, "mode": mode})
            with pytest.raises(UsageError, match=re.escape(f"{flag}: 'x' is not a") + ".*" + re.escape(allowed)):
                parse_args(["--mode", mode, flag, "x"])


# -- small programs -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def misc_runs(runs):
    return {tuple(args): runs[tuple(args)] for args in MISC_INVOCATIONS}


def test_version(misc_runs):
    proc = misc_runs[("--version",)]
    assert proc.returncode == 0 and proc.stdout.strip() == f"gradtui {__version__}"


def test_list_presets(misc_runs):
    out = misc_runs[("--list-presets",)].stdout
    for name in PRESET_ORDER:
        assert re.search(rf"^{name}\s+{re.escape(PRESETS[name].caption)}$", out, re.M), name
    assert misc_runs[("--list-presets", "--ascii")].stdout.isascii()


def test_print_ascii_is_pure_ascii(misc_runs):
    proc = misc_runs[("--depth", "16", "--activation", "sigmoid", "--print", "--ascii")]
    assert proc.returncode == 0
    assert proc.stdout.isascii()
    assert "VANISHING" in proc.stdout


def test_json_deep_network(misc_runs):
    proc = misc_runs[("--depth", "10000", "--json")]
    assert proc.returncode == 0, proc.stderr
    data = strict_json(proc.stdout)
    assert len(data["layers"]) == 10000
    # far below float64: the value is null, its log10 stays a number
    first = data["layers"][0]
    if first["log10_grad"] is not None and first["log10_grad"] < -330:
        assert first["grad"] is None


def test_print_honours_columns_and_no_color():
    env = _env()
    env["COLUMNS"] = "60"
    env["NO_COLOR"] = "1"
    proc = subprocess.run(gradtui_command() + ["--print"], capture_output=True, text=True,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0
    assert "\x1b[" not in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()[:-2]) <= 60


def test_json_never_has_nan_or_infinity(monkeypatch, capsys):
    import numpy as np

    import gradtui.engine
    from gradtui.engine import Result

    n = 4
    result = Result(
        config=Config(depth=n), log10_factor=np.array([0.0, np.nan, -400.0, 0.0]),
        weight_gain=np.array([1.0, np.inf, 1.0, 1.0]), deriv_gain=np.ones(n),
        log10_act_std=np.array([0.0, 400.0, np.nan, -np.inf]), norm_gain=np.ones(n),
        overflow=np.array([False, True, True, False]),
        log10_grad=np.array([-np.inf, np.nan, -400.0, 0.0]),
    )
    monkeypatch.setattr(gradtui.engine, "compute", lambda config: result)
    assert main(["--json", "--depth", str(n)]) == 0
    data = strict_json(capsys.readouterr().out)
    assert data["layers"][0]["grad"] == 0.0
    assert data["layers"][1]["log10_grad"] is None
    assert data["layers"][2]["grad"] is None and data["layers"][2]["log10_grad"] == -400.0
    assert data["layers"][1]["act_std"] is None and data["layers"][1]["log10_act_std"] == 400.0


def test_print_and_json_do_not_import_textual():
    code = (
        "import sys, io, contextlib\n"
        "from gradtui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--json', '--depth', '3']) == 0\n"
        "    assert main(['--print', '--depth', '3']) == 0\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_tui_is_opened_with_the_parsed_config(monkeypatch):
    import types

    seen = {}

    def run_app(config, *, ascii=False, tour=None, theme="dark"):
        seen["config"], seen["ascii"], seen["tour"], seen["theme"] = config, ascii, tour, theme
        return 0

    fake = types.ModuleType("gradtui.tui.app")
    fake.run_app = run_app
    monkeypatch.setitem(sys.modules, "gradtui.tui.app", fake)
    monkeypatch.setattr("gradtui.cli._has_terminal", lambda: True)
    assert main(["--preset", "relu_he", "--depth", "12", "--ascii"]) == 0
    assert seen == {"config": PRESETS["relu_he"].config().replace(depth=12), "ascii": True, "tour": None,
                    "theme": "dark"}
    assert main(["--theme", "light"]) == 0 and seen["theme"] == "light"
    assert main(["--tour"]) == 0
    from gradtui.tour import load_tour

    assert seen["tour"] == load_tour() and len(seen["tour"]) >= 8


def test_non_utf8_locale_prints_ascii_and_one_line_errors():
    env = {**os.environ, "LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    env.pop("NO_COLOR", None)
    out = subprocess.run([*gradtui_command(), "--print", "--depth", "6"], capture_output=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.isascii() and b"VANISHING" in out.stdout
    bad = subprocess.run([*gradtui_command(), "--depth", "0"], capture_output=True, env=env, timeout=60)
    assert bad.returncode == 2 and bad.stderr.isascii()
    assert len(bad.stderr.decode().strip().splitlines()) == 1 and b"\\u" not in bad.stderr
