"""The lecture tour: a scripted sequence of presets, each with a caption and what to notice.

The script is a TOML file users can edit (the shipped one is ``gradtui/data/tour.toml``)::

    title = "My lecture"            # optional

    [[step]]
    preset = "sigmoid_deep"         # a name from gradtui --list-presets (required)
    depth = 10                      # optional overrides, same names as Config's fields
    title = "..."                   # optional: defaults to the preset's title
    caption = "..."                 # optional: defaults to the preset's caption
    notice = "..."                  # optional: what to look at

A step may be a question, asked with the bars hidden and answered by keys::

    question = "What reaches layer 1?"
    ask = "grad_first"              # guess a decade (←→) of grad_first or grad_input …
    choices = ["a", "b", "c"]       # … or pick one of two or three choices (1–3, or ←→)
    answer = 2                      # with choices: the right one (1-based)
    reveal = "..."                  # optional: shown with the bars once answered

:func:`load_tour` validates everything up front and raises one :class:`TourError` whose message
starts with ``FILE:LINE:`` and names the step and the key (``tour.toml:12: step 3, key 'depth':
...``). TOML syntax errors carry tomllib's line; for the rest the line is found by scanning the text
for the key inside its ``[[step]]`` table.

A tour file is data: it must be a regular file of at most :data:`MAX_BYTES` (1 MiB; a device, a FIFO
or a directory is refused before it is read, and no more than the limit is read), UTF-8 with or
without a BOM, and every text it holds (titles, captions, notices, questions, choices, reveals)
passes through :func:`gradtui.safe_text.shown` when it is loaded, so an escape sequence or a bidi
override in a caption is shown as ``\\x1b[2J`` or ``\\u202e`` by the TUI, never obeyed. Error
messages say the TOML key and what was expected in words (no Python reprs).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from gradtui.engine import PRESETS, Config
from gradtui.engine.config import LIMITS, ConfigError, canonical_name, closest
from gradtui.safe_text import clip, clip_digits, shown

from .values import expected as _expected, quoted as _quoted, read_bounded, words as _words

#: keys a step may have besides Config's fields
STEP_KEYS = ("preset", "title", "caption", "notice", "question", "ask", "choices", "answer", "reveal")
TEXT_KEYS = ("title", "caption", "notice", "question", "reveal")
#: what a decade question may ask for: the Result's summary numbers (log10)
ASKS = ("grad_first", "grad_input")
#: the keys that only a question may have
QUESTION_KEYS = ("ask", "choices", "answer", "reveal")
#: the named tours shipped with gradtui (``--tour NAME``); "" is the lecture
SHIPPED_TOURS = {"": "tour.toml", "exercises": "exercises.toml"}
CONFIG_KEYS = tuple(f.name for f in fields(Config))
TOP_KEYS = ("title", "step")
#: the largest tour file read (the shipped tours are ~10 kB)
MAX_BYTES = 1 << 20


class TourError(ValueError):
    """A tour file that cannot be used; ``str()`` is one line: ``FILE:LINE: step N, key 'K': why``."""

    def __init__(self, path: str, line: int | None, message: str, *, step: int | None = None,
                 key: str | None = None) -> None:
        self.path, self.line, self.step, self.key, self.reason = path, line, step, key, message
        where = f"{clip(path, 200)}:{line}" if line is not None else clip(path, 200)
        parts = []
        if step is not None:
            parts.append(f"step {step}")
        if key is not None:
            parts.append(f"key '{clip(key)}'")
        context = f" {', '.join(parts)}:" if parts else ""
        # one line, and nothing in it from the file can drive the terminal
        super().__init__(shown(clip_digits(f"{where}:{context} {message}")))


@dataclass(frozen=True)
class TourStep:
    #: 1-based position in the tour
    index: int
    preset: str
    title: str
    caption: str
    notice: str
    #: the Config overrides given in the file (after the preset's settings)
    overrides: dict[str, Any] = field(default_factory=dict)
    #: line of the step's ``[[step]]`` header
    line: int = 0
    #: a question step: the question, and either ``ask`` (a decade of grad_first / grad_input)
    #: or ``choices`` with the right ``answer`` (1-based); ``reveal`` is shown once answered
    question: str = ""
    ask: str = ""
    choices: tuple[str, ...] = ()
    answer: int = 0
    reveal: str = ""

    @property
    def is_question(self) -> bool:
        return bool(self.question)

    @property
    def config(self) -> Config:
        """The step's network on the default mode, width, batch and seed."""
        return self.config_for(None)

    def config_for(self, base: Config | None) -> Config:
        """The preset applied to ``base`` (its mode, width, batch and seed kept), then the
        overrides. Raises ``ValueError`` if that combination is invalid."""
        return PRESETS[self.preset].config(base).replace(**self.overrides)


@dataclass(frozen=True)
class Tour:
    title: str
    steps: list[TourStep]
    path: str


