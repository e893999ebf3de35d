"""Text for terminals: ANSI runs, cutting and padding to cells, ASCII stand-ins (``--ascii``)."""

from __future__ import annotations

import unicodedata

from rich.cells import cell_len

# plotext's frame characters and their ASCII stand-ins
_FRAME_ASCII = str.maketrans({
    "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "┼": "+", "┤": "+", "├": "+",
    "┬": "+", "┴": "+", "╭": "+", "╮": "+", "╰": "+", "╯": "+",
})

_ASCII_TEXT = {
    "—": "-", "–": "-", "×": "x", "÷": "/", "≤": "<=", "≥": ">=", "≈": "~", "√": "sqrt", "σ": "sigma",
    "α": "alpha", "χ": "chi", "₁": "1", "²": "^2", "′": "'", "’": "'", "‘": "'", "“": '"', "”": '"',
    "…": "...", "→": "->", "←": "<-", "·": "-", "∇": "grad", "∞": "inf", "±": "+/-", "−": "-",
    "ξ": "xi", "‖": "|", "∂": "d", "Σ": "sum",
}


def asciify(text: str) -> str:
    """The same text in ASCII characters only (for ``--ascii`` and terminals without Unicode)."""
    out = []
    for ch in text.translate(_FRAME_ASCII):
        if ord(ch) < 128:
            out.append(ch)
        elif ch in _ASCII_TEXT:
            out.append(_ASCII_TEXT[ch])
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


def sgr(text: str, style: str | None, color: bool = True) -> str:
    """``text`` in the SGR ``style`` (when ``color`` and there is a style)."""
    return f"\x1b[{style}m{text}\x1b[0m" if (style and color) else text


def fit(text: str, width: int) -> str:
    """Cut to ``width`` cells and pad with spaces to exactly ``width``."""
    while text and cell_len(text) > width:
        text = text[:-1]
    return text + " " * (width - cell_len(text))


def pick(options: list[str], width: int) -> str:
    """The first option that fits in ``width`` cells (the last one, cut, if none does)."""
    for o in options:
        if cell_len(o) <= width:
            return o
    return fit(options[-1], width).rstrip()


def runs(cells: list[tuple[str, str]], color: bool) -> str:
    """(character, SGR style) cells as text, one escape sequence per run of a style."""
    if not color:
        return "".join(ch for ch, _ in cells)
    out, run, style = [], [], None
    for ch, st in cells:
        if st != style and run:
            out.append(sgr("".join(run), style))
            run = []
        style = st
        run.append(ch)
    if run:
        out.append(sgr("".join(run), style))
    return "".join(out)


def message_block(text: str, width: int, height: int, *, wrap: bool = False) -> str:
    """``text`` on the first of ``height`` lines of ``width`` cells (nothing if the block is empty);
    ``wrap``: on as many lines as it needs (at most ``height``) instead of cut to one."""
    if width <= 0 or height <= 0:
        return ""
    if wrap:
        import textwrap

        lines = [fit(line, width) for line in textwrap.wrap(text, width)][:height] or [fit("", width)]
    else:
        lines = [fit(text, width)]
    return "\n".join(lines + [" " * width] * (height - len(lines)))
