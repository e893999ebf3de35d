"""Every text of every shipped tour in ``--ascii``: pure ASCII, and the maths still reads as it
would be typed — a superscript is "^9" (never 0.25⁹ → "0.259"), a fraction "1/2" (never ½ → "12"),
and no character turns into a "?"."""

from __future__ import annotations

import re
import unicodedata

import pytest

from gradtui.render.text import asciify
from gradtui.tour import SHIPPED_TOURS, read_tour, shipped_tour_path

#: the fields of a step that are shown
FIELDS = ("title", "caption", "notice", "question", "ask", "reveal")


def _texts():
    for name in SHIPPED_TOURS:
        tour = read_tour(shipped_tour_path(name))
        yield f"{name or 'lecture'}: title", tour.title
        for step in tour.steps:
            for field in FIELDS:
                yield f"{name or 'lecture'} {step.index}: {field}", getattr(step, field)
            for i, choice in enumerate(step.choices):
                yield f"{name or 'lecture'} {step.index}: choice {i + 1}", choice


TEXTS = [t for t in _texts() if t[1]]


def _numbers(text: str) -> list[str]:
    """The digit runs a reader sees in ``text``: ASCII digits, superscript and subscript runs and
    a fraction's two numbers, each its own run (what ASCII must keep apart)."""
    runs = []
    for m in re.finditer(r"[0-9]+|[⁰¹²³⁴⁵⁶⁷⁸⁹]+|[₀₁₂₃₄₅₆₇₈₉]+|[½⅓⅔¼¾⅛]", text):
        run = unicodedata.normalize("NFKD", m.group(0))
        runs.extend(re.findall(r"[0-9]+", run))
    return runs


def _merged_subscripts(text: str) -> bool:
    """x₁₀ after a digit would merge in ASCII as it does in any plain text (none ships)."""
    return re.search(r"[0-9][₀₁₂₃₄₅₆₇₈₉]", text) is not None


def test_the_tours_have_superscripts_to_check():
    assert any("⁹" in text for _, text in TEXTS)
    assert any("½" in text for _, text in TEXTS)


@pytest.mark.parametrize("where, text", TEXTS, ids=[w for w, _ in TEXTS])
def test_tour_text_reads_unambiguously_in_ascii(where, text):
    out = asciify(text)
    assert out.isascii(), (where, out)
    assert not _merged_subscripts(text), where
    # no digit run made of two (a dropped superscript, a dropped fraction slash)
    assert re.findall(r"[0-9]+", out) == _numbers(text), (where, out)
    # every superscript became a power
    assert out.count("^") >= len(re.findall(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", text)), (where, out)
    assert out.count("?") == text.count("?"), (where, out)  # nothing unknown


@pytest.mark.parametrize("text, ascii", [
    ("below the bound 0.25⁹ ≈ 3.8e-6", "below the bound 0.25^9 ~ 3.8e-6"),
    ("0.71¹⁹ ≈ 1.4e-3", "0.71^19 ~ 1.4e-3"),
    ("10⁻³", "10^-3"),
    ("σ_w²·E[f'²] = 1·½", "sigma_w^2*E[f'^2] = 1*1/2"),
    ("a factor √½ ≈ 0.71", "a factor sqrt(1/2) ~ 0.71"),
    ("√(1+α²χ₁) ≥ 1", "sqrt(1+alpha^2*chi1) >= 1"),
    ("layer 3 · 0.5 decades", "layer 3 - 0.5 decades"),  # a separator, not a product
    ("∏ 0.2 × 0.9", "prod 0.2 x 0.9"),
    # a Greek letter's name stays a word before another letter; before "_", a digit or ")" it joins
    ("‖Δθ‖/‖θ‖ < 1e-06", "|Delta theta|/|theta| < 1e-06"),
    ("μs, σ_w, (ξ)", "mu s, sigma_w, (xi)"),
])
def test_maths_in_ascii(text, ascii):
    assert asciify(text) == ascii
