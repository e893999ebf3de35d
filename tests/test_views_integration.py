"""The theory, training and tour views are reachable from the main app by one key and stay in sync."""

from __future__ import annotations

import math

from gradtui.engine import Config
from gradtui.tour import load_tour
from gradtui.tui.app import GradApp
from tui_helpers import settle

SIZE = (80, 24)


async def test_phase_map_opens_with_M_and_its_keys_change_the_app_config():
    from gradtui.tui.theory_views import PhaseMapScreen

    app = GradApp(config=Config(activation="tanh"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("M")
        assert isinstance(app.screen, PhaseMapScreen)
        await pilot.press("right")
        await pilot.pause()
        assert math.isclose(app.config.weight_scale, 2**0.25)
        assert app.screen.config == app.config
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, PhaseMapScreen)
        assert app.result.config == app.config  # the bars followed the map's change


async def test_spectrum_opens_with_J():
    from gradtui.tui.theory_views import SpectrumScreen

    app = GradApp(config=Config(activation="linear", init="orthogonal", depth=8, width=32))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("J")
        assert isinstance(app.screen, SpectrumScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, SpectrumScreen)


async def test_training_view_opens_with_t():
    from gradtui.tui.training_view import TrainingScreen

    app = GradApp(config=Config(activation="relu", init="he_normal", depth=4, width=16, batch=8))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, TrainingScreen)
        assert app.screen.config is app.config  # the screen trains the app's one config
        await settle(pilot)
        assert app.screen.result is not None and app.screen.result.config == app.config
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TrainingScreen)


async def test_tour_loads_each_step_into_the_bars():
    from gradtui.tui.tour_view import TourScreen

    steps = load_tour()
    app = GradApp(tour=steps)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TourScreen)
        first = app.config
        await pilot.press("space")
        await settle(pilot)
        assert app.config == steps[1].config_for(first)
        assert app.result.config == app.config
        assert "tour 2/" in app.query_one("#status").render().plain  # the step's note
        await pilot.press("left")
        await settle(pilot)
        assert app.config == first


async def test_depth_scale_readout_beside_the_verdict_in_expected_mode():
    app = GradApp(config=Config(activation="relu", init="he_normal"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.query_one("#status").render().plain
        assert "χ₁ = 1" in status and "critical" in status


async def test_a_slow_sampled_network_says_how_long_it_took(monkeypatch):
    import gradtui.tui.app as app_module

    monkeypatch.setattr(app_module, "SLOW_SECONDS", 0.0)  # every sampled compute counts as slow
    app = GradApp(config=Config(mode="sampled", depth=4, width=16, batch=4))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.query_one("#status").render().plain
        assert "took" in status and "s to compute" in status and "width 16" in status


async def test_help_scrolls_one_line_per_arrow_and_a_page_per_pagedown():
    from textual.containers import VerticalScroll

    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        body = app.screen.query_one("#help-body", VerticalScroll)
        await pilot.press(*["down"] * 7)
        await pilot.pause()
        assert body.scroll_y == 7
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y == 7 + body.scrollable_content_region.height - 1
        await pilot.press(*["up"] * 200)
        await pilot.pause()
        assert body.scroll_y == 0 and app.config.depth == 16  # the main screen's keys stayed off


async def test_batch_norm_flattens_the_phase_map_refuses_the_spectrum_and_trains():
    from gradtui.tui.theory_views import PhaseMapScreen, SpectrumScreen
    from gradtui.tui.training_view import TrainingScreen
    from tui_helpers import screen_text

    app = GradApp(config=Config(norm="batch", activation="relu", depth=8, width=16, batch=8))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, PhaseMapScreen) and app.screen.settled
        assert "flat under batch norm" in screen_text(app) and "σ_w and σ_b drop out" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("J")
        await settle(pilot)
        assert isinstance(app.screen, SpectrumScreen) and app.screen.settled
        assert "batch norm couples the samples" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, TrainingScreen)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert "cannot train" not in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()


async def test_q_quits_at_once_while_a_training_runs_on(monkeypatch):
    """The run goes on in a daemon thread (quitting never waits for it) and stops when its screen
    goes away with the app."""
    monkeypatch.setattr("gradtui.tui.budget.COMPUTE_BUDGET", float("inf"))  # a long run, unasked
    import threading

    from gradtui.engine.train import TrainConfig
    from gradtui.tui.training_view import TrainingScreen

    app = GradApp(config=Config(depth=16, activation="relu", init="he_normal", width=256))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(TrainingScreen(train_config=TrainConfig(steps=10_000)))
        await pilot.pause()
        assert app.screen.running
        threads = [t for t in threading.enumerate() if t.name == "gradtui-train"]
        assert threads and all(t.daemon for t in threads)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
    for thread in threads:
        thread.join()  # the dismissed screen's run was told to stop: it ends after its step


async def test_help_opens_from_every_view_with_its_own_keys_first():
    from gradtui.tui.screens import HelpScreen, help_markdown, help_rows
    from gradtui.tui.theory_views import PhaseMapScreen, SpectrumScreen
    from gradtui.tui.tour_view import TourScreen
    from gradtui.tui.training_view import TrainingScreen

    views = [("M", PhaseMapScreen), ("J", SpectrumScreen), ("t", TrainingScreen), ("T", TourScreen)]
    app = GradApp(config=Config(activation="tanh", depth=4, width=16, batch=8))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key, view in views:
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, view)
            await pilot.press("question_mark" if key != "t" else "f1")
            await pilot.pause()
            help_screen = app.screen
            assert isinstance(help_screen, HelpScreen)
            md = help_markdown(help_screen.bindings, help_screen.view)
            assert md.startswith(f"## Keys of the {view.HELP_TITLE}\n")
            rows = help_rows(view.BINDINGS)
            assert rows and len(rows) == len({what for b in view.BINDINGS if (what := b.tooltip)})
            for keys, what in rows + help_rows(GradApp.BINDINGS):
                assert f"- `{keys}` — {what}" in md
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is help_screen.app.screen and isinstance(app.screen, view)
            await pilot.press("escape")
            await settle(pilot)
            assert len(app.screen_stack) == 1, view
