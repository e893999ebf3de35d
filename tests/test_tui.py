"""Pilot tests of the TUI at 80×24: every control, presets, pin, inspector, views, help, key storms."""

from __future__ import annotations

import math

import pytest

from gradtui.engine import PRESET_ORDER, PRESETS, Config
from gradtui.render.numbers import fmt_log10
from gradtui.tui.app import GradApp
from gradtui.tui.controls import (
    CONTROL_KEYS, CONTROLS, DEPTHS, WEIGHT_SCALES, cycle, step_control, step_grid, with_mode,
)
from gradtui.tui.screens import HelpScreen, PresetsScreen
from gradtui.tui.widgets import ChartView, ControlPanel, Inspector, TooSmall, Verdict
from tui_helpers import screen_text, settle

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def no_leftover_computation():
    """A computation left running would slow every later test: wait for it here."""
    yield
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("gradtui-"):
            thread.join(timeout=30)


def chart_text(app: GradApp) -> str:
    return app.query_one(ChartView).render().plain


async def select(pilot, key: str) -> None:
    """Move the control selection to ``key`` with the arrow keys."""
    app = pilot.app
    target = CONTROL_KEYS.index(key)
    delta = target - app.selected
    await pilot.press(*(["down"] * delta if delta > 0 else ["up"] * -delta))
    assert CONTROL_KEYS[app.selected] == key


# -- the control model (no app) --------------------------------------------------------------
def test_depth_steps_cover_1_to_1000_and_clamp():
    d = 1
    seen = [d]
    while True:
        nxt = int(step_grid(d, DEPTHS, +1))
        if nxt == d:
            break
        d = nxt
        seen.append(d)
    assert seen == list(DEPTHS)
    assert seen[:10] == list(range(1, 11)) and seen[-1] == 1000
    assert step_grid(1, DEPTHS, -1) == 1
    # off the grid (from the command line): move to the neighbour in that direction
    assert step_grid(17, DEPTHS, +1) == 20 and step_grid(17, DEPTHS, -1) == 16
    # past the end stays put going up, comes back going down
    assert step_grid(5000, DEPTHS, +1) == 5000 and step_grid(5000, DEPTHS, -1) == 1000


def test_weight_scale_steps_are_quarter_octaves():
    c = Config()
    up = step_control(c, CONTROL_KEYS.index("weight_scale"), +1)
    assert math.isclose(up.weight_scale, 2 ** 0.25)
    down = step_control(c, CONTROL_KEYS.index("weight_scale"), -1)
    assert math.isclose(down.weight_scale, 2 ** -0.25)
    assert math.isclose(step_grid(2.5, WEIGHT_SCALES, +1), 2 ** 1.5)
    assert step_grid(WEIGHT_SCALES[-1], WEIGHT_SCALES, +1) == WEIGHT_SCALES[-1]


def test_choices_cycle_both_ways():
    assert cycle("a", ["a", "b", "c"], -1) == "c"
    assert cycle("c", ["a", "b", "c"], +1) == "a"


def test_sampled_mode_clamps_depth_and_width():
    new, note = with_mode(Config(depth=5000), "sampled")
    assert new.mode == "sampled" and new.depth == 2000 and "depth" in note
    new, note = with_mode(Config(depth=1000, width=4096), "sampled")
    assert new.width < 4096 and "width" in note
    Config(**new.to_dict())  # valid


def test_fmt_log10_far_outside_float64():
    assert fmt_log10(-400.0) == "1.00e-400"
    assert fmt_log10(-9.51) == "3.09e-10"
    assert fmt_log10(0.0) == "1.00"
    assert fmt_log10(-math.inf) == "0"


# -- the app ---------------------------------------------------------------------------------
async def test_first_frame_shows_chart_verdict_and_command():
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "VANISHING" in text
        assert "gradtui" in app.query_one("#command").render().plain
        rows = app.query_one(ControlPanel).content_size.height
        for control in CONTROLS[:rows]:
            assert control.label in text, control.label
        assert "help" in text and "quit" in text  # footer keys
        # more controls than rows: the panel scrolls to keep the selected one in view
        await pilot.press("up")
        await settle(pilot)
        panel = app.query_one(ControlPanel).render().plain
        assert CONTROLS[-1].label in panel and CONTROLS[0].label not in panel


