"""The lecture tour: the shipped script loads, and a broken one gives one clear error naming the
file, the line and the key."""

from __future__ import annotations

import math

import pytest

from gradtui.engine import PRESETS, Config, compute
from gradtui.tour import TourError, load_tour, parse_tour, read_tour, shipped_tour_path

LECTURE = [
    "sigmoid_deep", "relu_xavier", "relu_he", "too_large", "sigmoid_residual", "relu_residual",
    "relu_residual_scaled", "orthogonal_linear", "orthogonal_linear", "zero_init",
    "sigmoid_batchnorm", "relu_batchnorm", "relu_batchnorm_b8", "batchnorm_b4", "batchnorm_residual",
    "sigmoid_rmsnorm",
]


def test_shipped_tour_loads_and_every_step_builds_a_config():
    tour = read_tour()
    assert tour.title
    steps = tour.steps
    assert [s.preset for s in steps] == LECTURE
    assert [s.index for s in steps] == list(range(1, len(steps) + 1))
    for step in steps:
        assert isinstance(step.config, Config)
        assert step.title and step.caption and step.notice
        assert step.line > 0
    assert len({s.title for s in steps}) == len(steps)
    assert shipped_tour_path().is_file()


def test_shipped_tour_claims_hold_in_expected_mode():
    """The 'what to notice' numbers of the shipped tour, against the expected engine."""
    steps = load_tour()
    by_preset = {s.preset: compute(s.config) for s in steps if not s.overrides}
    assert by_preset["sigmoid_deep"].log10_grad_first == pytest.approx(-9.4, abs=0.3)  # ~1e-9
    assert by_preset["relu_xavier"].log10_grad_first == pytest.approx(-3, abs=0.3)  # ~1e-3
    assert abs(by_preset["relu_he"].log10_grad_first) < 0.05
    assert by_preset["too_large"].log10_grad_first == pytest.approx(11, abs=1)  # ~11 decades
    assert abs(by_preset["sigmoid_residual"].log10_grad_first) < 0.3
    assert by_preset["relu_residual"].log10_grad_first == pytest.approx(15, abs=0.5)
    assert 0 < by_preset["relu_residual_scaled"].log10_grad_first < 0.3  # within ×2 of flat
    assert by_preset["orthogonal_linear"].log10_grad_first == pytest.approx(0, abs=1e-9)
    assert by_preset["zero_init"].log10_grad_first == float("-inf")
    # batch norm: stable sigmoid with f' still 0.21; ×1.22, ×1.34 and ×1.76 per layer at B = 64, 8, 4
    sig_bn = by_preset["sigmoid_batchnorm"]
    assert abs(sig_bn.log10_grad_first) < 1 and sig_bn.deriv_gain[5] == pytest.approx(0.21, abs=0.005)
    assert sig_bn.norm_gain[5] == pytest.approx(4.8, abs=0.05)
    for name, rate, decades in (("relu_batchnorm", 1.22, 4.3), ("relu_batchnorm_b8", 1.34, 6.2),
                                ("batchnorm_b4", 1.76, 12)):
        r = by_preset[name]
        assert 10 ** r.log10_factor[25] == pytest.approx(rate, abs=0.005), name
        assert r.log10_grad_first == pytest.approx(decades, abs=0.25), name
    assert 0 < by_preset["batchnorm_residual"].log10_grad_first < 1
    assert by_preset["sigmoid_rmsnorm"].log10_grad_first == pytest.approx(
        compute(PRESETS["sigmoid_layernorm"].config()).log10_grad_first, abs=1e-9)
    (rnn,) = [s for s in steps if s.overrides]
    assert rnn.overrides == {"weight_scale": 1.2}
    assert compute(rnn.config).log10_grad_first == pytest.approx(49 * math.log10(1.2), abs=1e-6)


def test_overrides_and_defaults(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'title = "mine"\n'
        "\n"
        "[[step]]\n"
        'preset = "relu-he"\n'
        "depth = 7\n"
        'mode = "sampled"\n'
        "width = 32\n"
        'notice = """two\nlines"""\n',
        encoding="utf-8",
    )
    (step,) = load_tour(path)
    assert step.preset == "relu_he"
    assert step.title == PRESETS["relu_he"].title
    assert step.caption == PRESETS["relu_he"].caption
    assert step.notice == "two lines"
    c = step.config
    assert (c.depth, c.mode, c.width, c.activation, c.init) == (7, "sampled", 32, "relu", "he_normal")
    # on a base config: the base's seed/batch are kept, the overrides still win
    based = step.config_for(Config(seed=5, batch=8))
    assert (based.seed, based.batch, based.depth, based.width) == (5, 8, 7, 32)


