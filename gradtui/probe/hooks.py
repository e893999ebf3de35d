"""Hooks on a model's modules and the statistics they gather, on the model's own device.

Nothing here calls ``.item()``: every statistic stays a tensor until ``_Hooks.collect`` brings them
all to the host in one transfer, once per recorded step. Between recorded steps the hooks return at
once. Hooks only read tensors and return None, so they never change a gradient.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import torch
from torch import nn

from . import format as fmt

#: modules recorded as one unit even though they have children (their children are not called)
OPAQUE_UNITS: tuple[type[nn.Module], ...] = (nn.MultiheadAttention,)


def first_tensor(output: Any) -> torch.Tensor | None:
    """The first floating-point tensor of a module's output (a tensor, tuple, list or dict)."""
    if isinstance(output, torch.Tensor):
        return output if output.is_floating_point() else None
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (tuple, list)):
        for item in output:
            found = first_tensor(item)
            if found is not None:
                return found
    return None


def find_units(model: nn.Module, extra: tuple[type[nn.Module], ...] = ()) -> list[tuple[str, nn.Module]]:
    """The modules recorded one by one: leaves of the module tree, and the opaque kinds (whose
    children, if any, are recorded as part of them)."""
    opaque = OPAQUE_UNITS + tuple(extra)
    units: list[tuple[str, nn.Module]] = []

    def walk(prefix: str, module: nn.Module) -> None:
        children = list(module.named_children())
        if not children or (isinstance(module, opaque) and prefix):
            units.append((prefix or "(model)", module))
            return
        for name, child in children:
            walk(f"{prefix}.{name}" if prefix else name, child)

    walk("", model)
    return units


def _float_view(x: torch.Tensor) -> torch.Tensor:
    x = x.detach()
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def norm(x: torch.Tensor) -> torch.Tensor:
    """‖x‖ accumulated in float64 (float32 on MPS), so a large float32 gradient does not overflow."""
    dtype = torch.float32 if x.device.type == "mps" else torch.float64
    return torch.linalg.vector_norm(x.detach(), dtype=dtype)


def nonfinite(summary: torch.Tensor) -> torch.Tensor:
    """1 when a tensor holds a NaN or inf, read off a reduction of it already computed (a norm, a
    mean + std: any NaN or inf makes them non-finite), so no pass over the tensor is added."""
    return ~torch.isfinite(summary)


def forward_stats(x: torch.Tensor, saturates: str | None) -> dict[str, Any]:
    """The output's mean and std, its fractions of exact zeros and of saturated values (None where
    the module's kind does not saturate) and its count of NaN/inf."""
    x = _float_view(x)
    std, mean = torch.std_mean(x, correction=0)
    n = max(x.numel(), 1)
    if saturates == "sigmoid":
        lo = fmt.SIGMOID_SATURATED
        saturated = ((x < lo) | (x > 1.0 - lo)).sum() / n
    elif saturates == "tanh":
        saturated = (x.abs() > fmt.TANH_SATURATED).sum() / n
    else:
        saturated = None
    return {"mean": mean, "std": std, "dead": (x == 0).sum() / n, "saturated": saturated,
            "nonfinite": nonfinite(mean + std)}


def param_stats(p: torch.Tensor, grad: torch.Tensor | None) -> dict[str, Any]:
    """‖∂L/∂θ‖ (None without a gradient), ‖θ‖ and the count of NaN/inf in the gradient."""
    if grad is None:
        return {"grad_norm": None, "norm": norm(p), "grad_nonfinite": 0}
    g = norm(grad)
    return {"grad_norm": g, "norm": norm(p), "grad_nonfinite": nonfinite(g)}


def tensors_in(tree: Any, out: list[torch.Tensor]) -> list[torch.Tensor]:
    """Every tensor in a tree of dicts and lists, in order."""
    if isinstance(tree, torch.Tensor):
        out.append(tree)
    elif isinstance(tree, dict):
        for v in tree.values():
            tensors_in(v, out)
    elif isinstance(tree, list):
        for v in tree:
            tensors_in(v, out)
    return out


def to_host(tree: Any) -> Any:
    """The same tree with every tensor replaced by its value (a float; an int for counts), brought
    to the host in one transfer; non-finite floats become the file's "NaN"/"Infinity" strings."""
    tensors = tensors_in(tree, [])
    if not tensors:
        return tree
    device = tensors[0].device
    dtype = torch.float32 if device.type == "mps" else torch.float64
    values = iter(torch.stack([t.to(device=device, dtype=dtype) for t in tensors]).cpu().tolist())

    def fill(t: Any, key: str = "") -> Any:
        if isinstance(t, torch.Tensor):
            v = next(values)
            return int(v) if key.endswith("nonfinite") and math.isfinite(v) else fmt.number_out(v)
        if isinstance(t, dict):
            return {k: fill(v, k) for k, v in t.items()}
        if isinstance(t, list):
            return [fill(v, key) for v in t]
        return t

    return fill(tree)


class _Call:
    """One module call seen in a recorded forward pass."""

    __slots__ = ("key", "shape", "stats", "grad")

    def __init__(self, key: tuple[str, int], x: torch.Tensor, stats: dict[str, Any]) -> None:
        self.key = key
        self.shape = list(x.shape)
        self.stats = stats
        self.grad: dict[str, torch.Tensor] | None = None

    def on_grad(self, grad: torch.Tensor) -> None:
        g = norm(grad)
        self.grad = {"grad_norm": g, "grad_nonfinite": nonfinite(g)}
        return None  # never replace the gradient


class Hooks:
    """Forward hooks on every unit of ``model``; gathers one step's statistics when armed."""

    def __init__(self, model: nn.Module, extra_units: tuple[type[nn.Module], ...] = ()) -> None:
        self.model = model
        self.units = find_units(model, extra_units)
        self.kinds = {name: type(m).__name__ for name, m in self.units}
        self.modules = dict(self.units)
        owned = {id(p) for _, m in self.units for p in m.parameters()}
        self.other_params = [(n, p) for n, p in model.named_parameters() if id(p) not in owned]
        self.armed = False
        self.calls: list[_Call] = []
        self._count: dict[str, int] = {}
        self._handles = [m.register_forward_hook(partial(self._on_forward, name)) for name, m in self.units]

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []
        self.armed = False
        self.calls = []

    def arm(self, on: bool = True) -> None:
        self.armed = on
        self.calls = []
        self._count = {}

    def _on_forward(self, name: str, module: nn.Module, args: Any, output: Any) -> None:
        if not self.armed or not torch.is_grad_enabled():
            return None
        x = first_tensor(output)
        if x is None:
            return None
        n = self._count[name] = self._count.get(name, 0) + 1
        call = _Call((name, n), x, forward_stats(x, fmt.SATURATING_KINDS.get(self.kinds[name])))
        if x.requires_grad:
            x.register_hook(call.on_grad)
        self.calls.append(call)
        return None
