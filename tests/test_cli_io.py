"""The command line's edges (issue 16 items 8, 9, 13; issue 14 item 1): no terminal, output that
cannot be written, messages that stay short and exact, flags that would be ignored, and the
``--print`` forms (``--svg``, ``--markdown``) on README's examples."""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout

import pytest

from gradtui.argv import UsageError, parse_args
from gradtui.cli import main
from test_cli import ROOT, _env, gradtui_command
from test_golden_json import EXTRA, json_invocations

RUN = str(ROOT / "examples" / "runs" / "sigmoid.jsonl")


def sh(script: str, *args: str, env=None) -> subprocess.CompletedProcess:
    """``script`` in sh with "$@" = the gradtui command and ``args`` (for redirections like >&-)."""
    return subprocess.run(["sh", "-c", script, "sh", *gradtui_command(), *args], capture_output=True,
                          env=env or _env(), timeout=120, stdin=subprocess.DEVNULL)


def one_error_line(proc) -> str:
    err = proc.stderr.decode()
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradtui: error: "), err
    return lines[0]


# -- no terminal (item 8) -------------------------------------------------------------------------

@pytest.mark.parametrize("script, args", [
    ('"$@" <&-', []),
    ('"$@" </dev/null', []),
    ('"$@" </dev/null', ["--tour"]),
    ('"$@" </dev/null', ["--open", RUN]),
    ('"$@" </dev/null', ["--depth", "8", "--theme", "light"]),
])
def test_the_interactive_view_without_a_terminal_is_one_line_and_exit_2(script, args):
    proc = sh(script, *args)
    assert proc.returncode == 2, proc.stderr
    assert one_error_line(proc) == "gradtui: error: gradtui needs a terminal; use --print or --json"
    assert proc.stdout == b""  # no escape codes written to a file that is not a terminal


def test_without_a_terminal_output_and_errors_to_one_file_do_not_hang(tmp_path):
    out = tmp_path / "f"
    proc = subprocess.run(["sh", "-c", f'"$@" </dev/null >{out} 2>&1', "sh", *gradtui_command()],
                          timeout=60, env=_env())
    assert proc.returncode == 2
    assert out.read_text() == "gradtui: error: gradtui needs a terminal; use --print or --json\n"


# -- output errors (item 9) -----------------------------------------------------------------------

OUTPUTS = [["--json"], ["--print"], ["--version"], ["--list-presets"], ["--help"],
           ["--print", "--markdown"], ["--print", "--svg", "-"], ["--open", RUN, "--json"],
           ["--open", RUN, "--print"]]


@pytest.mark.parametrize("args", OUTPUTS, ids=" ".join)
def test_a_full_stdout_is_one_line_and_exit_1(args):
    proc = sh('"$@" >/dev/full', *args)
    assert proc.returncode == 1, proc.stderr
    assert one_error_line(proc) == ("gradtui: error: cannot write to standard output: "
                                    "No space left on device")


@pytest.mark.parametrize("args", OUTPUTS, ids=" ".join)
def test_a_closed_stdout_is_one_line_and_exit_1(args):
    proc = sh('"$@" >&-', *args)
    assert proc.returncode == 1, proc.stderr
    assert one_error_line(proc) == "gradtui: error: standard output is closed"


def test_a_bad_invocation_with_a_full_or_closed_stderr_still_exits_2():
    assert sh('"$@" 2>/dev/full', "--depth", "0").returncode == 2
    assert sh('"$@" 2>&-', "--depth", "0").returncode == 2
    assert sh('"$@" 2>/dev/full', "--tour", "/dev/zero").returncode == 2


def test_a_reader_that_leaves_early_is_not_an_error():
    bash = subprocess.run(["bash", "-c", '"$@" | head -c 10 >/dev/null; exit ${PIPESTATUS[0]}', "bash",
                           *gradtui_command(), "--depth", "10000", "--json"], capture_output=True,
                          timeout=120, env=_env())
    assert bash.returncode == 0 and bash.stderr == b""


def test_an_unwritable_svg_file_is_one_line_and_exit_1(tmp_path):
    for target in (str(tmp_path / "no" / "such" / "dir.svg"), "/dev/full", str(tmp_path)):
        proc = sh('"$@"', "--print", "--svg", target)
        assert proc.returncode == 1, (target, proc.stderr)
        assert one_error_line(proc).startswith(f"gradtui: error: --svg: cannot write '{target}': ")


# -- messages (item 13) ---------------------------------------------------------------------------