def shipped_tour_path(name: str = "") -> Path:
    """The shipped tour called ``name`` ("" the lecture, "exercises" the questions)."""
    return Path(str(resources.files("gradtui") / "data" / SHIPPED_TOURS[name]))


def load_tour(path: str | Path | None = None) -> list[TourStep]:
    """The steps of the tour at ``path`` (the shipped tour when None, a shipped one by its name
    unless a file of that name exists), validated."""
    return read_tour(path).steps


def read_tour(path: str | Path | None = None) -> Tour:
    """Like :func:`load_tour`, with the tour's title."""
    shipped = path is None or (str(path) in SHIPPED_TOURS and not (str(path) and Path(path).exists()))
    p = shipped_tour_path("" if path is None else str(path)) if shipped else Path(path)
    name = p.name if shipped else str(path)
    try:
        raw = read_bounded(p, MAX_BYTES)
    except ValueError as error:
        raise TourError(name, None, str(error)) from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM at the start is allowed (and dropped)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise TourError(name, line, "the file is not UTF-8 text") from None
    return parse_tour(text, name)


_SYNTAX_POS = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)\s*$")
_SYNTAX_END = re.compile(r"^(?P<msg>.*?)\s*\(at end of document\)\s*$")


def parse_tour(text: str, name: str = "<tour>") -> Tour:
    """Validate and parse the text of a tour file (``name`` is used in error messages)."""
    lines = text.splitlines()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(str(error), lines, name) from None
    except ValueError:  # Python's own limit on the digits of an int (4300)
        raise TourError(name, None, "invalid TOML: a whole number with more than 4300 digits") from None
    where = _KeyLines(lines)

    for key in data:
        if key not in TOP_KEYS:
            raise TourError(name, where.top(key), _unknown(key, TOP_KEYS, "at the top level"),
                            key=key)
    title = data.get("title", "")
    if not isinstance(title, str):
        raise TourError(name, where.top("title"), f"must be text in quotes, not {_words(title)}",
                        key="title")
    raw_steps = data.get("step")
    if raw_steps is None:
        raise TourError(name, None, "the tour has no steps; add at least one [[step]] table")
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        raise TourError(name, where.top("step"), "steps must be [[step]] tables", key="step")
    if not raw_steps:
        raise TourError(name, None, "the tour has no steps; add at least one [[step]] table")

    steps = [_step(i, raw, name, where) for i, raw in enumerate(raw_steps, start=1)]
    return Tour(title=_line(title), steps=steps, path=name)


def _step(i: int, raw: dict[str, Any], name: str, where: "_KeyLines") -> TourStep:
    header = where.header(i)

    def fail(key: str | None, message: str) -> TourError:
        line = where.key(i, key) if key is not None else header
        return TourError(name, line if line is not None else header, message, step=i, key=key)

    for key, value in raw.items():
        if key not in STEP_KEYS and key not in CONFIG_KEYS:
            raise fail(key, _unknown(key, STEP_KEYS + CONFIG_KEYS, "in a step"))
        if isinstance(value, dict):
            raise fail(key, "must be a single value, not a table")
    if "preset" not in raw:
        raise fail(None, f"no preset; add preset = \"NAME\" (one of {', '.join(PRESETS)})")
    preset = raw["preset"]
    if not isinstance(preset, str):
        raise fail("preset", f"must be a preset name in quotes, not {_words(preset)}")
    preset = canonical_name(preset)
    if preset not in PRESETS:
        hint = closest(preset, PRESETS) if len(preset) < 100 else None
        did = f"; did you mean {hint}?" if hint else ""
        raise fail("preset", f"unknown preset {_quoted(raw['preset'])}; choose one of "
                             f"{', '.join(PRESETS)}{did}")
    for key in TEXT_KEYS:
        if key in raw and not isinstance(raw[key], str):
            raise fail(key, f"must be text in quotes, not {_words(raw[key])}")
    for key in CONFIG_KEYS:
        if key in raw:
            expected = _expected(key, raw[key])
            if expected:
                raise fail(key, f"must be {expected}, not {_words(raw[key])}")

    question = _question(raw, fail)
    overrides = {k: v for k, v in raw.items() if k in CONFIG_KEYS}
    step = TourStep(
        index=i,
        preset=preset,
        title=_line(raw.get("title", PRESETS[preset].title)),
        caption=_unwrap(raw.get("caption", PRESETS[preset].caption)),
        notice=_unwrap(raw.get("notice", "")),
        overrides=overrides,
        line=header or 0,
        **question,
    )
    try:
        step.config
    except ConfigError as error:
        message, key = str(error), error.field
        if error.kind == "choice" and isinstance(raw.get(key), str):
            try:  # the same refusal, echoing at most the first 40 characters of the name
                LIMITS[key].convert(key, clip(raw[key]))
            except ConfigError as short:
                message = str(short)
        if key in raw:
            raise fail(key, message) from None
        # a setting that comes from the preset itself: point at the preset line
        raise fail("preset", f"with the settings above, {message}") from None
    return step


