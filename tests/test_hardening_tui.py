"""Hardening of the TUI through Pilot: no crash, no lie, no lag (README, "Reliability").

3. a key storm of 10,000 random keys (every binding except quit, plus noise) at 80×24;
4. terminal sizes from 20×6 to 300×100 with live resizes, NO_COLOR, ASCII mode;
5. a held arrow key in a heavy sampled state: keys keep being handled, the app settles on the last
   state within one recompute after release.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import re
import time

import pytest


from gradtui.render.verdict import verdict
from gradtui.engine import Config, compute
from gradtui.tui import screens
from gradtui.tui.app import GradApp
from gradtui.tui.controls import CONTROL_KEYS
from gradtui.tui.compute import STOPPED
from gradtui.tui.widgets import MIN_HEIGHT, MIN_WIDTH, ChartView, TooSmall, Verdict
from test_tui import no_leftover_computation  # noqa: F401  (autouse: joins leftover compute threads)
from tui_helpers import screen_text, settle

SIZE = (80, 24)


def shown_verdict(app: GradApp) -> str:
    return " ".join(app.query_one(Verdict).render().plain.split())


def check_consistent(app: GradApp) -> None:
    """The config is valid, the chart and verdict on screen are those of compute(config)."""
    config = app.config
    assert Config(**config.to_dict()) == config  # passes validation again
    assert app.result is not None and app.result.config == config
    want = " ".join(verdict(compute(config), ascii=app.ascii).split())
    assert shown_verdict(app).endswith(want), (shown_verdict(app), want)
    chart = app.query_one(ChartView)
    assert chart.result is app.result
    text = chart.render().plain
    assert text.strip() and "chart failed" not in text
    assert not re.search(r"nan|inf", text, re.I), text


# -- 3. key storm ----------------------------------------------------------------------------------

def _binding_keys(bindings) -> set[str]:
    keys = set()
    for b in bindings:
        if isinstance(b, tuple):
            key, action = b[0], b[1]
        else:
            key, action = b.key, b.action
        if action == "quit":
            continue
        keys.update(k.strip() for k in key.split(","))
    return keys


def _screen_modules() -> list:
    """The other screens' modules (phase map, spectrum, tour, training), where they exist."""
    import importlib

    found = []
    for name in ("theory_views", "tour_view", "training_view"):
        try:
            found.append(importlib.import_module(f"gradtui.tui.{name}"))
        except ImportError:
            pass
    return found


def storm_alphabet() -> list[str]:
    """Every binding of the app and of its screens (quit excluded) and noise keys."""
    keys = _binding_keys(GradApp.BINDINGS)
    for module in (screens, *_screen_modules()):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            keys |= _binding_keys(getattr(cls, "BINDINGS", []))
    noise = set("abdefghijklnotuwxyz") | set("0123456789") | {
        "tab", "shift+tab", "escape", "enter", "space", "backspace", "delete", "pageup", "pagedown",
    }
    keys |= noise
    # q quits from the main screen (it only closes the modals), ctrl+c always quits; the command
    # palette (ctrl+p) offers "quit" to any letters and enter (tests/test_palette.py storms it)
    keys -= {"q", "ctrl+c", "ctrl+q", "ctrl+p"}
    return sorted(keys)


#: a sampled-mode state above this cost (depth·width²·batch multiply-adds) is left with "m" after
#: the chunk that reached it, so the storm stays within CI time. Heavy states are still *entered*
#: (and their computation started); they are just not kept for long. Honest limit: the storm does not
#: prove that the app stays quick in sampled mode at depth 1000 × width 4096 — test 5 covers load.
HEAVY = 16 * 256 * 256 * 64


def _heavy(config: Config) -> bool:
    return config.mode == "sampled" and config.depth * config.width**2 * config.batch > HEAVY


