"""Modal screens: the key list (help) and the presets picker."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from gradtui.engine import PRESET_ORDER, PRESETS

from .controls import CONTROLS

#: how the help names a key (Textual's name → what is printed on the key); others as they are
KEY_NAMES = {
    "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]", "comma": ",",
    "full_stop": ".", "left_curly_bracket": "{", "right_curly_bracket": "}", "less_than_sign": "<",
    "greater_than_sign": ">", "home": "Home", "end": "End", "f1": "F1", "escape": "esc",
    "up": "↑", "down": "↓", "left": "←", "right": "→",
}
_ASCII_NAMES = {"↑": "up", "↓": "down", "←": "left", "→": "right"}


def key_name(key: str, ascii: bool = False) -> str:
    name = KEY_NAMES.get(key, key)
    return _ASCII_NAMES.get(name, name) if ascii else name


def help_rows(bindings, ascii: bool = False) -> list[tuple[str, str]]:
    """(keys, what they do) for the help, from bindings with a tooltip, in their order.

    Consecutive bindings with the same tooltip share a row: ``↑ ↓``; each binding's alternative
    keys follow after two spaces (``[ ]  , .``, ``P  enter``); a run of more than two is
    ``1 … 9``.
    """
    rows: list[tuple[list, str]] = []
    for binding in bindings:
        if not getattr(binding, "tooltip", ""):
            continue
        if rows and rows[-1][1] == binding.tooltip:
            rows[-1][0].append(binding)
        else:
            rows.append(([binding], binding.tooltip))
    out = []
    for group, what in rows:
        keys = [[key_name(k.strip(), ascii) for k in b.key.split(",")] for b in group]
        if len(group) > 2:
            shown = f"{keys[0][0]} {'...' if ascii else '…'} {keys[-1][0]}"
        else:
            shown = "  ".join(" ".join(ks[i] for ks in keys if i < len(ks))
                              for i in range(max(map(len, keys))))
        out.append((shown, what))
    return out


def help_markdown(bindings, view: tuple[str, list] | None = None) -> str:
    """The help as Markdown: ``view`` (its title and bindings) first, when it is opened from one."""
    def rows_of(bindings) -> str:
        return "\n".join(f"- `{k}` — {what}" for k, what in help_rows(bindings))

    rows = rows_of(bindings)
    heading, here = "Keys", ""
    if view is not None and help_rows(view[1]):
        here = f"## Keys of the {view[0]}\n\n{rows_of(view[1])}\n\n"
        heading = f"Keys of the main screen ({_EVERYWHERE})"
    controls = "\n".join(f"- **{c.label}** — {c.help}" for c in CONTROLS)
    return f"""\
{here}## {heading}

{rows}

## Controls

{controls}

## What you are seeing

Each bar is the gradient that reaches a layer, relative to the output (log scale; layer 1 is
the input side, L the output side). A bar at 1 means nothing was lost. Below 0.1 the layer is
**vanishing**, above 10 **exploding**; the verdict is the regime of layer 1.
`expected` is the infinite-width theory; `sampled` is one real random network of the given width
and seed, with the theory drawn over it.

