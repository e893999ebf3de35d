"""The training view's renderers: the loss curve (plotext, log scale) and the per-layer update bars.

    render_loss(result, width, height)     the loss over the steps, a marker where it stopped being finite
    render_bars(values, width, height)     one log-scale bar per layer of ‖ΔW_l‖/‖W_l‖, a glyph per regime
    update_regimes(values)                 frozen / learning / jumping / blew up, per layer
    outcome_text(result), layers_note(result)   the status line's two lines on a finished run
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text

from gradtui.engine.train import TrainResult

from .glyphs import glyphs
from .numbers import fmt_log10, fmt_value, one_digit_text
from .palette import STYLE
from .plot import colorize, figure, marker

#: a layer whose update is below this fraction of the largest layer's is "frozen"
FROZEN_RATIO = 1e-3

FROZEN, MOVING, JUMPING, BROKEN = "vanishing", "stable", "exploding", "overflow"
#: update regimes reuse the bars' regime names (DESIGN §2), so glyphs and colours match theirs
#: plotext colours (ANSI 16-colour codes, so the terminal's own palette is used)
LOSS_COLOR, MARK_COLOR = 12, 9

_BOX_TO_ASCII = str.maketrans({
    "┌": "+", "┐": "+", "└": "+", "┘": "+", "─": "-", "│": "|", "┤": "|", "├": "|",
    "┬": "+", "┴": "+", "┼": "+", "‼": "!",
})


# -- what the bars say --------------------------------------------------------------------------
def update_regimes(values: np.ndarray) -> list[str]:
    """Regime of each layer's relative update: blew up (not finite), jumps (> 1: the weights moved
    by more than their own size), frozen (0, or < 1e-3 of the largest finite update), else learning."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    top = float(finite.max()) if finite.size else 0.0
    out = []
    for x in v:
        if not math.isfinite(x):
            out.append(BROKEN)
        elif x > 1.0:
            out.append(JUMPING)
        elif x == 0.0 or x < FROZEN_RATIO * top:
            out.append(FROZEN)
        else:
            out.append(MOVING)
    return out


def bar_values(result: TrainResult) -> np.ndarray:
    """What the bars show: ‖ΔW_l‖/‖W_l‖, or for tied weights each layer's share of the update."""
    if result.layer_contrib is not None:
        return result.layer_contrib
    return result.rel_update


def log10_or_inf(x: float) -> float:
    """log10 of a non-negative number: -inf for 0, +inf for inf or nan."""
    if x == 0:
        return -math.inf
    if not math.isfinite(x):
        return math.inf
    return math.log10(x)


def render_bars(values: np.ndarray, width: int, height: int, *, ascii: bool = False,
                color: bool = True) -> Text:
    """One row per layer (layer 1 at the top; every k-th layer when there are more layers than
    rows) with a log-scale bar, a regime glyph and the value; the decade axis on the last row."""
    g = glyphs(ascii)
    v = np.asarray(values, dtype=float)
    L = v.shape[0]
    rows = max(1, height - 1)
    shown = np.unique(np.linspace(0, L - 1, min(L, rows)).round().astype(int))
    regimes = update_regimes(v)
    logs = np.array([log10_or_inf(float(x)) for x in v])
    finite = logs[np.isfinite(logs)]
    hi = math.ceil(float(finite.max())) if finite.size else 0
    lo = math.floor(float(finite.min())) if finite.size else hi - 4
    hi = max(hi, lo + 1)
    lo = max(lo, hi - 12)
    label_w = len(str(L))
    value_w = 8
    bar_w = max(4, width - label_w - 3 - value_w)
    span = hi - lo
    lines = []
    for i in shown:
        x, lg, regime = float(v[i]), float(logs[i]), regimes[i]
        style = STYLE[regime] if color else ""
        glyph = g.regime[regime]
        if regime == BROKEN:
            bar = ("!" if ascii else "‼") * bar_w
            shown_value = "inf" if math.isinf(x) else "nan"
        else:
            frac = 0.0 if lg == -math.inf else min(1.0, max(0.0, (lg - lo) / span))
            bar = _bar(frac, bar_w, ascii)
            if lg != -math.inf and lg < lo:
                bar = "<" + bar[1:]
            shown_value = fmt_log10(lg, 2)
        lines.append(Text.assemble(
            (f"{i + 1:>{label_w}} ", "dim" if color else ""),
            (glyph, f"bold {style}".strip()),
            " ",
            (bar, style),
            f" {shown_value:>{value_w - 1}}",
        ))
    lines.append(_axis(lo, hi, label_w + 3, bar_w))
    return Text("\n", no_wrap=True, end="").join(lines)


