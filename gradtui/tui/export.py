"""Export (``e``, or the palette's "export"): the current screen as SVG, for slides and handouts.

The picture is Textual's own screenshot (``App.export_screenshot``) of whatever screen is on top,
with the screens under it where they show through (the tour over the bars). It is written to the
working directory under a name built from the config and the screen
(``gradtui-sigmoid-d16-expected.svg``, ``gradtui-relu-d20-he-normal-sampled-phase-map.svg``),
never over an existing file (``-2``, ``-3`` … are added), and the status line says where. A
directory that cannot be written is named with the reason, and the next export goes to the home
directory.

The key is an app-level priority binding, so every screen has it, modal ones (the tour) and screens
added later included; it gives way to a screen or widget that uses ``e`` itself, and to text input
(the command palette).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from textual.app import App

from gradtui.engine import Config

#: the key (the binding is in :mod:`.bindings`)
KEY = "e"
#: how many numbered names are tried before giving up
MAX_COPIES = 9999

_VIEW_NAMES = {"grad": "", "forward": "forward", "weight": "weights"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def screen_tag(screen) -> str:
    """The screen's part of the name: its ``export_tag`` if it has one (the tour: ``tour3``), else
    its class name without "Screen" (``PhaseMapScreen`` → ``phase-map``); the main screen: ""."""
    tag = getattr(screen, "export_tag", None)
    if tag is not None:
        return _slug(str(tag))
    name = type(screen).__name__
    if name == "Screen":  # the app's default screen: the bars
        return ""
    name = name.removesuffix("Screen")
    return _slug(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name))


def export_name(config: Config, view: str = "grad", screen: str = "") -> str:
    """A readable file name for the picture of ``config`` in ``view`` on ``screen`` (no suffix
    number): activation, depth, the settings that differ from the defaults' init, skip and norm,
    the mode, then the view and the screen."""
    default = Config()
    parts = ["gradtui", config.activation, f"d{config.depth}"]
    if config.mode != "chain" and config.init != default.init:
        parts.append(config.init)
    if config.residual:
        parts.append("residual")
    if config.norm != "none":
        parts.append(f"{config.norm}norm")
    parts.append(config.mode)
    parts += [_VIEW_NAMES.get(view, view), screen]
    return "-".join(_slug(p) for p in parts if p) + ".svg"


def display_path(path: Path) -> str:
    """``path`` with the home directory written ``~``."""
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def write_new(directory: Path, name: str, svg: str) -> Path:
    """Write ``svg`` as ``name`` in ``directory``, or ``name-2``, ``name-3`` … if it exists: never
    over a file (the name is claimed with an exclusive create). Raises OSError."""
    stem, suffix = name.removesuffix(".svg"), ".svg"
    for n in range(1, MAX_COPIES + 1):
        path = directory / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        try:
            with open(path, "x", encoding="utf-8") as out:
                out.write(svg)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{stem}-{MAX_COPIES}{suffix} and every name before it exist")


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


class Exporter:
    """One per app: where the next picture goes (the working directory, or home after a refusal)."""

    def __init__(self) -> None:
        #: True once the working directory refused a file: the next export goes home
        self.to_home = False

    def export(self, app: App, config: Config, view: str) -> tuple[str, bool]:
        """Save the current screen; (the message for the status line, whether it is an error)."""
        tag = screen_tag(app.screen)
        # the bars' view is in the name where the bars are in view: the main screen, the tour
        name = export_name(config, view if tag == "" or tag.startswith("tour") else "grad", tag)
        svg = app.export_screenshot()
        home = Path.home()
        try:
            directory = home if self.to_home else Path(os.getcwd())
        except OSError as error:  # the working directory was removed
            self.to_home = True
            return f"can't write to the working directory ({_reason(error)}); e again saves to ~/{name}", True
        try:
            path = write_new(directory, name, svg)
        except OSError as error:
            if directory == home:
                return f"can't write to {display_path(directory)} ({_reason(error)}) either: nothing saved", True
            self.to_home = True
            return f"can't write to {directory} ({_reason(error)}); e again saves to ~/{name}", True
        return f"saved {display_path(path.resolve())}", False


def exporter_of(app: App) -> Exporter:
    exporter = getattr(app, "_exporter", None)
    if exporter is None:
        exporter = app._exporter = Exporter()
    return exporter


#: Textual's text fields, by the module that defines each: a widget can only be one once its
#: module is loaded, so the check imports neither (TextArea and its documents cost ~20 ms, and the
#: footer asks this for its first frame)
_TEXT_FIELDS = (("textual.widgets._input", "Input"), ("textual.widgets._text_area", "TextArea"))


def _text_field(widget) -> bool:
    """Is ``widget`` an Input or a TextArea (where ``e`` is typed, not bound)?"""
    for module, name in _TEXT_FIELDS:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(widget, getattr(loaded, name)):
            return True
    return False


def key_is_free(app: App) -> bool:
    """May the app-level ``e`` export here? Not while text is typed (the command palette's input),
    nor on a screen or widget that binds ``e`` itself: the key is theirs there."""
    screen = app.screen
    focused = screen.focused
    if _text_field(focused):
        return False
    nodes = list(focused.ancestors_with_self) if focused is not None else [screen]
    for node in nodes:
        if node is app:
            break
        if KEY in node._bindings.key_to_bindings:
            return False
    return True


def export(app, view: str = "grad") -> None:
    """The ``e`` key and the palette's "export": save, and say where (or why not)."""
    message, error = exporter_of(app).export(app, app.config, view)
    say = getattr(app, "_error" if error else "_say", None)
    if say is not None:
        say(message)  # the main screen's status line
    # the status line is not in view: a toast too (not in --ascii: a toast's border is a block)
    if (say is None or len(app.screen_stack) > 1) and not getattr(app, "ascii", False):
        app.notify(message, severity="error" if error else "information", timeout=6, markup=False)
