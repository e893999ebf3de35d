"""Every glyph gradtui draws: one Unicode set and one ASCII-only set (``--ascii``).

    glyphs(ascii)          the set: the chrome's markers, arrows, regime marks and key names,
    glyphs(ascii).bars     the bar chart's bar glyph per regime and its markers (the spectrum's bars too),
    glyphs(ascii).map      the phase map's shade ramps, boundary and cursor, the spectrum's σ = 1 line.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradtui.engine.result import EXPLODING, OVERFLOW, STABLE, VANISHING


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
    ref: str


@dataclass(frozen=True)
class Glyphs:
    marker: str
    times: str
    sigma_b: str
    alpha: str
    ellipsis: str
    arrow: str
    regime: dict[str, str]
    keys: dict[str, str]
    bars: BarGlyphs
    map: MapGlyphs


UNICODE = Glyphs(
    marker="▸", times="×", sigma_b="σ_b", alpha="α", ellipsis="…", arrow="→",
    regime={VANISHING: "▼", STABLE: "●", EXPLODING: "▲", OVERFLOW: "‼"},
    keys={"up": "↑", "down": "↓", "left": "←", "right": "→"},
    bars=BarGlyphs(
        bar={VANISHING: "░", STABLE: "█", EXPLODING: "▓"},
        zero="0", below="▼", above="▲", overflow="!", pin="═", overlay="•", join="·", ref="─",
        cursor="┊", pointer="▲", sep="·", divide="÷", dash="–", times="×", clip="╌",
    ),
    map=MapGlyphs(
        vanishing=("▒", "░", "·"), stable="█", exploding=("▓", "▚", "╳"), boundary="│", cursor="◆",
        up="▲", right="▶", unknown="?", ref="┊",
    ),
)

ASCII = Glyphs(
    marker=">", times="x", sigma_b="sd", alpha="alpha", ellipsis="...", arrow="->",
    regime={VANISHING: "v", STABLE: "=", EXPLODING: "^", OVERFLOW: "!"},
    keys={"up": "^", "down": "v", "left": "<", "right": ">"},
    bars=BarGlyphs(
        bar={VANISHING: ":", STABLE: "#", EXPLODING: "@"},
        zero="0", below="v", above="^", overflow="!", pin="=", overlay="o", join=".", ref="-",
        cursor="|", pointer="^", sep="-", divide="/", dash="-", times="x", clip="~",
    ),
    map=MapGlyphs(
        vanishing=(":", "-", "."), stable="#", exploding=("+", "x", "X"), boundary="|", cursor="O",
        up="^", right=">", unknown="?", ref="|",
    ),
)


def glyphs(ascii: bool) -> Glyphs:
    return ASCII if ascii else UNICODE
