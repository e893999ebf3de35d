"""Theory views: the order/chaos phase map and the Jacobian spectrum, as screens of the app.

    PhaseMapScreen(config)   log10 gradient at layer 1 over (σ_w, σ_b), the χ₁ = 1 boundary, a cursor
    SpectrumScreen(config)   histogram of the input→output Jacobian's singular values (sampled network)

Both take ←/→ (weight scale, ×2^¼ steps) and ↑/↓ (bias σ_b steps) themselves and post
:class:`ConfigChanged` so the main app can adopt the new config; the app keeps them in sync with
``update_config``. Escape or q closes them. The numbers are computed in worker threads (latest
request wins), so keys never wait.

Drawing follows ``gradtui.chart``: plotext 6 builds the frame (axes, ticks, labels) and the canvas
inside it is painted cell by cell. plotext's own ``heatmap`` is not used because it draws every cell
with one symbol, so under NO_COLOR (or on a monochrome terminal) the map would be a blank block; it
also has no way to put the χ₁ = 1 boundary and the cursor on cells. Here every cell has a glyph from
a shade ramp *and* a colour, so the map reads without colour, and ``ascii=True`` keeps to ASCII.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from gradtui.chart import asciify, format_pow10, plotext_frame
from gradtui.engine import Config, compute
from gradtui.chart import depth_scale_text  # noqa: F401  (re-exported for the app)
from gradtui.engine.theory import (
    PhaseMap,
    Spectrum,
    cursor_of,
    jacobian_spectrum,
    map_key_of,
    map_ranges,
    phase_map,
    spectrum_summary,
    theory_summary,
)

from .controls import BIAS_STDS, WEIGHT_SCALES, step_grid, with_mode

__all__ = [
    "ConfigChanged", "PhaseMapScreen", "SpectrumScreen", "depth_scale_text", "phase_map_grid",
    "phase_readout", "render_phase_map", "render_spectrum", "spectrum_readout",
]

#: the widest Jacobian the spectrum view computes (wider configs use a width-capped copy)
SPECTRUM_MAX_WIDTH = 256
#: y-axis label width of the phase map (labels are at most 4 cells: "0.05", "100")
_MAP_LABEL_W = 4
#: decades of |log10 grad_1| where the glyph ramp changes: ≤1 stable, then three steps each side
RAMP_EDGES = (1.0, 4.0, 16.0)


@dataclass(frozen=True)
class _Glyphs:
    vanishing: tuple[str, str, str]
    stable: str
    exploding: tuple[str, str, str]
    boundary: str
    cursor: str
    up: str
    right: str
    unknown: str
    bar: dict
    ref: str
    dot: str


UNICODE = _Glyphs(
    vanishing=("▒", "░", "·"), stable="█", exploding=("▓", "▚", "╳"), boundary="│", cursor="◆",
    up="▲", right="▶", unknown="?",
    bar={"vanishing": "░", "stable": "█", "exploding": "▓"}, ref="┊", dot="·",
)
ASCII = _Glyphs(
    vanishing=(":", "-", "."), stable="#", exploding=("+", "x", "X"), boundary="|", cursor="O",
    up="^", right=">", unknown="?",
    bar={"vanishing": ":", "stable": "#", "exploding": "@"}, ref="|", dot=".",
)

#: SGR codes from the 16-colour palette (the chart's regime colours: blue / green / red)
_COLOR = {
    "v0": "94", "v1": "34", "v2": "90", "stable": "32", "x0": "91", "x1": "31", "x2": "35",
    "boundary": "1;93", "cursor": "1;97", "unknown": "1;95", "title": "1", "ref": "90",
    "vanishing": "94", "exploding": "91", "dim": "90",
}


def _ascii(text: str) -> str:
    """``chart.asciify`` plus the few characters only these views use."""
    for u, a in (("ξ", "xi"), ("◆", "O")):
        text = text.replace(u, a)
    return asciify(text)


def _sgr(text: str, style: str | None, color: bool) -> str:
    return f"\x1b[{style}m{text}\x1b[0m" if (style and color) else text


def _fit(text: str, width: int) -> str:
    while text and cell_len(text) > width:
        text = text[:-1]
    return text + " " * (width - cell_len(text))


def _pick(options: list[str], width: int) -> str:
    """The first option that fits in ``width`` cells (the last one, cut, if none does)."""
    for o in options:
        if cell_len(o) <= width:
            return o
    return _fit(options[-1], width).rstrip()


def _runs(cells: list[tuple[str, str]], color: bool) -> str:
    out, run, style = [], [], None
    for ch, st in cells:
        if st != style and run:
            out.append(_sgr("".join(run), style, color))
            run = []
        style = st
        run.append(ch)
    if run:
        out.append(_sgr("".join(run), style, color))
    return "".join(out)


def _frame(width: int, fig_h: int, columns: int, xticks, xlabels, ylim, yticks, ylabels, ascii: bool):
    """plotext's frame (y labels, axes, x ticks and labels) as plain lines, ``fig_h`` of them."""
    lines = plotext_frame(width, fig_h, columns, xticks, xlabels, ylim, yticks, ylabels)
    return [_fit(_ascii(line), width) for line in lines] if ascii else lines


