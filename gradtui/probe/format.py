"""The probe file's contract, shared by the recorder and the reader (no torch, no textual).

A probe file is JSON Lines: one header line, then one record per recorded step (docs/probe.md).
"""

from __future__ import annotations

import math

from gradtui.safe_text import clip, shown

FORMAT = "gradtui-probe"
VERSION = 1

#: an output counts as saturated when it is this close to the activation's bounds
SIGMOID_SATURATED = 0.01  # sigmoid output < 0.01 or > 0.99
TANH_SATURATED = 0.99  # |tanh output| > 0.99
#: module kinds whose output saturates, and how (recorded only for these)
SATURATING_KINDS = {"Sigmoid": "sigmoid", "Tanh": "tanh"}

#: non-finite floats are written as these strings, so every line is strict JSON and nothing is lost
NONFINITE_TEXT = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def number_out(x: float) -> float | str:
    """A float as the file stores it: itself when finite, else "NaN" / "Infinity" / "-Infinity"."""
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


MAX_TEXT = 200


def clean_text(s: str, limit: int = MAX_TEXT) -> str:
    """Text from a file made safe to show (gradtui's one sanitiser, :func:`gradtui.safe_text.shown`:
    control characters, bidi overrides, zero-width and surrogate characters written as their
    escape text, ``\\x1b``), and at most ``limit`` characters (an ellipsis marks a cut)."""
    out = shown(s)
    return out if len(out) <= limit else clip(out, limit - 1)