GOOD = 'title = "t"\n\n[[step]]\npreset = "relu_he"\ntitle = "one"\n\n[[step]]\npreset = "sigmoid_deep"\n'


@pytest.mark.parametrize(
    "text, line, key, words",
    [
        # TOML syntax: tomllib's line, and the key written on it
        (GOOD + "depth = \n", 9, "depth", "invalid TOML"),
        # a preset that does not exist
        (GOOD.replace('"sigmoid_deep"', '"sigmoid_dep"'), 8, "preset", "did you mean sigmoid_deep"),
        # a key a step does not have
        (GOOD + "dept = 3\n", 9, "dept", "did you mean depth"),
        # a value Config refuses
        (GOOD + "depth = 0\n", 9, "depth", "out of range"),
        (GOOD + 'init = "he"\n', 9, "init", "unknown value"),
        (GOOD + 'residual = "yes"\n', 9, "residual", "must be true or false, e.g. residual = true, not the text \"yes\""),
        # the wrong type for text
        (GOOD + "notice = 3\n", 9, "notice", "text in quotes"),
        # a top-level key that is not title/step
        ("titel = 'x'\n" + GOOD, 1, "titel", "did you mean title"),
        # questions: malformed ones are reported like every other key
        (GOOD + 'question = "?"\n', 9, "question", "either ask"),
        (GOOD + 'question = "?"\nask = "grad_frist"\n', 10, "ask", "grad_first, grad_input"),
        (GOOD + 'question = "?"\nask = "grad_first"\nanswer = 2\n', 11, "answer", "remove it"),
        (GOOD + 'question = "?"\nchoices = ["a"]\nanswer = 1\n', 10, "choices", "two or three"),
        (GOOD + 'question = "?"\nchoices = ["a", "b"]\n', 10, "choices", "no answer"),
        (GOOD + 'question = "?"\nchoices = ["a", "b"]\nanswer = 3\n', 11, "answer", "1 to 2"),
        (GOOD + 'reveal = "x"\n', 9, "reveal", "only a question step"),
        (GOOD + "question = 3\nask = 'grad_first'\n", 9, "question", "text in quotes"),
    ],
    ids=["syntax", "unknown-preset", "unknown-key", "bad-depth", "bad-init", "bad-bool",
         "bad-text", "top-level", "question-without-ask", "bad-ask", "decade-with-answer",
         "one-choice", "choices-without-answer", "answer-out-of-range", "reveal-without-question",
         "question-not-text"],
)
def test_malformed_tours_name_line_and_key(tmp_path, text, line, key, words):
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TourError) as info:
        load_tour(path)
    error = info.value
    assert (error.line, error.key) == (line, key)
    message = str(error)
    assert message.startswith(f"{path}:{line}:")
    assert f"key '{key}'" in message
    assert words in message
    assert "\n" not in message
    assert isinstance(error, ValueError)


def test_line_numbers_skip_multiline_strings():
    text = (
        "[[step]]\n"
        'preset = "relu_he"\n'
        'caption = """\n'
        "depth = 3 (this is caption text, not a key)\n"
        '"""\n'
        "depth = -1\n"
    )
    with pytest.raises(TourError) as info:
        parse_tour(text, "t.toml")
    assert (info.value.line, info.value.key, info.value.step) == (6, "depth", 1)


def test_the_step_number_is_named():
    text = GOOD + "\n[[step]]\npreset = 'relu_he'\nwidth = 1\n"
    with pytest.raises(TourError, match=r"^t.toml:12: step 3, key 'width': width: 1 is out of range"):
        parse_tour(text, "t.toml")


def test_subtables_are_unknown_keys():
    with pytest.raises(TourError) as info:
        parse_tour('[[step]]\npreset = "relu_he"\n\n[step.config]\ndepth = 3\n', "t.toml")
    assert (info.value.line, info.value.key) == (4, "config")


