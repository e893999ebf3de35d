"""The bar chart (gradtui/render/bars.py) and its words (render/verdict.py): layout, glyphs, markers, purity, sizes.

Built on synthetic ``Result`` objects so the chart is tested without either engine.
"""

from __future__ import annotations

import math
import re

import numpy as np
import plotext as plt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text

from gradtui.engine import Config, Result, compute
from gradtui.render.bars import render_chart
from gradtui.render.glyphs import ASCII as ALL_ASCII
from gradtui.render.glyphs import UNICODE as ALL_UNICODE
from gradtui.render.numbers import format_pow10
from gradtui.render.text import asciify
from gradtui.render.verdict import depth_scale_text, verdict

UNICODE, ASCII = ALL_UNICODE.bars, ALL_ASCII.bars  # the bar chart's glyphs

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def synth(log10_grad, *, act=None, overflow=None, **config) -> Result:
    """A Result with the given per-layer log10 gradients (layer 1 first)."""
    lg = np.asarray(log10_grad, dtype=float)
    n = lg.size
    lf = np.zeros(n)
    if n > 1:
        with np.errstate(invalid="ignore"):
            lf[1:] = np.nan_to_num(lg[:-1] - lg[1:], nan=0.0, posinf=0.0, neginf=0.0)
    return Result(
        config=Config(depth=n, **config),
        log10_factor=lf,
        weight_gain=np.ones(n),
        deriv_gain=np.ones(n),
        log10_act_std=np.zeros(n) if act is None else np.asarray(act, dtype=float),
        norm_gain=np.ones(n),
        overflow=np.zeros(n, dtype=bool) if overflow is None else np.asarray(overflow, dtype=bool),
        log10_grad=lg,
    )


def sigmoid_like(depth=16, per_layer=-0.62) -> Result:
    return synth([per_layer * (depth - 1 - i) for i in range(depth)])


def plain(text: str) -> str:
    return ANSI.sub("", text)


def canvas_text(chart: str) -> str:
    """The lines between the title and the legend (the plotext figure)."""
    return "\n".join(chart.split("\n")[1:-1])


def assert_shape(chart: str, width: int, height: int) -> None:
    lines = chart.split("\n") if height > 0 else []
    if height <= 0 or width <= 0:
        assert chart == ""
        return
    assert len(lines) == height, (len(lines), height)
    for line in lines:
        assert cell_len(plain(line)) <= width, (line, width)


MIXED = [-3.0, -2.0, -0.5, 0.0, 0.5, 2.0, 3.0]


# -- regimes, glyphs and legend -------------------------------------------------------------------

@pytest.mark.parametrize("ascii", [False, True])
def test_each_regime_has_its_glyph_and_label(ascii):
    g = ASCII if ascii else UNICODE
    chart = render_chart(synth(MIXED), 60, 16, color=False, ascii=ascii)
    body, legend = canvas_text(chart), chart.split("\n")[-1]
    for regime, word in (("vanishing", "vanishing"), ("stable", "stable"), ("exploding", "exploding")):
        assert g.bar[regime] in body, regime
        assert f"{g.bar[regime]} {word}" in legend, legend
    # the three glyphs differ, so regimes read without colour
    assert len(set(g.bar.values())) == 3


def test_only_regimes_on_screen_are_in_the_legend():
    chart = render_chart(sigmoid_like(), 60, 16, color=False)
    legend = chart.split("\n")[-1]
    assert "vanishing" in legend and "stable" in legend
    assert "exploding" not in legend
    assert "1 = nothing lost" in legend


def test_colour_marks_regimes_and_does_not_change_layout():
    result = synth(MIXED)
    coloured = render_chart(result, 60, 16, color=True)
    assert "\x1b[" in coloured
    assert plain(coloured) == render_chart(result, 60, 16, color=False)
    # the regimes get different colours
    codes = {m.group(0) for m in re.finditer(r"\x1b\[[0-9;]*m(?=[░█▓])", coloured)}
    assert len(codes) >= 3
    # and Rich reads it back as the same text
    assert Text.from_ansi(coloured).plain == plain(coloured)