async def send_keys(pilot, keys: list[str]) -> None:
    """Queue ``keys`` at once (as a fast typist or a held key does), then let the app catch up.

    ``pilot.press`` waits for the app to go idle after every key, about 60 ms a key here (a chart is
    drawn each time): 10,000 keys would take ~10 minutes. Queued keys are handled one after another
    by the same bindings, with the screen refreshed when the queue drains — harsher for races.
    """
    from textual import events

    app = pilot.app
    for key in keys:
        char = key if len(key) == 1 else {"question_mark": "?", "space": " "}.get(key)
        app.post_message(events.Key(key, char))
    await pilot.pause()


@pytest.mark.parametrize("second", ["escape", "enter"])
async def test_presets_double_close(second):
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await send_keys(pilot, ["enter", second])
        await pilot.pause()
        assert app.is_running and len(app.screen_stack) == 1
        await settle(pilot)
        check_consistent(app)


@pytest.mark.slow
async def test_key_storm_10000_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # e exports the screen into the working directory
    rng = random.Random(20261122)
    alphabet = storm_alphabet()
    assert {"up", "down", "left", "right", "m", "r", "s", "p", "v", "P", "enter", "escape"} <= set(alphabet)
    total, chunk = 10_000, 80
    app = GradApp()
    t0 = time.perf_counter()
    sent = 0
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        while sent < total:
            keys = [rng.choice(alphabet) for _ in range(chunk)]
            if rng.random() < 0.3:
                keys.append("escape")  # close a modal now and then
            await send_keys(pilot, keys)
            sent += len(keys)
            assert app.is_running and app.return_code is None and app._exception is None
            if _heavy(app.config):
                while len(app.screen_stack) > 1:
                    await pilot.press("escape")
                await pilot.press("m")
                sent += 1
        while len(app.screen_stack) > 1:
            await pilot.press("escape")
        await settle(pilot, rounds=2000)
        assert app.is_running
        check_consistent(app)
        assert app.query_one(ChartView).error is None
    elapsed = time.perf_counter() - t0
    print(f"key storm: {sent} keys in {elapsed:.1f} s")
    assert sent >= total


# -- 4. terminals ----------------------------------------------------------------------------------

SIZES = [(20, 6), (40, 10), (79, 23), (80, 24), (81, 24), (80, 23), (120, 40), (200, 60), (300, 100)]


def _too_small_text(app, w, h) -> str:
    text = screen_text(app)
    times = "x" if app.ascii else "×"
    return text, f"at least {MIN_WIDTH}{times}{MIN_HEIGHT}", f"{w}{times}{h}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_start_at_any_size(size):
    w, h = size
    app = GradApp()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        small = w < MIN_WIDTH or h < MIN_HEIGHT
        assert app.query_one(TooSmall).display == small
        if small:
            text, need, have = _too_small_text(app, w, h)
            if w >= 60 and h >= 3:  # the whole message fits on screen
                assert need in text and have in text and "enlarge" in text, text
            else:
                assert "enlarge"[: max(1, w - 2)] in text.replace("\n", "") or "gradtui" in text, text
        else:
            check_consistent(app)
            chart = app.query_one(ChartView)
            lines = chart.render().plain.split("\n")
            assert len(lines) == chart.content_size.height


async def test_live_resizes_between_extremes():
    rng = random.Random(7)
    sizes = SIZES + [(rng.randint(20, 300), rng.randint(6, 100)) for _ in range(20)]
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for i, (w, h) in enumerate(sizes):
            await pilot.resize_terminal(w, h)
            if i % 3 == 0:
                await pilot.press(rng.choice(["left", "right", "down", "m", "v", "end"]))
            await pilot.pause()
            assert app.size == (w, h)
            small = w < MIN_WIDTH or h < MIN_HEIGHT
            assert app.query_one(TooSmall).display == small, (w, h)
            if small and w >= 60:
                text, need, have = _too_small_text(app, w, h)
                assert need in text and have in text and "enlarge" in text, text
        await pilot.resize_terminal(*SIZE)
        await settle(pilot)
        check_consistent(app)