@pytest.mark.parametrize(
    "text, words",
    [
        ('title = "no steps"\n', "no steps"),
        ("step = 3\n", "[[step]] tables"),
        ('[[step]]\ntitle = "x"\n', "no preset"),
    ],
)
def test_structural_errors(text, words):
    with pytest.raises(TourError, match="t.toml") as info:
        parse_tour(text, "t.toml")
    assert words in str(info.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(TourError, match="cannot read the tour"):
        load_tour(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'title = "x"\n\xff\xfe\n')
    with pytest.raises(TourError, match=r"bad.toml:2: the file is not UTF-8"):
        load_tour(bad)


# -- the exercises tour -------------------------------------------------------------------------
def test_exercises_tour_loads_and_its_answers_hold():
    tour = read_tour("exercises")
    assert tour.title and tour.path == "exercises.toml"
    steps = tour.steps
    assert len(steps) == 5 and all(s.is_question for s in steps)
    by = [compute(s.config) for s in steps]
    # 1. the sigmoid chain at depth 10: nine factors ≈ 0.23, below 0.25⁹
    assert steps[0].config.mode == "chain" and steps[0].ask == "grad_first"
    assert by[0].log10_grad_first == pytest.approx(math.log10(1.55e-6), abs=0.01)
    assert by[0].log10_grad_first < 9 * math.log10(0.25)
    # 2. ∏ 0.2 × 0.9 over ten layers: weight_scale × f' with w = 0.18
    assert steps[1].ask == "grad_input"
    assert by[1].log10_grad_input == pytest.approx(10 * math.log10(0.2 * 0.9), rel=1e-12)
    # 3. ReLU + He keeps more than sigmoid + Xavier (answer 2)
    sigmoid = compute(Config(depth=20, activation="sigmoid", init="xavier_normal"))
    assert steps[2].choices[steps[2].answer - 1] == "ReLU + He"
    assert by[2].log10_grad_first > sigmoid.log10_grad_first + 10
    # 4. ReLU at σ_w² = 1: √½ per layer, 19 factors; with He's 2 it is flat
    assert by[3].log10_grad_first == pytest.approx(19 * 0.5 * math.log10(0.5), abs=1e-9)
    assert abs(compute(steps[3].config.replace(init="he_normal")).log10_grad_first) < 1e-9
    # 5. the shared weight compounds: 1.2⁴⁹
    assert steps[4].config.tied
    assert by[4].log10_grad_first == pytest.approx(49 * math.log10(1.2), abs=1e-6)


def test_a_question_is_judged_by_the_engine():
    from gradtui.tui.tour_view import judge

    steps = load_tour("exercises")
    assert "within a decade" in judge(steps[0], -6, steps[0].config)
    assert "3.8 decades off" in judge(steps[0], -2, steps[0].config)
    assert judge(steps[2], 2, steps[2].config) == "Right."
    assert "it is 2, ReLU + He" in judge(steps[2], 1, steps[2].config)


# -- a tour file is data (issue 16: a hostile file, unbounded files, messages in words) ---------

#: every kind of text a file may carry that must be shown, never obeyed
HOSTILE = {
    "clear": "\x1b[2J",
    "retitle": "\x1b]0;PWNED\x07",
    "clipboard": "\x1b]52;c;SGVsbG8=\x07",
    "bidi": "\u202e",
    "zero-width": "\u200b",
    "bell": "\x07",
    "csi-c1": "\x9b31m",
    "isolate": "\u2066",
    "del": "\x7f",
}


def _toml_escape(text: str) -> str:
    """``text`` as the inside of a TOML basic string (control characters as \\uXXXX escapes)."""
    return "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 or c in "\"\\"
                   else c for c in text)


def hostile_tour_text() -> str:
    payload = "".join(f"{name}[{seq}]" for name, seq in HOSTILE.items())
    q = _toml_escape(payload)
    return (f'title = "T{q}"\n\n[[step]]\npreset = "relu_he"\ntitle = "A{q}"\ncaption = "C{q}"\n'
            f'notice = "N{q}"\n\n[[step]]\npreset = "sigmoid_deep"\nquestion = "Q{q}"\n'
            f'choices = ["x{q}", "y"]\nanswer = 1\nreveal = "R{q}"\n')


def _unsafe(text: str) -> list[str]:
    import unicodedata

    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]


def test_a_hostile_tour_is_shown_as_escapes_never_raw(tmp_path):
    path = tmp_path / "hostile.toml"
    path.write_text(hostile_tour_text(), encoding="utf-8")
    tour = read_tour(path)
    texts = [tour.title]
    for step in tour.steps:
        texts += [step.title, step.caption, step.notice, step.question, step.reveal, *step.choices]
    assert len([t for t in texts if t]) == 10
    for text in texts:
        assert not _unsafe(text), (text, _unsafe(text))
    caption = tour.steps[0].caption
    # each character is written as its escape text, in the readable Python form
    for shown in ("clear[\\x1b[2J]", "retitle[\\x1b]0;PWNED\\x07]", "clipboard[\\x1b]52;c;SGVsbG8=\\x07]",
                  "bidi[\\u202e]", "zero-width[\\u200b]", "bell[\\x07]", "csi-c1[\\x9b31m]",
                  "isolate[\\u2066]", "del[\\x7f]"):
        assert shown in caption, shown
    assert tour.steps[1].choices[0].startswith("xclear[\\x1b[2J]")


