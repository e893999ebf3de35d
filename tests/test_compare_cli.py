"""``gradtui --compare "FLAGS" …`` (gradtui/compare_args.py, gradtui/cli.py): --print, --json, the
TUI dispatch and bad compare strings. In-process through ``gradtui.cli.main``."""

from __future__ import annotations

import json

import pytest

from gradtui.argv import command_line
from gradtui.cli import main
from gradtui.compare_args import parse_with_compare, split_compare
from gradtui.engine import Config, compute

CLASSIC = ["--activation sigmoid", "--activation tanh", "--activation relu --init xavier-normal",
           "--activation relu --init he-normal"]
SINGLE = [["--activation", "sigmoid"], ["--activation", "tanh"],
          ["--activation", "relu", "--init", "xavier-normal"], ["--activation", "relu", "--init", "he-normal"]]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_has_one_single_setting_document_per_setting(capsys):
    code, out, err = run(capsys, "--depth", "20", "--json", "--compare", *CLASSIC)
    assert code == 0 and err == ""
    docs = json.loads(out)["compare"]
    assert len(docs) == 4
    for doc, flags in zip(docs, SINGLE):
        code, single, _ = run(capsys, "--depth", "20", *flags, "--json")
        assert code == 0
        assert doc == json.loads(single)
    assert [d["summary"]["regime"] for d in docs] == [
        compute(Config(depth=20, activation=a, init=i)).regime
        for a, i in (("sigmoid", "xavier_normal"), ("tanh", "xavier_normal"),
                     ("relu", "xavier_normal"), ("relu", "he_normal"))
    ]


def test_json_with_theory_gives_each_document_its_theory(capsys):
    code, out, _ = run(capsys, "--depth", "10", "--json", "--theory", "--compare", "", "--activation tanh")
    assert code == 0
    docs = json.loads(out)["compare"]
    assert [d["config"]["activation"] for d in docs] == ["sigmoid", "tanh"]
    assert all("theory" in d for d in docs)


def test_print_shows_every_panel_verdict_and_command(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    code, out, err = run(capsys, "--depth", "20", "--print", "--compare", *CLASSIC)
    assert code == 0 and err == ""
    assert "\x1b[" not in out  # not a terminal: no colour
    configs = parse_with_compare(["--depth", "20", "--compare", *CLASSIC])[1].compare
    for config in configs:
        assert f"$ {command_line(config)}" in out
    regimes = [compute(c).regime for c in configs]
    assert out.count("VANISHING —") == regimes.count("vanishing")
    assert out.count("STABLE —") == regimes.count("stable")


def test_print_ascii_at_80_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "--depth", "20", "--print", "--ascii", "--compare", *CLASSIC)
    assert code == 0 and out.isascii()
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "v VANISHING" in out and "= STABLE" in out


def test_each_item_is_applied_over_the_rest():
    config, options = parse_with_compare(
        ["--depth", "20", "--residual", "--compare", "--depth 5", "--no-residual ", "", "--preset relu_he"])
    a, b, c, d = options.compare
    assert (a.depth, a.residual) == (5, True)
    assert (b.depth, b.residual) == (20, False)
    assert c == config == Config(depth=20, residual=True)
    assert d.activation == "relu" and d.init == "he_normal" and d.depth == 20 and d.residual


def test_split_leaves_the_rest_in_order():
    rest, items = split_compare(["--depth", "3", "--compare", "--activation tanh", "relu-less", "--print"])
    assert rest == ["--depth", "3", "--print"]
    assert items == ["--activation tanh", "relu-less"]
    assert split_compare(["--depth", "3"]) == (["--depth", "3"], None)


@pytest.mark.parametrize("items, expected", [
    (["--activaton tanh"], "--compare item 1 ('--activaton tanh'): unrecognized arguments: --activaton"),
    (["--depth 3", "--depth 0"], "--compare item 2 ('--depth 0'): --depth: 0 is out of range"),
    (["--activation rlu"], "--compare item 1 ('--activation rlu'): --activation: unknown value 'rlu'"),
    (["--activation tanh --json"], "--compare item 1 ('--activation tanh --json'): --json: not inside a setting"),
    (["sigmoid"], "--compare item 1 ('sigmoid'): unrecognized arguments: sigmoid"),
    (['"--depth 3'], "--compare item 1 ('\"--depth 3'): No closing quotation"),
    ([], "--compare: give 1 to 4 settings"),
    (["", "", "", "", ""], "--compare: at most 4 settings (5 given)"),
    (["--mode sampled --depth 5000"], "--compare item 1 ('--mode sampled --depth 5000'): --depth: 5000 is out of range"),
])
def test_bad_compare_strings_are_one_line_and_exit_2(capsys, items, expected):
    code, out, err = run(capsys, "--print", "--compare", *items)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("gradtui: error: ")
    assert expected in err


@pytest.mark.parametrize("argv, expected", [
    (["--compare", "--depth 3", "--open", "x.jsonl"], "--open: not with --compare"),
    (["--compare", "--depth 3", "--tour"], "--tour: not with --compare"),
    (["--compare", "--depth 3", "--print", "--theory"], "--theory: with --compare only together with --json"),
    (["--compare", "--depth 3", "--compare", "--depth 4"], "--compare: give it once"),
])
def test_compare_refuses_what_does_not_go_with_it(capsys, argv, expected):
    code, _, err = run(capsys, *argv)
    assert code == 2 and expected in err and err.count("\n") == 1


def test_tui_opens_with_the_settings(capsys, monkeypatch):
    import gradtui.tui.app as app_module

    seen = {}

    def fake_run_app(config, *, ascii=False, tour=None, compare=None, theme="dark"):
        seen.update(config=config, compare=compare)
        return 0

    monkeypatch.setattr(app_module, "run_app", fake_run_app)
    monkeypatch.setattr("gradtui.cli._has_terminal", lambda: True)
    code, _, err = run(capsys, "--depth", "20", "--compare", *CLASSIC)
    assert code == 0 and err == ""
    assert seen["config"] == Config(depth=20)
    assert [c.activation for c in seen["compare"]] == ["sigmoid", "tanh", "relu", "relu"]
    assert [c.init for c in seen["compare"]][2:] == ["xavier_normal", "he_normal"]


def test_single_setting_json_is_unchanged(capsys):
    # the --compare code path must leave plain --json alone (the goldens check the bytes)
    code, out, _ = run(capsys, "--depth", "8", "--json")
    from gradtui.engine.report import json_text

    assert code == 0 and out == json_text(Config(depth=8)) + "\n"