async def test_enlarge_message_ascii():
    app = GradApp(ascii=True)
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.pause()
        text, need, have = _too_small_text(app, 70, 20)
        assert need in text and have in text and "enlarge" in text
        assert all(ord(ch) < 128 for ch in text)


async def test_no_color_renders(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = GradApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m", "end", "v", "p", "right")
        await settle(pilot)
        check_consistent(app)
        assert app.query_one(ChartView).color is False
        svg = app.export_screenshot()
        assert "<svg" in svg


@pytest.mark.parametrize(
    "size", [(80, 24), (300, 100)], ids=["80x24", "300x100"]
)
async def test_ascii_mode_screen_is_ascii(size):
    app = GradApp(ascii=True)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for keys in (["end"], ["m"], ["v"], ["p", "right"], ["r", "down", "down", "right"], ["question_mark"],
                     ["escape", "P"], ["escape"]):
            await pilot.press(*keys)
            await settle(pilot)
            text = screen_text(app)
            bad = sorted({ch for ch in text if ord(ch) > 127})
            assert not bad, (keys, bad)
            chart = app.query_one(ChartView).render().plain
            assert all(ord(ch) < 128 for ch in chart)
        assert app.export_screenshot()  # renders without crash
        check_consistent(app)


@pytest.mark.parametrize(
    "config,keys",
    [(Config(depth=20), ["left_square_bracket"] * 5), (Config(depth=1000), ["home"])],
    ids=["layer16of20", "layer1of1000"],
)
async def test_ascii_inspector_title_fits(config, keys):
    app = GradApp(ascii=True, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        bad = [line for line in screen_text(app).split("\n") if any(ord(ch) > 127 for ch in line)]
        assert not bad, bad


# -- 5. responsiveness under load ------------------------------------------------------------------

#: the issue's load: depth 500 × width 512 × batch 64 (one sampled recompute takes ~6–8 s on the
#: 2-core box this was written on). Held for 3 s, not 10 s, to keep CI time down.
LOAD = dict(mode="sampled", depth=500, width=512, batch=64)
HOLD_SECONDS, RATE = 3.0, 30


@pytest.mark.slow
async def test_held_arrow_key_under_load():
    """30 key events a second for 3 s while a heavy sampled network recomputes in the background.

    ``pilot.press`` is not used to time keys: it waits on Textual's own idleness and takes ~2 s a
    key while a worker thread runs, although the app itself handles each key in ~2 ms. Each key is
    posted as the terminal driver would post it and its latency is measured until ``app.config``
    reflects it; a probe also measures how late the event loop wakes up (its lag).
    """
    from textual import events

    from gradtui.tui.controls import WEIGHT_SCALES, step_grid

    start = Config(**LOAD)
    app = GradApp(config=start)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=100_000)
        index = CONTROL_KEYS.index("weight_scale")
        await pilot.press(*(["down"] * index))
        assert CONTROL_KEYS[app.selected] == "weight_scale"
        before = app.computes_started
        stopped, remember = [], app._remember

        def counting_remember(outcome):
            stopped.append(outcome.error == STOPPED)
            remember(outcome)

        app._remember = counting_remember  # type: ignore[method-assign]
        presses, latencies, lags = 0, [], []
        expected_ws = start.weight_scale
        t0 = time.perf_counter()
        next_at = t0
        while time.perf_counter() - t0 < HOLD_SECONDS:
            key = "right" if presses % 4 != 3 else "left"  # a wobbling hand: net +2 every 4
            expected_ws = step_grid(expected_ws, WEIGHT_SCALES, 1 if key == "right" else -1)
            s = time.perf_counter()
            app.post_message(events.Key(key, None))
            while app.config.weight_scale != expected_ws and time.perf_counter() - s < 5:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - s)
            assert app.config.weight_scale == expected_ws, (presses, app.config.weight_scale)
            presses += 1
            next_at += 1.0 / RATE
            while (delay := next_at - time.perf_counter()) > 0:
                s = time.perf_counter()
                await asyncio.sleep(min(delay, 0.01))
                lags.append(time.perf_counter() - s - min(delay, 0.01))
        released = time.perf_counter()
        busy_at_release = app.busy
        assert app.config == start.replace(weight_scale=expected_ws)
        await settle(pilot, rounds=100_000)
        settle_s = time.perf_counter() - released
        assert app.result.config == app.config
        assert app.overlay.config == app.config.replace(mode="expected")
        check_consistent(app)
        started = app.computes_started - before
    # one bare recompute of the final state, for scale (its weights are cached, as in the app)
    s = time.perf_counter()
    compute(app.config)
    recompute = time.perf_counter() - s
    worst, lag = max(latencies), max(lags, default=0.0)
    print(f"held key: {presses} keys in {HOLD_SECONDS:.0f} s, key latency median "
          f"{sorted(latencies)[len(latencies) // 2] * 1000:.1f} ms / max {worst * 1000:.0f} ms, "
          f"loop lag max {lag * 1000:.0f} ms, settled {settle_s:.1f} s after release "
          f"(one recompute {recompute:.1f} s, busy at release {busy_at_release}), "
          f"{started} computations started, {sum(stopped)} of them stopped when superseded")
    # wall-clock figures (key latency, loop lag, settle time) are printed above, not asserted: this
    # machine is shared and noisy; benchmarks/tui.py measures them side by side. What is asserted:
    # every key was applied in order (above), and the latest request wins: a computation is
    # stopped within a layer when a newer key supersedes it (none of these ~5 s networks can
    # finish between two keys 33 ms apart), so only the final state's runs to its end
    assert started >= 1 and len(stopped) == started, (started, stopped)
    assert stopped == [True] * (started - 1) + [False], stopped


