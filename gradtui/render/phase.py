"""The order/chaos phase map: log10 gradient at layer 1 over (σ_w, σ_b), as a block of ANSI text.

    render_phase_map(pm, width, height)   the map, its axes, the χ₁ = 1 boundary, a cursor, a legend
    phase_readout(summary, lg, config)    the two lines under it: the cursor's numbers, ξ, critical σ_w
"""

from __future__ import annotations

import math

import numpy as np
from rich.cells import cell_len

from gradtui.engine import Config
from gradtui.engine.theory import PhaseMap, cursor_of

from .canvas import frame_lines, thin, title, to_ascii
from .glyphs import MapGlyphs, glyphs
from .numbers import format_pow10, fraction_text, setting_text
from .palette import MAP_COLOR as COLOR
from .text import fit, message_block, runs, sgr

#: y-axis label width of the phase map (labels are at most 4 cells: "0.05", "100")
_MAP_LABEL_W = 4
#: decades of |log10 grad_1| where the glyph ramp changes: ≤1 stable, then three steps each side
RAMP_EDGES = (1.0, 4.0, 16.0)


def phase_map_grid(width: int, height: int) -> tuple[int, int]:
    """(nx, ny) cells of the map drawn in a width × height block (title and legend lines included)."""
    return max(0, width - _MAP_LABEL_W - 1), max(0, height - 4)


_SB_TICKS = (100.0, 50.0, 20.0, 10.0, 5.0, 2.0, 1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01)


def _cell(v: float, g: MapGlyphs) -> tuple[str, str]:
    if math.isnan(v):
        return g.unknown, "unknown"
    a = abs(v)
    if a <= RAMP_EDGES[0]:
        return g.stable, "stable"
    k = 0 if a <= RAMP_EDGES[1] else 1 if a <= RAMP_EDGES[2] else 2
    return (g.vanishing[k], f"v{k}") if v < 0 else (g.exploding[k], f"x{k}")


def render_phase_map(
    pm: PhaseMap, width: int, height: int, *, config: Config | None = None, color: bool = True,
    ascii: bool = False, busy: bool = False,
) -> str:
    """The map as exactly ``height`` lines of ``width`` cells (ANSI colours unless color=False).

    Line 1 is the title, then plotext's frame with the painted cells, then the legend. The cursor
    is at ``config``'s (σ_w, σ_b) when given (the map's own cursor otherwise).
    """
    g = glyphs(ascii).map
    nx, ny = pm.shape
    if (nx, ny) != phase_map_grid(width, height) or nx < 8 or ny < 3:
        return message_block("phase map: window too small" if nx < 8 or ny < 3 else "", width, height)
    cursor = pm.cursor if config is None else cursor_of(config, pm.x_range, pm.y_max, pm.shape)[0]
    columns, rows = nx, ny
    cells = [[("", "")] * columns for _ in range(rows)]  # cells[j][i], j = 0 bottom
    grid = pm.log10_grad
    for j in range(rows):
        cells[j] = [_cell(float(grid[j, i]), g) for i in range(columns)]
    boundary = pm.boundary()
    for j, i in zip(*np.nonzero(boundary)):
        cells[j][i] = (g.boundary, "boundary")
    if cursor is not None:
        i, j = cursor
        cells[j][i] = (g.cursor, "cursor")

    # axes: σ_w powers of two (log), σ_b round values (√ scale)
    lo2, hi2 = math.log2(pm.x_range[0]), math.log2(pm.x_range[1])
    xs = [2.0**k for k in range(math.ceil(lo2 - 1e-9), math.floor(hi2 + 1e-9) + 1)]
    xcols = [(math.log2(v) - lo2) / (hi2 - lo2) * (columns - 1) for v in xs]
    order = sorted(range(len(xs)), key=lambda k: (abs(math.log2(xs[k])), k))  # 1 first, then out
    xcols, xlabels = thin([xcols[k] for k in order], [fraction_text(xs[k]) for k in order])
    ys = [0.0, pm.y_max] + [v for v in _SB_TICKS if v < pm.y_max]
    yrows = [math.sqrt(v / pm.y_max) * (rows - 1) for v in ys]
    yrows, ylabels = thin(yrows, [setting_text(v) for v in ys], gap=0)
    ylabels = [lab.rjust(_MAP_LABEL_W) for lab in ylabels]
    frame = frame_lines(width, rows + 2, columns, xcols, xlabels, (0, rows - 1), yrows, ylabels, ascii)
    left = width - columns
    lines = []
    for r in range(rows):
        j = rows - 1 - r
        head = frame[r][:left]
        if cursor is not None and j == cursor[1]:
            head = head[:-1] + sgr(g.right, COLOR["cursor"], color)
        lines.append(head + runs([(ch, COLOR[st]) for ch, st in cells[j]], color))
    axis, labels = frame[rows], frame[rows + 1]
    if cursor is not None:
        at = left + cursor[0]
        axis = axis[:at] + sgr(g.up, COLOR["cursor"], color) + axis[at + 1:]
    if labels[:_MAP_LABEL_W].strip() == "":
        labels = ("σ_w" if not ascii else "sw").rjust(_MAP_LABEL_W) + labels[_MAP_LABEL_W:]
    lines += [axis, labels]

    what = "residual, " if pm.residual else ""
    what += "layer norm, " if pm.norm == "layer" else ""
    lines.insert(0, title([
        f"phase map · {pm.activation}, {what}depth {pm.depth} · log10 gradient at layer 1 "
        "over weight σ_w (log) and bias σ_b (√ scale)",
        f"phase map · {pm.activation}, {what}depth {pm.depth} · gradient at layer 1 over σ_w, σ_b",
        f"phase map · {pm.activation}, depth {pm.depth}",
    ], width, color, ascii, busy))
    lines.append(_map_legend(pm, g, width, color, ascii, boundary.any()))
    return "\n".join(lines)


