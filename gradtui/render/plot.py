"""The one plotext driver: the only module that imports plotext.

plotext 6 keeps one global figure, so every use holds :data:`LOCK` and starts from a cleared
figure: a render is a pure function of its arguments, from any thread.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache


def _later(module: str, name: str):
    """A stand-in for ``module.name`` (a function) that imports the real one when called."""

    def stand_in(*args, **kwargs):
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


#: plotext modules its import runs and gradtui never uses, with what plotext takes from each: the
#: interactive documentation (``plotext.doc``, over half of plotext's own import time) and the
#: self-test runner (``plotext.test``, which imports the standard library's unittest, ~6 ms)
_SKIPPED = {"plotext._doc.doc": {"docs": None},
            "plotext._tests.run": {"test": _later("plotext._tests.run", "test")}}


def _import_plotext():
    """plotext, without the modules in :data:`_SKIPPED`, on the way to the app's first chart.
    Placeholders stand in while plotext imports; an explicit import later gets the real ones."""
    placeholders = {}
    if "plotext" not in sys.modules:
        for name, attributes in _SKIPPED.items():
            if name not in sys.modules:
                placeholder = placeholders[name] = sys.modules[name] = types.ModuleType(name)
                placeholder.__dict__.update(attributes)
    try:
        import plotext
    except Exception:  # a plotext whose insides differ: import it as it is
        for key in [k for k in sys.modules if k == "plotext" or k.startswith("plotext.")]:
            del sys.modules[key]
        placeholders = {}
        import plotext
    finally:
        for name, placeholder in placeholders.items():
            if sys.modules.get(name) is placeholder:
                del sys.modules[name]
    return plotext


plt = _import_plotext()

from .text import fit

LOCK = threading.RLock()


@contextmanager
def figure() -> Iterator[object]:
    """plotext's figure, cleared, under the lock (the next use clears it again: clearing costs
    ~0.3 ms, a tenth of a chart frame, so it is done once a use, on the way in)."""
    with LOCK:
        f = plt.figure
        f.clear()
        plt.terminal.limit(False, False)  # otherwise plotext shrinks the figure to the real terminal
        yield f


#: plotext's point marker and text colouring, for the renderers that draw their own series
marker, colorize = plt.marker, plt.colorize


def plotext_frame(width: int, fig_h: int, columns: int, xticks, xlabels, ylim, yticks, ylabels) -> list[str]:
    """plotext 6 draws the frame (y labels, axes, x ticks and labels) as ``fig_h`` plain lines of
    ``width``; gradtui paints the cells inside it itself. A frame is built once per set of axes
    (a key that changes only the bars, the cursor or the text around the chart reuses it)."""
    key = (int(width), int(fig_h), int(columns), tuple(float(x) for x in xticks), tuple(xlabels),
           tuple(float(y) for y in ylim), tuple(float(t) for t in yticks), tuple(ylabels))
    return list(_frame(*key))


@lru_cache(maxsize=64)
def _frame(width: int, fig_h: int, columns: int, xticks, xlabels, ylim, yticks, ylabels) -> tuple[str, ...]:
    with figure() as f:
        f.plot_size(width, fig_h)
        f.axes(False, axis="x", side="upper")
        f.axes(False, axis="y", side="right")
        f.ruler("y").lim(*ylim)
        f.ruler("y").ticks([float(t) for t in yticks], list(ylabels))
        f.ruler("x").lim(0, columns - 1)
        f.ruler("x").ticks([float(c) for c in xticks], list(xlabels))
        lines = f.build().string(colorless=True).split("\n")
    lines = [fit(line, width) for line in lines[:fig_h]]
    return tuple(lines + [" " * width] * (fig_h - len(lines)))
