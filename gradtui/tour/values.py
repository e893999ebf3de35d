"""A tour file's bytes, read safely, and its TOML values named in words (for error messages).

:func:`read_bounded` reads a regular file of at most a stated size and refuses anything else (a
device such as ``/dev/zero``, a FIFO, a directory) without blocking on it or reading more than the
limit + 1 bytes. :func:`words` names a TOML value as a person would (``true``, ``a date``, ``the text
"abc"``), never as a Python repr (``True``, ``datetime.date(1979, 5, 27)``).
"""

from __future__ import annotations

import datetime
import math
import os
import stat
from pathlib import Path
from typing import Any

from gradtui.engine.config import LIMITS
from gradtui.safe_text import clip, shown


def _size(limit: int) -> str:
    return f"1 MiB ({limit:,} bytes)" if limit == 1 << 20 else f"{limit:,} bytes"


_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}


def read_bounded(p: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, reading at most ``limit + 1``; a FIFO is
    opened without blocking and refused, like a directory or a device."""
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ValueError(f"cannot read the tour: {error.strerror or error}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            raise ValueError(f"is {kind}; a tour is a TOML text file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise ValueError(f"cannot read the tour: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise ValueError(f"the file is larger than {_size(limit)}; a tour is a short TOML text")
    return b"".join(chunks)


#: what a Config field's value must be in a TOML file, in words
_KIND_WORDS = {"int": "a whole number", "float": "a number", "choice": "a name in quotes",
               "bool": "true or false"}
_EXAMPLES = {"int": "16", "float": "1.5", "choice": '"relu"', "bool": "true"}


def expected(key: str, value: Any) -> str:
    """What ``key`` wants in words with an example (``a whole number, e.g. depth = 16``), or ""
    if ``value`` has the right TOML type (its range is Config's to check)."""
    kind = LIMITS[key].kind
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": (isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**300)
        or (isinstance(value, float) and math.isfinite(value)),
        "choice": isinstance(value, str),
        "bool": isinstance(value, bool),
    }[kind]
    if ok:
        return ""
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a finite number"
    return f"{_KIND_WORDS[kind]}, e.g. {key} = {_EXAMPLES[kind]}"


def words(value: Any) -> str:
    """A TOML value as a person would name it: ``true``, ``the text "abc"``, ``a date`` …"""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {quoted(value)}"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**40 else "a number of more than 40 digits"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else
                                                          ("inf" if value > 0 else "-inf"))
    if isinstance(value, datetime.datetime):
        return "a date and time"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, datetime.time):
        return "a time of day"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a value of another kind"


def quoted(text: str) -> str:
    return '"' + clip(shown(text)) + '"'
