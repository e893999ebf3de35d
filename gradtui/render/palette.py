"""The one regime palette: every view colours vanishing, stable, exploding and overflow the same.

Colours are from the 16-colour ANSI palette, so every terminal (and its own theme) shows them. One
table, three spellings: SGR codes for the text renderers, Rich styles for Text, and CSS variables
(``$regime-vanishing`` …) for the TUI's stylesheet.
"""

from __future__ import annotations

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


def css_variables() -> dict[str, str]:
    """``regime-<name>`` CSS variables for Textual (an App merges them in ``get_css_variables``)."""
    return {f"regime-{r}": f"ansi_{name}" for r, (name, _) in _PALETTE.items()}
