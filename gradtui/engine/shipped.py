"""Arrays computed ahead and shipped with the package (``gradtui/engine/tables/``), read instead of
computed on the way to the app's first chart: each activation's mean-field tables at bias mean 0
(:mod:`~gradtui.engine.meanfield_tables`) and the error function's fit (:mod:`~gradtui.engine.special`).

``scripts/build_tables.py`` writes them; the tests fail while a shipped array differs from what the
code computes. A file that is missing, unreadable or of another shape reads as None, and the caller
computes the array instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: where the shipped arrays live (package data)
DIRECTORY = Path(__file__).with_name("tables")


def read(name: str, shape: tuple[int, ...]) -> np.ndarray | None:
    """The float64 array :func:`path` ``(name)`` (C-contiguous) if it has ``shape``, else None."""
    try:
        array = np.load(path(name), allow_pickle=False)
    except (OSError, ValueError, EOFError):  # missing, not an .npy (or an object array), empty
        return None
    if array.dtype != np.float64 or array.shape != shape:
        return None
    return np.ascontiguousarray(array)


def path(name: str) -> Path:
    """Where :func:`read` looks for ``name`` (what ``scripts/build_tables.py`` writes)."""
    return DIRECTORY / f"{name}.npy"


__all__ = ["DIRECTORY", "path", "read"]
