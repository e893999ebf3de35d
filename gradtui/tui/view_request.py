"""What the compare and distribution screens share: asking the app's runner through its cache.

    class MyScreen(RequestView):
        def on_mount(self):
            self.follow_config(self._request)             # recompute when the app's config changes
        def _request(self):
            value = self.cached(key)                      # the runner's cache, or None
            self.submit_cached("channel", work, self._done, entries=lambda v: [(key, v)])
        def _redraw(self):
            found = self.widgets("#chart", "#status")     # None once the widgets are gone

A request's results are put in the cache when they arrive, also for a screen dismissed meanwhile
(going back is instant); nothing is delivered to a dismissed screen (the runner's owner check and
:meth:`on_unmount`), and its own scheduled callbacks are dropped (:class:`~.host.ViewScreen`).
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable

from textual.css.query import NoMatches
from textual.widget import Widget

from .host import ViewScreen


class RequestView(ViewScreen):
    """A view computing on the app's runner (see the module docstring)."""

    def follow_config(self, request: Callable[[], None]) -> None:
        self.watch(self.app, "config", request, init=False)

    def on_unmount(self) -> None:
        self.app.runner.cancel(self)  # nothing computed for this screen is delivered any more

    def cached(self, key: Hashable) -> Any:
        return self.app.runner.cache.get(key)

    def submit_cached(self, channel: str, work: Callable, done: Callable[[Any], None], *,
                      entries: Callable[[Any], Iterable[tuple[Hashable, Any]]],
                      failed: Callable[[BaseException], None] | None = None,
                      inline: bool = False) -> None:
        """Run ``work`` on ``channel``; ``entries(value)`` names the (key, item) pairs of its value
        to cache (an item of None is not cached); then ``done(value)`` if still wanted."""
        cache = self.app.runner.cache  # held here: a dismissed screen has no app

        def keep(value: Any) -> None:
            for key, item in entries(value):
                if item is not None:
                    cache.put(key, item)

        self.app.runner.submit(channel, work, done, keep=keep, failed=failed, owner=self,
                               inline=inline)

    def widgets(self, *selectors: str) -> tuple[Widget, ...] | None:
        """The screen's widgets, or None when they are gone (a redraw after dismissal)."""
        try:
            return tuple(self.query_one(s) for s in selectors)
        except NoMatches:
            return None
