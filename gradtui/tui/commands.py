"""The command palette (ctrl+p): gradtui's commands by name, with no new UI.

Every preset (its caption as the help), the three views, the three modes, export, the theme, the
other views (phase map, spectrum, training, tour, and the comparison and distribution views where
the app has them), help and quit. Typing a preset's exact name puts it first. Textual's own system
commands are left out: its theme picker would fight gradtui's two themes, its screenshot is
:mod:`.export`'s without the readable name, and its key panel is the help (``?``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual import work
from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider, SearchIcon
from textual.css.query import NoMatches
from textual.widgets import Button, Input, OptionList

from gradtui.engine import MODES, PRESET_ORDER, PRESETS

from .controls import with_mode
from .theme import switch, theme_of

#: the views ``v`` steps through, with the palette's words for them
VIEW_TITLES = {
    "grad": "gradient reaching each layer",
    "forward": "forward activation std per layer",
    "weight": "weights: absolute ‖∂loss/∂W‖ per layer (sampled mode)",
}
MODE_TITLES = {
    "expected": "expected: mean-field theory, infinite width",
    "sampled": "sampled: one real random network",
    "chain": "chain: one neuron per layer",
}
#: screens the main screen opens: (action, title, help); optional ones only where the app has them
OPEN = [
    ("phase_map", "open phase map (M)", "layer-1 gradient over weight scale × bias, the χ₁ = 1 boundary"),
    ("spectrum", "open Jacobian spectrum (J)", "singular values of the sampled network's Jacobian"),
    ("train", "open training view (t)", "train this network and watch which layers learn"),
    ("tour", "open lecture tour (T)", "the scripted lecture: space/→ next, ← back, esc ends"),
    ("compare", "compare settings side by side (C)", "up to four settings, each with its verdict"),
    ("distribution", "distribution of the inspected layer (d)", "its pre-activations and f', "
     "the saturated and dead regions"),
]


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Callable[[], object]
    #: the words that, typed exactly, put this command first (a preset's name)
    exact: tuple[str, ...] = ()


def _normal(text: str) -> str:
    return text.strip().lower().replace("-", "_")


def commands(app, screen) -> list[Command]:
    """The commands for ``app``, opened over ``screen``: setting commands on every screen; opening
    another view only from the main screen (the app's keys do the same)."""
    from .export import export

    out = [Command("export this screen as SVG (e)", "into the working directory, under a name "
                   "built from the settings; the status line says where",
                   lambda: export(app, app.view))]
    other = "light" if theme_of(app) == "dark" else "dark"
    words = {"light": "white background, darker colours: for projectors", "dark": "the default"}
    out.append(Command(f"theme: {other}", words[other], partial(switch, app, other)))
    if screen is app.screen_stack[0]:
        for action, title, help in OPEN:
            if hasattr(app, f"action_{action}"):
                out.append(Command(title, help, getattr(app, f"action_{action}")))
    for view, title in VIEW_TITLES.items():
        out.append(Command(f"view: {title}", "v steps through the views", partial(_set_view, app, view)))
    for mode in MODES:
        out.append(Command(f"mode: {MODE_TITLES.get(mode, mode)}", "m steps through the modes",
                           partial(_set_mode, app, mode)))
    for number, name in enumerate(PRESET_ORDER, start=1):
        preset = PRESETS[name]
        key = f" ({number})" if number <= 9 else ""
        out.append(Command(f"preset {name}: {preset.title}{key}", preset.caption,
                           partial(app.load_preset, name), exact=(name,)))
    out.append(Command("help: every key (?)", "the keys of this view and of the main screen",
                       app.action_help))
    out.append(Command("quit (q)", "leave gradtui", app.action_quit))
    if getattr(app, "ascii", False):
        from gradtui.render.text import asciify

        out = [Command(asciify(c.title), asciify(c.help), c.run, c.exact) for c in out]
    return out


class GradPalette(CommandPalette):
    """Textual's palette, safe to close while it still gathers hits, and ASCII in --ascii
    (app.tcss, ``CommandPalette.-ascii``)."""

    def on_mount(self) -> None:
        if self.has_class("-ascii"):
            for icon in self.query(SearchIcon):
                icon.icon = ">"

    # Textual's palette was written for keys typed one at a time; keys typed ahead (a second
    # enter, page up before the list is laid out, escape while hits are gathered) crashed it
    _gradtui_closing = False

    def dismiss(self, result=None):
        if self._gradtui_closing:  # already on its way out: a second close would pop the screen below
            return AwaitComplete(asyncio.sleep(0))
        self._gradtui_closing = True
        return super().dismiss(result)

    async def _on_message(self, message) -> None:
        # a second enter typed ahead of the close must not run the command again
        if self._gradtui_closing and isinstance(message, (Input.Submitted, Button.Pressed, OptionList.OptionSelected)):
            return
        await super()._on_message(message)

    def _action_command_list(self, action: str) -> None:
        # OptionList pages through lines it has not laid out yet (KeyError) while hidden
        if action.startswith("page") and not (self._list_visible and self.query_one(CommandList).size.height):
            return
        super()._action_command_list(action)

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        # the same gathering, but the palette may close (keys typed ahead) while it runs: its
        # widgets are then gone, and there is nothing left to show the hits in
        try:
            await CommandPalette._gather_commands.__wrapped__(self, search_value)
        except NoMatches:
            if self.is_attached and not self._gradtui_closing and self.query("CommandList"):
                raise

    def _refresh_command_list(self, command_list, commands, clear_current: bool) -> None:
        # the gathering worker can finish after the palette's widgets are gone
        if not self.is_attached or not self.query("#--input"):
            return
        super()._refresh_command_list(command_list, commands, clear_current)

def open_palette(app) -> None:
    """ctrl+p: the palette with gradtui's commands."""
    if CommandPalette.is_open(app):
        return
    if getattr(app, "ascii", False):
        app.push_screen(GradPalette(id="--command-palette", classes="-ascii",
                                    placeholder="Search for commands..."))
    else:
        app.push_screen(GradPalette(id="--command-palette"))

def _set_view(app, view: str) -> None:
    app.view = view


def _set_mode(app, mode: str) -> None:
    new, note = with_mode(app.config, mode)
    app.change_config(new, note)


class GradCommands(Provider):
    """gradtui's commands for the command palette."""

    def _commands(self) -> list[Command]:
        return commands(self.app, self.screen)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        typed = _normal(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if typed in command.exact:
                score = 1.0  # the exact name first: relu_residual above relu_residual_scaled
            elif score > 0:
                score = min(score, 0.99)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, text=command.title,
                          help=command.help)
