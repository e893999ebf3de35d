"""A seeded key storm on the compare screen (gradtui/tui/compare_view.py): its own keys, the main
screen's, and noise, queued 40 at a time at 80×24 and 120×40. Afterwards the app runs, the
comparison holds at most four valid, distinct settings, the selection is inside it, and each
panel's verdict on screen is the engine's for that setting."""

from __future__ import annotations

import random

import pytest

from gradtui.engine import Config, compute
from gradtui.tui.app import GradApp
from gradtui.tui.compare_view import MAX_SETTINGS, CompareScreen
from test_hardening_tui import _binding_keys, check_consistent, send_keys
from test_tui import no_leftover_computation  # noqa: F401  (autouse: joins leftover compute threads)
from tui_helpers import screen_text, settle

#: keys that would make the storm slow without testing more of the compare screen: sampled mode
#: (every setting a real network) and the other views; q and ctrl+c quit
_LEFT_OUT = {"m", "s", "M", "J", "t", "T", "P", "q", "ctrl+c", "ctrl+q", "question_mark", "f1",
             "ctrl+p", "ctrl+z"}  # the palette offers quit to any letters (tests/test_palette.py storms it)


def alphabet() -> list[str]:
    keys = _binding_keys(CompareScreen.BINDINGS) | _binding_keys(GradApp.BINDINGS)
    keys |= set("abxyz0123456789") | {"tab", "shift+tab", "escape", "enter", "delete", "space", "C"}
    # "a" more often than x and delete, so the comparison fills up now and then
    return sorted(keys - _LEFT_OUT) + ["a"] * 6 + ["C"] * 3


def check_compare(app: GradApp) -> None:
    settings = app.comparison
    assert len(settings) <= MAX_SETTINGS
    assert len(set(settings)) == len(settings)
    for config in settings:
        assert Config(**config.to_dict()) == config
    screen = app.screen
    if isinstance(screen, CompareScreen):
        assert not settings or 0 <= screen.selected < len(settings)
        text = screen_text(app)
        assert "compare failed" not in text
        for config in settings:
            assert compute(config).regime.upper() in text


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_compare_key_storm(size, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # e exports the screen into the working directory
    rng = random.Random(20261202 + size[0])
    keys = alphabet()
    assert {"a", "x", "delete", "left", "right", "tab", "enter", "escape", "C"} <= set(keys)
    app = GradApp()
    sent, total, chunk = 0, 1500, 40
    on_screen, most = 0, 0
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        while sent < total:
            burst = [rng.choice(keys) for _ in range(chunk)]
            if rng.random() < 0.5:
                burst.insert(rng.randrange(chunk), "C")  # come back to the compare screen often
            await send_keys(pilot, burst)
            sent += len(burst)
            assert app.is_running and app._exception is None
            await settle(pilot)
            check_compare(app)
            on_screen += isinstance(app.screen, CompareScreen)
            most = max(most, len(app.comparison))
        # the storm did reach the compare screen, and filled it
        assert on_screen >= 5 and most == MAX_SETTINGS, (on_screen, most)
        print(f"compare storm {size}: {sent} keys, on the compare screen after {on_screen} bursts")
        while len(app.screen_stack) > 1:
            await pilot.press("escape")
        await settle(pilot)
        check_consistent(app)
    assert sent >= total
