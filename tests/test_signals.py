"""Signals, pastes and quitting, on the installed ``gradtui`` in a real terminal (tmux).

Every catchable exit signal restores the terminal (alternate screen left, mouse reporting off, cursor
shown, autowrap on; tmux's own pane flags say so) and ends the process with 128 + the signal;
SIGTSTP / ctrl+z suspend and SIGCONT redraws the whole screen; a bracketed paste containing ESC is
text; ``q`` quits from every screen while the theory views compute at depth 2000 and 10,000. Times
are printed, not asserted (shared machine): only that the process exits.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tmux_helpers import RESTORED, RUNNING, TMUX, pane, started  # noqa: F401 (pane is a fixture)

pytestmark = TMUX


SIGNALS = ["SIGTERM", "SIGHUP", "SIGUSR1", "SIGINT"]
#: a sampled computation in flight (depth 2000, width 256: seconds) and a training run (about a
#: minute, so it asks first: enter runs it)
STATES = {
    "sampled": (["--mode", "sampled", "--depth", "2000", "--width", "256"], [], "computing"),
    "training": (["--depth", "300", "--activation", "relu", "--init", "he-normal"], ["t", "Enter"], "esc stops"),
}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("name", SIGNALS)
def test_signal_restores_the_terminal(pane, name, state):
    args, keys, busy = STATES[state]
    p = started(pane(*args), keys)
    p.wait_for(busy)
    sig = getattr(signal, name)
    t0 = time.monotonic()
    os.kill(p.pid(), sig)
    p.wait_for("EXITED")
    print(f"{name} during {state}: exited after {time.monotonic() - t0:.2f} s")
    assert f"EXITED {128 + sig}" in p.screen()
    assert p.flags() == RESTORED


@pytest.mark.parametrize("state", ["idle", "sampled", "quitting"])
def test_a_terminal_that_goes_away_ends_the_program(pane, state):
    """The tmux server (the terminal) is killed under gradtui: it gets SIGHUP and must end. Was:
    the app exited but Textual's input thread, never told to stop (its driver could not write to
    the hung-up terminal), kept the process alive, spinning on end of file at 70–85 % of a core."""
    args, keys, busy = STATES["sampled"] if state == "sampled" else ([], [], "VANISHING")
    # (quitting: how the e2e test that quits with q left an orphan spinning at 84 % of a core)
    p = started(pane(*args), keys)
    p.wait_for(busy)
    pid = p.pid()
    if state == "quitting":  # q, and the session closes as soon as the app has left the screen
        p.send("q")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and "VANISHING" in p.screen():
            time.sleep(0.01)
    t0 = time.monotonic()
    left = p.close()
    print(f"terminal gone while {state}: gradtui {'still alive' if pid in left else 'gone'} "
          f"after {time.monotonic() - t0:.2f} s")
    assert pid not in left


@pytest.mark.parametrize("how", ["SIGTSTP", "ctrl+z"])
def test_suspend_then_continue_redraws_everything(pane, how):
    p = started(pane())
    p.wait_for("VANISHING")
    pid = p.pid()
    if how == "ctrl+z":
        p.send("C-z")
    else:
        os.kill(pid, signal.SIGTSTP)
    for _ in range(100):  # stopped, and the terminal handed back meanwhile
        if p.flags() == RESTORED:
            break
        time.sleep(0.05)
    assert p.flags() == RESTORED
    os.kill(pid, signal.SIGCONT)
    screen = p.wait_for("VANISHING")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and ("controls" not in screen or "quit" not in screen):
        time.sleep(0.1)
        screen = p.screen()
    # the whole screen, not only what changes next: the control panel, chart, command line, footer
    for text in ("controls", "sigmoid", "gradtui --depth 16", "quit"):
        assert text in screen, screen
    assert p.flags() == RUNNING
    p.send("q")
    p.exited()


@pytest.mark.parametrize("payload", ["x\x1bq", "x\x1bq\x1b\x1b[A q\x03 M", "\x1b\x1b\x1bqqq"])
def test_a_bracketed_paste_with_escape_never_quits(pane, payload):
    p = started(pane())
    p.wait_for("VANISHING")
    p.tmux("set-buffer", "-b", "paste", payload)
    p.tmux("paste-buffer", "-p", "-b", "paste", "-t", "t")
    time.sleep(1.5)
    assert "EXITED" not in p.screen()
    assert p.flags() == RUNNING
    assert "VANISHING" in p.screen()  # nothing of the paste acted (no M: still the main screen)
    p.send("q")
    p.exited()


#: every screen, busy where it can be: keys that open it (sent one by one)
SCREENS = {
    "main": [],
    "help": ["?"],
    "presets": ["P"],
    "tour": ["T"],
    "training": ["t", "Enter"],  # over the compute budget it asks first: enter runs it
    "phase map": ["M"],
    "spectrum": ["J"],
    "spectrum, abandoned": ["J", "Escape"],
}


@pytest.mark.parametrize("depth", [2000, 10_000])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_q_quits_from_every_screen_while_busy(pane, screen, depth):
    p = started(pane("--depth", str(depth), "--activation", "tanh"))
    for key in SCREENS[screen]:
        p.send(key)
        time.sleep(0.2)
    if screen == "phase map":
        p.send(*["Right"] * 20)  # a held → at depth 10,000: one map after another
    time.sleep(0.5)
    t0 = time.monotonic()
    p.send("q")
    p.exited(timeout=10)
    print(f"q from {screen} at depth {depth}: exited after {time.monotonic() - t0:.2f} s")
    assert p.flags() == RESTORED