@pytest.mark.parametrize("key, direction, expect", [
    ("seed", "right", lambda c: (c.seed + 1, c.width, "normal")),
    ("seed", "left", lambda c: (c.seed - 1, c.width, "normal")),
    ("width", "right", lambda c: (c.seed, 2 * c.width, "normal")),
])
async def test_sampled_mode_draws_the_next_steps_weights_ahead(key, direction, expect):
    """Once a sampled frame is drawn, the weights of the selected control's next step (the way
    last pressed) are drawn in the background: the press that needs them draws nothing."""
    from gradtui.engine import sampled, weights

    sampled.clear_cache()
    app = GradApp(config=Config(mode="sampled", depth=8, width=32, batch=8, seed=5))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, key)
        await pilot.press(direction)
        await settle(pilot)
        shown = app.config
        assert shown != Config(mode="sampled", depth=8, width=32, batch=8, seed=5)
        for _ in range(100):  # once the frame is drawn, the next step's weights are on their way
            await pilot.pause()
            stacks = weights.cache_info()["stacks"]
            if expect(shown) in stacks:
                break
        assert expect(shown) in stacks and (shown.seed, shown.width, "normal") in stacks
        ahead = weights._CACHE[expect(shown)]
        await pilot.press(direction)
        await settle(pilot)
        assert (app.config.seed, app.config.width, "normal") == expect(shown)
        assert weights._CACHE[expect(shown)] is ahead  # the press used the stack drawn ahead
    sampled.clear_cache()


@pytest.mark.parametrize("key", CONTROL_KEYS)
async def test_every_control_changes_config_and_chart(key):
    # xavier_normal → xavier_uniform draws differently but has the same σ_w²; width changes the
    # expected chart only through the unscaled `normal` init; seed only when sampled
    start = {
        "width": Config(init="normal", activation="tanh", depth=8),
        "seed": Config(mode="sampled", depth=8, width=32, batch=8),
        # narrow: one matrix shared by every layer moves the bars by more than a chart row
        "tied": Config(mode="sampled", depth=8, width=8, batch=8),
        "residual_scale": Config(residual=True),
        "init": Config(init="xavier_uniform"),
        "bias_std": Config(bias_std=1.0),  # the next init, he_normal, has σ_w² = 2
        "batch": Config(norm="batch", activation="relu", depth=8, batch=8),  # B is in the theory
        # He keeps gelu's q from layer to layer, and gelu's f' gain depends on it
        "input_std": Config(activation="gelu", init="he_normal"),
    }.get(key, Config())
    app = GradApp(config=start)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, key)
        before_config, before_chart = app.config, chart_text(app)
        await pilot.press("right")
        await settle(pilot)
        assert getattr(app.config, key) != getattr(before_config, key), key
        changed = {k for k, v in app.config.to_dict().items() if v != getattr(before_config, k)}
        assert key in changed
        assert chart_text(app) != before_chart, key
        assert app.result.config == app.config


async def test_left_undoes_right_for_every_control():
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        for i, key in enumerate(CONTROL_KEYS):
            if key == "mode":
                continue  # covered by its own test (mode switching may clamp)
            app.selected = i
            before = app.config
            await pilot.press("right", "left")
            assert app.config == before, key


@pytest.mark.parametrize("number", range(1, 10))
async def test_presets_load_with_the_right_verdict(number):
    name = PRESET_ORDER[number - 1]
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(str(number))
        await settle(pilot)
        assert app.config == PRESETS[name].config(Config())
        verdict = app.query_one(Verdict).render().plain
        expected = {"sigmoid_deep": "VANISHING", "relu_he": "STABLE", "too_large": "EXPLODING"}
        if name in expected:
            assert expected[name] in verdict
            assert app.result.regime == expected[name].lower()
        assert app.result.regime.upper() in verdict
        status = app.query_one("#status").render().plain
        assert PRESETS[name].title in status


async def test_presets_picker_shows_captions_and_loads():
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        assert isinstance(app.screen, PresetsScreen)
        text = screen_text(app)
        assert PRESETS["sigmoid_deep"].caption[:40] in text
        await pilot.press("down", "down", "down", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, PresetsScreen)
        assert app.config == PRESETS["relu_he"].config(Config())
        assert app.result.regime == "stable"