# -- the size guard on every screen; no screen acts after dismissal ---------------------------------

from gradtui.tui.host import SizeGuard  # noqa: E402

#: keys that open each screen from the main screen
OPENERS = {"help": ["question_mark"], "presets": ["P"], "phase map": ["M"], "spectrum": ["J"],
           "training": ["t"], "tour": ["T"], "main": []}


@pytest.mark.parametrize("name", list(OPENERS))
async def test_size_guard_covers_every_screen(name):
    app = GradApp(config=Config(depth=8, width=32, batch=4))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*OPENERS[name])
        await pilot.pause()
        under = app.screen
        for w, h in [(20, 5), (79, 23), (80, 3), (10, 3)]:
            await pilot.resize_terminal(w, h)
            await pilot.pause()
            assert isinstance(app.screen, SizeGuard), (w, h)
            # every key but quit is swallowed: nothing below moves, PageUp at 3 rows cannot crash
            await send_keys(pilot, ["pageup", "pagedown", "down", "up", "enter", "escape", "left",
                                    "right", "question_mark", "M", "space", "P", "1"])
            await pilot.pause()
            assert app.is_running and app._exception is None
            assert isinstance(app.screen, SizeGuard) and app.screen_stack[-2] is under
        text = screen_text(app)  # at 79×23 nothing covers the message (the tour panel is below)
        await pilot.resize_terminal(79, 23)
        await pilot.pause()
        text = screen_text(app)
        assert "at least 80×24" in text and "79×23" in text and "tour" not in text, text
        await pilot.resize_terminal(*SIZE)
        await settle(pilot)
        assert app.screen is under
        if name == "phase map":  # computed once large enough, not "computing…" forever
            assert under.map is not None and "computing" not in screen_text(app)


async def test_started_too_small_then_enlarged_phase_map_computes():
    app = GradApp()
    async with app.run_test(size=(20, 5)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SizeGuard)
        await pilot.resize_terminal(*SIZE)
        await settle(pilot)
        await pilot.press("M")
        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        await pilot.resize_terminal(*SIZE)
        await settle(pilot)
        assert app.screen.map is not None and "computing" not in screen_text(app)


