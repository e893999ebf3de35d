"""Record a PyTorch model's per-module gradient health into a probe file (docs/probe.md).

    with Recorder(model, "run.jsonl", every=10) as rec:
        for step, (x, y) in enumerate(batches):
            loss = loss_fn(model(x), y)
            opt.zero_grad(); loss.backward()
            rec.step(step, loss)        # after backward, before opt.step()
            opt.step()

    check(model, x)                     # one forward and backward, one file, hooks removed
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable
from typing import Any, TextIO

import torch
from torch import nn

from . import format as fmt
from .hooks import Hooks, first_tensor, norm, param_stats, to_host


class _Layout:
    """Which module calls a record lists, in forward order: those of the first recorded step."""

    def __init__(self, hooks: Hooks) -> None:
        self.keys = [c.key for c in hooks.calls]
        self.index = {k: i for i, k in enumerate(self.keys)}
        shapes = {c.key: c.shape for c in hooks.calls}
        seen: set[int] = set()
        #: per listed call, the parameters recorded with it (each parameter once, at its first call)
        self.params: list[list[tuple[str, nn.Parameter]]] = []
        for name, _ in self.keys:
            own = []
            for pname, p in hooks.modules[name].named_parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    own.append((pname, p))
            self.params.append(own)
        self.other = [(n, p) for n, p in hooks.other_params if id(p) not in seen]
        self.modules = [
            {"name": name, "kind": hooks.kinds[name], "call": call, "output_shape": shapes[(name, call)],
             "saturates": fmt.SATURATING_KINDS.get(hooks.kinds[name]),
             "params": [{"name": pn, "shape": list(p.shape)} for pn, p in own]}
            for (name, call), own in zip(self.keys, self.params)
        ]

    def all_params(self) -> list[nn.Parameter]:
        return [p for own in self.params for _, p in own] + [p for _, p in self.other]


def _header(model: nn.Module, layout: _Layout, source: str, every: int) -> dict[str, Any]:
    params = list(model.parameters())
    first = params[0] if params else None
    return {
        "format": fmt.FORMAT, "version": fmt.VERSION, "source": source, "every": every,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__, "model": type(model).__name__,
        "parameters": sum(p.numel() for p in params),
        "device": str(first.device) if first is not None else None,
        "dtype": str(first.dtype).removeprefix("torch.") if first is not None else None,
        "thresholds": {"sigmoid_saturated": fmt.SIGMOID_SATURATED, "tanh_saturated": fmt.TANH_SATURATED},
        "modules": layout.modules,
        "other_params": [{"name": n, "shape": list(p.shape)} for n, p in layout.other],
    }


def _record(hooks: Hooks, layout: _Layout, step: int, loss: Any, grads: dict[int, torch.Tensor] | None):
    """One step's record, its values still tensors on the device (``to_host`` brings them over)."""
    def params(own: list[tuple[str, nn.Parameter]]) -> list[dict[str, Any]]:
        return [param_stats(p, p.grad if grads is None else grads.get(id(p))) for _, p in own]

    modules: list[dict[str, Any] | None] = [None] * len(layout.keys)
    for call in hooks.calls:
        i = layout.index.get(call.key)
        if i is not None:
            modules[i] = {**call.stats, **(call.grad or {"grad_norm": None, "grad_nonfinite": 0})}
    for i, own in enumerate(layout.params):
        if modules[i] is not None:
            modules[i]["params"] = params(own)
        elif own:  # not called this step: its parameters are still recorded
            modules[i] = {"params": params(own)}
    if isinstance(loss, torch.Tensor):
        loss = loss.detach().reshape(()) if loss.numel() == 1 else None
    elif loss is not None:
        loss = fmt.number_out(float(loss))
    return {"step": int(step), "loss": loss, "modules": modules, "other_params": params(layout.other)}


def _add_update_ratios(record: dict[str, Any], layout: _Layout, before: list[torch.Tensor]) -> None:
    olds = iter(before)
    entries = [m.get("params", []) if m else [] for m in record["modules"]] + [record["other_params"]]
    owners = layout.params + [layout.other]
    for stats, own in zip(entries, owners):
        for i, (_, p) in enumerate(own):
            old = next(olds)
            if i < len(stats):
                stats[i]["update_ratio"] = norm(p.detach() - old) / norm(old)