async def test_keys_do_nothing_under_a_modal():
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("1", "m", "right")
        assert app.config == Config()
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_lists_every_key():
    from gradtui.tui.screens import help_markdown, help_rows, key_name

    app = GradApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        # the list is generated from the bindings: every key of the main screen has its line
        md = help_markdown(app.screen.bindings)
        rows = help_rows(GradApp.BINDINGS)
        for keys, what in rows:
            assert f"- `{keys}` — {what}" in md
        listed = " ".join(k for k, _ in rows)
        for binding in GradApp.BINDINGS:
            assert binding.id and binding.tooltip, binding
            for key in binding.key.split(","):
                shown = "1 … 9" if key.isdigit() and key != "0" else key_name(key)
                assert shown in listed, key
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_pin_freezes_a_result_and_unpins():
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        pinned = app.pinned
        assert pinned is not None and pinned.config == Config()
        assert app.query_one(ChartView).pinned is pinned
        assert "pinned" in app.query_one("#status").render().plain
        await pilot.press("4")  # relu + He
        await settle(pilot)
        assert app.pinned is pinned and app.result.config != pinned.config
        with_pin = chart_text(app)
        await pilot.press("p")
        assert app.pinned is None and app.query_one(ChartView).pinned is None
        assert chart_text(app) != with_pin


async def test_layer_inspector():
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        assert app.cursor == 1
        await pilot.press("full_stop", "full_stop")
        assert app.cursor == 3
        inspector = app.query_one(Inspector)
        text = inspector.render().plain
        r = app.result
        assert "layer 3/16" in str(inspector.border_title) and "vanishing" in str(inspector.border_title)
        factor = 10 ** r.log10_factor[2]
        assert math.isclose(factor, r.weight_gain[2] * r.deriv_gain[2], rel_tol=1e-6)
        assert fmt_log10(r.log10_factor[2]) in text
        assert fmt_log10(r.log10_grad[2]) in text
        assert "act std" in text
        await pilot.press("end")
        assert app.cursor == 16 and "layer 16/16" in str(inspector.border_title)
        await pilot.press("home")
        assert app.cursor == 1
        await pilot.press("left_square_bracket")
        assert app.cursor == 1  # clamped at layer 1
        await pilot.press("end")
        await select(pilot, "depth")
        await pilot.press("left")  # depth 12: cursor follows inside the network
        await settle(pilot)
        assert app.cursor == 12
        await pilot.press("escape")
        assert app.cursor is None


async def test_inspector_shows_dead_and_saturated_in_sampled_mode():
    app = GradApp(config=Config(mode="sampled", activation="relu", depth=8, width=64, batch=16))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("home")
        text = app.query_one(Inspector).render().plain
        assert "dead" in text


async def test_forward_view():
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grad = chart_text(app)
        await pilot.press("v")
        assert app.view == "forward"
        assert "v: weight grads" in app.query_one(ChartView).border_subtitle
        assert chart_text(app) != grad
        await pilot.press("v")  # the weight view: absolute gradients exist in sampled mode only
        assert app.view == "weight"
        assert "sampled mode only (press m)" in " ".join(chart_text(app).split())
        assert "v: gradients" in app.query_one(ChartView).border_subtitle
        await pilot.press("v")
        assert app.view == "grad" and chart_text(app) == grad


async def test_weight_view_with_clip_norm():
    from gradtui.render.glyphs import UNICODE

    clip = UNICODE.bars.clip

    app = GradApp(config=Config(mode="sampled", depth=8, width=32, batch=8))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("k")  # outside the weight view: only a note, no line
        assert app.clip == 1.0 and clip not in chart_text(app)
        await pilot.press("k", "k", "k", "k")
        assert app.clip is None
        await pilot.press("v", "v")
        assert app.view == "weight"
        chart = chart_text(app)
        assert "absolute" in chart and clip not in chart
        assert "total ‖∇W‖" in screen_text(app) and "k sets a clip norm" in screen_text(app)
        await pilot.press("k")
        await pilot.pause()
        assert app.clip == 1.0
        chart, screen = chart_text(app), screen_text(app)
        assert clip * 10 in chart and "clip 1" in chart
        assert "total ‖∇W‖" in screen and "clip 1" in screen
        assert "k: clip 1" in app.query_one(ChartView).border_subtitle
        from gradtui.render.verdict import clip_text

        assert clip_text(app.result, 1.0) in screen
        await pilot.press("v")  # back to the gradients: no clip line, no readout
        assert clip not in chart_text(app) and "total ‖∇W‖" not in screen_text(app)


async def test_direct_keys_mode_residual_seed_defaults():
    app = GradApp(config=Config(width=32, batch=8))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert app.config.residual
        await pilot.press("s")
        assert app.config.seed == 1
        await pilot.press("m")
        assert app.config.mode == "sampled"
        await pilot.press("m")
        assert app.config.mode == "chain"
        await pilot.press("m")
        assert app.config.mode == "expected"
        await pilot.press("0")
        assert app.config == Config()
        await settle(pilot)


