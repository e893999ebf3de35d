"""A running training stops at once, in a real terminal (tmux) on the installed ``gradtui``.

Depth 300 × width 256 is accepted (it asks first: about a minute; enter runs it) and takes far
longer than the ~1 s these cases need. ``q``, ``esc`` then ``q``, and closing the view (``esc esc``)
while it runs: the process exits, or the training thread is gone. Times are printed, not asserted
beyond a generous bound (shared machine): the printed figures are the evidence.
"""

from __future__ import annotations

import os
import time

import pytest

from tmux_helpers import RESTORED, TMUX, pane, started  # noqa: F401 (pane is a fixture)

pytestmark = TMUX

#: an accepted setting whose run takes about a minute here (over the budget: enter runs it)
HEAVY = ["--depth", "300", "--width", "256"]
#: keys that start the run: open the view, confirm the question
START = ["t", "Enter"]
#: between two keys: tmux would send ESC and q together as one alt+q
GAP = 0.3


def _training(p):
    started(p, [])
    for key in START:
        p.send(key)
        time.sleep(GAP)
    p.wait_for("esc stops")
    time.sleep(1.0)  # well inside its first steps
    assert "esc stops" in p.screen()


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def _quiet_threads(pid: int) -> int:
    """The app's thread count once the start-up threads (the first chart's computation, the weight
    filler) have ended: the least seen over a second."""
    least = _threads(pid)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        time.sleep(0.02)
        least = min(least, _threads(pid))
    return least


def _seconds_until_threads(pid: int, count: int, t0: float) -> float:
    """Poll until ``pid`` runs ``count`` threads (at most 10 s after ``t0``); seconds since t0."""
    while _threads(pid) > count and time.monotonic() < t0 + 10:
        time.sleep(0.02)
    return time.monotonic() - t0


@pytest.mark.parametrize("keys", [["q"], ["Escape", "q"]], ids=["q", "esc q"])
def test_quitting_while_training_exits_at_once(pane, keys):
    p = pane(*HEAVY)
    _training(p)
    for key in keys[:-1]:
        p.send(key)
        time.sleep(GAP)
    t0 = time.monotonic()
    p.send(keys[-1])
    p.exited(timeout=10)
    print(f"{' '.join(keys)} during training: exited after {time.monotonic() - t0:.2f} s")
    assert "EXITED 0" in p.screen()
    assert p.flags() == RESTORED


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs /proc")
def test_closing_the_view_ends_the_training_thread(pane):
    p = pane(*HEAVY)
    started(p, [])
    pid = p.pid()
    idle = _quiet_threads(pid)
    _training(p)
    during = _threads(pid)
    p.send("Escape")  # stops the run (its result is shown) …
    time.sleep(GAP)
    t0 = time.monotonic()
    p.send("Escape")  # … and closes the view
    p.wait_for("VANISHING")
    seconds = _seconds_until_threads(pid, idle, t0)
    print(f"esc esc during training: thread gone after {seconds:.2f} s")
    after = _threads(pid)
    assert after <= idle
    # the runner's training thread was there, and is what went (not the start-up warm-up, which a
    # loaded machine may still run during the quiet second that measured ``idle``)
    assert during >= after + 1


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs /proc")
def test_a_new_setting_stops_the_run_in_flight(pane):
    """→ (lr ×2) while a run is in flight: the old run ends at its next layer, the new setting
    asks first (it is as long), and no thread trains meanwhile."""
    p = pane(*HEAVY)
    started(p, [])
    pid = p.pid()
    idle = _threads(pid)
    _training(p)
    t0 = time.monotonic()
    p.send("Right")
    p.wait_for("enter to run")
    seconds = _seconds_until_threads(pid, idle, t0)
    print(f"a new setting during training: old run gone after {seconds:.2f} s")
    assert _threads(pid) <= idle
    screen = p.wait_for("stopped ")  # what the old run did, and the question about the new one
    assert "enter to run" in screen and "esc stops" not in screen
    p.send("q")
    p.exited()
