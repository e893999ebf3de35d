"""Text read from a file, made safe to show: shown, never obeyed (stdlib only, imports nothing of gradtui).

A tour caption, a recorded module's name or an echoed command-line value can hold escape sequences
(``ESC [2J`` clears the screen, ``ESC ]52;…`` writes the clipboard), bidi overrides that reorder
what is drawn, or zero-width characters. :func:`shown` writes every such character as its escape
text, the way Python writes it: ``ESC`` → ``\\x1b``, ``BEL`` → ``\\x07``, U+202E → ``\\u202e``,
so a hostile caption is visible as what it is. Escaped are the categories Cc (C0 and C1 controls,
DEL), Cf (format characters: bidi overrides and isolates, zero-width space and joiners, the BOM),
Cs (lone surrogates), Zl and Zp (line and paragraph separators); the plain space is kept, and so
is whatever the caller names in ``keep`` (a tour's paragraph newlines).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clip", "clip_digits", "shown"]

_ESCAPED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _escape(ch: str) -> str:
    n = ord(ch)
    if n < 0x100:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def shown(text: str, keep: str = "") -> str:
    """``text`` with every control, format and separator character written as its escape text
    (``\\x1b``, ``\\u202e`` …); characters in ``keep`` (e.g. ``"\\n"``) pass as they are."""
    text = str(text)
    if text.isprintable() and not keep:  # the common case, in C: nothing to escape
        return text
    return "".join(
        _escape(ch) if ch not in keep and unicodedata.category(ch) in _ESCAPED else ch for ch in text
    )


def clip(text: str, limit: int = 40) -> str:
    """At most ``limit`` characters: a longer text is its first ``limit`` and ``…`` (for echoes of
    what a user typed or a file holds, so a 100,000-character value is not printed back whole)."""
    return text if len(text) <= limit else text[:limit] + "…"


_LONG_DIGITS = re.compile(r"\d{41,}")


def clip_digits(text: str, limit: int = 40) -> str:
    """Every run of more than ``limit`` digits in ``text`` clipped like :func:`clip` (a 5,000-digit
    number a message echoes)."""
    if limit != 40:
        return re.sub(rf"\d{{{limit + 1},}}", lambda m: clip(m.group(), limit), text)
    return _LONG_DIGITS.sub(lambda m: clip(m.group(), limit), text)