def _bar(frac: float, width: int, ascii: bool) -> str:
    if ascii:
        n = int(round(frac * width))
        return "#" * n + " " * (width - n)
    eighths = int(round(frac * width * 8))
    full, part = divmod(eighths, 8)
    s = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    return s + " " * (width - len(s))


def _axis(lo: int, hi: int, indent: int, width: int) -> Text:
    """Decade labels under the bars: lo at the left edge, hi at the right, a middle one if it fits."""
    cells = [" "] * (width + 6)
    labels = [(0, lo), (width, hi)]
    if hi - lo >= 2 and width >= 18:
        mid = (lo + hi) // 2
        labels.insert(1, (round((mid - lo) / (hi - lo) * width), mid))
    for pos, dec in labels:
        s = f"1e{dec}"
        start = max(0, min(len(cells) - len(s), pos - len(s) // 2))
        cells[start:start + len(s)] = list(s)
    return Text(" " * indent + "".join(cells).rstrip(), style="dim")


def y_axis(lo: float, hi: float, max_ticks: int) -> tuple[float, float, list[float], list[str]]:
    """Limits and ticks (log10 positions, labels) of a log axis showing at least one decade.

    A loss that hardly moves stays a flat line under the top edge (it did not learn) instead of being
    stretched over the whole height; ticks are decades, or 1-2-5 values when few decades show."""
    if hi - lo < 0.9:
        hi = hi + 0.05
        lo = hi - 1.0
    else:
        lo, hi = lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)
    max_ticks = max(2, max_ticks)
    first, last = math.floor(lo), math.ceil(hi)
    ticks: list[float] = []
    for mults in ((1, 2, 5), (1, 3), (1,)):
        ticks = [math.log10(m) + d for d in range(first, last + 1) for m in mults
                 if lo <= math.log10(m) + d <= hi]
        if len(ticks) <= max_ticks:
            break
    if len(ticks) > max_ticks:  # many decades: every k-th one
        k = math.ceil(len(ticks) / max_ticks)
        ticks = ticks[::k]
    values = [10.0**t for t in ticks]
    if all(1e-3 <= v < 1e4 for v in values):
        labels = [f"{v:.3g}" for v in values]
    else:
        labels = [one_digit_text(v) for v in values]
    return lo, hi, ticks, labels


def _int_ticks(n: int, max_ticks: int) -> list[int]:
    if n <= 1:
        return [0]
    raw = (n - 1) / max(1, max_ticks - 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    step = max(1, int(step))
    return list(range(0, n, step))


def render_loss(result: TrainResult, width: int, height: int, *, ascii: bool = False,
                color: bool = True) -> Text:
    """The loss curve on a log10 axis (plotext); a marker at the step where it stopped being finite."""
    loss = result.loss
    n = loss.shape[0]
    steps = np.arange(n)
    ok = np.isfinite(loss) & (loss > 0)
    with figure() as f:
        f.theme("simple" if color else "colorless")
        f.plot_size(width, height)
        rows = max(2, (height - 4) // 2)
        if ok.any():
            ly = np.log10(loss[ok])
            lo, hi, ticks, labels = y_axis(float(ly.min()), float(ly.max()), rows)
            few = int(ok.sum()) <= 3
            symbol = ("o" if few else "*") if ascii else ("●" if few else "hd")
            s = f.signal(steps[ok].tolist(), ly.tolist(),
                         marker=marker(symbol, LOSS_COLOR if color else None))
            if not few:
                s.lines()
            f.draw(s)
        else:
            lo, hi, ticks, labels = -1.0, 1.0, [-1.0, 0.0, 1.0], ["1e-1", "1e0", "1e1"]
        bad = np.flatnonzero(~np.isfinite(loss))
        if bad.size:
            k = int(bad[0])
            y = hi - 0.04 * (hi - lo)
            word = "inf" if math.isinf(loss[k]) else "nan"
            label = f"loss {word} at step {k} {'!' if ascii else '‼'}"
            f.draw(f.text(k, y, colorize(label, MARK_COLOR) if color else label,
                          alignment="right"))
        f.ruler("y").lim(lo, hi)
        f.ruler("y").ticks(ticks, labels)
        xt = _int_ticks(max(n, 2), max(2, width // 10))
        f.ruler("x").lim(0, max(n - 1, 1))
        f.ruler("x").ticks(xt, [str(t) for t in xt])
        f.label("step")
        ansi = f.build().string(colorless=not color)
    if ascii:
        ansi = ansi.translate(_BOX_TO_ASCII)
    return Text.from_ansi(ansi, no_wrap=True, end="")


# -- what the status line says ----------------------------------------------------------------
def outcome_text(r: TrainResult, *, ascii: bool = False) -> Text:
    """One line on how a run ended: the loss before and after, or the step where it blew up."""
    g = glyphs(ascii)
    clip = ""
    if r.train_config.clip_norm is not None:
        clip = f"; clipped {r.clip_fired}/{r.steps_taken}"
    if r.diverged:
        k = r.diverged_at
        bad = "inf" if math.isinf(r.final_loss) else "nan"
        return Text.assemble(
            (f"{g.regime[BROKEN]} loss became {bad} at step {k}", STYLE[BROKEN]),
            f" (started at {fmt_value(r.first_loss)}{clip}): the weights blew up. "
            f"Try a smaller lr ({g.keys['left']}), clipping (c) or a smaller init.",
        )
    if r.cancelled and r.steps_taken == 0:  # stopped inside the first step (or the draw)
        loss = f": loss {fmt_value(r.first_loss)}" if r.steps_run else ""
        return Text.assemble(("stopped before the first update", "bold"), loss)
    verb = "stopped at" if r.cancelled else "after"
    return Text.assemble(
        (f"{verb} {r.steps_taken} step{'' if r.steps_taken == 1 else 's'}", "bold"),
        f": loss {fmt_value(r.first_loss)} {g.arrow} {fmt_value(r.final_loss)}"
        f"; max step {fmt_value(r.max_step_norm)}{clip}",
    )


def layers_note(r: TrainResult, *, ascii: bool = False, color: bool = True) -> Text:
    """One line on the layers: how far the first and last moved, and whether some froze."""
    g = glyphs(ascii)
    v = bar_values(r)
    if v.size < 2:
        return Text("")
    regimes = update_regimes(v)
    frozen = sum(1 for x in regimes if x == FROZEN)
    first, last = float(v[0]), float(v[-1])
    what = "share of the update" if r.layer_contrib is not None else "moved"
    text = Text.assemble(
        f"layer 1 {what} {fmt_log10(log10_or_inf(first))}, layer {v.size} {fmt_log10(log10_or_inf(last))}",
    )
    if frozen:
        text.append(f"; {frozen} {g.regime[FROZEN]} frozen (<1e-3 of the most)",
                    style=STYLE[FROZEN] if color else "")
    elif all(x == MOVING for x in regimes):
        text.append(f"; {g.regime[MOVING]} every layer learns", style=STYLE[MOVING] if color else "")
    return text
