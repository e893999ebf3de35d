"""Every glyph gradtui draws, in a Unicode and an ASCII-only set (``--ascii``), in one table each.

    glyphs(ascii)       the chrome: markers, arrows, regime marks, key names
    bar_glyphs(ascii)   the bar chart: a bar glyph per regime and its markers
    map_glyphs(ascii)   the phase map's shade ramps and the spectrum's bars
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gradtui.engine.result import EXPLODING, STABLE, VANISHING


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


@dataclass(frozen=True)
class BarGlyphs:
    bar: dict[str, str]
    zero: str
    below: str
    above: str
    overflow: str
    pin: str
    overlay: str
    join: str
    ref: str
    cursor: str
    pointer: str
    sep: str
    divide: str
    dash: str
    times: str
    clip: str


BARS_UNICODE = BarGlyphs(
    bar={VANISHING: "░", STABLE: "█", EXPLODING: "▓"},
    zero="0", below="▼", above="▲", overflow="!", pin="═", overlay="•", join="·", ref="─",
    cursor="┊", pointer="▲", sep="·", divide="÷", dash="–", times="×", clip="╌",
)
BARS_ASCII = BarGlyphs(
    bar={VANISHING: ":", STABLE: "#", EXPLODING: "@"},
    zero="0", below="v", above="^", overflow="!", pin="=", overlay="o", join=".", ref="-",
    cursor="|", pointer="^", sep="-", divide="/", dash="-", times="x", clip="~",
)


@dataclass(frozen=True)
class MapGlyphs:
    vanishing: tuple[str, str, str]
    stable: str
    exploding: tuple[str, str, str]
    boundary: str
    cursor: str
    up: str
    right: str
    unknown: str
    bar: dict
    ref: str
    dot: str


MAP_UNICODE = MapGlyphs(
    vanishing=("▒", "░", "·"), stable="█", exploding=("▓", "▚", "╳"), boundary="│", cursor="◆",
    up="▲", right="▶", unknown="?",
    bar={"vanishing": "░", "stable": "█", "exploding": "▓"}, ref="┊", dot="·",
)
MAP_ASCII = MapGlyphs(
    vanishing=(":", "-", "."), stable="#", exploding=("+", "x", "X"), boundary="|", cursor="O",
    up="^", right=">", unknown="?",
    bar={"vanishing": ":", "stable": "#", "exploding": "@"}, ref="|", dot=".",
)


def bar_glyphs(ascii: bool) -> BarGlyphs:
    return BARS_ASCII if ascii else BARS_UNICODE


def map_glyphs(ascii: bool) -> MapGlyphs:
    return MAP_ASCII if ascii else MAP_UNICODE