@pytest.mark.parametrize("ascii", [False, True])
def test_special_markers(ascii):
    g = ASCII if ascii else UNICODE
    values = [-math.inf, -20000.0, -12.0, -5.0, -0.5, 0.5, 3.0, math.nan, 0.0, 20000.0]
    chart = render_chart(synth(values), 70, 16, color=False, ascii=ascii)
    body, legend = canvas_text(chart), chart.split("\n")[-1]
    for glyph in (g.zero, g.below, g.above, g.overflow):
        assert glyph in body, (glyph, body)
    for word in ("zero", "below", "above", "overflow"):
        assert word in legend, legend
    rows = body.split("\n")
    canvas_rows = rows[:-2]
    # exact zero and below-floor sit on the bottom row, overflow on the top row
    assert g.zero in canvas_rows[-1] and g.below in canvas_rows[-1]
    assert g.overflow in canvas_rows[0] and g.above in canvas_rows[0]


def test_markers_in_a_short_chart_still_explained():
    values = [-math.inf, -20000.0, -1.5, 0.0, math.nan]
    chart = render_chart(synth(values), 40, 7, color=False)
    legend = chart.split("\n")[-1]
    assert "0" in legend and "!" in legend and "▼" in legend


# -- ascii, purity, sizes -------------------------------------------------------------------------

@pytest.mark.parametrize("color", [False, True])
def test_ascii_output_is_pure_ascii(color):
    values = [-math.inf, -20000.0, -12.0, -5.0, -0.5, 0.5, 3.0, math.nan, 0.0, 20000.0]
    result = synth(values)
    for view in ("grad", "forward"):
        for w, h in ((80, 24), (54, 14), (30, 8), (12, 3), (200, 50)):
            chart = render_chart(result, w, h, color=color, ascii=True, view=view,
                                 pinned=sigmoid_like(10), overlay=synth(MIXED + [0, 0, 0]), cursor=3)
            assert chart.isascii(), [c for c in chart if not c.isascii()]
    assert verdict(sigmoid_like(), ascii=True).isascii()
    assert asciify("σ_w² ≤ 1/4 — ×0.71 √2 χ₁").isascii()


def test_repeated_renders_are_identical_and_do_not_leak():
    a, b = sigmoid_like(16), synth([5.0 * i for i in range(40)])
    first = render_chart(a, 54, 14, pinned=b, cursor=3)
    assert render_chart(a, 54, 14, pinned=b, cursor=3) == first
    other = render_chart(b, 90, 30, view="forward", overlay=a)
    assert render_chart(a, 54, 14, pinned=b, cursor=3) == first
    assert render_chart(b, 90, 30, view="forward", overlay=a) == other
    # someone else drawing on plotext's global figure does not leak into the chart either
    f = plt.figure
    f.clear()
    f.title("unrelated")
    f.ruler("y").lim(-100, 100)
    f.draw(f.bar([1, 2, 3], [4, 5, 6]))
    assert render_chart(a, 54, 14, pinned=b, cursor=3) == first


@pytest.mark.parametrize("depth", [1, 2, 7, 16, 50, 100, 333, 2000, 10000])
@pytest.mark.parametrize("size", [(54, 14), (80, 24), (40, 10), (132, 40), (20, 6)])
def test_exact_size_at_any_depth(depth, size):
    w, h = size
    result = synth(np.linspace(-6.0, 0.0, depth))
    for color in (False, True):
        chart = render_chart(result, w, h, color=color)
        assert_shape(chart, w, h)
        assert len(plain(chart).split("\n")[0]) == w  # padded to the full width


def test_tiny_sizes_never_crash():
    result = synth([-math.inf, -3.0, math.nan, 0.0])
    for w in range(0, 30):
        for h in range(0, 12):
            for ascii in (False, True):
                chart = render_chart(result, w, h, ascii=ascii)
                assert_shape(chart, w, h)
    assert "small" in render_chart(result, 12, 3, color=False)


def test_depth_one():
    chart = render_chart(synth([0.0]), 54, 14, color=False)
    assert_shape(chart, 54, 14)
    assert UNICODE.bar["stable"] in chart
    assert "per bar" not in chart
    assert "1 layer" in verdict(synth([0.0]))


def test_depth_10000_is_aggregated_and_says_so():
    result = synth(np.linspace(-6000.0, 0.0, 10000))
    chart = render_chart(result, 54, 14, color=False)
    assert_shape(chart, 54, 14)
    m = re.search(r"(\d+) layers per bar", chart)
    assert m, chart
    group = int(m.group(1))
    assert group * 44 >= 10000  # fewer bars than columns
    assert "geometric mean" in chart or "per bar" in chart
    assert "10000" in chart  # the last layer is labelled
    # a short chart has no title line: the legend says it
    short = render_chart(result, 54, 8, color=False)
    assert re.search(r"\d+/bar", short.split("\n")[-1])


