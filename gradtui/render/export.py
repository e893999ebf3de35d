"""The forms of ``--print``'s text (Textual-free): its size, Markdown for handouts, SVG for slides.

Every form is a transformation of the text ``--print`` writes, so whatever ``--print`` prints (a
simulated network, a recorded run, a comparison) gets them all, and the pictures agree:

- :func:`print_size`: the columns and lines ``--print`` draws in (the terminal's, at least
  :data:`MIN_WIDTH` × 12: a narrower ``COLUMNS`` is drawn at MIN_WIDTH, not as a lone ``t``);
- :func:`to_markdown`: the text without colour in a fenced block, the trailing command line(s)
  after it in a ``console`` block (``$ gradtui …``);
- :func:`to_svg`: the coloured text as an SVG picture (rich's ``Console(record=True).export_svg``),
  on a dark or a light background (``--theme``) — the same cells and colours as the ANSI text.
"""

from __future__ import annotations

import io
import re
import shutil

from rich.cells import cell_len

__all__ = ["MIN_WIDTH", "THEMES", "plain", "print_size", "to_markdown", "to_svg"]

#: --print is never drawn narrower than this (a chart of a few columns says nothing)
MIN_WIDTH = 40
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def print_size() -> tuple[int, int]:
    """(columns, lines) for ``--print``: the terminal's (80×24 when not a terminal), at least
    MIN_WIDTH columns, and 12–30 lines."""
    columns, lines = shutil.get_terminal_size((80, 24))
    return max(MIN_WIDTH, columns), max(12, min(lines - 4, 30))


def plain(text: str) -> str:
    """The text without its SGR colour codes."""
    return _SGR.sub("", text)


def to_markdown(text: str) -> str:
    """``--print --markdown``: the text in a fenced block (no colour), then the command line(s)
    that end it as a ``console`` block. The fence is longer than any run of backticks in the text
    (a recorded module's name cannot close it)."""
    body = plain(text).rstrip("\n").split("\n")
    commands: list[str] = []
    while body and body[-1].startswith("gradtui "):
        commands.insert(0, body.pop())
    longest = max((len(run) for run in re.findall(r"`+", plain(text))), default=0)
    fence = "`" * max(3, longest + 1)
    out = [fence + "text", *body, fence]
    if commands:
        out += ["", fence + "console", *(f"$ {c}" for c in commands), fence]
    return "\n".join(out) + "\n"


def _light_theme():
    from rich.terminal_theme import TerminalTheme

    # dark, saturated inks on white: every regime colour stays apart on a washed-out projector,
    # and "bright white" (the pin, the cursor) is drawn near-black instead of vanishing
    return TerminalTheme(
        (255, 255, 255), (28, 28, 28),
        [(0, 0, 0), (170, 20, 20), (0, 120, 0), (140, 100, 0), (0, 60, 170), (130, 0, 130),
         (0, 110, 120), (90, 90, 90)],
        [(120, 120, 120), (205, 25, 25), (10, 140, 10), (165, 115, 0), (20, 85, 215), (170, 0, 170),
         (0, 130, 150), (20, 20, 20)],
    )


def _dark_theme():
    from rich.terminal_theme import SVG_EXPORT_THEME

    return SVG_EXPORT_THEME


THEMES = {"dark": _dark_theme, "light": _light_theme}


def to_svg(text: str, *, theme: str = "dark", title: str = "gradtui") -> str:
    """``--print --svg``: the ANSI-coloured ``text`` as an SVG picture, one terminal cell per
    character, exactly as wide as its longest line."""
    from rich.console import Console
    from rich.text import Text

    lines = text.rstrip("\n").split("\n")
    width = max(1, max(cell_len(plain(line)) for line in lines))
    console = Console(record=True, width=width, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", legacy_windows=False, _environ={})
    for line in lines:  # our own SGR codes (file texts reach here already shown as escapes)
        console.print(Text.from_ansi(line), no_wrap=True, overflow="ignore", crop=False)
    return console.export_svg(title=title, theme=THEMES[theme]())