def _map_legend(pm: PhaseMap, g: MapGlyphs, width: int, color: bool, ascii: bool, has_boundary: bool) -> str:
    """Each glyph with the gradient range it stands for (so the map reads without colour)."""
    e1, e2 = int(RAMP_EDGES[1]), int(RAMP_EDGES[2])
    ramps = [
        [(g.stable, "stable", "0.1–10")],
        [(g.vanishing[0], "v0", "<0.1"), (g.vanishing[1], "v1", f"<1e-{e1}"), (g.vanishing[2], "v2", f"<1e-{e2}")],
        [(g.exploding[0], "x0", ">10"), (g.exploding[1], "x1", f">1e{e1}"), (g.exploding[2], "x2", f">1e{e2}")],
    ]
    tail = []
    if has_boundary:
        tail.append([(g.boundary, "boundary", "χ₁=1")])
    elif pm.residual:
        tail.append([("", "", "no χ₁=1 edge (skip)")])
    tail.append([(g.cursor, "cursor", "you")])

    def build(groups, styled: bool, words: bool) -> str:
        out = []
        for group in groups:
            out.append(" ".join(
                sgr(glyph, COLOR.get(key, ""), styled) + (f" {text}" if (words or len(group) == 1) and glyph else text if not glyph else "")
                for glyph, key, text in group
            ))
        return "  ".join(out)

    options = ((ramps + tail, True), (ramps + tail[-1:], True), (ramps + tail, False), (ramps, False))
    for groups, words in options:
        plain = build(groups, False, words)
        if ascii:
            plain = to_ascii(plain)
        if cell_len(plain) <= width:
            styled = build(groups, color, words)
            return (to_ascii(styled) if ascii else styled) + " " * (width - cell_len(plain))
    return fit(plain, width)


def phase_readout(summary: dict, log10_grad_first: float | None, config: Config, *, ascii: bool = False) -> str:
    """Two lines (≤ 78 cells) under the map: the cursor's numbers, then ξ and the critical σ_w."""
    g = glyphs(ascii).map
    sep = " · "
    sw, sb = summary["sigma_w"], summary["sigma_b"]
    chi = summary["chi1"]
    grad = "?" if log10_grad_first is None else format_pow10(log10_grad_first)
    chi_text = "0" if chi == 0 else f"{chi:.4g}" if chi is not None else "?"
    # with a skip χ₁ is the branch's, not a phase: one statement, on the second line
    phase = f"branch χ₁ = {chi_text}" if config.residual else f"χ₁ = {chi_text} {summary['phase']}"
    first = (
        f"{g.cursor} σ_w {sw:.3g} (weight ×{config.weight_scale:.3g}), σ_b {sb:.3g}: layer 1 gets {grad}"
        f"{sep}{phase}"
    )
    xi, lpd = summary["depth_scale"], summary["layers_per_decade"]
    if config.residual:
        second = "residual: each factor √(1+α²χ₁) ≥ 1, no ordered phase"
        text = first + "\n" + second
        return to_ascii(text) if ascii else text
    elif chi == 0:
        second = "nothing passes a layer"
    elif xi is None:
        second = "ξ = ∞: the gradient keeps its size"
    else:
        word = "falls" if chi < 1 else "grows"
        second = f"ξ = {abs(xi):.3g}: {word} 10× per {lpd:.3g} layers"
    crit = summary["critical_sigma_w"]
    if crit is not None:
        scale = summary.get("critical_weight_scale")
        at = f" (weight ×{scale:.4g})" if scale else ""
        second += f"{sep}χ₁ = 1 at σ_w = {crit:.4g}{at}"
    elif "batchnorm_lambda" in summary:
        second += f"{sep}χ₁ is batch norm's λ(B = {summary['batch']})"
    else:
        second += f"{sep}χ₁ never reaches 1 at this σ_b"
    text = first + "\n" + second
    return to_ascii(text) if ascii else text