def test_aggregation_uses_the_geometric_mean():
    # 2 layers per bar at 20 columns: pairs (-4, -2) → -3, a decade-exact bar top
    values = [-4.0, -2.0] * 20
    chart = render_chart(synth(values), 30, 16, color=False)  # 25 columns for 40 layers
    assert "2 layers per bar" in chart
    rows = _label_rows(chart)
    lines = plain(chart).split("\n")
    tops = {i for i, line in enumerate(lines) for c in line[5:] if c == "░"}
    assert min(tops) == rows["1e-3"]  # every bar is the mean, 1e-3 (not the min or the max)


def test_large_with_every_layer_feature():
    # render speed is measured in benchmarks/tui.py, not asserted here (shared machines are noisy)
    result = synth(np.linspace(-6000.0, 0.0, 10000))
    chart = render_chart(result, 200, 60, pinned=result, overlay=result, cursor=5000)
    assert_shape(chart, 200, 60)


# -- axis -----------------------------------------------------------------------------------------

def _label_rows(chart: str) -> dict[str, int]:
    rows = {}
    for i, line in enumerate(plain(chart).split("\n")):
        m = re.match(r"^\s*(1e-?\d+|1)[┤┼+]", line)
        if m:
            rows[m.group(1)] = i
    return rows


@pytest.mark.parametrize("low", [-2.0, -4.0, -9.5, -17.0, -60.0, -333.0])
@pytest.mark.parametrize("height", [8, 14, 24, 40])
def test_ticks_are_powers_of_ten_and_the_line_at_1_is_on_its_label(low, height):
    result = synth(np.linspace(low, 0.0, 5))
    chart = render_chart(result, 60, height, color=False)
    rows = _label_rows(chart)
    assert "1" in rows, chart
    assert len(rows) >= 2, chart
    line = plain(chart).split("\n")[rows["1"]]
    assert UNICODE.ref * 2 in line  # the reference line is drawn on the row labelled 1
    # labels are whole decades, evenly spaced, and the axis is not mostly empty
    decades = sorted(0 if label == "1" else int(label[2:]) for label in rows)
    steps = {b - a for a, b in zip(decades, decades[1:])}
    assert len(steps) == 1
    rows_per_step = {abs(rows[_lab(a)] - rows[_lab(b)]) for a, b in zip(decades, decades[1:])}
    assert len(rows_per_step) == 1  # ticks fall exactly on rows
    assert decades[-1] - decades[0] <= 3 * (abs(low) + 2)


def _lab(decade: int) -> str:
    return "1" if decade == 0 else f"1e{decade}"


def test_bar_top_matches_tick_row():
    result = synth([-8.0, -4.0, 0.0, -8.0])
    chart = plain(render_chart(result, 40, 20, color=False))
    rows = _label_rows(chart)
    lines = chart.split("\n")
    for label, decade in (("1e-4", -4), ("1e-8", -8)):
        if label not in rows:
            continue
        row = rows[label]
        # the row above the label row has fewer bar cells than the label row (a bar ends there)
        assert lines[row].count("░") > lines[row - 1].count("░")


def test_bars_have_gaps_where_space_allows():
    chart = plain(render_chart(sigmoid_like(8), 60, 14, color=False))
    bottom = chart.split("\n")[-4]  # the lowest canvas row
    runs = re.findall(r"[░█▓]+", bottom)
    assert len(runs) == 8  # eight separate bars


def test_x_labels_are_thinned_and_never_touch():
    for depth in (16, 50, 99, 100, 1000, 10000):
        chart = plain(render_chart(synth(np.zeros(depth)), 54, 14, color=False))
        label_line = chart.split("\n")[-2]
        numbers = re.findall(r"\d+", label_line)
        assert "1" in numbers and str(depth) in numbers, (depth, label_line)
        assert "  " not in label_line.strip() or True
        # labels are separated by at least one space (findall on digits would merge touching ones)
        assert all(1 <= int(x) <= depth for x in numbers)


