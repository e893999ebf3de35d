"""Read probe files (docs/probe.md) without torch or Textual.

    run = read_probe("run.jsonl")        # ProbeFileError (a ValueError) with a one-line message
    run.to_json_document()               # the last recorded step in DESIGN §5's shape
    new = run.refresh()                  # steps appended since the last read (a live view)

Everything a file says is data: every string the reader returns (model, module and parameter
names) has its control characters and bidi overrides shown as escape text (``\\x1b``, ``\\u202e``;
``format.clean_text``, gradtui's one sanitiser), so a name can never drive the terminal.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

from . import document
from . import format as fmt

#: the largest file the reader opens (a step of a 200-module model is ~40 kB: 6000 such steps)
MAX_BYTES = 256 * 1024 * 1024
_READ_CHUNK = 1 << 20


class ProbeFileError(ValueError):
    """A probe file that cannot be read; ``str()`` is one line naming the file (and line)."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = path, reason, line
        where = fmt.clean_text(path, 500) + (f":{line}" if line is not None else "")
        super().__init__(f"{where}: {reason}")


class _Bad(Exception):
    """A malformed value inside one line (turned into a ProbeFileError with the line number)."""


def _text(v: Any, what: str) -> str:
    if not isinstance(v, str):
        raise _Bad(f"{what} is not a string")
    return fmt.clean_text(v)


