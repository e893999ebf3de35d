"""The ``chain`` engine: the teaching texts' one neuron per layer (DESIGN §3, ``--mode chain``).

    x_0 = input_mean,   z_l = w·x_{l-1} + b,   x_l = f(z_l),   factor_l = |w·f'(z_l)|

with ``w = weight_scale`` and ``b = bias_mean``. Exact and deterministic: init, width, batch, seed
and the two ``_std`` settings do not apply. Once z_l repeats exactly, the chain is at a fixed point
and the layers above are copies (a sigmoid chain gets there in a few dozen layers). The factors are kept as logs (``Activation.log_abs_df``
is exact where f' underflows), so 0.25^10000 is a number, not 0. Where |x| passes 1e300 (a linear
or relu chain with w > 1) the neuron is carried as ln|x| and a sign: there b is below the last bit
of w·x, and every activation is in its tail, f(z) = slope·z with f' = slope (``Activation.slopes``).
"""

from __future__ import annotations

import math

import numpy as np

from .activations import ACTIVATIONS
from .config import Config
from .result import Result

LN10 = math.log(10.0)
#: |x| above this is carried in log space
_BIG = 1e300
_LN_BIG = math.log(_BIG)
_LN_MAX = math.log(1.7e308)


def chain_trajectory(config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z_l, x_l, ln|x_l|, ln|f'(z_l)|) for l = 1..L; z and x are ±inf where they pass float64."""
    act = ACTIVATIONS[config.activation]
    w, b = config.weight_scale, config.bias_mean
    ln_w = math.log(w)
    depth = config.depth
    z_out, x_out = np.empty(depth), np.empty(depth)
    lx_out, ldf_out = np.empty(depth), np.empty(depth)
    x = float(config.input_mean)
    lx: float | None = None  # ln|x| while |x| > 1e300 (x is then its sign times e^lx)
    sx = 0.0
    for i in range(depth):
        if lx is None:
            z = w * x + b  # |z| ≤ 1000·1e300 + 100: always finite
            if abs(z) <= _BIG:
                zi = np.array([z])
                x = float(act.f(zi)[0])
                z_out[i], ldf_out[i], x_out[i] = z, float(act.log_abs_df(zi)[0]), x
                with np.errstate(divide="ignore"):
                    lx_out[i] = math.log(abs(x)) if x != 0.0 else -math.inf
                if abs(x) > _BIG:
                    lx, sx = math.log(abs(x)), math.copysign(1.0, x)
                elif i and z == z_out[i - 1]:  # at a fixed point (in float64): so is every layer above
                    z_out[i:], x_out[i:], lx_out[i:], ldf_out[i:] = z, x, lx_out[i], ldf_out[i]
                    break
                continue
            lz, sz = math.log(abs(z)), math.copysign(1.0, z)
            z_out[i] = z
        else:
            lz, sz = ln_w + lx, sx
            z_out[i] = sz * math.exp(lz) if lz < _LN_MAX else sz * math.inf
        slope = act.slopes[0 if sz > 0 else 1]
        if slope > 0:  # f(z) = slope·z and f'(z) = slope, to the last bit, this far out
            lx, sx, ldf = lz + math.log(slope), sz, math.log(slope)
            x = sx * math.exp(lx) if lx < _LN_MAX else sx * math.inf
            lx_out[i] = lx
            if lx < _LN_BIG:  # back among ordinary numbers (a leaky slope shrinks it)
                lx = None
        else:  # a bounded side: x is its limit, f' below e^(-1e300)
            lx, ldf = None, -math.inf
            with np.errstate(all="ignore"):
                x = float(act.f(np.array([sz * _BIG]))[0])
            with np.errstate(divide="ignore"):
                lx_out[i] = math.log(abs(x)) if x != 0.0 else -math.inf
        x_out[i], ldf_out[i] = x, ldf
    return z_out, x_out, lx_out, ldf_out


def compute_chain(config: Config) -> Result:
    """The chain's result: the same Result type as the other engines, plus z_l and x_l."""
    z, x, lx, ldf = chain_trajectory(config)
    depth = config.depth
    with np.errstate(under="ignore"):
        deriv = np.exp(ldf)
    return Result(
        config=config,
        log10_factor=(math.log(config.weight_scale) + ldf) / LN10,
        weight_gain=np.full(depth, config.weight_scale),
        deriv_gain=deriv,
        log10_act_std=lx / LN10,
        norm_gain=np.ones(depth),
        overflow=np.zeros(depth, dtype=bool),
        extras={"engine": "chain"},
        chain_z=z,
        chain_x=x,
        chain_log10_abs_x=lx / LN10,
    )


__all__ = ["chain_trajectory", "compute_chain"]
