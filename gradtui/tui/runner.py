"""The one compute runner of the app: every screen's background work goes through it.

    runner.submit("chart", work, done, owner=app)

Per channel (the main chart, the phase map, its readout, the spectrum, a training run) the latest
request wins: a request made while one runs waits, and a newer one replaces it, so a held key never
queues work; a result whose request was superseded is dropped, and so is one whose owner (a screen)
was dismissed meanwhile. Work runs in daemon threads, so quitting never waits for a computation
(Textual's thread workers run in the default executor, which the interpreter joins at exit).
``cache`` is one LRU shared by all channels, filled by the callers' ``keep`` callbacks.

Work submitted with ``interrupt=True`` (pure computations that touch no shared state and start no
thread: the phase map) is ended when its ticket is stopped: :class:`Cancelled` is raised in its
thread at its next Python instruction, so an abandoned view frees its core (and its channel) within
one NumPy call instead of running to its end. Work that shares state — the spectrum draws through the
sampled engine's weight cache, whose stacks are filled by threads it starts — must not be interrupted
anywhere (an exception landing between a stack's creation and its filler's start left every later
draw of that network waiting for ever); it calls ``ticket.check()`` between layers instead.

Long work (a training run) polls ``ticket.stopped`` to end early when it is superseded, cancelled or
stopped, and calls ``ticket.report(value)`` to hand progress to the ``progress`` callback, which runs
on the UI thread while the request is still wanted.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

#: results kept for instant back-and-forth (a result is a few per-layer arrays)
CACHE_SIZE = 128


class LRU(OrderedDict):
    """A dict that keeps its ``size`` most recently stored entries."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Hashable, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class Cancelled(BaseException):
    """Raised inside interruptible work whose ticket was stopped (never reaches a screen)."""


def _interrupt(thread_id: int) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(Cancelled))


@dataclass(eq=False)
class Ticket:
    """One request: what to run, whom to tell. ``stopped`` asks cooperative work to end early."""

    channel: str
    work: Callable[["Ticket"], Any]
    done: Callable[[Any], None]
    keep: Callable[[Any], None] | None = None
    failed: Callable[[BaseException], None] | None = None
    owner: Any = None
    progress: Callable[[Any], None] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    #: how ``report`` reaches the UI thread (set by the runner when the work starts)
    _deliver: Callable[[Any], None] | None = None
    #: end the work at once when stopped (see the module docstring); the thread running it
    interrupt: bool = False
    _thread_id: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        if self.interrupt:
            with self._lock:  # only while the work itself runs, never after it returned
                if self._thread_id is not None:
                    _interrupt(self._thread_id)
                    self._thread_id = None

    def check(self) -> None:
        """Raise :class:`Cancelled` once the ticket is stopped (long work calls it between steps)."""
        if self._stop.is_set():
            raise Cancelled

    def report(self, value: Any) -> None:
        """Called by the work (in any thread): hand ``value`` to ``progress`` on the UI thread."""
        if self.progress is not None and self._deliver is not None and not self.stopped:
            self._deliver(value)


class Runner:
    """Latest-request-wins background work for one app (see the module docstring)."""

    def __init__(self, app, cache_size: int = CACHE_SIZE) -> None:
        self.app = app
        self.cache = LRU(cache_size)
        #: computations started in a thread, per channel
        self.started: Counter[str] = Counter()
        self._latest: dict[str, Ticket] = {}
        self._running: dict[str, Ticket] = {}
        self._waiting: dict[str, Ticket] = {}

    # -- asking -------------------------------------------------------------------------------
    def submit(self, channel: str, work: Callable[[Ticket], Any], done: Callable[[Any], None], *,
               keep: Callable[[Any], None] | None = None,
               failed: Callable[[BaseException], None] | None = None,
               owner: Any = None, progress: Callable[[Any], None] | None = None,
               inline: bool = False, interrupt: bool = False) -> Ticket:
        """Run ``work(ticket)``, then ``keep(value)`` (always) and ``done(value)`` (if still wanted)
        on the UI thread. ``inline`` runs it here and now (for work known to take microseconds)."""
        ticket = Ticket(channel, work, done, keep, failed, owner, progress,
                        interrupt=interrupt and not inline)
        previous = self._latest.get(channel)
        if previous is not None:
            previous.stop()
        self._latest[channel] = ticket
        self._waiting.pop(channel, None)
        if inline:
            ticket._deliver = lambda value: self._progressed(ticket, value)
            try:
                value = work(ticket)
            except Exception as error:  # noqa: BLE001  (reported to the screen, never raised)
                self._finish(ticket, None, error)
            else:
                self._finish(ticket, value, None)
        elif channel in self._running:
            self._waiting[channel] = ticket
        else:
            self._start(ticket)
        return ticket

    def busy(self, channel: str) -> bool:
        """A request of ``channel`` is running or waiting."""
        return channel in self._running or channel in self._waiting

    def cancel(self, owner: Any) -> None:
        """Forget ``owner``'s requests (a dismissed screen): nothing of them is delivered."""
        for channel, ticket in list(self._latest.items()):
            if ticket.owner is owner:
                ticket.stop()
                del self._latest[channel]
                self._waiting.pop(channel, None)

    # -- running ------------------------------------------------------------------------------
    def _start(self, ticket: Ticket) -> None:
        self._running[ticket.channel] = ticket
        self.started[ticket.channel] += 1
        loop = asyncio.get_running_loop()

        def deliver(value: Any) -> None:
            try:
                loop.call_soon_threadsafe(self._progressed, ticket, value)
            except RuntimeError:  # the loop has closed: the app quit meanwhile
                pass

        ticket._deliver = deliver

        def target() -> None:
            value, error = None, None
            try:
                try:
                    with ticket._lock:
                        ticket._thread_id = None if ticket.stopped else threading.get_ident()
                    if ticket.stopped:
                        raise Cancelled
                    value = ticket.work(ticket)
                finally:
                    with ticket._lock:
                        ticket._thread_id = None
            except BaseException as exc:  # noqa: BLE001  (handed to the UI thread)
                error = exc
            try:
                loop.call_soon_threadsafe(self._finished, ticket, value, error)
            except RuntimeError:  # the loop has closed: the app quit meanwhile
                pass

        threading.Thread(target=target, name=f"gradtui-{ticket.channel}", daemon=True).start()

    def _wanted(self, ticket: Ticket) -> bool:
        return self._latest.get(ticket.channel) is ticket and self._alive(ticket.owner)

    def _progressed(self, ticket: Ticket, value: Any) -> None:
        if self._wanted(ticket) and not ticket.stopped and ticket.progress is not None:
            ticket.progress(value)

    def _finished(self, ticket: Ticket, value: Any, error: BaseException | None) -> None:
        if self._running.get(ticket.channel) is ticket:
            del self._running[ticket.channel]
        self._finish(ticket, value, error)
        waiting = self._waiting.pop(ticket.channel, None)
        if waiting is not None:
            self._start(waiting)

    def _finish(self, ticket: Ticket, value: Any, error: BaseException | None) -> None:
        if error is None and ticket.keep is not None:
            ticket.keep(value)
        if not self._wanted(ticket):
            return  # superseded, or its screen has gone
        del self._latest[ticket.channel]
        if error is None:
            ticket.done(value)
        elif ticket.failed is not None:
            ticket.failed(error)

    def _alive(self, owner: Any) -> bool:
        if owner is None or owner is self.app:
            return True
        return owner in self.app.screen_stack
