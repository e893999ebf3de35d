"""The text around the main chart: its title and subtitle, the status line, the pinned note.

Pure functions of the app's state (config, view, clip norm, pinned and shown results), so GradApp
only places them.
"""

from __future__ import annotations

from rich.text import Text

from gradtui.engine import Config, Result
from gradtui.render.glyphs import Glyphs
from gradtui.render.numbers import fmt_log10, fmt_num

#: v steps through the chart's views in this order
NEXT_VIEW = {"grad": "forward", "forward": "weight", "weight": "grad"}
#: the chart's subtitle: where v goes next
VIEW_HINT = {"grad": "v: forward view", "forward": "v: weight grads", "weight": "v: gradients"}
#: the clip norms ``k`` steps through (after them: off)
CLIP_NORMS = (1.0, 10.0, 100.0, 1000.0)


def clip_label(clip: float | None) -> str:
    return "off" if clip is None else f"{clip:g}"


def chart_title(config: Config) -> str:
    if config.mode == "sampled":
        return f"sampled: width {config.width}, batch {config.batch}, seed {config.seed}"
    if config.mode == "chain":
        return (f"chain: one neuron, w {fmt_num(config.weight_scale)}, b {fmt_num(config.bias_mean)}, "
                f"x0 {fmt_num(config.input_mean)}")
    return "expected: mean-field theory, infinite width"


def chart_subtitle(view: str, clip: float | None, pinned: bool, computing: bool, g: Glyphs,
                   provisional: str | None = None, held: bool = False) -> str:
    """``held``: the new setting waits for ``enter`` (over the compute budget): nothing runs yet."""
    if provisional is not None:
        return provisional
    if held:
        return "over budget: enter runs it"
    if computing:
        return "computing" + g.ellipsis
    notes = ["pinned shown (p unpins)"] if pinned else []
    notes.append(VIEW_HINT[view])
    if view == "weight":
        notes.append("k: clip " + clip_label(clip))
    return "; ".join(notes)


def provisional_note(g: Glyphs) -> str:
    """The subtitle of a provisional chart: what it shows, and that the network's own is coming."""
    return f"provisional: mean-field bars, computing{g.ellipsis}"


def status_text(message: Text | None, shown: Result | None, config: Config, view: str,
                clip: float | None, ascii: bool) -> Text | None:
    """The line under the verdict: a note or error if there is one, else the depth-scale readout
    (expected mode) or the weight view's clip readout."""
    if message is not None:
        return message
    if shown is not None and config.mode == "expected":
        # the readout of the result on screen (never computed before the first frame)
        return Text(_depth_scale(shown.config, ascii), style="dim") or None
    if view == "weight" and shown is not None:
        from gradtui.render.verdict import clip_text

        readout = clip_text(shown, clip, ascii=ascii)
        return Text(readout) if readout is not None else None
    return None


def pinned_note(pinned: Result, g: Glyphs, ascii: bool) -> Text:
    dash = "--" if ascii else "—"
    return Text.assemble(
        ("pinned: ", "bold"),
        f"{g.regime.get(pinned.regime, '?')} {pinned.regime}, layer 1 gets "
        f"{fmt_log10(pinned.log10_grad_first)}",
        f" {dash} change something to compare; p unpins",
    )


def _depth_scale(config: Config, ascii: bool) -> str:
    """χ₁, ξ and layers per 10× (computed once per config: depth_scale_text caches it)."""
    from gradtui.render.verdict import depth_scale_text

    try:
        return depth_scale_text(config, ascii=ascii)
    except Exception:  # a readout only: never let it break the main view
        return ""
