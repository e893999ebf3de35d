"""End to end: the installed ``gradtui`` in a real terminal (tmux) at 80×24, driven by keys.

Skipped only when tmux is not installed.
"""

from __future__ import annotations

import time

import pytest

from tmux_helpers import TMUX, pane  # noqa: F401 (pane is a fixture)

pytestmark = TMUX


@pytest.fixture
def terminal(pane):
    """``terminal(*args, env=None)``: gradtui at 80×24 (see tmux_helpers.Pane)."""
    return pane


def test_sigmoid_vanishes_then_relu_he_is_stable(terminal):
    t = terminal()
    t.wait_for("VANISHING")  # the default view is the sigmoid network
    screen = t.wait_for("quit")  # the footer can land a frame after the verdict
    assert "VANISHING" in screen and "gradtui --depth 16" in screen
    assert "controls" in screen
    t.send("4")  # preset 4: ReLU + He
    screen = t.wait_for("STABLE")
    assert "VANISHING" not in screen
    assert "--init he-normal" in screen and "he_normal" in screen
    t.send("1")  # preset 1: sigmoid, 16 layers
    screen = t.wait_for("VANISHING")
    assert "layer 1 receives" in screen
    t.send("q")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "VANISHING" in t.screen():
        time.sleep(0.1)
    assert "VANISHING" not in t.screen()  # the app has quit and left the screen


def test_arrow_keys_change_depth_and_the_command_line(terminal):
    t = terminal()
    t.wait_for("VANISHING")
    t.send("Right", "Right")  # depth 16 → 20 → 25
    screen = t.wait_for("--depth 25")
    assert "25 layers" in screen
    t.send("Down", "Right")  # activation sigmoid → tanh
    t.wait_for("--activation tanh")


def test_ascii_on_a_linux_console_without_colour(terminal):
    t = terminal("--ascii", env={"TERM": "linux", "NO_COLOR": "1"})
    screen = t.wait_for("VANISHING")
    t.send("End")
    screen = t.wait_for("layer 16/16")
    assert all(ord(ch) < 128 for ch in screen), sorted({ch for ch in screen if ord(ch) > 127})


def test_too_small_terminal_asks_to_enlarge(terminal):
    t = terminal()
    t.wait_for("VANISHING")
    t.tmux("resize-window", "-t", "t", "-x", "60", "-y", "20")
    screen = t.wait_for("at least 80")
    assert "enlarge" in screen
    t.tmux("resize-window", "-t", "t", "-x", "80", "-y", "24")
    t.wait_for("VANISHING")


NON_UTF8 = {"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}


def test_non_utf8_locale_draws_in_ascii_not_escapes(terminal):
    """A locale whose encoding cannot carry box characters gets the --ascii drawing by itself."""
    t = terminal(env=NON_UTF8)
    t.wait_for("VANISHING")
    screen = t.wait_for("quit")
    assert "\\u25" not in screen and "\\u2" not in screen  # no escaped box characters
    assert all(ord(ch) < 128 for ch in screen), sorted({ch for ch in screen if ord(ch) > 127})
    assert screen.splitlines()[0].startswith("+- controls")