def test_paragraph_newlines_stay_and_other_breaks_are_spaces(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[[step]]\npreset = "relu_he"\ncaption = """one\ntwo\n\nthree\\u2028four"""\n'
                    'title = "a\\tb\\nc"\n', encoding="utf-8")
    step = load_tour(path)[0]
    assert step.caption == "one two\nthree four"  # U+2028 is white space to str.split
    assert step.title == "a b c"


def test_errors_from_a_hostile_file_are_one_safe_line(tmp_path):
    path = tmp_path / "h.toml"
    # a raw ESC is a TOML syntax error whose message quotes the line; a hostile key and preset name
    for text in ('title = "\x1b]52;c;AAAA\x07"\n[[step]]\npreset = "relu_he"\n',
                 '"\\u001b]0;x\\u0007" = 1\n[[step]]\npreset = "relu_he"\n',
                 '[[step]]\npreset = "\\u001b[2J\\u202e' + "x" * 5000 + '"\n'):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(TourError) as info:
            load_tour(path)
        message = str(info.value)
        assert not _unsafe(message) and "\n" not in message, message
        assert len(message) < 600, len(message)


@pytest.mark.parametrize("special, words", [
    ("/dev/zero", "is a device"),
    ("dir", "is a directory"),
    ("fifo", "is a FIFO"),
])
def test_non_regular_files_are_refused_without_reading(tmp_path, special, words):
    import os

    if special == "dir":
        special = str(tmp_path)
    elif special == "fifo":
        special = str(tmp_path / "pipe")
        os.mkfifo(special)  # nobody writes to it: opening it must not block
    with pytest.raises(TourError, match=words):
        load_tour(special)


def test_a_file_over_1_mib_is_refused_reading_at_most_the_limit(tmp_path, monkeypatch):
    import os

    from gradtui import tour as tour_module
    from gradtui.tour import values

    assert tour_module.MAX_BYTES == 1 << 20
    path = tmp_path / "big.toml"
    step = '[[step]]\npreset = "relu_he"\ncaption = "' + "x" * 1000 + '"\n'
    path.write_text(step * 1100, encoding="utf-8")  # ~1.1 MB
    read = []
    real_read = os.read
    monkeypatch.setattr(values.os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    with pytest.raises(TourError, match=r"larger than 1 MiB \(1,048,576 bytes\)"):
        load_tour(path)
    assert sum(read) <= (1 << 20) + 1  # never asked for more than limit + 1 bytes
    # exactly at the limit is fine
    small = tmp_path / "ok.toml"
    small.write_bytes((step.encode() * 1100)[: 1 << 20].rsplit(b"[[step]]", 1)[0])
    assert load_tour(small)


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert [s.preset for s in load_tour(path)] == ["relu_he", "sigmoid_deep"]


@pytest.mark.parametrize("line, words", [
    ("depth = true", "must be a whole number, e.g. depth = 16, not true"),
    ("depth = 1979-05-27", "must be a whole number, e.g. depth = 16, not a date"),
    ("depth = 1979-05-27T07:32:00", "not a date and time"),
    ("depth = 07:32:00", "not a time of day"),
    ("depth = 2.5", "not 2.5"),
    ("depth = [1, 2]", "not a list"),
    ("weight_scale = nan", "must be a finite number, not nan"),
    ("weight_scale = -inf", "must be a finite number, not -inf"),
    ("weight_scale = false", "must be a number, e.g. weight_scale = 1.5, not false"),
    ("activation = 3", 'must be a name in quotes, e.g. activation = "relu", not 3'),
    ("residual = 1", "must be true or false, e.g. residual = true, not 1"),
    ("depth = " + "9" * 60, "9" * 40 + "… is out of range"),
    ('activation = "' + "r" * 500 + '"', "unknown value '" + "r" * 40 + "…'"),
    ('notice = 1979-05-27', "must be text in quotes, not a date"),
    ('preset = true', "must be a preset name in quotes, not true"),
])
def test_messages_say_what_was_expected_in_words(tmp_path, line, words):
    path = tmp_path / "t.toml"
    text = f'[[step]]\npreset = "relu_he"\n{line}\n'
    if line.startswith("preset"):
        text = f"[[step]]\n{line}\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TourError) as info:
        load_tour(path)
    message = str(info.value)
    assert words in message, message
    for repr_word in ("True", "False", "datetime", "[1, 2]"):
        assert repr_word not in message, message