async def test_mode_switch_clamps_depth():
    app = GradApp(config=Config(depth=5000, width=8, batch=1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        assert app.config.mode == "sampled" and app.config.depth == 2000
        assert "clamped" in app.query_one("#status").render().plain


async def test_refused_change_keeps_config_and_explains(monkeypatch):
    import gradtui.engine

    # this test is about refusing a change; computing a network that large would take seconds
    real = gradtui.engine.compute
    monkeypatch.setattr(gradtui.engine, "compute", lambda c: real(c.replace(mode="expected")))
    # 3 arrays (h, f', ẑ of the norm) × 8 bytes × 1000 × 32 × 1024 = 0.73 GiB: fits; width 64
    # would not
    start = Config(mode="sampled", depth=1000, width=32, batch=1024, norm="layer")
    app = GradApp(config=start)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, "width")
        await pilot.press("right")
        assert app.config == start
        status = app.query_one("#status").render().plain
        assert "width" in status and "GiB" in status
        # the whole refusal is on screen at 80×24, the width that fits included
        await pilot.pause()
        assert status.endswith("the largest affordable width here is 42"), status
        assert "affordable width here is 42" in screen_text(app)
        await select(pilot, "depth")
        await pilot.press("left")  # a good change clears the message
        assert app.config != start and not app.query_one("#status").display


async def test_ends_of_ranges_clamp_without_error():
    app = GradApp(config=Config(depth=1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("left", "left")
        assert app.config.depth == 1
        await select(pilot, "seed")
        await pilot.press("left")
        assert app.config.seed == 0
        await select(pilot, "bias_std")
        await pilot.press("left")
        assert app.config.bias_std == 0


def storm_keys(controls: tuple[str, ...], presses: int) -> tuple[list[str], Config]:
    """Keys for ``presses`` arrow presses spread over ``controls``, and the config they imply."""
    pattern = ["right"] * 7 + ["left"] * 3
    keys, config, selected = [], Config(), 0
    per = presses // len(controls)
    for key in controls:
        index = CONTROL_KEYS.index(key)
        keys += ["down"] * (index - selected)
        selected = index
        for n in range(per):
            k = pattern[n % len(pattern)]
            keys.append(k)
            config = step_control(config, index, +1 if k == "right" else -1)
    return keys, config


async def send_all(pilot, keys: list[str]) -> None:
    """Queue every key at once, as a held-down key does, faster than the app can handle them."""
    from textual import events

    for key in keys:
        pilot.app.post_message(events.Key(key, None))
    await pilot.pause()


async def test_300_rapid_arrow_presses_end_in_the_implied_state():
    keys, config = storm_keys(("depth", "activation", "weight_scale"), 300)
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send_all(pilot, keys)
        assert app.config == config
        await settle(pilot)
        assert app.result.config == config
        assert app.query_one(Verdict).render().plain.split()[1].lower() == app.result.regime
        # still responsive: one more key is handled at once
        await pilot.press("v")
        assert app.view == "forward"


async def test_300_presses_in_sampled_mode_compute_only_the_latest():
    keys, config = storm_keys(("depth", "seed"), 300)
    start = Config(mode="sampled", width=32, batch=8)
    config = config.replace(mode="sampled", width=32, batch=8)
    app = GradApp(config=start)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.computes_started
        await send_all(pilot, keys)
        assert app.config == config
        await settle(pilot)
        assert app.result.config == config
        assert app.overlay.config == config.replace(mode="expected")
        # stale requests were dropped, not computed one after another
        assert app.computes_started - before < 100
        await pilot.press("m")
        assert app.config.mode == "chain"


async def test_too_small_terminal_says_so_and_recovers():
    app = GradApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        guard = app.query_one(TooSmall)
        assert guard.display and not app.query_one("#main").display
        text = screen_text(app)
        assert "at least 80×24" in text and "60×20" in text
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.query_one(TooSmall).display and app.query_one("#main").display
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert "VANISHING" in screen_text(app)


async def test_chart_follows_resize():
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        small = app.query_one(ChartView).render()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        big = app.query_one(ChartView).render()
        chart = app.query_one(ChartView)
        lines = big.plain.split("\n")
        assert len(lines) == chart.content_size.height
        assert len(small.plain.split("\n")) < len(lines)


async def test_ascii_mode_draws_only_ascii():
    app = GradApp(ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("end")
        text = screen_text(app)
        bad = {ch for ch in text if ord(ch) > 127}
        assert not bad, sorted(bad)
        assert "VANISHING" in text
        await pilot.press("question_mark")
        bad = {ch for ch in screen_text(app) if ord(ch) > 127}
        assert not bad, sorted(bad)
        await pilot.press("escape", "P")
        bad = {ch for ch in screen_text(app) if ord(ch) > 127}
        assert not bad, sorted(bad)


async def test_no_color_keeps_regime_words_and_glyphs(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.query_one(ChartView).color is False
        assert "▼ VANISHING" in app.query_one(Verdict).render().plain


def test_dim_settings_say_why():
    from gradtui.tui.controls import inactive_reason

    bn = Config(norm="batch")
    for key in ("weight_scale", "bias_std", "init", "width"):
        assert inactive_reason(bn, key), key
    assert "batch norm" in inactive_reason(bn, "weight_scale")
    assert inactive_reason(bn, "batch") is None  # B is a parameter of batch norm's theory
    assert inactive_reason(Config(), "batch") is not None  # no batch in plain mean field
    assert inactive_reason(bn.replace(mode="sampled"), "weight_scale") is None
    assert inactive_reason(Config(), "weight_scale") is None


async def test_chain_mode_shows_the_textbook_table_and_refuses_wide_views():
    app = GradApp(config=Config(mode="chain", depth=10, activation="sigmoid"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("home")  # layer 1
        await settle(pilot)
        text = app.query_one(Inspector).render().plain
        for word in ("z ", "x = f(z)", "factor", "w 1.00", "f'(z) 0.250", "grad"):
            assert word in text, (word, text)
        panel = app.query_one(ControlPanel)
        dim = {key for key in CONTROL_KEYS if panel._inactive(key)}
        assert {"init", "width", "seed", "bias_std", "input_std"} <= dim
        assert not {"depth", "activation", "weight_scale", "bias_mean", "input_mean", "mode"} & dim
        assert "--init" not in app.query_one("#command").render().plain
        for key in ("M", "J", "t"):
            await pilot.press(key)
            await settle(pilot)
            assert len(app.screen_stack) == 1, key
            assert "one neuron per layer" in app.query_one("#status").render().plain


async def test_a_tour_question_hides_the_bars_until_answered():
    from gradtui.tour import load_tour
    from gradtui.tui.tour_view import TourScreen

    app = GradApp(tour=load_tour("exercises"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TourScreen)
        assert app.config.mode == "chain" and app.config.depth == 10
        chart = app.query_one(ChartView).render().plain
        assert "hidden until you answer" in chart and not app.query_one(Verdict).display
        await pilot.press(*["left"] * 6)  # a guess of 1e-6 (the tour's ←→ change the guess)
        assert app.screen.index == 0 and app.screen.guess == -6
        await pilot.press("enter")
        await settle(pilot)
        assert "hidden" not in app.query_one(ChartView).render().plain
        assert app.query_one(Verdict).display
        question = app.screen.query_one("#tour-question").render().plain
        assert "It is 1.55e-6; you said 1e-6: within a decade" in question
        await pilot.press("right")  # answered: → moves on
        assert app.screen.index == 1 and not app.screen.answered
        await pilot.press("escape")
        await settle(pilot)
        assert "hidden" not in app.query_one(ChartView).render().plain


def test_every_binding_has_an_id_and_a_description():
    from gradtui.tui.theory_views import PhaseMapScreen, SpectrumScreen
    from gradtui.tui.tour_view import TourScreen
    from gradtui.tui.training_view import TrainingScreen

    screens = [GradApp, HelpScreen, PresetsScreen, PhaseMapScreen, SpectrumScreen, TrainingScreen,
               TourScreen]
    ids = []
    for owner in screens:
        shared = owner is SpectrumScreen  # the two theory views share their keys
        for binding in owner.BINDINGS:
            assert binding.id and binding.description, (owner.__name__, binding)
            if not shared:
                ids.append(binding.id)
        if owner is not HelpScreen:  # every key of the app and of a view has its line in the help
            assert all(b.tooltip for b in owner.BINDINGS), owner.__name__
    assert len(ids) == len(set(ids))


async def test_drawing_weights_ahead_that_fails_leaves_the_app_running(monkeypatch):
    """The weights drawn ahead are an optimisation: if the engine cannot start them (here: no
    thread), the app goes on, and the press computes its network as before."""
    from gradtui.engine import sampled, weights

    def no_thread(config):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(weights, "prefetch_weights", no_thread)
    sampled.clear_cache()
    app = GradApp(config=Config(mode="sampled", depth=8, width=32, batch=8, seed=5))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "seed")
        await pilot.press("right")
        await settle(pilot)
        await pilot.press("right")
        await settle(pilot)
        assert app.config.seed == 7 and app.result.config == app.config
    sampled.clear_cache()