`v` also shows the forward activation std per layer, and (sampled) each layer's absolute weight
gradient ‖∂loss/∂W_l‖ with `k`'s clip norm as a line: above it, clipping would scale every
layer's step down by the same factor. `M` `J` `t` `T` open the phase map, the Jacobian spectrum,
the training view and the lecture tour.
"""


def help_plain(bindings, ascii: bool, view: tuple[str, list] | None = None) -> str:
    """The same key list as plain text (used with --ascii, where Markdown's glyphs are not wanted)."""
    def rows_of(bindings) -> list[str]:
        return [f"  {key:<12} {_asciify(what) if ascii else what}"
                for key, what in help_rows(bindings, ascii)]

    lines = ["KEYS", ""]
    if view is not None and help_rows(view[1]):
        lines = [f"KEYS OF THE {view[0].upper()}", "", *rows_of(view[1]), "",
                 f"KEYS OF THE MAIN SCREEN ({_EVERYWHERE})", ""]
    lines += rows_of(bindings)
    lines += ["", "CONTROLS", ""]
    for c in CONTROLS:
        lines.append(f"  {(c.ascii_label if ascii else c.label):<12} {c.help}")
    lines += ["", "esc closes this help; q quits gradtui."]
    return "\n".join(lines)


#: what the main screen's list says when the help is opened from another view
_EVERYWHERE = "? opens this help from every view"


def _asciify(s: str) -> str:
    from gradtui.render.text import asciify

    for u, a in (("⇄", "<->"), ("…", "..."), ("^¼", "^(1/4)")):
        s = s.replace(u, a)
    return asciify(s)


class HelpScreen(ModalScreen[None]):
    """Every key of the given bindings, rendered from Markdown (plain text with --ascii); opened
    from another view, that view's keys (``view``: its title and bindings) come first."""

    BINDINGS = [
        Binding("escape,question_mark,f1", "dismiss", "close", id="help.close",
                tooltip="close this help"),
        # scroll without animation: a held or repeated arrow key moves one line per press, at once
        Binding("down,j", "scroll(1)", "down", show=False, id="help.down"),
        Binding("up,k", "scroll(-1)", "up", show=False, id="help.up"),
        Binding("pagedown,space", "page(1)", "page down", show=False, id="help.pagedown"),
        Binding("pageup", "page(-1)", "page up", show=False, id="help.pageup"),
    ]

    def __init__(self, bindings, *, ascii: bool = False, view: tuple[str, list] | None = None) -> None:
        super().__init__(classes="-ascii" if ascii else None)
        self.bindings = list(bindings)
        self.view = (view[0], list(view[1])) if view is not None else None
        self.ascii = ascii

    def action_scroll(self, lines: int) -> None:
        self._scroll_by(lines)

    def action_page(self, direction: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        self._scroll_by(direction * max(1, body.scrollable_content_region.height - 1))

    def _scroll_by(self, lines: int) -> None:
        # from the scroll *target*, not the position: a burst of keys read in one go (a held key
        # over SSH) arrives before the next repaint, and every key must count
        body = self.query_one("#help-body", VerticalScroll)
        target = min(max(body.scroll_target_y + lines, 0), body.max_scroll_y)
        body.scroll_to(y=target, animate=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body", can_focus=False) as body:
            if self.ascii:
                yield Static(Text(help_plain(self.bindings, True, self.view)), id="help-text")
            else:
                # Rich's Markdown in one Static: the Markdown widget builds a widget per list item
                # and takes a second to open on a slow machine
                from rich.markdown import Markdown

                yield Static(Markdown(help_markdown(self.bindings, self.view), code_theme="ansi_dark"), id="help-text")
        body.border_title = "gradtui help"
        body.border_subtitle = "esc close  q quit"

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        if self.is_current:  # a second close key already queued must not pop the main screen
            self.dismiss(None)


class PresetList(OptionList):
    """The picker's list. PageUp/PageDown before the list has been laid out at its current size
    (Textual 8 raised ``KeyError`` from ``OptionList._move_page`` then) move one option instead."""

    def _move_page(self, direction) -> None:
        try:
            super()._move_page(direction)
        except (KeyError, IndexError):
            if self.option_count:
                current = self.highlighted or 0
                self.highlighted = max(0, min(self.option_count - 1, current + direction))


class PresetsScreen(ModalScreen[str | None]):
    """Pick a preset; each shows its caption (what to notice)."""

    BINDINGS = [
        Binding("escape", "cancel", "close", id="presets.close", tooltip="close the picker"),
    ]

    def __init__(self, *, ascii: bool = False, current: str | None = None) -> None:
        super().__init__(classes="-ascii" if ascii else None)
        self.ascii = ascii
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for i, name in enumerate(PRESET_ORDER, start=1):
            p = PRESETS[name]
            key = str(i) if i <= 9 else " "
            caption = _asciify(p.caption) if self.ascii else p.caption
            title = _asciify(p.title) if self.ascii else p.title
            prompt = Text.assemble((f"{key}  {title}", "bold"), "\n   ", caption)
            options.append(Option(prompt, id=name))
        picker = PresetList(*options, id="preset-list")
        picker.border_title = "presets"
        picker.border_subtitle = "enter loads, esc closes, q quits"
        yield picker

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        if self.current in PRESETS:
            picker.highlighted = PRESET_ORDER.index(self.current)
        else:
            picker.highlighted = 0
        picker.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if self.is_current:  # enter then esc typed ahead: only the first one closes
            self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        if self.is_current:
            self.dismiss(None)