class _Writer:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self._file: TextIO | None = open(self.path, "w", encoding="ascii", newline="\n")

    def write(self, obj: dict[str, Any]) -> None:
        assert self._file is not None
        self._file.write(json.dumps(obj, allow_nan=False, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class Recorder:
    """Records ``model`` every ``every``-th call of :meth:`step` (the 1st, the every+1-th, …).

    ``updates=True`` also records ‖Δθ‖/‖θ‖: call :meth:`after_update` after ``optimizer.step()``
    (the step's line is written then). ``units`` names extra module types to record as one unit.
    Statistics come from the forward passes run with gradients enabled since the previous
    ``step()``; forward passes under ``torch.no_grad()`` (validation) are ignored.
    """

    def __init__(self, model: nn.Module, path: str | os.PathLike, every: int = 1, *, updates: bool = False,
                 units: tuple[type[nn.Module], ...] = ()) -> None:
        if int(every) < 1:
            raise ValueError(f"every must be a positive integer, not {every!r}")
        self.model, self.path, self.every, self.updates = model, os.fspath(path), int(every), updates
        self._units = units
        self._hooks: Hooks | None = None
        self._writer: _Writer | None = None
        self._layout: _Layout | None = None
        self._calls = 0
        self._pending: tuple[dict[str, Any], list[torch.Tensor]] | None = None

    def __enter__(self) -> Recorder:
        self._writer = _Writer(self.path)
        try:
            self._hooks = Hooks(self.model, self._units)
        except BaseException:
            self._writer.close()
            raise
        self._hooks.arm()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(flush=exc[0] is None)

    def close(self, flush: bool = True) -> None:
        """Write a pending step (unless ``flush`` is false), remove every hook, close the file."""
        try:
            if flush and self._pending is not None:
                self._write(self._pending[0])
        finally:
            self._pending = None
            if self._hooks is not None:
                self._hooks.remove()
                self._hooks = None
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    @property
    def recording(self) -> bool:
        """Whether the next forward and backward pass will be recorded."""
        return self._hooks is not None and self._hooks.armed

    def step(self, step: int, loss: Any = None) -> bool:
        """Call after ``loss.backward()`` and before ``optimizer.step()``. Returns whether this step
        was recorded."""
        if self._hooks is None:
            raise RuntimeError("Recorder.step() outside its with-block")
        if self._pending is not None:
            self._write(self._pending[0])
            self._pending = None
        recorded = self._hooks.armed
        if recorded:
            if self._layout is None:
                self._layout = _Layout(self._hooks)
                assert self._writer is not None
                self._writer.write(_header(self.model, self._layout, "recorder", self.every))
            record = _record(self._hooks, self._layout, step, loss, None)
            if self.updates:
                self._pending = (record, [p.detach().clone() for p in self._layout.all_params()])
            else:
                self._write(record)
        self._calls += 1
        self._hooks.arm(self._calls % self.every == 0)
        return recorded

    def after_update(self) -> None:
        """Call after ``optimizer.step()`` to record the update ratio ‖Δθ‖/‖θ‖ of a recorded step."""
        if self._pending is None:
            return
        record, before = self._pending
        self._pending = None
        assert self._layout is not None
        _add_update_ratios(record, self._layout, before)
        self._write(record)

    def _write(self, record: dict[str, Any]) -> None:
        assert self._writer is not None
        self._writer.write(to_host(record))


def readout_loss(output: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """gradtui's random linear readout: Σ_batch ⟨r, output⟩ with one r ~ N(0, I) over the
    non-batch dimensions, drawn in float64 on the CPU from ``torch.Generator().manual_seed(seed)``."""
    gen = torch.Generator().manual_seed(seed)
    r = torch.randn(tuple(output.shape[1:]), generator=gen, dtype=torch.float64)
    return (output * r.to(device=output.device, dtype=output.dtype)).sum()


def check(model: nn.Module, inputs: Any, loss_fn: Callable[[Any], torch.Tensor] | None = None,
          path: str | os.PathLike = "gradtui-probe.jsonl", *, seed: int = 0,
          units: tuple[type[nn.Module], ...] = ()):
    """One forward and backward pass of ``model`` on ``inputs`` (a tensor, a tuple of positional
    arguments or a dict of keyword arguments), recorded into ``path`` as step 0.

    ``loss_fn(output)`` gives the loss; by default :func:`readout_loss` with ``seed``. The model's
    ``.grad`` tensors and buffers (BatchNorm statistics) are left as they were; the hooks are
    removed, also on an exception. Returns the file read back (a :class:`ProbeRun`).
    """
    from .reader import read_probe

    buffers = {k: b.detach().clone() for k, b in model.named_buffers()}
    hooks = Hooks(model, units)
    try:
        hooks.arm()
        if isinstance(inputs, dict):
            out = model(**inputs)
        else:
            out = model(*inputs) if isinstance(inputs, (tuple, list)) else model(inputs)
        if loss_fn is None:
            y = first_tensor(out)
            if y is None:
                raise TypeError("the model's output has no floating-point tensor; pass loss_fn")
            loss = readout_loss(y, seed)
        else:
            loss = loss_fn(out)
        layout = _Layout(hooks)
        params = [p for p in layout.all_params() if p.requires_grad]
        if not params or not loss.requires_grad:
            raise ValueError("the loss does not depend on any parameter that requires grad")
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        record = to_host(_record(hooks, layout, 0, loss,
                                 {id(p): g for p, g in zip(params, grads) if g is not None}))
    finally:
        hooks.remove()
        with torch.no_grad():
            for k, b in model.named_buffers():
                if k in buffers:
                    b.copy_(buffers[k])
    writer = _Writer(path)
    try:
        writer.write(_header(model, layout, "check", 1))
        writer.write(record)
    finally:
        writer.close()
    return read_probe(writer.path)