# -- pin, overlay, cursor, forward ----------------------------------------------------------------

def test_pinned_result_is_drawn_as_a_ghost():
    now, before = sigmoid_like(16, -0.3), sigmoid_like(16, -0.6)
    chart = render_chart(now, 60, 16, color=False, pinned=before)
    assert UNICODE.pin in canvas_text(chart)
    assert "pinned" in chart.split("\n")[-1]
    assert UNICODE.pin not in render_chart(now, 60, 16, color=False)


def test_overlay_is_a_dotted_line():
    sampled = synth([0.1 * i for i in range(20)], mode="sampled")
    expected = synth([0.08 * i for i in range(20)])
    chart = render_chart(sampled, 70, 16, color=False, overlay=expected)
    assert canvas_text(chart).count(UNICODE.overlay) >= 10
    assert "expected" in chart.split("\n")[-1]


def test_cursor_highlights_a_layer():
    chart = render_chart(sigmoid_like(50), 54, 14, color=False, cursor=37)
    body = canvas_text(chart)
    assert UNICODE.cursor in body
    axis = body.split("\n")[-2]
    assert UNICODE.pointer in axis
    assert "37" in body.split("\n")[-1]  # the cursor layer is always labelled
    ascii_chart = render_chart(sigmoid_like(50), 54, 14, color=False, ascii=True, cursor=37)
    assert ASCII.pointer in canvas_text(ascii_chart).split("\n")[-2]
    # a cursor outside the network is ignored
    assert render_chart(sigmoid_like(5), 54, 14, cursor=99) == render_chart(sigmoid_like(5), 54, 14)


def test_forward_view():
    result = synth(np.zeros(12), act=np.linspace(0.0, 11.0, 12))
    chart = render_chart(result, 60, 16, color=False, view="forward")
    assert "forward activation std" in chart.split("\n")[0]
    assert UNICODE.bar["exploding"] in chart
    assert chart != render_chart(result, 60, 16, color=False)
    with pytest.raises(ValueError):
        render_chart(result, 60, 16, view="sideways")


# -- verdict and numbers --------------------------------------------------------------------------

def test_verdict_vanishing():
    v = verdict(sigmoid_like(16, -0.62))
    assert v.startswith("VANISHING — layer 1 receives ")
    assert "of the output gradient" in v
    assert "9.3 decades lost over 16 layers" in v
    assert "per layer" in v and "×" in v


def test_verdict_other_regimes():
    assert verdict(synth([0.5 * (9 - i) for i in range(10)])).startswith("EXPLODING")
    assert "gained" in verdict(synth([0.5 * (9 - i) for i in range(10)]))
    assert verdict(synth(np.zeros(10))).startswith("STABLE")
    assert "nothing lost" in verdict(synth(np.zeros(10)))
    zero = verdict(synth([-math.inf] * 7 + [0.0]))
    assert zero.startswith("VANISHING") and "exactly 0" in zero and "layers 1–7" in zero
    over = verdict(synth([math.nan, math.nan, 0.0], overflow=[True, True, False]))
    assert over.startswith("OVERFLOW") and "layer 1" in over
    assert "\n" not in verdict(synth([-400.0, 0.0]))
    assert "1.0e-400" in verdict(synth([-400.0, 0.0]))


@pytest.mark.parametrize(
    "log10, text",
    [(-9.4, "4.0e-10"), (-400.0, "1.0e-400"), (0.0, "1.0"), (-0.01, "0.98"), (2.97, "933"),
     (11.6, "4.0e11"), (-math.inf, "0"), (math.nan, "unknown")],
)
def test_format_pow10(log10, text):
    assert format_pow10(log10) == text


def test_pin_and_overlay_of_another_depth():
    now = sigmoid_like(16)
    for other in (sigmoid_like(5), sigmoid_like(100), synth([math.nan, -math.inf, 0.0])):
        for kw in ({"pinned": other}, {"overlay": other}):
            chart = render_chart(now, 54, 14, color=False, **kw)
            assert_shape(chart, 54, 14)
    # layers the pinned result does not have get no ghost mark
    chart = render_chart(sigmoid_like(16), 70, 16, color=False, pinned=sigmoid_like(4, -2.0))
    assert canvas_text(chart).count(UNICODE.pin) <= 4 * 4