def _thin(positions: list[float], labels: list[str], gap: int = 1) -> tuple[list[float], list[str]]:
    """Keep labels (in the given order of preference) whose cells don't touch a kept one."""
    taken: list[tuple[float, float]] = []
    keep = []
    for p, lab in zip(positions, labels):
        half = cell_len(lab) / 2 + gap
        if any(abs(p - q) < half + h for q, h in taken):
            continue
        taken.append((p, half))
        keep.append((p, lab))
    keep.sort()
    return [p for p, _ in keep], [lab for _, lab in keep]


def _title(options: list[str], width: int, color: bool, ascii: bool, busy: bool) -> str:
    """The first title that fits (with "computing…" while a newer result is on its way), padded."""
    if busy:
        options = [t + " · computing…" for t in options]
    title = _pick([_ascii(t) if ascii else t for t in options], width)
    return _sgr(title, _COLOR["title"], color) + " " * (width - cell_len(title))


def _message_block(text: str, width: int, height: int) -> str:
    if width <= 0 or height <= 0:
        return ""
    return "\n".join([_fit(text, width)] + [" " * width] * (height - 1))


# ---------------------------------------------------------------------------------------------
# Phase map
# ---------------------------------------------------------------------------------------------
def phase_map_grid(width: int, height: int) -> tuple[int, int]:
    """(nx, ny) cells of the map drawn in a width × height block (title and legend lines included)."""
    return max(0, width - _MAP_LABEL_W - 1), max(0, height - 4)


def _sw_label(v: float) -> str:
    if v >= 1:
        return f"{v:g}"
    return f"1/{round(1 / v):d}"


def _sb_label(v: float) -> str:
    return "0" if v == 0 else f"{v:g}"


_SB_TICKS = (100.0, 50.0, 20.0, 10.0, 5.0, 2.0, 1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01)


def _cell(v: float, g: _Glyphs) -> tuple[str, str]:
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
    g = ASCII if ascii else UNICODE
    nx, ny = pm.shape
    if (nx, ny) != phase_map_grid(width, height) or nx < 8 or ny < 3:
        return _message_block("phase map: window too small" if nx < 8 or ny < 3 else "", width, height)
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
    xcols, xlabels = _thin([xcols[k] for k in order], [_sw_label(xs[k]) for k in order])
    ys = [0.0, pm.y_max] + [v for v in _SB_TICKS if v < pm.y_max]
    yrows = [math.sqrt(v / pm.y_max) * (rows - 1) for v in ys]
    yrows, ylabels = _thin(yrows, [_sb_label(v) for v in ys], gap=0)
    ylabels = [lab.rjust(_MAP_LABEL_W) for lab in ylabels]
    frame = _frame(width, rows + 2, columns, xcols, xlabels, (0, rows - 1), yrows, ylabels, ascii)
    left = width - columns
    lines = []
    for r in range(rows):
        j = rows - 1 - r
        head = frame[r][:left]
        if cursor is not None and j == cursor[1]:
            head = head[:-1] + _sgr(g.right, _COLOR["cursor"], color)
        lines.append(head + _runs([(ch, _COLOR[st]) for ch, st in cells[j]], color))
    axis, labels = frame[rows], frame[rows + 1]
    if cursor is not None:
        at = left + cursor[0]
        axis = axis[:at] + _sgr(g.up, _COLOR["cursor"], color) + axis[at + 1:]
    if labels[:_MAP_LABEL_W].strip() == "":
        labels = ("σ_w" if not ascii else "sw").rjust(_MAP_LABEL_W) + labels[_MAP_LABEL_W:]
    lines += [axis, labels]

    what = "residual, " if pm.residual else ""
    what += "layer norm, " if pm.norm == "layer" else ""
    lines.insert(0, _title([
        f"phase map · {pm.activation}, {what}depth {pm.depth} · log10 gradient at layer 1 "
        "over weight σ_w (log) and bias σ_b (√ scale)",
        f"phase map · {pm.activation}, {what}depth {pm.depth} · gradient at layer 1 over σ_w, σ_b",
        f"phase map · {pm.activation}, depth {pm.depth}",
    ], width, color, ascii, busy))
    lines.append(_map_legend(pm, g, width, color, ascii, boundary.any()))
    return "\n".join(lines)