BAD = [
    (["--bias-std", "-1e-3"], "--bias-std: -0.001 is out of range; allowed [0, 100]"),
    (["--weight-scale", "-inf"], "--weight-scale: '-inf' is not a finite number; allowed (0, 1000]"),
    (["--weight-scale", "-2", "--json"], "--weight-scale: -2 is out of range; allowed (0, 1000]"),
    (["--residual-scale", "10.000000000000002"],
     "--residual-scale: 10.000000000000002 is out of range; allowed (0, 10]"),
    (["--depth", "１６"], "--depth: '１６' is not a whole number: write it with the ASCII digits 0-9"),
    (["--weight-scale", "１.5"], "--weight-scale: '１.5' is not a number: write it with the ASCII digits"),
    (["--depth", "9" * 5000], "--depth: " + "9" * 40 + "… is out of range; allowed 1–10000"),
    (["--depth", "9" * 100], "--depth: " + "9" * 40 + "… is out of range"),
    (["--activation", "x" * 100_000], "--activation: unknown value '" + "x" * 40 + "…'; choose one of"),
    (["--preset", "p" * 100_000], "--preset: unknown value '" + "p" * 40 + "…'"),
    (["--weight-scale", "1" * 5000], "--weight-scale: '" + "1" * 40 + "…' is not a finite number"),
    (["--activation", "\x1b]52;c;AA\x07"], "unknown value '\\x1b]52;c;AA\\x07'"),
    (["--\x1b[2J"], "unrecognized arguments: --\\x1b[2J"),
    (["--step", "１"], "--step: '１' is not a step number"),
    (["--spectrum", "--print"], "--spectrum: only with --json (--print has no spectrum)"),
    (["--spectrum"], "--spectrum: only with --json (in the interactive view, J shows the spectrum)"),
    (["--theory"], "--theory: only with --print or --json"),
    (["--tour", "--print"], "--tour: opens the interactive tour; not with --print"),
    (["--tour", "x.toml", "--json"], "--tour: opens the interactive tour; not with --json"),
    (["--json", "--tour"], "--tour: opens the interactive tour; not with --json"),
    (["--svg", "a.svg"], "--svg: only with --print"),
    (["--markdown", "--json"], "--markdown: only with --print"),
    (["--print", "--svg", "-", "--markdown"], "--markdown: not with --svg -"),
    (["--theme", "light", "--print"], "--theme: not with --print alone"),
    (["--theme", "light", "--json"], "--theme: not with --json alone"),
    (["--theme", "blue"], "--theme: invalid choice: 'blue'"),
    (["--ascii", "--json"], "--ascii: not with --json (JSON is ASCII already)"),
    (["--version", "--depth", "3"], "--depth: not with --version"),
    (["--list-presets", "--print"], "--print: not with --list-presets"),
    (["--open", RUN, "--theme", "light"], "--theme: not with --open's interactive view"),
]


@pytest.mark.parametrize("argv, words", BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_refusals_are_one_exact_short_line(capsys, argv, words):
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradtui: error: "), err
    assert words in lines[0], lines[0]
    assert len(lines[0]) < 1000  # the preset list alone is ~600 characters
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b]", lines[0])


def test_negative_values_as_separate_arguments_are_values():
    config, _ = parse_args(["--bias-mean", "-1e-3", "--input-mean", "-127.5", "--json"])
    assert config.bias_mean == -1e-3 and config.input_mean == -127.5
    assert parse_args(["--bias-mean", "-2"])[0] == parse_args(["--bias-mean=-2"])[0]


def test_repeated_flags_reach_argparse_once(monkeypatch):
    """argparse scans every later option for every option (quadratic): a flag given again
    replaces its earlier copy before argparse sees it, so 10,000 copies are one."""
    import argparse

    seen = []
    real = argparse.ArgumentParser.parse_args
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args",
                        lambda self, args=None, namespace=None: seen.append(list(args)) or real(self, args, namespace))
    config, options = parse_args(["--depth", "5", "--depth", "7"] * 5000 + ["--json"] * 5000)
    assert config.depth == 7 and options.output == "json"
    assert seen[-1] == ["--depth", "7", "--json"]
    # last one wins, as before; a flag missing its value is never dropped
    assert parse_args(["--depth", "3", "--activation", "relu", "--depth", "4"])[0].depth == 4
    with pytest.raises(UsageError, match="--depth: expected one argument"):
        parse_args(["--depth", "--depth", "5"])
    with pytest.raises(UsageError, match="not allowed with"):
        parse_args(["--residual", "--no-residual"] * 100)