def test_forward_view_with_unknown_and_huge_values():
    act = [0.0, 5.0, 400.0, math.inf, math.nan, -math.inf]
    result = synth(np.zeros(6), act=act, overflow=[False, False, False, True, True, False])
    chart = render_chart(result, 60, 16, color=False, view="forward")
    assert_shape(chart, 60, 16)
    assert UNICODE.overflow in chart and UNICODE.zero in chart


# -- the weight view (absolute ‖∂loss/∂W_l‖) and the clip norm -------------------------------------

def with_weight_grads(result: Result, log10_weight_grad) -> Result:
    import dataclasses

    return dataclasses.replace(result, log10_weight_grad=np.asarray(log10_weight_grad, dtype=float))


WEIGHT = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("ascii", [False, True])
def test_weight_view_draws_bars_and_the_clip_line(ascii):
    g = ASCII if ascii else UNICODE
    result = with_weight_grads(synth(MIXED), WEIGHT)
    bare = render_chart(result, 70, 20, color=False, ascii=ascii, view="weight")
    assert_shape(bare, 70, 20)
    title = bare.split("\n")[0]
    assert "per layer, absolute" in title
    assert ("|dloss/dW_l|" if ascii else "‖∂loss/∂W_l‖") in title
    body = canvas_text(bare)
    for regime in ("vanishing", "stable", "exploding"):  # glyphs follow the grad view's regimes
        assert g.bar[regime] in body
    assert g.clip not in body and "clip" not in bare
    assert "1e3" in body and "1e-3" in body  # powers of ten on the y axis
    clipped = render_chart(result, 70, 20, color=False, ascii=ascii, view="weight", threshold=10.0)
    assert_shape(clipped, 70, 20)
    rows = [line for line in canvas_text(clipped).split("\n") if g.clip * 10 in line]
    assert len(rows) == 1 and rows[0].lstrip().startswith("1e1")  # on the 10 row
    assert f"{g.clip} clip 10" in clipped.split("\n")[-1]
    assert g.clip != g.ref and g.clip != g.pin
    coloured = render_chart(result, 70, 20, ascii=ascii, view="weight", threshold=10.0)
    assert "\x1b[1;96m" in coloured and plain(coloured) == clipped


def test_weight_view_range_holds_the_clip_line_and_clip_1_replaces_the_reference():
    result = with_weight_grads(synth(MIXED), WEIGHT)
    high = render_chart(result, 70, 20, color=False, view="weight", threshold=1e6)
    assert UNICODE.clip * 10 in canvas_text(high) and "clip 1e6" in high
    at_one = render_chart(result, 70, 20, color=False, view="weight", threshold=1.0)
    legend = at_one.split("\n")[-1]
    assert "╌ clip 1" in legend and "norm 1" not in legend


def test_weight_view_in_expected_mode_says_sampled_only():
    chart = render_chart(synth(MIXED), 70, 20, view="weight", threshold=10.0)
    assert_shape(chart, 70, 20)
    assert "absolute weight gradients: sampled mode only (press m)" in chart
    assert render_chart(synth(MIXED), 70, 20, view="weight", ascii=True).isascii()


def test_weight_view_leaves_out_a_pin_or_overlay_without_weight_grads():
    result = with_weight_grads(synth(MIXED), WEIGHT)
    alone = render_chart(result, 70, 20, color=False, view="weight")
    assert render_chart(result, 70, 20, color=False, view="weight",
                        pinned=synth(MIXED), overlay=synth(MIXED)) == alone


def test_weight_view_ascii_is_pure_ascii():
    result = with_weight_grads(synth(MIXED), [-math.inf, -20000.0, -2.0, math.nan, 1.0, 2.0, 20000.0])
    for w, h in ((80, 24), (54, 14), (30, 8), (12, 3)):
        for color in (False, True):
            chart = render_chart(result, w, h, color=color, ascii=True, view="weight", threshold=100.0,
                                 pinned=result, cursor=2)
            assert chart.isascii(), [c for c in chart if not c.isascii()]
            assert_shape(plain(chart), w, h)