def _map_legend(pm: PhaseMap, g: _Glyphs, width: int, color: bool, ascii: bool, has_boundary: bool) -> str:
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
                _sgr(glyph, _COLOR.get(key, ""), styled) + (f" {text}" if (words or len(group) == 1) and glyph else text if not glyph else "")
                for glyph, key, text in group
            ))
        return "  ".join(out)

    options = ((ramps + tail, True), (ramps + tail[-1:], True), (ramps + tail, False), (ramps, False))
    for groups, words in options:
        plain = build(groups, False, words)
        if ascii:
            plain = _ascii(plain)
        if cell_len(plain) <= width:
            styled = build(groups, color, words)
            return (_ascii(styled) if ascii else styled) + " " * (width - cell_len(plain))
    return _fit(plain, width)


def phase_readout(summary: dict, log10_grad_first: float | None, config: Config, *, ascii: bool = False) -> str:
    """Two lines (≤ 78 cells) under the map: the cursor's numbers, then ξ and the critical σ_w."""
    g = ASCII if ascii else UNICODE
    sep = " · "
    sw, sb = summary["sigma_w"], summary["sigma_b"]
    chi = summary["chi1"]
    grad = "?" if log10_grad_first is None else format_pow10(log10_grad_first)
    chi_text = "0" if chi == 0 else f"{chi:.4g}" if chi is not None else "?"
    first = (
        f"{g.cursor} σ_w {sw:.3g} (weight ×{config.weight_scale:.3g}), σ_b {sb:.3g}: layer 1 gets {grad}"
        f"{sep}χ₁ = {chi_text} {summary['phase']}"
    )
    xi, lpd = summary["depth_scale"], summary["layers_per_decade"]
    if config.residual:
        second = "residual: every factor ≥ 1, no ordered phase"
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
    else:
        second += f"{sep}χ₁ never reaches 1 at this σ_b"
    text = first + "\n" + second
    return _ascii(text) if ascii else text


def _readout_job(config: Config) -> tuple[Config, dict, float | None]:
    summary = theory_summary(config)
    cfg = with_mode(config, "expected")[0]
    try:
        lg = float(compute(cfg).log10_grad_first)
    except ValueError:
        lg = None
    return config, summary, lg


