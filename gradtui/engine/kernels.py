"""Activation kernels of the layer step: f(z) and f'(z) written into preallocated arrays.

Each fused kernel shares the costly parts of f and f' and allocates nothing; each is bit-identical
to the registry's ``f`` and ``df`` (tested), just faster. :func:`f_and_df_into` is the one entry.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import activations
from .activations import ACTIVATIONS, TANH_NEAR_U, Activation, tanh_near_zero
from .special import ndtr, npdf


@lru_cache(maxsize=None)
def max_derivative(name: str) -> float:
    """The largest f' of an activation, from a dense grid (once per activation)."""
    grid = np.linspace(-40.0, 40.0, 160_001)
    with np.errstate(all="ignore"):
        return float(np.max(ACTIVATIONS[name].df(grid)))

#: elements per block for kernels that make temporaries
BLOCK = 1 << 15
#: above this share of entries near zero, tanh's kernel takes the series of the whole array
NEAR_WHOLE = 0.5


def _sigmoid_into(z, f, d, w1, w2) -> None:
    e = w1
    np.abs(z, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e^-|z|
    q = np.add(e, 1.0, out=w2)
    # numerator 1 where z ≥ 0, e^-|z| where z < 0 (e ≤ 1, so a maximum selects it; nan stays nan)
    np.greater_equal(z, 0.0, out=f)
    np.maximum(f, e, out=f)
    np.divide(f, q, out=f)
    np.multiply(q, q, out=q)
    np.divide(e, q, out=d)


def _tanh_into(z, f, d, w1, w2) -> None:
    # the registry's tanh (np.tanh with AVX-512, else one exponential shared with f') and its sech²
    native = activations.native_tanh()
    if native:
        np.tanh(z, out=f)
    u = np.abs(z, out=w1)
    np.multiply(u, -2.0, out=u)
    np.exp(u, out=u)  # u = e^{-2|z|}
    q = np.add(u, 1.0, out=w2)
    if not native:
        np.subtract(1.0, u, out=f)
        np.divide(f, q, out=f)  # tanh|z| = (1 - u)/(1 + u)
        np.copysign(f, z, out=f)
    np.multiply(q, q, out=q)
    np.multiply(u, 4.0, out=d)
    np.divide(d, q, out=d)  # sech² z = 4u/(1 + u)², exact in the tails where 1 - tanh² rounds to 0
    if not native:
        _tanh_near_zero(z, f, u, w2)  # w2 is free from here, u once its mask is taken


def _tanh_near_zero(z, f, u, w) -> None:
    """f ← the series tanh where u = e^{-2|z|} > TANH_NEAR_U (|z| < 1/4), with u and w as scratch
    of z's shape. Contiguous arrays larger than :data:`BLOCK` entries go block by block, so
    nothing of z's size is allocated (the memory budget counts the workspace only)."""
    if z.size <= BLOCK or not (z.flags.c_contiguous and f.flags.c_contiguous
                               and u.flags.c_contiguous and w.flags.c_contiguous):
        _series_where(z, f, np.greater(u, TANH_NEAR_U), u, w)
        return
    zf, ff, uf, wf = (a.reshape(-1) for a in (z, f, u, w))
    mask = np.empty(BLOCK, dtype=bool)
    for i in range(0, zf.size, BLOCK):
        j = slice(i, i + BLOCK)
        ub = uf[j]
        near = np.greater(ub, TANH_NEAR_U, out=mask[: ub.size])
        _series_where(zf[j], ff[j], near, wf[j], ub)  # ub is free once its mask is taken


def _series_where(z, f, near, x, out) -> None:
    """f ← the series tanh where ``near``, with x and out as scratch of z's shape: of the whole
    array and a masked copy where most entries are near zero (the narrowing forward signal of a
    deep plain tanh net: no gather and scatter), of the gathered entries where few are. The same
    values either way (see ``tanh_near_zero``: only multiplications and additions, entry by entry)."""
    count = np.count_nonzero(near)
    if not count:
        return
    if count > NEAR_WHOLE * near.size:
        np.copyto(f, tanh_near_zero(z, x, out), where=near)
        return
    xs, outs = x.reshape(-1)[:count], out.reshape(-1)[:count]  # scratch: a copy is as good
    if z.flags.c_contiguous and f.flags.c_contiguous:  # integer indices: ~5× boolean indexing
        at = np.flatnonzero(near)
        f.reshape(-1)[at] = tanh_near_zero(z.reshape(-1)[at], xs, outs)
    else:
        f[near] = tanh_near_zero(z[near], xs, outs)


def _relu_into(z, f, d, w1, w2) -> None:
    np.maximum(z, 0.0, out=f)
    np.greater(z, 0.0, out=d)


def _gelu_into(z, f, d, w1, w2) -> None:
    phi = ndtr(z)
    np.multiply(z, npdf(z), out=d)
    np.add(phi, d, out=d)
    np.multiply(z, phi, out=f)


def _silu_into(z, f, d, w1, w2) -> None:
    _sigmoid_into(z, f, d, w1, w2)
    np.multiply(z, d, out=d)
    np.add(f, d, out=d)
    np.multiply(z, f, out=f)


FUSED = {
    "sigmoid": _sigmoid_into, "tanh": _tanh_into, "relu": _relu_into, "gelu": _gelu_into,
    "silu": _silu_into,
}
#: kernels that allocate nothing of z's size; the others (registry functions, gelu's erfc tables)
#: make temporaries, up to ~20 per element, so they run on blocks of at most this many elements
_IN_PLACE = frozenset({"sigmoid", "tanh", "relu", "silu"})


def f_and_df_into(act: Activation, z, f, d, w1, w2) -> None:
    """f ← f(z), d ← f'(z) (equal to ``act.f(z), act.df(z)``); w1, w2 are scratch of z's shape."""
    fused = FUSED.get(act.name)
    if act.name in _IN_PLACE:
        fused(z, f, d, w1, w2)
        return
    zf, ff, df_, w1f, w2f = (a.reshape(-1) for a in (z, f, d, w1, w2))
    for i in range(0, zf.size, BLOCK):
        j = slice(i, i + BLOCK)
        if fused is not None:
            fused(zf[j], ff[j], df_[j], w1f[j], w2f[j])
        else:
            ff[j] = act.f(zf[j])
            df_[j] = act.df(zf[j])

