"""Text for terminals: ANSI runs, cutting and padding to cells, ASCII stand-ins (``--ascii``)."""

from __future__ import annotations

import re
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
    "ξ": "xi", "‖": "|", "∂": "d", "Σ": "sum", "∏": "prod", "≠": "!=", "≪": "<<", "≫": ">>",
    "⇄": "<->", "⇒": "=>", "∈": "in", "∝": "~",
}


#: a run of superscripts (0.25⁹, 10⁻³, 2ⁿ): written ^9, ^-3, ^n, never glued to the base's digits
#: (the NFKD fallback below would drop the mark: 0.25⁹ read "0.259")
_SUPERSCRIPT = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ]+")
#: a middle dot between two terms is a product (σ_w²·E); with spaces around it, a separator
_PRODUCT_DOT = re.compile(r"(?<=\S)·(?=\S)")


def _power(match: re.Match) -> str:
    """⁹ → ^9; a term right after it is a product: α²χ₁ → alpha^2*chi1, not alpha^2chi1."""
    after = match.string[match.end():match.end() + 1]
    return "^" + unicodedata.normalize("NFKC", match.group(0)) + ("*" if after.isalnum() else "")


def _fraction(match: re.Match) -> str:
    """½ → 1/2 (NFKD's fraction slash would be dropped: "12"), √½ → sqrt(1/2)."""
    root, ch = match.group(1), match.group(2)
    plain = unicodedata.normalize("NFKD", ch).replace("\u2044", "/")
    return f"{root}({plain})" if root else plain


def asciify(text: str) -> str:
    """The same text in ASCII characters only (for ``--ascii`` and terminals without Unicode).
    Math reads as it would be typed: 0.25⁹ → 0.25^9, σ_w²·E → sigma_w^2*E, ½ → 1/2."""
    text = _SUPERSCRIPT.sub(_power, text)
    text = re.sub("(√?)([½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])", _fraction, _PRODUCT_DOT.sub("*", text))
    out = []
    text = text.translate(_FRAME_ASCII)
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            out.append(ch)
        elif ch in _ASCII_TEXT:
            out.append(_ASCII_TEXT[ch])
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            greek = "" if plain else _greek(ch)
            # a letter's name before another letter keeps a space: Δθ → "Delta theta", not "Deltatheta"
            if greek and i + 1 < len(text) and text[i + 1].isalpha():
                greek += " "
            out.append(plain or greek or "?")
    return "".join(out)


def _greek(ch: str) -> str:
    """A Greek letter by its name (λ → lambda, ρ → rho, Δ → Delta), else ""."""
    name = unicodedata.name(ch, "")
    for prefix, case in (("GREEK SMALL LETTER ", str.lower), ("GREEK CAPITAL LETTER ", str.title)):
        if name.startswith(prefix) and " " not in name[len(prefix):]:
            return case(name[len(prefix):].replace("LAMDA", "LAMBDA"))
    return ""


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
