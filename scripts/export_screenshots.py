"""Make the README screenshots from the real app: run_test(size=...) + save_screenshot().

    python scripts/export_screenshots.py            # writes screenshots/*.svg

Never draw screenshots by hand: rerun this after a change to the TUI or the chart.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from gradtui.engine import Config
from gradtui.tui.app import GradApp

OUT = Path(__file__).resolve().parent.parent / "screenshots"

#: name: (terminal size, starting config, keys pressed one by one)
SHOTS: dict[str, tuple[tuple[int, int], Config, tuple[str, ...]]] = {
    "default-80x24": ((80, 24), Config(), ()),
    "sampled-overlay-80x24": (
        (80, 24), Config(mode="sampled", activation="tanh", depth=32, width=128, batch=32), (),
    ),
    "pinned-80x24": ((80, 24), Config(), ("p", "4")),
    "inspector-80x24": ((80, 24), Config(), ("3", "right_square_bracket", "full_stop", "full_stop")),
    "help-80x24": ((80, 24), Config(), ("question_mark",)),
    "presets-80x24": ((80, 24), Config(), ("P",)),
    "phase-map-80x24": ((80, 24), Config(activation="tanh", depth=50), ("M",)),
    "spectrum-80x24": (
        (80, 24), Config(activation="linear", init="xavier_normal", depth=16, mode="sampled"), ("J",),
    ),
    "training-80x24": ((80, 24), Config(activation="sigmoid", depth=10), ("t",)),
    "tour-80x24": ((80, 24), Config(), ("T",)),
    "default-120x40": ((120, 40), Config(), ()),
    "sampled-overlay-120x40": (
        (120, 40), Config(mode="sampled", activation="relu", init="he_normal", residual=True,
                          depth=50, width=256, batch=32), ("home",),
    ),
}


async def settle(pilot) -> None:
    app = pilot.app
    for _ in range(600):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.settled:
            return
    raise RuntimeError("the app never settled")


async def shoot(name: str, size: tuple[int, int], config: Config, keys: tuple[str, ...]) -> Path:
    app = GradApp(config=config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        return Path(app.save_screenshot(f"{name}.svg", path=str(OUT)))


async def main(names: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    for name in names or SHOTS:
        size, config, keys = SHOTS[name]
        print(await shoot(name, size, config, keys))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
