"""The few characters the chrome draws, in a Unicode and an ASCII-only set (``--ascii``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gradtui.numbers import format_pow10


@dataclass(frozen=True)
class Glyphs:
    marker: str
    times: str
    sigma_b: str
    alpha: str
    ellipsis: str
    arrow: str
    regime: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)


UNICODE = Glyphs(
    marker="▸",
    times="×",
    sigma_b="σ_b",
    alpha="α",
    ellipsis="…",
    arrow="→",
    regime={"vanishing": "▼", "stable": "●", "exploding": "▲", "overflow": "‼"},
    keys={"up": "↑", "down": "↓", "left": "←", "right": "→"},
)

ASCII = Glyphs(
    marker=">",
    times="x",
    sigma_b="sd",
    alpha="alpha",
    ellipsis="...",
    arrow="->",
    regime={"vanishing": "v", "stable": "=", "exploding": "^", "overflow": "!"},
    keys={"up": "^", "down": "v", "left": "<", "right": ">"},
)


def glyphs(ascii: bool) -> Glyphs:
    return ASCII if ascii else UNICODE


def fmt_log10(log10: float, digits: int = 3) -> str:
    """10**log10 with ``digits`` significant digits, even far outside float64 (``1.00e-400``)."""
    return format_pow10(log10, digits)


def fmt_value(x: float, digits: int = 3) -> str:
    """A finite float shown compactly (3 significant digits)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "unknown"
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    return f"{x:#.{digits}g}".rstrip(".")