class ConfigChanged(Message):
    """A theory screen changed the config with its own keys; the app should adopt ``config``."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def can_replace(self, message: Message) -> bool:  # a held key: only the latest matters
        return isinstance(message, ConfigChanged)


class _AnsiView(Widget):
    """A block of ANSI text drawn by the owning screen at this widget's content size."""

    DEFAULT_CSS = "_AnsiView { height: 1fr; }"

    def __init__(self, draw, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._draw = draw

    def render(self) -> Text:
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return Text("")
        try:
            ansi = self._draw(width, height)
        except Exception as error:  # a drawing bug must not take the app down
            return Text(f"view failed: {type(error).__name__}: {error}", style="bold")
        return Text.from_ansi(ansi, no_wrap=True, end="")


_WEIGHT = Binding.Group("weight", compact=True)
_BIAS = Binding.Group("bias", compact=True)


class _TheoryScreen(Screen[None]):
    """What both views share: the config, the weight/bias keys, closing, and the readout line."""

    DEFAULT_CSS = """
    _TheoryScreen { layout: vertical; }
    _TheoryScreen .theory-readout { height: 2; padding: 0 1; }
    """

    BINDINGS = [
        Binding("left", "weight(-1)", "weight", key_display="←", group=_WEIGHT, id="theory.weight.down"),
        Binding("right", "weight(1)", "weight", key_display="→", group=_WEIGHT, id="theory.weight.up"),
        Binding("down", "bias(-1)", "bias σ_b", key_display="↓", group=_BIAS, id="theory.bias.down"),
        Binding("up", "bias(1)", "bias σ_b", key_display="↑", group=_BIAS, id="theory.bias.up"),
        Binding("escape,q", "close", "back", key_display="esc", id="theory.close"),
    ]

    def __init__(self, config: Config, ascii: bool = False) -> None:
        super().__init__()
        self.config = config
        self.ascii = ascii
        self.message: str | None = None

    @property
    def color(self) -> bool:
        try:
            return not self.app.no_color
        except Exception:
            return True

    # -- keys ---------------------------------------------------------------------------------
    def action_weight(self, direction: int) -> None:
        self._change(lambda c: c.replace(weight_scale=step_grid(c.weight_scale, WEIGHT_SCALES, direction)))

    def action_bias(self, direction: int) -> None:
        self._change(lambda c: c.replace(bias_std=step_grid(c.bias_std, BIAS_STDS, direction)))

    def action_close(self) -> None:
        if self.is_current:  # a second close key typed ahead must not pop the main screen
            self.dismiss(None)

    def _change(self, make) -> None:
        try:
            new = make(self.config)
        except ValueError as error:
            self.message = str(error)
            self._show_readout()
            return
        if new == self.config:
            return
        self.message = None
        self.update_config(new)
        self.post_message(ConfigChanged(new))

    # -- to override ----------------------------------------------------------------------------
    def update_config(self, config: Config) -> None:
        raise NotImplementedError

    def _show_readout(self) -> None:
        raise NotImplementedError


class PhaseMapScreen(_TheoryScreen):
    """log10 gradient at layer 1 over (σ_w, σ_b) for the current activation and depth (expected mode).

    The map is recomputed (in a worker) only when what it depends on changes: activation, depth,
    skip, norm, the window size, or a cursor that leaves the map's range. Moving the cursor inside
    the map redraws instantly; the readout below it (χ₁, ξ, critical σ_w, the exact gradient at the
    cursor) comes from a second worker.
    """

    def __init__(self, config: Config, ascii: bool = False) -> None:
        super().__init__(config, ascii)
        self.map: PhaseMap | None = None
        self._wanted: tuple | None = None
        self._readout: tuple[Config, dict, float | None] | None = None

    def compose(self) -> ComposeResult:
        yield _AnsiView(self._draw, id="phase-view")
        yield Static("", id="phase-readout", classes="theory-readout")
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._request)

    def on_resize(self) -> None:
        self.call_after_refresh(self._request)

    # -- state ----------------------------------------------------------------------------------
    def update_config(self, config: Config) -> None:
        """Follow the app's config: move the cursor at once, recompute only what must be."""
        self.config = config
        if self.is_mounted:
            self._request()

    @property
    def busy(self) -> bool:
        return self.map is None or self._wanted is not None and self.map.key() != self._wanted

    @property
    def cursor(self) -> tuple[int, int] | None:
        """The cell of the current (σ_w, σ_b) on the map on screen (None before the first map)."""
        if self.map is None:
            return None
        return cursor_of(self.config, self.map.x_range, self.map.y_max, self.map.shape)[0]

    def _request(self) -> None:
        view = self.query_one("#phase-view", _AnsiView)
        nx, ny = phase_map_grid(*view.content_size)
        if nx >= 8 and ny >= 3:
            x_range, y_max = map_ranges(self.config)
            c = self.config
            key = map_key_of(c.activation, c.depth, c.residual, c.residual_scale, c.norm, x_range, y_max, (nx, ny))
            if self.map is None or self.map.key() != key:
                if key != self._wanted:
                    self._wanted = key
                    self.run_worker(
                        partial(phase_map, c, nx, ny, x_range=x_range, y_max=y_max),
                        name="phase-map", group="phase-map", thread=True, exclusive=True,
                        exit_on_error=False,
                    )
            else:
                self._wanted = key
        self.run_worker(
            partial(_readout_job, self.config), name="phase-readout", group="phase-readout",
            thread=True, exclusive=True, exit_on_error=False,
        )
        view.refresh()
        self._show_readout()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.SUCCESS:
            if event.state == WorkerState.ERROR and event.worker.group in ("phase-map", "phase-readout"):
                self.message = f"theory failed: {event.worker.error}"
                self._show_readout()
            return
        result = event.worker.result
        if event.worker.group == "phase-map" and isinstance(result, PhaseMap):
            if result.key() == self._wanted:
                self.map = result
                self.query_one("#phase-view", _AnsiView).refresh()
        elif event.worker.group == "phase-readout" and isinstance(result, tuple):
            if result[0] == self.config:
                self._readout = result
                self._show_readout()

    # -- drawing --------------------------------------------------------------------------------
    def _draw(self, width: int, height: int) -> str:
        if self.map is None or self.map.shape != phase_map_grid(width, height):
            if self.map is None:
                return _message_block("phase map: computing" + ("..." if self.ascii else "…"), width, height)
            return _message_block("phase map: redrawing for the new size", width, height)
        return render_phase_map(self.map, width, height, config=self.config, color=self.color,
                                ascii=self.ascii, busy=self.busy)

    def _show_readout(self) -> None:
        try:
            out = self.query_one("#phase-readout", Static)
        except Exception:
            return
        if self.message:
            out.update(Text(self.message, style="bold red"))
        elif self._readout is not None and self._readout[0] == self.config:
            _, summary, lg = self._readout
            out.update(Text(phase_readout(summary, lg, self.config, ascii=self.ascii)))
        # while the readout is computing the previous one stays (no flicker on a held key)


