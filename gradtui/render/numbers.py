"""Numbers for people: the one set of formatters of the chart, the views, the TUI and the CLI.

    format_pow10(log10)   10**log10 from its log10, far outside float64 too: 0.98, 3.1e-10, 1.0e-400
    fmt_log10(log10)      the same with 3 significant digits (the inspector, the status lines)
    fmt_value(x)          a float with 3 significant digits (settings, learning rates, losses)
    setting_text(x)       a setting as typed: 1, 10, 1000, 1e6, 0.5
    factor_text(log10)    a per-layer factor: 0.25, 1.00, then 10**… as format_pow10
    decade_label(k)       an axis tick at 10**k: 1, 1e-5, 1e3
    fraction_text(x)      a power of two as a fraction below 1: 1/4, 1/2, 1, 2
    one_digit_text(x)     one significant digit for a 1-2-5 tick: 5e-3, 1e24

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


def fmt_log10(log10: float, digits: int = 3) -> str:
    """10**log10 with ``digits`` significant digits, even far outside float64 (``1.00e-400``)."""
    return format_pow10(log10, digits)


def fmt_value(x: float, digits: int = 3) -> str:
    """A finite float shown compactly (3 significant digits)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "unknown"
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    return f"{x:#.{digits}g}".rstrip(".")


def fmt_num(x: float) -> str:
    """A short human number for a control's value: 1, 0.5, 1.19, 0.0039, 1e+03."""
    return "0" if x == 0 else f"{x:.3g}"


def setting_text(x: float) -> str:
    """A setting for people: 1, 10, 1000, 1e6, 0.5."""
    return f"{x:g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def factor_text(log10: float) -> str:
    """A per-layer factor from its log10: two decimals below 10, else as :func:`format_pow10`."""
    x = 10.0**log10 if abs(log10) < 300 else math.inf
    if x < 10:
        return f"{x:.2f}"
    return format_pow10(log10)


def decade_label(decade: int) -> str:
    """The label of an axis tick at 10**decade: ``1``, ``1e-5``, ``1e3``."""
    return "1" if decade == 0 else f"1e{decade}"


def fraction_text(x: float) -> str:
    """A scale factor as people say it: ``1/4``, ``1/2`` below 1, else as :func:`setting_text`."""
    if x >= 1:
        return setting_text(x)
    return f"1/{round(1 / x):d}"


def one_digit_text(x: float) -> str:
    """``5e-3``, ``1e24``: one significant digit (for ticks on 1-2-5 values)."""
    mant, exp = f"{x:.0e}".split("e")
    return f"{mant}e{int(exp)}"
