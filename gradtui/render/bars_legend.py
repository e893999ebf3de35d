"""The bar chart's title and legend, each the most explicit wording that fits the width."""

from __future__ import annotations

from rich.cells import cell_len

from gradtui.engine.result import EXPLODING, OVERFLOW, STABLE, VANISHING

from .bars_layout import YAxis
from .glyphs import BarGlyphs
from .numbers import format_pow10, setting_text
from .palette import BAR_COLOR
from .text import fit, sgr


def title_texts(view: str, g: BarGlyphs) -> list[str]:
    if view == "weight":
        return [
            f"‖∂loss/∂W_l‖ per layer, absolute {g.sep} log scale",
            "‖∂loss/∂W_l‖ per layer, absolute",
            "‖∂loss/∂W‖ per layer",
            "‖∂loss/∂W‖",
            "weight grad",
        ]
    if view == "forward":
        return [
            f"forward activation std of each layer {g.sep} log scale",
            "forward activation std per layer",
            "forward activation std",
            "activation std",
        ]
    return [
        f"gradient reaching each layer {g.divide} output gradient {g.sep} log scale",
        f"gradient reaching each layer {g.divide} output gradient",
        f"gradient per layer {g.divide} output",
        "gradient per layer",
        "gradient",
    ]


def aggregation_texts(group: int, g: BarGlyphs) -> list[str]:
    if group == 1:
        return [""]
    return [
        f" {g.sep} {group} layers per bar (geometric mean)",
        f" {g.sep} {group} layers per bar",
        f" {g.sep} {group}/bar",
    ]


def pick_title(titles: list[str], suffixes: list[str], width: int) -> str:
    """The best title + suffix that fits: both as long as possible, the suffix never dropped."""
    combos = sorted(
        ((t, u) for t in range(len(titles)) for u in range(len(suffixes))),
        key=lambda tu: (tu[0] + tu[1], tu[1]),
    )
    for t, u in combos:
        if cell_len(titles[t] + suffixes[u]) <= width:
            return titles[t] + suffixes[u]
    return (titles[-1] + suffixes[-1]).strip()


def legend_items(
    used: set[str], view: str, g: BarGlyphs, yaxis: YAxis, overlay,
    threshold: float | None = None, ref_shown: bool = True,
) -> list[tuple]:
    """Legend items present on screen: (glyph, colour, long text, short text, tiny text)."""
    if view == "forward":
        names = {
            VANISHING: ("std < 0.1", "<0.1", "<.1"),
            STABLE: (f"0.1{g.dash}10", f".1{g.dash}10", "ok"),
            EXPLODING: ("std > 10", ">10", ">10"),
        }
        ref = ("1 = unit std", "std 1", "1")
    elif view == "weight":
        names = {
            VANISHING: ("vanishing", "vanish", "van"),
            STABLE: ("stable", "stable", "ok"),
            EXPLODING: ("exploding", "explode", "exp"),
        }
        ref = ("norm 1", "1", "1")
    else:
        names = {
            VANISHING: ("vanishing", "vanish", "van"),
            STABLE: ("stable", "stable", "ok"),
            EXPLODING: ("exploding", "explode", "exp"),
        }
        ref = ("1 = nothing lost", "1 = no loss", "1")
    items = []
    for regime in (VANISHING, STABLE, EXPLODING):
        if regime in used:
            items.append((g.bar[regime], BAR_COLOR[regime], *names[regime]))
    if ref_shown:
        items.append((g.ref, BAR_COLOR["ref"], *ref))
    if "clip" in used and threshold is not None:
        clip = f"clip {setting_text(threshold)}"
        items.append((g.clip, BAR_COLOR["clip"], clip, clip, clip))
    floor_text = format_pow10(yaxis.lo - yaxis.step / 2, 1)
    ceiling_text = format_pow10(yaxis.hi + yaxis.step / 2, 1)
    extras = {
        "below": (g.below, BAR_COLOR["below"], f"below {floor_text}", "below", "low"),
        "above": (g.above, BAR_COLOR["above"], f"above {ceiling_text}", "above", "high"),
        "zero": (g.zero, BAR_COLOR["zero"], "exact zero", "zero", "zero"),
        "overflow": (g.overflow, BAR_COLOR[OVERFLOW], "overflow (unknown)", "overflow", "ovf"),
        "pin": (g.pin, BAR_COLOR["pin"], "pinned", "pinned", "pin"),
    }
    for key in ("below", "above", "zero", "overflow", "pin"):
        if key in used:
            items.append(extras[key])
    if "overlay" in used and overlay is not None:
        mode = overlay.config.mode
        items.append((g.overlay, BAR_COLOR["overlay"], mode, mode, mode[:3]))
    return items


def pick_legend(items, width: int, color: bool, suffix: str) -> str:
    """The most explicit legend that fits: words are shortened one at a time, longest first
    (long → short → tiny → glyph only), so the essential short words survive longest."""
    tier = [2] * len(items)

    def build(gap: str, styled: bool) -> str:
        parts = []
        for item, t in zip(items, tier):
            glyph = sgr(item[0], item[1]) if styled else item[0]
            word = item[t] if t <= 4 else ""
            parts.append(f"{glyph} {word}" if word else glyph)
        return gap.join(parts) + suffix

    gap = "  "
    while True:
        plain = build(gap, False)
        if cell_len(plain) <= width:
            text = build(gap, color)
            return text + " " * (width - cell_len(plain))
        if gap == "  ":
            gap = " "
            continue
        open_ = [i for i, t in enumerate(tier) if t <= 4]
        if not open_:
            return fit(plain, width)
        i = max(open_, key=lambda j: (len(items[j][tier[j]]), j))
        tier[i] += 1
