"""Seeded key storms, one per screen, that print their key log when they fail.

    SCREENS["phase map"] == ["M"]          the keys that open a screen from the main screen
    await storm(pilot, "phase map", seed)   2,000 random keys on it, resizes down to 10×3 between bursts

A new screen is one line in SCREENS. Every key sent (and every resize) is logged; on any failure the
seed and the log are printed, so a failing storm replays exactly (``random.Random(seed)``).
"""

from __future__ import annotations

import asyncio
import random

from gradtui.tui.app import GradApp

#: screen name → the keys that open it from the main screen (one line per screen)
SCREENS: dict[str, list[str]] = {
    "main": [],
    "help": ["question_mark"],
    "presets": ["P"],
    "phase map": ["M"],
    "spectrum": ["J"],
    "training": ["t"],
    "tour": ["T"],
}

#: keys a storm draws from: every screen's keys and noise, never quit (q, ctrl+c) or suspend
ALPHABET = sorted(set("abdefghijklmnoprstuvwxyz0123456789PMJTC") | {
    "up", "down", "left", "right", "enter", "escape", "space", "tab", "shift+tab", "backspace",
    "delete", "pageup", "pagedown", "home", "end", "question_mark", "f1", "left_square_bracket",
    "right_square_bracket", "comma", "full_stop", "less_than_sign", "greater_than_sign",
})
#: keys that leave the screen under test; the storm reopens it after them
CLOSERS = {"escape", "enter", "question_mark", "f1"}
#: sizes visited between bursts (the guard below 80×24), ending back at 80×24
SIZES = [(10, 3), (20, 5), (79, 23), (80, 24), (120, 40), (40, 10), (80, 24)]
#: a storm's keys stay in the light part of every setting: a sampled network bigger than this (depth ·
#: width² · batch) is left with "m" (heavy states are entered, not kept; CI time)
HEAVY = 16 * 256 * 256 * 64


class StormFailed(AssertionError):
    pass


def _char(key: str) -> str | None:
    if len(key) == 1:
        return key
    return {"question_mark": "?", "space": " ", "comma": ",", "full_stop": ".",
            "less_than_sign": "<", "greater_than_sign": ">", "left_square_bracket": "[",
            "right_square_bracket": "]"}.get(key)


async def drain(pilot) -> None:
    """Wait until the app and every widget of its current screen have handled what was queued.

    Not ``pilot.pause()``: after draining it also waits for the *process* to idle (under 1 ms of
    CPU in 20 ms, for up to 1 s), which never happens while a chart, a map or a training computes in
    a thread — most of a storm's time went there, with nothing left to process."""
    app = pilot.app
    try:
        targets = [app, *app.screen.walk_children(with_self=True)]
    except Exception:  # noqa: BLE001  (no screen: the app is ending; _healthy says why)
        return
    left = [0]
    drained = asyncio.Event()

    def one_done() -> None:
        left[0] -= 1
        if left[0] == 0:
            drained.set()

    for target in targets:
        if target.call_later(one_done):
            left[0] += 1
    if left[0]:
        failed = asyncio.ensure_future(app._exception_event.wait())
        done = asyncio.ensure_future(drained.wait())
        await asyncio.wait([done, failed], timeout=30, return_when=asyncio.FIRST_COMPLETED)
        for task in (done, failed):
            task.cancel()
    try:  # lay out and paint what the keys changed, as pilot.pause() does (crashes hide there too)
        app.screen._on_timer_update()
    except Exception:  # noqa: BLE001  (the screen went meanwhile)
        pass


async def send(pilot, keys: list[str]) -> None:
    """Queue keys as a fast typist would (pilot.press waits ~60 ms a key), then let the app catch up."""
    from textual import events

    for key in keys:
        pilot.app.post_message(events.Key(key, _char(key)))
    await drain(pilot)


async def resize(pilot, width: int, height: int) -> None:
    """``pilot.resize_terminal`` without its wait for an idle process (see :func:`drain`)."""
    from textual.drivers.headless_driver import HeadlessDriver
    from textual.events import Resize
    from textual.geometry import Size

    size = Size(width, height)
    if isinstance(pilot.app._driver, HeadlessDriver):
        pilot.app._driver._size = size
    pilot.app.post_message(Resize(size, size))
    await drain(pilot)


def _healthy(app) -> None:
    assert app.is_running and app.return_code is None, "the app quit"
    assert app._exception is None, f"the app raised {app._exception!r}"


async def storm(pilot, screen: str, seed: int, keys: int = 2000, burst: int = 100) -> list:
    """``keys`` random keys on ``screen`` in bursts, a resize between bursts; returns the log."""
    app: GradApp = pilot.app
    rng = random.Random(seed)
    log: list = []
    opener = SCREENS[screen]
    try:
        await send(pilot, opener)
        log.append(("open", opener))
        sent, sizes = 0, 0
        while sent < keys:
            chunk = [rng.choice(ALPHABET) for _ in range(burst)]
            if opener:  # after a key that may leave the screen, open it again
                chunk = [k for key in chunk for k in ([key, *opener] if key in CLOSERS else [key])]
            await send(pilot, chunk)
            log.append(("keys", chunk))
            sent += len(chunk)
            _healthy(app)
            size = SIZES[sizes % len(SIZES)]
            sizes += 1
            await resize(pilot, *size)
            log.append(("size", size))
            _healthy(app)
            config = app.config
            if config.mode == "sampled" and config.depth * config.width**2 * config.batch > HEAVY:
                while len(app.screen_stack) > 1:
                    await send(pilot, ["escape"])
                    if len(app.screen_stack) > 1 and app.screen.__class__.__name__ == "TrainingScreen":
                        await send(pilot, ["escape"])
                    if len(app.screen_stack) > 1 and app.screen.__class__.__name__ == "SizeGuard":
                        break
                await send(pilot, ["m"])
                log.append(("keys", ["escape…", "m"]))
        await resize(pilot, 80, 24)
        _healthy(app)
    except Exception as error:
        lines = [f"storm on {screen!r} failed: seed {seed}, {sum(len(e[1]) for e in log if e[0] == 'keys')} keys"]
        lines += [f"  {kind}: {' '.join(map(str, what)) if kind != 'size' else what}" for kind, what in log]
        print("\n".join(lines))
        raise StormFailed(f"{error} (seed {seed}; the key log is printed above)") from error
    return log
