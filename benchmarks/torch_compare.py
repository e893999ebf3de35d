"""PyTorch autograd on the sampled engine's own network: the reference ``benchmarks/engine.py`` times.

    run = torch_backprop(net)      # a closure: one forward + backward, per-layer gradient norms
    log10_grad, log10_weight_grad = run()

The network is the engine's drawn one (same x, W_l, b_l, readout r, float64), written the way a
PyTorch user would: ``h = f(h @ W.T + b)`` (``h + α·f(…)`` with the skip), loss Σ_b⟨r, h_L⟩,
``loss.backward()`` with ``retain_grad()`` on every h_l, then the norms the engine reports:
‖∂loss/∂h_l‖ for l = 0..L and ‖∂loss/∂W_l‖. Torch is not a dependency: import this only where
``import torch`` works. One thread (``torch.set_num_threads(1)``), as the engine runs on one.
"""

from __future__ import annotations

import math

import numpy as np

import torch

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
               "linear": lambda z: z}


def torch_backprop(net):
    """One autograd pass on ``net`` (a :class:`gradtui.engine.weights.Network`, no normalisation,
    no 2^k rescaling needed): returns a closure giving (log10 ‖∂loss/∂h_l‖ (L+1,),
    log10 ‖∂loss/∂W_l‖ (L,)) as NumPy arrays."""
    c = net.config
    if c.norm != "none" or c.activation not in ACTIVATIONS:
        raise ValueError("the torch reference covers plain/residual nets of tanh, relu, sigmoid, linear")
    torch.set_num_threads(1)
    f = ACTIVATIONS[c.activation]
    alpha = c.residual_scale
    weights = [torch.tensor(np.array(net.weight(l)), dtype=torch.float64, requires_grad=True)
               for l in range(c.depth)]
    bias = None if net.bias is None else torch.tensor(np.array(net.bias), dtype=torch.float64)
    x = torch.tensor(np.array(net.x), dtype=torch.float64)
    r = torch.tensor(np.array(net.readout), dtype=torch.float64)

    def run() -> tuple[np.ndarray, np.ndarray]:
        for w in weights:
            w.grad = None
        h = x.clone().requires_grad_(True)
        hs = [h]
        for l, w in enumerate(weights):
            z = h @ w.T
            if bias is not None:
                z = z + bias[l]
            h = h + alpha * f(z) if c.residual else f(z)
            h.retain_grad()
            hs.append(h)
        loss = (h @ r).sum() if r.ndim == 1 else (h * r).sum()
        loss.backward()
        with torch.no_grad():
            g = torch.stack([torch.linalg.vector_norm(t.grad) for t in hs])
            gw = torch.stack([torch.linalg.vector_norm(w.grad) for w in weights])
        return np.log10(g.numpy()), np.log10(gw.numpy())

    return run


def max_log10_difference(engine_bp, torch_out) -> float:
    """Largest |log10 difference| between the engine's and torch's per-layer norms (finite ones)."""
    lg, lw = torch_out
    diffs = [np.abs(engine_bp.log10_grad_norm - lg)]
    if engine_bp.log10_weight_grad is not None:
        diffs.append(np.abs(engine_bp.log10_weight_grad - lw))
    d = np.concatenate(diffs)
    d = d[np.isfinite(d)]
    return float(d.max()) if d.size else math.nan
