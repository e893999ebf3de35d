"""A hostile tour file never writes to the user's terminal (issue 16, item 1).

The tour's captions, titles, notices, questions, choices and reveals hold a screen clear
(``ESC [2J``), a window retitle (``ESC ]0;…BEL``), a clipboard write (OSC 52), a C1 CSI, a bidi
override, an isolate, a zero-width space, BEL and DEL. The installed program runs that tour in a
pseudo-terminal at 80×24, and the bytes it writes are checked: none of the file's sequences is
there, while its text is (as escapes, ``\\x1b]0;PWNED\\x07``). A Pilot test checks the same on the
rendered screen.
"""

from __future__ import annotations

import os
import select
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_tour import HOSTILE, hostile_tour_text

#: what the file's sequences would look like if they reached the terminal
RAW = [b"\x1b]0;PWNED", b"\x1b]52;", b"SGVsbG8=\x07", b"\x1b[2J]", "\u202e".encode(), "\u2066".encode(),
       "\u200b".encode(), b"\xc2\x9b", b"\x7f]"]


def _gradtui() -> list[str]:
    exe = shutil.which("gradtui", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "gradtui"]


@pytest.fixture
def hostile(tmp_path) -> Path:
    path = tmp_path / "hostile.toml"
    path.write_text(hostile_tour_text(), encoding="utf-8")
    return path


def _run_in_pty(args: list[str], keys: list[tuple[bytes, bytes]], timeout: float = 90.0) -> bytes:
    """Everything the program writes to an 80×24 pseudo-terminal; each (wait_for, key) pair sends
    ``key`` once ``wait_for`` has appeared in the output (b"" = at once)."""
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env.update(TERM="xterm-256color", COLORTERM="truecolor")
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    out = bytearray()
    pending = list(keys)
    deadline = time.monotonic() + timeout
    not_before = 0.0
    try:
        while time.monotonic() < deadline:
            if pending and pending[0][0] in out and time.monotonic() >= not_before:
                os.write(master, pending.pop(0)[1])
                not_before = time.monotonic() + 0.5  # so esc then q is not read as alt+q
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the program exited and closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        os.close(master)
    assert not pending, f"never saw {pending[0][0]!r}; output ends {bytes(out[-400:])!r}"
    return bytes(out)


@pytest.mark.e2e
@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_the_bytes_the_program_writes_hold_none_of_the_files_sequences(hostile):
    # wait for the tour's first caption (drawn as escapes), then esc ends the tour and q quits
    out = _run_in_pty([*_gradtui(), "--tour", str(hostile)],
                      [(b"PWNED", b"\x1b"), (b"PWNED", b"q")])
    assert b"\x1b[?1049l" in out  # it quit (left the alternate screen) on q
    assert b"PWNED" in out  # the caption was drawn …
    assert b"\\x1b]0;PWNED\\x07" in out or b"0;PWNED" in out
    for raw in RAW:  # … and none of its sequences reached the terminal
        assert raw not in out, raw
    # every BEL the program writes ends an OSC sequence of its own, never the file's
    for i in [i for i, b in enumerate(out) if b == 7]:
        start = out.rfind(b"\x1b]", 0, i)
        assert start != -1, out[max(0, i - 40): i + 1]
        assert b"PWNED" not in out[start:i] and not out[start:i].startswith(b"\x1b]52"), out[start:i]


def test_the_tui_shows_the_hostile_texts_as_escapes(hostile):
    import asyncio

    from gradtui.engine import Config
    from gradtui.tour import load_tour
    from gradtui.tui.app import GradApp
    from tui_helpers import screen_text

    steps = load_tour(hostile)

    async def main() -> str:
        app = GradApp(config=Config(), tour=steps)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(50):
                await pilot.pause(0.05)
                if "PWNED" in screen_text(app):
                    break
            return screen_text(app)

    text = asyncio.run(main())
    assert "PWNED" in text
    import unicodedata

    for ch in text:
        assert ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"), repr(ch)
    assert "\\x1b" in text and "\\x07" in text
    assert len(HOSTILE) == 9
