"""Signals: every catchable signal that would end the process leaves the terminal as it found it.

    install(app)      in the app's event loop (GradApp.on_mount): handlers for the signals below
    exit_status(app)  after ``app.run()``: 128 + the signal that ended it, else None

Without handlers, SIGTERM, SIGHUP or SIGUSR1 kill the process on the spot and the terminal stays in
the alternate screen with mouse reporting on, the cursor hidden and autowrap off. With them the app
exits the normal way (Textual's driver restores the terminal); should the event loop not get there
within ``GRACE_SECONDS`` (a computation holding it), a watchdog thread writes the restoring escape
sequences itself, puts the tty back in its saved mode and ends the process.

SIGTSTP (and ctrl+z, a key in raw mode: ``action_suspend_process``) is Textual's: it leaves
application mode and stops; on SIGCONT (``fg``) the app is redrawn in full (:func:`repaint`), not just
the parts that change next.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading

#: the signals that end the process by default and can be caught (SIGINT: ``kill -INT``; ctrl+c is a
#: key in raw mode); SIGPIPE stays ignored as Python sets it
EXIT_SIGNALS = tuple(
    getattr(signal, name) for name in (
        "SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM",
        "SIGPROF", "SIGXCPU", "SIGXFSZ", "SIGPWR",
    ) if hasattr(signal, name)
)

#: how long the app has to exit by itself after a signal before the watchdog restores the terminal
GRACE_SECONDS = 2.0

#: what Textual's driver writes when it leaves application mode (the watchdog's fallback)
RESTORE = (
    "\x1b[?2004l"  # bracketed paste off
    "\x1b[?7h"  # autowrap on
    "\x1b[?2048l"  # in-band resize reports off
    "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"  # mouse reporting off
    "\x1b[<u"  # kitty keyboard protocol off
    "\x1b[?1049l"  # leave the alternate screen
    "\x1b[?25h"  # cursor shown
    "\x1b[?1004l"  # focus reports off
)


def install(app) -> None:
    """Handle the exit signals in ``app``'s running loop, and redraw in full after a resume.

    Nothing is installed in a headless app (tests): the test runner keeps its own signals."""
    if getattr(app, "is_headless", False) or threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    app._gradtui_signal = None
    for sig in EXIT_SIGNALS:
        try:
            loop.add_signal_handler(sig, _received, app, sig)
        except (ValueError, OSError, RuntimeError):  # not catchable here
            pass
    app.app_resume_signal.subscribe(app, repaint)


def _received(app, sig: int) -> None:
    """On the UI thread: exit; a second signal (or a stuck exit) ends the process at once."""
    if app._gradtui_signal is not None:
        _force(app, sig)
        return
    app._gradtui_signal = sig
    threading.Thread(target=_watchdog, args=(app, sig), name="gradtui-signal-watchdog",
                     daemon=True).start()
    app.exit(return_code=128 + sig)


def _watchdog(app, sig: int) -> None:
    import time

    time.sleep(GRACE_SECONDS)
    if not getattr(app, "_gradtui_exited", False):
        _force(app, sig)


def _force(app, sig: int) -> None:
    """Restore the terminal by hand and end the process (the loop did not get the app out)."""
    driver = getattr(app, "_driver", None)
    try:
        out = sys.__stderr__
        out.write(RESTORE)
        out.flush()
    except (OSError, ValueError, AttributeError):
        pass
    attrs = getattr(driver, "attrs_before", None)
    if attrs is not None:
        try:
            import termios

            termios.tcsetattr(sys.__stdin__.fileno(), termios.TCSANOW, attrs)
        except Exception:  # noqa: BLE001  (a hung-up terminal: nothing left to restore)
            pass
    os._exit(128 + sig)


def exit_status(app) -> int | None:
    """128 + the signal that ended the app, or None when it was quit with a key."""
    app._gradtui_exited = True  # the terminal is restored: the watchdog has nothing to do
    sig = getattr(app, "_gradtui_signal", None)
    return None if sig is None else 128 + sig


def repaint(app) -> None:
    """Redraw every cell after a resume (``fg``): the terminal's screen was lost meanwhile."""
    try:
        screen = app.screen
    except Exception:  # noqa: BLE001  (no screen yet)
        return
    screen.refresh(screen.region)
    app.refresh(layout=True)