def _question(raw: dict[str, Any], fail) -> dict[str, Any]:
    """The question keys of a step, checked: a question asks a decade or offers choices."""
    if "question" not in raw:
        for key in QUESTION_KEYS:
            if key in raw:
                raise fail(key, "only a question step may have it; add question = \"...\"")
        return {}
    if ("ask" in raw) == ("choices" in raw):
        raise fail("question", "a question needs either ask = \"grad_first\" (guess a decade) "
                               "or choices = [...] with answer = N")
    out: dict[str, Any] = {"question": _unwrap(raw["question"]), "reveal": _unwrap(raw.get("reveal", ""))}
    if "ask" in raw:
        if raw["ask"] not in ASKS:
            raise fail("ask", f"unknown value {_words(raw['ask'])}; choose one of {', '.join(ASKS)}")
        if "answer" in raw:
            raise fail("answer", "a decade question's answer is the engine's; remove it")
        return {**out, "ask": raw["ask"]}
    choices = raw["choices"]
    if not (isinstance(choices, list) and 2 <= len(choices) <= 3 and all(isinstance(c, str) for c in choices)):
        raise fail("choices", f"must be a list of two or three texts in quotes, not {_words(choices)}")
    answer = raw.get("answer")
    if answer is None:
        raise fail("choices", "no answer; add answer = N (the right choice, 1-based)")
    if not isinstance(answer, int) or isinstance(answer, bool) or not 1 <= answer <= len(choices):
        raise fail("answer", f"must be a whole number from 1 to {len(choices)}, not {_words(answer)}")
    return {**out, "choices": tuple(_line(c) for c in choices), "answer": answer}


def _unwrap(text: str) -> str:
    """Paragraphs as written; single newlines inside a paragraph become spaces (re-wrapped on
    screen); anything else that is not plain text is shown as its escape (``\\x1b``)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return shown("\n".join(" ".join(p.split()) for p in paragraphs), keep="\n")


def _line(text: str) -> str:
    """Text for one line (a title, a choice): runs of white space are one space, the rest shown."""
    return shown(" ".join(text.split()))


def _unknown(key: str, allowed, where: str) -> str:
    hint = closest(key, allowed)
    did = f"; did you mean {hint}?" if hint else ""
    return f"unknown key {where}; allowed: {', '.join(allowed)}{did}"


_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*=""")
_STEP_HEADER = re.compile(r"^\s*\[\[\s*step\s*\]\]\s*(#.*)?$")
_HEADER = re.compile(r"^\s*\[+([^\]]+)\]+")


def _syntax_error(message: str, lines: list[str], name: str) -> TourError:
    m = _SYNTAX_POS.match(message)
    if m is None:
        end = _SYNTAX_END.match(message)
        reason = end.group("msg") if end else message
        return TourError(name, len(lines) or 1, f"invalid TOML: {reason} (at the end of the file)")
    line, col = int(m.group("line")), int(m.group("col"))
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    k = _KEY.match(text)
    key = next(g for g in k.groups() if g) if k else None
    shown = text.strip()
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return TourError(
        name, line, f"invalid TOML: {m.group('msg')} at column {col}: {shown}", key=key,
    )


def _bare(key: str) -> str:
    return key.strip().strip("\"'")


class _KeyLines:
    """Where each key is written: line numbers (1-based) of top-level keys, of each ``[[step]]``
    header and of the keys inside each step. Skips the inside of multi-line strings."""

    def __init__(self, lines: list[str]) -> None:
        self._top: dict[str, int] = {}
        self._headers: dict[int, int] = {}
        self._keys: dict[tuple[int, str], int] = {}
        steps = 0
        #: where keys written now belong: 0 = top level, n > 0 = step n, None = elsewhere
        owner: int | None = 0
        in_string: str | None = None
        for number, line in enumerate(lines, start=1):
            if in_string is not None:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = _HEADER.match(line)
            if _STEP_HEADER.match(line):
                steps += 1
                owner = steps
                self._headers[steps] = number
            elif header:
                # [step.sub] is the key "sub" of the current step; [other] a top-level key
                parts = [_bare(p) for p in header.group(1).split(".")]
                if parts[0] == "step" and len(parts) > 1 and steps:
                    self._keys.setdefault((steps, parts[1]), number)
                else:
                    self._top.setdefault(parts[0], number)
                owner = None
            else:
                m = _KEY.match(line)
                if m and owner is not None:
                    key = next(g for g in m.groups() if g)
                    if owner == 0:
                        self._top.setdefault(key, number)
                    else:
                        self._keys.setdefault((owner, key), number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_string = quote
                    break

    def top(self, key: str) -> int | None:
        return self._top.get(key)

    def header(self, step: int) -> int | None:
        return self._headers.get(step)

    def key(self, step: int, key: str) -> int | None:
        return self._keys.get((step, key))
