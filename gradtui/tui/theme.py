"""The two themes: ``dark`` (Textual's own) and ``light`` (``--theme light``, the palette's "theme:
light"), a white background for washed-out projectors whose regime colours are the light palette's
(:mod:`gradtui.render.palette`: the bars, the verdict and the ``$regime-*`` CSS variables)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.theme import Theme

from gradtui.engine.result import EXPLODING, STABLE, VANISHING
from gradtui.render.palette import (
    LIGHT, LIGHT_BACKGROUND, LIGHT_FOREGROUND, LIGHT_OF_SGR, LIGHT_SURFACE, THEMES, recolor,
    recolor_text,
)

LIGHT_THEME = Theme(
    name="gradtui-light",
    primary="#0b4f8a",
    secondary=LIGHT[VANISHING],
    accent=LIGHT_OF_SGR["93"],  # the amber of the overlay line: borders of the tour and the picker
    warning=LIGHT_OF_SGR["93"],
    error=LIGHT[EXPLODING],
    success=LIGHT[STABLE],
    foreground=LIGHT_FOREGROUND,
    background=LIGHT_BACKGROUND,
    surface=LIGHT_SURFACE,
    panel="#e6e6e6",
    dark=False,
)
#: gradtui's theme names -> Textual's
TEXTUAL_THEME = {"dark": "textual-dark", "light": LIGHT_THEME.name}


def check_theme(name: str) -> str:
    if name not in THEMES:
        raise ValueError(f"theme: unknown value {name!r}; choose one of {', '.join(THEMES)}")
    return name


def install(app: App, name: str) -> None:
    """Register the light theme with ``app`` and start in ``name``."""
    app.register_theme(LIGHT_THEME)
    app.theme = TEXTUAL_THEME[check_theme(name)]


def theme_of(app: App) -> str:
    """The app's theme as gradtui names it: "light" on a light background, else "dark"."""
    return "dark" if app.current_theme.dark else "light"


def switch(app: App, name: str) -> None:
    """Change the theme live: the stylesheet follows by itself; every widget is redrawn, so the
    charts (which draw with :func:`theme_of` their app's theme) follow too."""
    app.theme = TEXTUAL_THEME[check_theme(name)]
    for screen in app.screen_stack:
        for widget in screen.query("*"):
            widget.refresh()


def themed_ansi(app: App, ansi: str) -> Text:
    """A renderer's ANSI drawing as a widget's Text, in the app's theme (every chart of every view
    goes through here or :func:`themed`, so ``--theme light`` reaches them all)."""
    return Text.from_ansi(recolor(ansi, theme_of(app)), no_wrap=True, end="")


def themed(app: App, text: Text) -> Text:
    """Rich ``Text`` styled with the 16 ANSI colours (bars, status lines), in the app's theme."""
    return recolor_text(text, theme_of(app))
