"""Run small matrix products on one BLAS thread.

gradtui multiplies many small matrices (batch × width by width × width, a few MFLOP each) in a
Python loop over layers. OpenBLAS splits each of them over all cores, and when the machine is busy
those threads wait for each other: measured on a loaded 2-core box, 3200 products of 64×128 by
128×128 took 35 s on two threads and 0.23 s on one. :func:`single_thread` pins the BLAS to one
thread for the duration of a ``with`` block and restores it afterwards.

It asks the OpenBLAS that NumPy loaded (found in ``/proc/self/maps``) directly through ``ctypes``
(what ``threadpoolctl`` does, without the dependency); where that does not work (another BLAS,
not Linux) it does nothing. The setting is
process-wide, so overlapping blocks (worker threads) share one reference count and the last one out
restores the original thread count.
"""

from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_users = 0
_saved: int | None = None
_api: tuple | None = None  # (get, set) or () when unavailable

#: symbol prefixes of the OpenBLAS builds NumPy wheels ship (scipy-openblas, 64-bit ints) and of
#: system builds
_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "")


def _find_api() -> tuple:
    try:
        import numpy  # noqa: F401  (make sure the BLAS is loaded)

        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = sorted({ln.split()[-1] for ln in maps if "openblas" in ln.lower() and "/" in ln})
    except OSError:
        return ()
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                set_ = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and set_ is not None:
                    get.restype = ctypes.c_int
                    get.argtypes = []
                    set_.restype = None
                    set_.argtypes = [ctypes.c_int]
                    return (get, set_)
    return ()


@contextmanager
def single_thread() -> Iterator[None]:
    """Pin the BLAS to one thread inside the block (a no-op where that cannot be done)."""
    global _users, _saved, _api
    with _lock:
        if _api is None:
            _api = _find_api()
        if _api and _users == 0:
            get, set_ = _api
            _saved = int(get())
            set_(1)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _api and _users == 0 and _saved is not None:
                _api[1](_saved)
                _saved = None