def _int(v: Any, what: str, minimum: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise _Bad(f"{what} is not an integer ≥ {minimum}")
    return v


def _num(v: Any, what: str) -> float | None:
    """A number as written: a JSON number, null, or "NaN" / "Infinity" / "-Infinity"."""
    if v is None:
        return None
    if isinstance(v, str) and v in fmt.NONFINITE_TEXT:
        return fmt.NONFINITE_TEXT[v]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Bad(f"{what} is not a number")
    return float(v)


def _list(v: Any, what: str, length: int | None = None) -> list:
    if not isinstance(v, list):
        raise _Bad(f"{what} is not a list")
    if length is not None and len(v) != length:
        raise _Bad(f"{what} has {len(v)} entries; the header lists {length}")
    return v


def _dict(v: Any, what: str) -> dict:
    if not isinstance(v, dict):
        raise _Bad(f"{what} is not an object")
    return v


def _shape(v: Any, what: str) -> list[int]:
    return [_int(d, what) for d in _list(v, what)]


def _param_specs(v: Any, what: str) -> list[dict[str, Any]]:
    out = []
    for p in _list(v, what):
        p = _dict(p, what)
        out.append({"name": _text(p.get("name"), f"{what} name"), "shape": _shape(p.get("shape", []), what)})
    return out


def _header(obj: Any) -> dict[str, Any]:
    h = _dict(obj, "the header")
    modules = []
    for i, m in enumerate(_list(h.get("modules"), "modules")):
        what = f"module {i + 1}"
        m = _dict(m, what)
        sat = m.get("saturates")
        modules.append({
            "name": _text(m.get("name"), f"{what} name"), "kind": _text(m.get("kind"), f"{what} kind"),
            "call": _int(m.get("call", 1), f"{what} call", 1),
            "output_shape": _shape(m.get("output_shape", []), f"{what} output_shape"),
            "saturates": None if sat is None else _text(sat, f"{what} saturates"),
            "params": _param_specs(m.get("params", []), f"{what} params"),
        })
    info = {k: _text(h[k], k) for k in ("source", "created", "torch", "model", "device", "dtype")
            if h.get(k) is not None}
    return {
        "format": fmt.FORMAT, "version": h["version"], **info,
        "every": _int(h.get("every", 1), "every", 1), "parameters": _int(h.get("parameters", 0), "parameters"),
        "modules": modules, "other_params": _param_specs(h.get("other_params", []), "other_params"),
    }


_MODULE_NUMBERS = ("mean", "std", "dead", "saturated", "grad_norm")
_PARAM_NUMBERS = ("grad_norm", "norm", "update_ratio")


def _params(v: Any, specs: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    out = []
    for p, spec in zip(_list(v, what, len(specs)), specs):
        p = _dict(p, f"{what} of {spec['name']}")
        q: dict[str, Any] = {k: _num(p.get(k), f"{spec['name']} {k}") for k in _PARAM_NUMBERS}
        q["grad_nonfinite"] = _int(p.get("grad_nonfinite", 0), f"{spec['name']} grad_nonfinite")
        out.append(q)
    return out


def _record(obj: Any, header: dict[str, Any]) -> dict[str, Any]:
    r = _dict(obj, "the line")
    specs = header["modules"]
    modules: list[dict[str, Any] | None] = []
    for m, spec in zip(_list(r.get("modules"), "modules", len(specs)), specs):
        if m is None:
            modules.append(None)
            continue
        what = f"module {spec['name']}"
        m = _dict(m, what)
        e: dict[str, Any] = {k: _num(m.get(k), f"{what} {k}") for k in _MODULE_NUMBERS}
        e["nonfinite"] = _int(m.get("nonfinite", 0), f"{what} nonfinite")
        e["grad_nonfinite"] = _int(m.get("grad_nonfinite", 0), f"{what} grad_nonfinite")
        e["params"] = _params(m.get("params", [{}] * len(spec["params"])), spec["params"], f"{what} params")
        e["called"] = "std" in m
        modules.append(e)
    others = header["other_params"]
    return {"step": _int(r.get("step"), "step"), "loss": _num(r.get("loss"), "loss"), "modules": modules,
            "other_params": _params(r.get("other_params", [{}] * len(others)), others, "other_params")}


def _open(path: str) -> tuple[int, int]:
    """A file descriptor of a regular file and its size; a ProbeFileError for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ProbeFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ProbeFileError(path, "is a directory, not a probe file") from None
    except PermissionError:
        raise ProbeFileError(path, "permission denied") from None
    except OSError as e:
        raise ProbeFileError(path, f"cannot open: {fmt.clean_text(e.strerror or str(e))}") from None
    st = os.fstat(fd)
    reason = None
    if stat.S_ISDIR(st.st_mode):
        reason = "is a directory, not a probe file"
    elif not stat.S_ISREG(st.st_mode):
        reason = "not a regular file"
    elif st.st_size > MAX_BYTES:
        reason = f"is {st.st_size / 2**20:.0f} MiB, over the reader's limit of {MAX_BYTES // 2**20} MiB"
    if reason is not None:
        os.close(fd)
        raise ProbeFileError(path, reason)
    return fd, st.st_size


class ProbeRun:
    """A probe file read so far: ``header``, ``modules`` (forward order) and ``steps`` (records)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self.header: dict[str, Any] | None = None
        self.steps: list[dict[str, Any]] = []
        #: True when the file ends in an incomplete line (a run still writing it)
        self.truncated = False
        self._offset = 0
        self._line = 0

    @property
    def modules(self) -> list[dict[str, Any]]:
        return self.header["modules"] if self.header else []

    @property
    def step_numbers(self) -> list[int]:
        return [r["step"] for r in self.steps]

    def refresh(self) -> list[dict[str, Any]]:
        """Read what was appended since the last read; returns the new step records."""
        fd, size = _open(self.path)
        try:
            if size < self._offset:
                raise ProbeFileError(self.path, "the file is shorter than when it was last read (rewritten?)")
            os.lseek(fd, self._offset, os.SEEK_SET)
            chunks, left = [], size - self._offset
            while left > 0:
                chunk = os.read(fd, min(left, _READ_CHUNK))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
        data = b"".join(chunks)
        if self.header is None and not data:
            raise ProbeFileError(self.path, "empty file (no header line)")
        if self.header is None and b"\0" in data[:65536]:
            raise ProbeFileError(self.path, "binary data, not a gradtui-probe file")
        lines = data.split(b"\n")
        tail = lines.pop()  # b"" when the data ends with a newline
        new: list[dict[str, Any]] = []
        for raw in lines:
            self._line += 1
            self._take(raw, new, complete=True)
            self._offset += len(raw) + 1
        self.truncated = False
        if tail:
            if self._take(tail, new, complete=False):
                self._offset += len(tail)
                self._line += 1
            else:
                self.truncated = True
        return new

    def _take(self, raw: bytes, new: list[dict[str, Any]], complete: bool) -> bool:
        """Parse one line into the header or a record. An incomplete last line that does not parse
        yet is left for later (returns False); any other bad line raises ProbeFileError."""
        line = self._line if complete else self._line + 1
        first = self.header is None
        if b"\0" in raw:
            raise ProbeFileError(self.path, "binary data, not a gradtui-probe file", line)
        if not raw.strip():
            if first and complete:
                raise ProbeFileError(self.path, "not a gradtui-probe file (its first line is empty)", line)
            return complete
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ProbeFileError(self.path, "not UTF-8 text, not a gradtui-probe file", line) from None
        except ValueError:
            if not complete and not (first and not raw.lstrip().startswith(b"{")):
                return False
            if first:
                raise ProbeFileError(self.path, "not a gradtui-probe file (its first line is not JSON)", line) from None
            raise ProbeFileError(self.path, "not valid JSON", line) from None
        try:
            if first:
                if not isinstance(obj, dict) or obj.get("format") != fmt.FORMAT:
                    raise ProbeFileError(self.path, "not a gradtui-probe file (its first line is not a "
                                         "gradtui-probe header)", line)
                version = obj.get("version")
                if isinstance(version, bool) or not isinstance(version, int) or version < 1:
                    raise _Bad("the header's version is not a positive integer")
                if version > fmt.VERSION:
                    raise _Bad(f"written in format version {version}; this gradtui reads up to "
                               f"version {fmt.VERSION}")
                self.header = _header(obj)
            else:
                assert self.header is not None
                record = _record(obj, self.header)
                self.steps.append(record)
                new.append(record)
        except _Bad as e:
            raise ProbeFileError(self.path, str(e), line) from None
        return True

    # -- what gradtui draws ---------------------------------------------------------------------
    def record(self, step: int | None = None) -> dict[str, Any]:
        """The record of ``step`` (the last one recorded when None)."""
        if not self.steps:
            raise ProbeFileError(self.path, "no step recorded yet")
        if step is None:
            return self.steps[-1]
        for r in reversed(self.steps):
            if r["step"] == step:
                return r
        raise ProbeFileError(self.path, f"step {step} is not recorded (recorded: {_ranges(self.step_numbers)})")

    def layers(self, step: int | None = None) -> list[dict[str, Any]]:
        assert self.header is not None
        return document.layers(self.header, self.record(step))

    def summary(self, step: int | None = None) -> dict[str, Any]:
        record = self.record(step)
        assert self.header is not None
        return document.summary(self.header, record, self.steps[: self.steps.index(record) + 1])

    def to_json_document(self, step: int | None = None) -> dict[str, Any]:
        """``{"config", "layers", "summary"}`` of one step (DESIGN §5), strict JSON (no NaN)."""
        record = self.record(step)
        assert self.header is not None
        return document.json_document(self.header, record, self.steps[: self.steps.index(record) + 1],
                                      fmt.clean_text(self.path, 500))


def _ranges(numbers: list[int]) -> str:
    if len(numbers) <= 6:
        return ", ".join(map(str, numbers))
    return f"{numbers[0]}, {numbers[1]}, … {numbers[-1]} ({len(numbers)} steps)"


def read_probe(path: str | os.PathLike) -> ProbeRun:
    """Read a whole probe file. Raises ProbeFileError (one line: file, line, reason)."""
    run = ProbeRun(path)
    run.refresh()
    if run.header is None:
        raise ProbeFileError(run.path, "the header line is incomplete (truncated file?)", 1)
    return run


