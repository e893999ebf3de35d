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


def css_variables() -> dict[str, str]:
    """``regime-<name>`` CSS variables for Textual (an App merges them in ``get_css_variables``)."""
    return {f"regime-{r}": f"ansi_{name}" for r, (name, _) in _PALETTE.items()}
