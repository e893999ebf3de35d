"""What every screen of gradtui needs from its app: one Config and one compute runner.

The phase map, the spectrum, the training view and the tour read ``app.config`` (and watch it),
change it with ``app.change_config`` and run their background work on ``app.runner``. GradApp is
one such app; tests host a single screen in a bare one.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.reactive import var

from gradtui.engine import Config

from .runner import Runner


class ConfigApp(App[None]):
    """An app holding the one Config its screens share, and the runner they compute on."""

    config: var[Config] = var(Config, init=False)

    def __init__(self, config: Config | None = None, *, ascii: bool = False) -> None:
        super().__init__()
        self.ascii = ascii
        self.set_reactive(ConfigApp.config, config if config is not None else Config())
        #: the one runner of background work, for the chart and every screen
        self.runner = Runner(self)

    def change_config(self, config: Config, note: str | Text | None = None) -> None:
        """A screen's new config (already validated); GradApp also shows ``note``."""
        self.config = config

    def hide_answer(self, hide: bool) -> None:
        """A tour question waits for its answer; GradApp hides its chart, inspector and verdict."""