@pytest.mark.parametrize("columns", [1, 2, 5, 14, 39])
def test_a_narrow_columns_prints_at_the_minimum_width(columns):
    env = {**_env(), "COLUMNS": str(columns)}
    proc = subprocess.run([*gradtui_command(), "--print"], capture_output=True, text=True, env=env,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert len(lines) > 10 and lines[0] != "t"
    assert "VANISHING" in lines[-2]
    assert max(len(line) for line in lines[:-2]) == 40  # the chart at MIN_WIDTH


# -- --print --svg and --print --markdown (issue 14 item 1) ---------------------------------------

def _svg_rows(svg: str) -> list[str]:
    """The text of an SVG that rich exported, one string per terminal row, each character at its
    column (rich writes no text element for a run of blank cells; its x says where text resumes)."""
    from rich.cells import cell_len

    root = ET.fromstring(svg)
    elements = [e for e in root.iter("{http://www.w3.org/2000/svg}text")
                if not e.get("class", "").endswith("-title")]  # the window's title is not a row
    first = next(e for e in elements if (e.text or "").strip())
    cell = float(first.get("textLength")) / cell_len(first.text.replace("\xa0", " "))
    rows: dict[float, dict[int, str]] = {}
    for e in elements:
        text = (e.text or "").replace("\xa0", " ").rstrip("\n")
        row = rows.setdefault(float(e.get("y")), {})
        col = round(float(e.get("x")) / cell)
        for ch in text:
            row[col] = ch
            for extra in range(1, cell_len(ch)):  # the second cell of a wide character
                row[col + extra] = ""
            col += max(1, cell_len(ch))
    out = []
    for _, row in sorted(rows.items()):
        width = max(row, default=-1) + 1
        out.append("".join(row.get(i, " ") for i in range(width)).rstrip())
    return out


def _print_invocations() -> list[list[str]]:
    """README's example commands (the golden-JSON list) as --print runs."""
    out = []
    for args in json_invocations()[: -len(EXTRA)]:
        if "--spectrum" in args:  # --json only
            continue
        args = [a for a in args if a not in ("--json", "--markdown")] + ["--print"]
        if "--svg" in args:  # README's own --svg examples: the picture is written below
            i = args.index("--svg")
            args[i:i + 2] = []
        if "--theme" in args:
            i = args.index("--theme")
            args[i:i + 2] = []
        try:
            parse_args(args)
        except UsageError:  # README's examples of mistakes
            continue
        out.append(args)
    return list({tuple(a): a for a in out}.values())


def _main_out(argv: list[str]) -> str:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    with redirect_stdout(out):
        assert main(argv) == 0, argv
    return raw.getvalue().decode("utf-8")


@pytest.mark.parametrize("args", _print_invocations(), ids=" ".join)
def test_print_svg_is_the_same_picture_as_print(tmp_path, monkeypatch, args):
    from gradtui.render.export import plain

    text = _main_out(args)
    path = tmp_path / "out.svg"
    assert _main_out([*args, "--svg", str(path)]) == text  # the text still goes to stdout
    rows = _svg_rows(path.read_text(encoding="utf-8"))
    # the SVG is the coloured text a terminal shows (in colour the chart draws its bars solid)
    monkeypatch.setattr("gradtui.cli._isatty", lambda stream: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    ansi = _main_out(args)
    assert "\x1b[" in ansi
    assert rows == [line.rstrip() for line in plain(ansi).rstrip("\n").split("\n")]
    assert rows[-2:] == text.rstrip("\n").split("\n")[-2:] or "--open" in args


def test_svg_finds_the_verdict_and_light_has_a_white_background(tmp_path):
    from gradtui.engine import Config, compute
    from gradtui.render.verdict import verdict

    for theme, background in (("dark", "#292929"), ("light", "#ffffff")):
        svg = _main_out(["--depth", "16", "--print", "--svg", "-", "--theme", theme])
        assert background in svg
        rows = _svg_rows(svg)
        assert verdict(compute(Config(depth=16))) in rows
        assert rows[-1] == "gradtui --depth 16 --activation sigmoid --init xavier-normal"
        # in colour: the regime's colour is in the picture
        assert re.search(r"fill: ?#[0-9a-f]{6}", svg)


def test_markdown_is_a_fenced_block_and_the_command():
    out = _main_out(["--depth", "16", "--print", "--markdown"])
    plain = _main_out(["--depth", "16", "--print"]).rstrip("\n").split("\n")
    assert "\x1b" not in out
    assert out.split("\n") == ["```text", *plain[:-1], "```", "", "```console", f"$ {plain[-1]}", "```", ""]
    recorded = _main_out(["--open", RUN, "--print", "--markdown"])
    assert recorded.startswith("```text\n") and recorded.endswith("\n```\n")


def test_markdown_fence_outlasts_backticks_in_the_text():
    from gradtui.render.export import to_markdown

    out = to_markdown("a ``` b\n````\ngradtui --depth 3\n")
    assert out.startswith("`````text\n") and "\n`````\n" in out