# ---------------------------------------------------------------------------------------------
# Jacobian spectrum
# ---------------------------------------------------------------------------------------------
def _regime(lg: float) -> str:
    return "vanishing" if lg < -1 else "exploding" if lg > 1 else "stable"


def _count_ticks(top: int, rows: int) -> tuple[int, list[int]]:
    """A nice count step and the y range top so ticks sit ≥ 2 rows apart."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        hi = max(step, math.ceil(top / step) * step)
        if (rows - 1) * step / hi >= 2 or step == 5000:
            return hi, list(range(0, hi + 1, step))
    raise AssertionError("unreachable")


def render_spectrum(
    spec: Spectrum, width: int, height: int, *, color: bool = True, ascii: bool = False, busy: bool = False,
) -> str:
    """Histogram of log10 singular values (log-x), exactly ``height`` lines of ``width`` cells."""
    g = ASCII if ascii else UNICODE
    c = spec.config
    if not spec.ok:
        text = (f"Jacobian spectrum: the forward pass overflows float64 at layer {spec.overflow_layer}"
                if spec.overflow_layer else "Jacobian spectrum: no singular values")
        return _message_block(text, width, height)
    lg = spec.log10_sv
    finite = lg[np.isfinite(lg)]
    fig_h = height - 2
    rows = fig_h - 2
    if rows < 3 or width < 24:
        return _message_block("spectrum: window too small", width, height)
    fmin, fmax = float(finite.min()), float(finite.max())
    lo, hi = min(fmin, 0.0), max(fmax, 0.0)
    span = hi - lo
    if span < 1.0:  # one spike (an isometry): centre it on a column, ±1 decade around it
        mid = 0.5 * (lo + hi)
        lo, hi = mid - 1.0, mid + 1.0
    else:
        lo, hi = lo - 0.04 * span, hi + 0.04 * span
    # y labels are counts: their width sets the canvas width
    label_w = 1
    base = (lo, hi)
    for _ in range(2):
        columns = width - label_w - 1
        # about 2√n bins (at least 8, at most one per column), each a run of whole columns
        bins = int(min(columns, max(8, round(2.0 * math.sqrt(finite.size)))))
        lo, hi = base
        if span < 1.0:  # one spike (an isometry): its bin centred on its value
            bw = 2.0 / bins
            lo = 0.5 * (lo + hi) - (bins // 2 + 0.5) * bw
            hi = lo + bins * bw
        bw = (hi - lo) / bins
        idx = np.clip(((finite - lo) / bw).astype(int), 0, bins - 1)
        counts = np.bincount(idx, minlength=bins)
        top, yt = _count_ticks(int(counts.max()), rows)
        label_w = max(len(str(t)) for t in yt)
    columns = width - label_w - 1
    w = (hi - lo) / columns  # decades per column
    starts = [b * columns // bins for b in range(bins + 1)]
    canvas = [[(" ", "")] * columns for _ in range(rows)]  # [row from bottom][col]
    zero_col = int((0.0 - lo) / w)
    if 0 <= zero_col < columns:
        for r in range(rows):
            canvas[r][zero_col] = (g.ref, _COLOR["ref"])
    for b in range(bins):
        n = int(counts[b])
        if n == 0:
            continue
        reg = _regime(lo + (b + 0.5) * bw)
        height_rows = max(1, int(round(n / top * (rows - 1))) + 1)
        for col in range(starts[b], starts[b + 1]):
            for r in range(min(rows, height_rows)):
                canvas[r][col] = (g.bar[reg], _COLOR[reg])
    # x ticks: whole decades, thinned; 1 (σ = 1) first
    step = 1
    for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        label_len = max(len(f"1e{math.floor(lo)}"), len(f"1e{math.ceil(hi)}"))
        if s / w >= label_len + 2:
            step = s
            break
        step = s
    decades = [d for d in range(math.ceil(lo / step) * step, math.floor(hi) + 1, step)]
    order = sorted(decades, key=lambda d: (d != 0, abs(d)))
    xcols = [(d - lo) / w - 0.5 for d in order]
    xcols, xlabels = _thin(xcols, ["1" if d == 0 else f"1e{d}" for d in order])
    frame = _frame(width, fig_h, columns, xcols, xlabels, (0, top), [float(t) for t in yt],
                   [str(t) for t in yt], ascii)
    left = width - columns
    lines = [frame[r][:left] + _runs([(ch, st) for ch, st in canvas[rows - 1 - r]], color)
             for r in range(rows)]
    labels = frame[rows + 1]
    if label_w >= 1 and labels[:3].strip() == "":
        labels = ("sv " if ascii else " σ ") + labels[3:]
    lines += [frame[rows], labels]

    where = f"width {spec.width_used}" + (f" of {c.width}" if spec.capped else "")
    lines.insert(0, _title([
        f"singular values of the input-output Jacobian · {c.activation}, {c.init}, depth {c.depth}, "
        f"{where}, seed {c.seed} · log scale",
        f"Jacobian singular values · {c.activation}, depth {c.depth}, {where}, seed {c.seed}",
        f"Jacobian singular values · depth {c.depth}",
    ], width, color, ascii, busy))
    zero = spec.zero_count
    items = [
        (g.bar["vanishing"], "vanishing", " σ < 0.1"),
        (g.bar["stable"], "stable", " 0.1–10"),
        (g.bar["exploding"], "exploding", " > 10"),
        (g.ref, "ref", " σ = 1"),
    ]
    extra = f"  {zero} exactly 0 (not drawn)" if zero else ""
    plain = "  ".join(gl + wd for gl, _, wd in items) + extra
    styled = "  ".join(_sgr(gl, _COLOR[k], color) + wd for gl, k, wd in items) + extra
    if ascii:
        plain, styled = _ascii(plain), _ascii(styled)
    if cell_len(plain) > width:
        styled = plain = _fit(plain, width)
    lines.append(styled + " " * (width - cell_len(plain)))
    return "\n".join(lines)


def spectrum_readout(spec: Spectrum, *, ascii: bool = False) -> str:
    """Two lines: min/median/max and the condition number, then what that means."""
    if not spec.ok:
        return ""
    s = spectrum_summary(spec)
    sep = " · "
    cond = spec.log10_condition
    smallest = format_pow10(spec.log10_min)
    if spec.zero_count and spec.zero_count < spec.log10_sv.size:
        smallest += f" (least nonzero {format_pow10(float(spec.log10_sv[spec.log10_sv > -math.inf][-1]))})"
    line1 = (
        f"σ min {smallest}{sep}median {format_pow10(spec.log10_median)}{sep}"
        f"max {format_pow10(spec.log10_max)}{sep}condition number "
        + ("∞" if cond == math.inf else format_pow10(cond))
    )
    if s["isometry"]:
        line2 = "isometry: every singular value is 1, no input direction loses gradient"
    elif spec.zero_count:
        line2 = (f"{spec.zero_count} of {spec.width_used} input directions get exactly 0 gradient "
                 f"(dead units, norm)")
    elif cond < 1.0:
        line2 = f"near isometry: all directions within {format_pow10(cond)}× of each other"
    else:
        line2 = f"far from isometry: some input directions get {format_pow10(cond)}× less gradient"
    text = line1 + "\n" + line2
    return _ascii(text) if ascii else text


def spectrum_config(config: Config) -> tuple[Config, str | None]:
    """The sampled network the spectrum is of: ``config`` in sampled mode (clamped if it must be)."""
    return with_mode(config, "sampled")


def _spectrum_job(config: Config) -> tuple[Config, Spectrum]:
    return config, jacobian_spectrum(spectrum_config(config)[0], max_width=SPECTRUM_MAX_WIDTH)


class SpectrumScreen(_TheoryScreen):
    """Singular values of the sampled network's input→output Jacobian (same seed as the bars)."""

    def __init__(self, config: Config, ascii: bool = False) -> None:
        super().__init__(config, ascii)
        self.spectrum: Spectrum | None = None
        self._wanted: Config | None = None
        self._shown: Config | None = None

    def compose(self) -> ComposeResult:
        yield _AnsiView(self._draw, id="spectrum-view")
        yield Static("", id="spectrum-readout", classes="theory-readout")
        yield Footer()

    def on_mount(self) -> None:
        self._request()

    def update_config(self, config: Config) -> None:
        self.config = config
        if self.is_mounted:
            self._request()

    @staticmethod
    def _key(config: Config) -> Config:
        # the spectrum of input sample 0 does not depend on the batch size or the app's mode
        return spectrum_config(config)[0].replace(batch=1)

    @property
    def busy(self) -> bool:
        """True until the spectrum on screen is the current config's."""
        return self.spectrum is None or self._shown != self._wanted

    def _request(self) -> None:
        key = self._key(self.config)
        if key != self._wanted:
            self._wanted = key
            self.run_worker(
                partial(_spectrum_job, self.config), name="spectrum", group="spectrum", thread=True,
                exclusive=True, exit_on_error=False,
            )
        self.query_one("#spectrum-view", _AnsiView).refresh()
        self._show_readout()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "spectrum":
            return
        if event.state == WorkerState.ERROR:
            self.message = f"spectrum failed: {event.worker.error}"
            self._show_readout()
            return
        if event.state != WorkerState.SUCCESS:
            return
        config, spec = event.worker.result
        if self._key(config) == self._wanted:
            self.spectrum, self._shown = spec, self._wanted
            self.query_one("#spectrum-view", _AnsiView).refresh()
            self._show_readout()

    def _draw(self, width: int, height: int) -> str:
        if self.spectrum is None:
            return _message_block("Jacobian spectrum: computing" + ("..." if self.ascii else "…"), width, height)
        return render_spectrum(self.spectrum, width, height, color=self.color, ascii=self.ascii,
                               busy=self.busy)

    def _show_readout(self) -> None:
        try:
            out = self.query_one("#spectrum-readout", Static)
        except Exception:
            return
        if self.message:
            out.update(Text(self.message, style="bold red"))
        elif self.spectrum is not None:
            out.update(Text(spectrum_readout(self.spectrum, ascii=self.ascii)))
