"""Numbers for people, from their log10: shared by the chart, the TUI and the command line.

No NumPy, no plotext: cheap to import for the first frame.
"""

from __future__ import annotations

import math


def format_pow10(log10: float, digits: int = 2) -> str:
    """10**log10 for people: ``0.98``, ``1024``, ``3.1e-10``, ``1.0e-400`` (no float64 needed)."""
    if math.isnan(log10):
        return "unknown"
    if log10 == -math.inf:
        return "0"
    if log10 == math.inf:
        return "inf"
    if -3.0 <= log10 < 4.0:
        x = 10.0**log10
        text = f"{x:.0f}" if x >= 10.0**digits else f"{x:#.{digits}g}".rstrip(".")
        if "e" not in text:
            return text
    exp = math.floor(log10)
    mant = round(10.0 ** (log10 - exp), digits - 1)
    if mant >= 10.0:
        mant, exp = mant / 10.0, exp + 1
    return f"{mant:.{digits - 1}f}e{exp}"
