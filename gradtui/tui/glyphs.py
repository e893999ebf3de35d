"""The few characters the chrome draws, in a Unicode and an ASCII-only set (``--ascii``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


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
    """10**log10 in scientific notation, even far outside float64 (1e-400 prints as 1.0e-400)."""
    if math.isnan(log10):
        return "unknown"
    if log10 == -math.inf:
        return "0"
    if log10 == math.inf:
        return "inf"
    if -3.0 <= log10 < 3.0:
        return f"{10.0 ** log10:#.{digits}g}".rstrip(".")
    exp = math.floor(log10)
    mant = 10.0 ** (log10 - exp)
    if round(mant, digits - 1) >= 10.0:
        mant, exp = mant / 10.0, exp + 1
    return f"{mant:.{digits - 1}f}e{exp:+d}"


def fmt_value(x: float, digits: int = 3) -> str:
    """A finite float shown compactly (3 significant digits)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "unknown"
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    return f"{x:#.{digits}g}".rstrip(".")