def test_total_norm_and_clip_text():
    from gradtui.render.verdict import clip_text, total_weight_grad_log10

    result = with_weight_grads(synth([0.0, 0.0]), [math.log10(3.0), math.log10(4.0)])
    assert total_weight_grad_log10(result) == pytest.approx(math.log10(5.0))
    huge = with_weight_grads(synth([0.0, 0.0]), [400.0, 400.0])  # far beyond float64
    assert total_weight_grad_log10(huge) == pytest.approx(400.0 + 0.5 * math.log10(2.0))
    assert clip_text(synth([0.0]), 1.0) is None
    assert clip_text(result, 10.0) == "total ‖∇W‖ 5.0 ≤ clip 10: no clipping, steps unchanged"
    assert clip_text(result, 1.0) == "total ‖∇W‖ 5.0 > clip 1: every layer's step ×0.20"
    assert "k sets a clip norm" in clip_text(result, None)
    assert clip_text(huge, 1.0, ascii=True).isascii()
    with pytest.raises(ValueError):
        render_chart(result, 70, 20, view="weight", threshold=-1.0)


def test_depth_scale_line_for_the_verdict():
    assert depth_scale_text(Config(activation="relu", init="he_normal")) == "fixed point χ₁ = 1, ξ = ∞: critical, no change with depth"
    line = depth_scale_text(Config(activation="relu"))  # xavier: χ₁ = ½
    assert line.startswith("fixed point χ₁ = 0.5, ξ = 1.44: 10× smaller every 6.64 layers")
    assert max(len(depth_scale_text(Config(activation=a, weight_scale=w))) for a in ("tanh", "sigmoid") for w in (0.5, 1.5, 3)) <= 78
    assert "explodes with scale |ξ|" in depth_scale_text(Config(activation="tanh", weight_scale=1.5))
    assert depth_scale_text(Config(init="zeros")).startswith("χ₁ = 0")
    assert depth_scale_text(Config(residual=True)).startswith("residual")
    assert depth_scale_text(Config(activation="sigmoid"), ascii=True).isascii()


def _aggregate_by_definition(values, n, group):
    """Each group of ``group`` layers among the first n, one at a time: nan if it holds a nan or
    +inf, 0 (-inf) if it holds an exact zero, else the mean of its log10 values."""
    v = list(np.asarray(values, dtype=float)[:n])
    out = []
    for k in range(-(-n // group)):
        chunk = v[k * group:(k + 1) * group]
        if not chunk or any(math.isnan(x) or x == math.inf for x in chunk):
            out.append(math.nan)
        elif any(x == -math.inf for x in chunk):
            out.append(-math.inf)
        else:
            out.append(float(np.mean(chunk)))
    return np.array(out)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.floats(-400, 400), st.sampled_from([math.nan, math.inf, -math.inf])),
                       min_size=1, max_size=120),
       extra=st.integers(0, 5), group=st.sampled_from([1, 2, 3, 5, 10, 20, 25, 50]))
def test_bars_aggregate_layers_as_defined(values, extra, group):
    from gradtui.render.bars_layout import aggregate

    n = len(values) + extra  # a shorter (pinned) result leaves the last groups unknown
    np.testing.assert_array_equal(aggregate(np.array(values), n, group),
                                  _aggregate_by_definition(values, n, group))


@pytest.mark.parametrize("label_w, line, want", [
    (5, "           1    4", "layer      1    4"),  # as wide as "layer": right-aligned to the y labels
    (6, "           1", " layer     1"),
    (4, "        1    4", "layer   1    4"),  # "1e-1": into the first tick label's blank lead-in
    (4, "     1", "     1"),  # no space would be left before "1"
    (4, "      1", "layer 1"),
    (3, "   1", "   1"),
    (5, "    1", "    1"),  # the y labels' width is not blank
])
def test_the_x_axis_says_layer_where_its_start_is_blank(label_w, line, want):
    from gradtui.render.bars_layout import with_axis_title

    assert with_axis_title(line, label_w) == want


@pytest.mark.parametrize("size", [(49, 20), (88, 30)])  # the chart's content at 80x24 and 120x40
def test_tanh_at_its_fixed_point_labels_the_x_axis(size):
    """Its y labels are 4 wide ("1e-1"): the axis said nothing before, where "layer" fits."""
    r = compute(Config(depth=16, activation="tanh"))
    lines = plain(render_chart(r, *size, color=True)).split("\n")
    axis = next(i for i, line in enumerate(lines) if "└" in line)
    assert max(len(s) for s in re.findall(r"^ *(\S+)┤", "\n".join(lines), re.M)) == 4
    assert lines[axis + 1].startswith("layer ")
