"""The installed ``gradtui`` in a real terminal: one tmux server of our own per test.

    p = pane("--depth", "300")     # the fixture: started under a shell that stays after it exits
    p.wait_for("quit"); p.send("t"); p.exited()

Used by tests/test_e2e_tmux.py, tests/test_signals.py and tests/test_training_stop.py; tests that
use it are skipped when tmux is not installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

#: apply to a module of tmux tests: marked e2e, skipped without tmux
TMUX = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

#: tmux's view of the pane's terminal modes
FLAGS = "#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{wrap_flag}"
RUNNING, RESTORED = "1 0 1 0", "0 1 0 1"  # in the app / as a shell leaves it


def gradtui_command() -> list[str]:
    script = Path(sys.executable).parent / "gradtui"
    if script.exists():
        return [str(script)]
    found = shutil.which("gradtui")
    return [found] if found else [sys.executable, "-m", "gradtui"]


class Pane:
    """``gradtui ARGS`` (with ``env`` added) in a tmux window of ``size``; the shell prints
    ``EXITED <status>`` when it ends and stays a minute, so the screen after it can be read."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, size=(80, 24)) -> None:
        self.socket = f"gradtui-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        run = shlex.join([*gradtui_command(), *args])
        command = f"{f'env {exports} ' if exports else ''}{run}; echo EXITED $?; sleep 60"
        self.tmux("new-session", "-d", "-s", "t", "-x", str(size[0]), "-y", str(size[1]), command)

    def tmux(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, "-f", os.devnull, *args],
                              capture_output=True, text=True, timeout=10)

    def flags(self) -> str:
        return self.tmux("display", "-p", "-t", "t", FLAGS).stdout.strip()

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t").stdout

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "t", *keys)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def pid(self) -> int:
        """gradtui's process id (the shell's child)."""
        shell = int(self.tmux("display", "-p", "-t", "t", "#{pane_pid}").stdout)
        for _ in range(100):
            found = subprocess.run(["pgrep", "-P", str(shell)], capture_output=True, text=True)
            if found.stdout.split():
                return int(found.stdout.split()[0])
            time.sleep(0.05)
        raise AssertionError("gradtui did not start")

    def exited(self, timeout: float = 10.0) -> float:
        """Seconds until the shell printed gradtui's exit (AssertionError past ``timeout``)."""
        t0 = time.monotonic()
        self.wait_for("EXITED", timeout)
        return time.monotonic() - t0

    def processes(self) -> list[int]:
        """The pane's shell and its children (gradtui, or the shell's sleep after it)."""
        out = self.tmux("display", "-p", "-t", "t", "#{pane_pid}").stdout.strip()
        if not out.isdigit():
            return []
        found = subprocess.run(["pgrep", "-P", out], capture_output=True, text=True).stdout.split()
        return [int(out), *map(int, found)]

    def close(self) -> list[int]:
        """End the tmux server (the terminal hangs up); the processes still alive 10 s later are
        killed, so no test leaves a program running, and returned, so a test can say so."""
        pids = self.processes()
        self.tmux("kill-server")
        deadline = time.monotonic() + 10.0
        alive = pids
        while alive and time.monotonic() < deadline:
            time.sleep(0.05)
            alive = [pid for pid in alive if _alive(pid)]
        for pid in alive:
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        return alive


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False


@pytest.fixture
def pane():
    """``pane(*args, env=None, size=(80, 24))`` starts a :class:`Pane`; all are closed after."""
    made: list[Pane] = []

    def start(*args: str, env: dict[str, str] | None = None, size=(80, 24)) -> Pane:
        p = Pane(*args, env=env, size=size)
        made.append(p)
        return p

    yield start
    for p in made:
        p.close()


def started(p: Pane, keys=()) -> Pane:
    """Wait until the app is up (its footer), send ``keys``; the terminal is in the app's modes."""
    p.wait_for("quit")
    for key in keys:
        p.send(key)
    assert p.flags() == RUNNING
    return p
