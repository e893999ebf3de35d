"""The main screen's keys: one table, in the order the help lists them (each binding's tooltip is
its line there, :func:`gradtui.tui.screens.help_rows`), and the footer shows the unhidden ones."""

from __future__ import annotations

from textual.binding import Binding

_CONTROL = Binding.Group("control", compact=True)
_CHANGE = Binding.Group("change", compact=True)
_CHANGE_HELP = "change it (choices cycle; depth 1…1000; weight ×2^¼ steps)"
_LAYER_HELP = "layer inspector: move the cursor one layer toward input / output"
_ENDS_HELP = "inspect layer 1 (input side) / layer L (output side)"

#: every key of the main screen, in the order the help lists them; a binding's tooltip is its
#: line in the help (consecutive bindings with one tooltip share a line). Only the footer's
#: (shown) keys keep their relative order for the footer.
MAIN_BINDINGS = [
    Binding("up", "select(-1)", "control", key_display="↑", group=_CONTROL, id="select.up",
            tooltip="choose a control"),
    Binding("down", "select(1)", "control", key_display="↓", group=_CONTROL, id="select.down",
            tooltip="choose a control"),
    Binding("left", "change(-1)", "change", key_display="←", group=_CHANGE, id="change.down",
            tooltip=_CHANGE_HELP),
    Binding("right", "change(1)", "change", key_display="→", group=_CHANGE, id="change.up",
            tooltip=_CHANGE_HELP),
    Binding("m", "mode", "mode", show=False, id="mode",
            tooltip="mode: expected (theory) → sampled (one real network) → chain (one neuron per layer)"),
    Binding("r", "residual", "residual", show=False, id="residual", tooltip="residual skip on/off"),
    Binding("s", "seed", "new seed", show=False, id="seed",
            tooltip="new seed (seed + 1) for the sampled network"),
    *[
        Binding(str(n), f"preset({n})", f"preset {n}", show=False, id=f"preset.{n}",
                tooltip="load preset 1–9")
        for n in range(1, 10)
    ],
    Binding("P,enter", "presets", "presets", key_display="P", id="presets",
            tooltip="presets picker, with what each shows"),
    Binding("0", "defaults", "defaults", show=False, id="defaults",
            tooltip="back to the default settings"),
    Binding("p", "pin", "pin", id="pin",
            tooltip="pin this result; the next changes are drawn against it (p again: unpin)"),
    Binding("v", "view", "view", id="view", tooltip="view: gradient per layer → forward "
            "activation std → absolute ‖∂loss/∂W‖ (sampled)"),
    Binding("k", "clip", "clip norm", show=False, id="clip",
            tooltip="clip norm for the weight view: off → 1 → 10 → 100 → 1000 → off"),
    Binding("left_square_bracket,comma", "layer(-1)", "layer -1", show=False, id="layer.down",
            tooltip=_LAYER_HELP),
    Binding("right_square_bracket,full_stop", "layer(1)", "layer +1", show=False, id="layer.up",
            tooltip=_LAYER_HELP),
    Binding("left_curly_bracket,less_than_sign", "layer(-10)", "layer -10", show=False,
            id="layer.down10", tooltip="move the cursor ten layers"),
    Binding("right_curly_bracket,greater_than_sign", "layer(10)", "layer +10", show=False,
            id="layer.up10", tooltip="move the cursor ten layers"),
    Binding("home", "layer_end(0)", "first layer", show=False, id="layer.first",
            tooltip=_ENDS_HELP),
    Binding("end", "layer_end(1)", "last layer", show=False, id="layer.last", tooltip=_ENDS_HELP),
    Binding("escape", "hide_cursor", "hide cursor", show=False, id="layer.hide",
            tooltip="hide the layer cursor"),
    Binding("d", "distribution", "distribution", show=False, id="distribution",
            tooltip="distribution of the inspected layer's pre-activations, f' and the dead and "
            "saturated shares"),
    Binding("c", "copy", "copy command", show=False, id="copy",
            tooltip="copy the command line (terminal clipboard, OSC 52)"),
    Binding("M", "phase_map", "phase map", show=False, id="theory.phase_map", tooltip="phase map: "
            "layer-1 gradient over weight scale × bias, the χ₁ = 1 boundary, your setting"),
    Binding("J", "spectrum", "Jacobian spectrum", show=False, id="theory.spectrum",
            tooltip="Jacobian spectrum of the sampled network: singular values, condition number"),
    Binding("t", "train", "train", show=False, id="train", tooltip="training view: watch which "
            "layers learn (SGD/Adam, clipping); esc cancels/closes"),
    Binding("C", "compare", "compare", show=False, id="compare",
            tooltip="compare up to four settings side by side (a adds the current one)"),
    Binding("T", "tour", "tour", show=False, id="tour",
            tooltip="lecture tour: space/→ next step, ← back, esc leaves"),
    # app-wide (priority: every screen, the tour too); export gives way where e is bound or typed
    Binding("e", "export", "export", show=False, priority=True, id="export", tooltip="export this "
            "screen as SVG into the working directory (the status line says where)"),
    Binding("ctrl+p", "command_palette", "palette", show=False, priority=True, id="palette",
            tooltip="command palette: presets, views, mode, export, theme, other views by name"),
    Binding("question_mark,f1", "help", "help", key_display="?", id="help", tooltip="this help"),
    Binding("q,ctrl+c", "quit", "quit", key_display="q", id="quit", tooltip="quit"),
]
