"""ANSI lines become the same cells and styles as rich's reading of them, padded to the width."""

from __future__ import annotations

from rich.style import Style

from gradtui.tui.ansi_lines import LineCache, ansi_strip

BASE = Style(bgcolor="#101010", color="#e0e0e0")


def cells(strip) -> list[tuple[str, Style | None]]:
    return [(ch, seg.style) for seg in strip for ch in seg.text]


def test_a_line_has_rich_styles_on_the_base_and_the_exact_width():
    line = "\x1b[1;38;5;196mab\x1b[0m c\x1b[48;2;1;2;3md\x1b[0m"
    strip = ansi_strip(line, 8, BASE)
    assert strip.cell_length == 8
    got = cells(strip)
    assert "".join(ch for ch, _ in got) == "ab cd   "
    assert got[0][1] == BASE + Style(bold=True, color="color(196)")
    assert got[2][1] == BASE  # after the reset: the base alone
    assert got[4][1] == BASE + Style(bgcolor="#010203")
    assert got[-1][1] == BASE  # padding on the base


def test_a_wide_line_is_cut_to_the_width():
    strip = ansi_strip("\x1b[31m" + "x" * 20 + "\x1b[0m", 5, BASE)
    assert strip.cell_length == 5 and strip.text == "xxxxx"


def test_the_cache_makes_each_line_once():
    cache = LineCache(size=4)
    first = cache.strip("\x1b[32mok\x1b[0m", 4, BASE)
    assert cache.strip("\x1b[32mok\x1b[0m", 4, BASE) is first
    assert cache.strip("\x1b[32mok\x1b[0m", 5, BASE) is not first  # another width, another strip
    for i in range(6):  # past its size the cache starts again, it never grows without bound
        cache.strip(f"line {i}", 8, BASE)
    assert len(cache._strips) <= 4