async def test_presets_picker_at_three_rows_takes_no_page_keys():
    """Was: KeyError: 0 in OptionList._move_page (the picker took keys under the size guard)."""
    app = GradApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await pilot.resize_terminal(80, 3)
        await pilot.pause()
        await send_keys(pilot, ["pageup", "pagedown"] * 10)
        await pilot.pause()
        assert app.is_running and app._exception is None


@pytest.mark.parametrize("keys", [["M", "escape"], ["J", "escape"], ["t", "escape", "escape"]])
async def test_a_dismissed_view_never_acts(keys):
    """Was: NoMatches '#phase-view' from a call_after_refresh run after the screen was dismissed."""
    app = GradApp(config=Config(depth=8, width=32, batch=4))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for size in [(100, 30), (81, 25), SIZE]:
            await send_keys(pilot, keys)  # typed ahead: the view is dismissed before it refreshes
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.is_running and app._exception is None
        await settle(pilot)
        assert len(app.screen_stack) == 1
        check_consistent(app)


@pytest.mark.parametrize("name", ["help", "presets", "tour", "phase map", "training"])
async def test_q_and_ctrl_c_quit_from_every_screen(name):
    for key in ("q", "ctrl+c"):
        app = GradApp(config=Config(depth=8, width=32, batch=4))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press(*OPENERS[name])
            await pilot.pause()
            assert len(app.screen_stack) > 1
            await pilot.press(key)
            await pilot.pause()
            assert app.return_code == 0, (name, key)


def test_residual_phase_readout_is_one_statement():
    """Was: "χ₁ = 0.0557 ordered" above "residual: … no ordered phase"."""
    from gradtui.engine.theory import theory_summary
    from gradtui.render.phase import phase_readout

    config = Config(residual=True)
    text = phase_readout(theory_summary(config), -1.0, config)
    assert "ordered" not in text.split("\n")[0] and "no ordered phase" in text
    assert all(len(line) <= 78 for line in text.split("\n")), text
    ascii_text = phase_readout(theory_summary(config), -1.0, config, ascii=True)
    assert all(len(line) <= 78 for line in ascii_text.split("\n")), ascii_text
    plain = phase_readout(theory_summary(Config()), -9.0, Config())
    assert "ordered" in plain.split("\n")[0]


async def test_training_status_fits_80_columns():
    """Was: "…11 ▼ frozen (<1e-3 of" cut at 80 columns: the status wraps instead."""
    from gradtui.tui.training_view import TrainingScreen

    app = GradApp(config=Config(depth=16, width=32))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot, rounds=6000)
        screen = app.screen
        assert isinstance(screen, TrainingScreen) and screen.result is not None
        words = screen._status_text().plain.split()
        shown = " ".join(screen_text(app).split())
        assert " ".join(words) in shown, (words, shown)


async def test_abandoned_theory_work_ends_and_never_piles_up():
    """Was: an abandoned spectrum/phase map ran to its end (16 s at depth 2000), threads piled up
    6 → 10 when the view was reopened, and the reopened view waited for the abandoned work."""
    import threading

    def busy() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name in ("gradtui-spectrum", "gradtui-phase-map")]

    app = GradApp(config=Config(depth=2000, activation="tanh"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in ["J", "M", "J", "J", "M"]:
            await pilot.press(key)
            await pilot.pause(0.3)
            assert len(busy()) <= 1, busy()
            await pilot.press("escape")
            t0 = time.perf_counter()
            for _ in range(1500):  # interrupted at its next instruction: gone long before this
                if not busy():
                    break
                await asyncio.sleep(0.02)
            assert not busy(), busy()
            print(f"{key} esc: abandoned work ended after {time.perf_counter() - t0:.2f} s")
        await pilot.press("M")
        await settle(pilot, rounds=100_000)  # a view that stays still gets its result
        assert app.screen.map is not None
