"""The one regime palette: every view colours vanishing, stable, exploding and overflow the same.

Colours are from the 16-colour ANSI palette, so every terminal (and its own theme) shows them. One
table, three spellings: SGR codes for the text renderers, Rich styles for Text, and CSS variables
(``$regime-vanishing`` …) for the TUI's stylesheet.

The **light** variant (``--theme light``, for washed-out projectors) is for a white background:
bright ANSI colours vanish there, so each colour the renderers use gets a darker truecolour one
(:data:`LIGHT`), every one at least 3:1 in contrast against the light background and surface
(WCAG 2 contrast ratio, :func:`contrast`; ``tests/test_theme.py`` checks it). A renderer draws
with the dark SGR codes and :func:`recolor` translates them, so both themes are one drawing.
"""

from __future__ import annotations

import re

from gradtui.engine.result import EXPLODING, OVERFLOW, STABLE, VANISHING

REGIMES = (VANISHING, STABLE, EXPLODING, OVERFLOW)

#: regime -> (ANSI colour name, bold)
_PALETTE = {
    VANISHING: ("bright_blue", False),
    STABLE: ("green", False),
    EXPLODING: ("bright_red", False),
    OVERFLOW: ("bright_magenta", True),
}
_SGR_OF = {"green": "32", "bright_blue": "94", "bright_red": "91", "bright_magenta": "95"}

#: SGR parameters of each regime (``"\x1b[94m"`` …)
SGR = {r: ("1;" if bold else "") + _SGR_OF[name] for r, (name, bold) in _PALETTE.items()}
#: Rich style of each regime
STYLE = {r: ("bold " if bold else "") + name for r, (name, bold) in _PALETTE.items()}


#: the bar chart's colours: the regimes, then its markers
BAR_COLOR = {
    **SGR,
    "zero": "90", "below": SGR[VANISHING], "above": SGR[EXPLODING], "pin": "97", "overlay": "1;93", "join": "93",
    "ref": "90", "cursor": "97", "title": "1", "clip": "1;96",
}
#: the phase map's and spectrum's colours: the regimes, then darker steps of each ramp away from stable
MAP_COLOR = {
    **SGR, "v0": SGR[VANISHING], "v1": "34", "v2": "90", "x0": SGR[EXPLODING], "x1": "31", "x2": "35",
    "boundary": "1;93", "cursor": "1;97", "unknown": "1;95", "title": "1", "ref": "90", "dim": "90",
}


THEMES = ("dark", "light")

#: the light theme's background and surface (the panels over it); tui/theme.py builds on them
LIGHT_BACKGROUND, LIGHT_SURFACE, LIGHT_FOREGROUND = "#ffffff", "#f2f2f2", "#1a1a1a"
#: the light theme's regime colours: darker blue, green, red and magenta
LIGHT = {VANISHING: "#1d4ed8", STABLE: "#15803d", EXPLODING: "#b91c1c", OVERFLOW: "#a21caf"}
#: every SGR colour the renderers draw with -> its colour on a light background
LIGHT_OF_SGR = {
    _SGR_OF["bright_blue"]: LIGHT[VANISHING], _SGR_OF["green"]: LIGHT[STABLE],
    _SGR_OF["bright_red"]: LIGHT[EXPLODING], _SGR_OF["bright_magenta"]: LIGHT[OVERFLOW],
    "34": "#1e3a8a", "31": "#7f1d1d", "35": "#6b21a8",  # the map's darker ramps
    "93": "#9a4f00", "96": "#0e7490",  # amber (overlay, boundary) and cyan (clip)
    "90": "#595959", "97": "#111111",  # grey (reference, dim) and white (pin, cursor): near-black
}

_SGR_RUN = re.compile(r"\x1b\[([0-9;]*)m")


def _rgb(color: str) -> tuple[int, int, int]:
    h = color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, 1 … 21."""

    def luminance(color: str) -> float:
        c = [v / 255 for v in _rgb(color)]
        c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def recolor(text: str, theme: str = "dark") -> str:
    """``text`` drawn with the dark SGR colours, in ``theme``'s (light: truecolour from
    :data:`LIGHT_OF_SGR`; bold and everything else stay)."""
    if theme == "dark":
        return text
    if theme != "light":
        raise ValueError(f"theme: unknown value {theme!r}; choose one of {', '.join(THEMES)}")

    def light(match: re.Match) -> str:
        params = match.group(1).split(";")
        out, i = [], 0
        while i < len(params):
            p = params[i]
            if p in ("38", "48") and i + 2 < len(params) and params[i + 1] == "5":
                # a 256-colour index (plotext's colours): its first 16 are the SGR colours
                color = LIGHT_OF_SGR.get(_sgr_of_index(params[i + 2])) if p == "38" else None
                out.append(f"{p};5;{params[i + 2]}" if color is None else _truecolor(color))
                i += 3
                continue
            if p in ("38", "48"):  # an explicit truecolour (38;2;r;g;b): kept whole
                out.extend(params[i:i + 5])
                i += 5
                continue
            color = LIGHT_OF_SGR.get(p)
            out.append(p if color is None else _truecolor(color))
            i += 1
        return "\x1b[" + ";".join(out) + "m"

    return _SGR_RUN.sub(light, text)


def _truecolor(color: str) -> str:
    return "38;2;{};{};{}".format(*_rgb(color))


def _sgr_of_index(index: str | int) -> str | None:
    """The SGR foreground code of one of the 16 ANSI colours (0–7 → 30–37, 8–15 → 90–97)."""
    n = int(index)
    return str(30 + n) if 0 <= n < 8 else str(82 + n) if 8 <= n < 16 else None


def recolor_text(text, theme: str = "dark"):
    """A Rich ``Text`` in ``theme``'s colours: :func:`recolor` for styled text (the training view's
    bars and status lines, any view's readout). Dark returns ``text`` itself; light returns a copy
    whose 16-colour foregrounds are the light palette's (bold, dim and the rest stay)."""
    if theme == "dark":
        return text
    if theme != "light":
        raise ValueError(f"theme: unknown value {theme!r}; choose one of {', '.join(THEMES)}")
    from rich.style import Style

    def light(style):
        if not style:
            return style
        style = Style.parse(style) if isinstance(style, str) else style
        color = style.color
        number = None if color is None or color.is_default else color.number
        sgr = _sgr_of_index(number) if number is not None and color.type.name in (
            "STANDARD", "EIGHT_BIT") else None
        hex_color = LIGHT_OF_SGR.get(sgr) if sgr is not None else None
        return style if hex_color is None else style + Style(color=hex_color)

    out = text.copy()
    out.style = light(out.style)
    out.spans = [span._replace(style=light(span.style)) for span in out.spans]
    return out


def css_variables(theme: str = "dark") -> dict[str, str]:
    """``regime-<name>`` CSS variables for Textual (an App merges them in ``get_css_variables``)."""
    if theme == "light":
        return {f"regime-{r}": LIGHT[r] for r in _PALETTE}
    return {f"regime-{r}": f"ansi_{name}" for r, (name, _) in _PALETTE.items()}
