"""Activation kernels of the layer step: f(z) and f'(z) written into preallocated arrays.

Each fused kernel shares the costly parts of f and f' and allocates nothing; each is bit-identical
to the registry's ``f`` and ``df`` (tested), just faster. :func:`f_and_df_into` is the one entry.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import activations
from .activations import (ACTIVATIONS, TANH_NEAR_X, Activation, sech2_near_zero, tanh_far,
                          tanh_near_zero)
from .special import ndtr, npdf


@lru_cache(maxsize=None)
def max_derivative(name: str) -> float:
    """The largest f' of an activation, from a dense grid (once per activation)."""
    grid = np.linspace(-40.0, 40.0, 160_001)
    with np.errstate(all="ignore"):
        return float(np.max(ACTIVATIONS[name].df(grid)))

#: elements per block for kernels that make temporaries
BLOCK = 1 << 15
#: above this share of entries near zero, tanh's kernel takes the near-zero forms of the whole array
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
    # the registry's tanh (np.tanh with AVX-512, else one exponential shared with f' and the
    # rational form near zero) and its sech²; contiguous arrays go block by block, so what the
    # one-exponential form allocates (a mask and the gathered entries' indices) stays below a
    # block's size
    if activations.native_tanh() or z.size <= BLOCK or not (
            z.flags.c_contiguous and f.flags.c_contiguous and d.flags.c_contiguous
            and w1.flags.c_contiguous and w2.flags.c_contiguous):
        _tanh_block(z, f, d, w1, w2)  # np.tanh's way allocates nothing: no blocks needed
        return
    zf, ff, df_, w1f, w2f = (a.reshape(-1) for a in (z, f, d, w1, w2))
    for i in range(0, zf.size, BLOCK):
        j = slice(i, i + BLOCK)
        _tanh_block(zf[j], ff[j], df_[j], w1f[j], w2f[j])


def _tanh_block(z, f, d, w1, w2) -> None:
    """f, d ← tanh z, sech² z. With np.tanh (AVX-512): sech² from one exponential everywhere,
    which such a CPU takes in a fraction of a pass. Otherwise, near zero (|z| < 1/4) tanh is the
    rational form and sech² is 1 − tanh²; elsewhere both come from one exponential. Where most
    entries are near zero (the narrowing forward signal of a deep plain tanh net) the near-zero
    forms take the whole array and the others only the gathered entries away from zero, so no
    exponential is taken where none is needed; where few are, the other way round. The same
    values either way: every form is entry by entry."""
    if activations.native_tanh():
        np.tanh(z, out=f)
        tanh_far(z, w1, w2, None, d)
        return
    flat = z.flags.c_contiguous and f.flags.c_contiguous and d.flags.c_contiguous
    near = np.less(np.multiply(z, z, out=w1), TANH_NEAR_X)  # |z| < 1/4
    count = np.count_nonzero(near)
    if count > NEAR_WHOLE * near.size:
        tanh_near_zero(z, w1, w2, f, squared=True)
        sech2_near_zero(f, d)
        if count < near.size:
            _far_where(z, f, d, np.logical_not(near, out=near), near.size - count, flat, w1, w2)
        return
    tanh_far(z, w1, w2, f, d)
    if count:
        _near_where(z, f, d, near, count, flat, w1, w2)


def _gathered(z, mask, count, flat, x):
    """(the entries of z where ``mask``, their flat indices or None) with the entries in
    ``x[:count]`` (x: scratch of z's shape); indices where the arrays are contiguous (``flat``:
    ~5× boolean indexing)."""
    xs = _scratch(x, count, 0)
    if flat:
        at = np.flatnonzero(mask)
        return np.take(z.reshape(-1), at, out=xs), at
    xs[...] = z[mask]
    return xs, None


def _put(a, mask, at, values) -> None:
    if at is None:
        a[mask] = values
    else:
        a.reshape(-1)[at] = values


def _scratch(w, count: int, k: int):
    """The k-th run of ``count`` entries of the scratch array w (count ≤ half of w)."""
    if w.flags.c_contiguous:
        return w.reshape(-1)[k * count:(k + 1) * count]
    return np.empty(count)


def _far_where(z, f, d, far, count, flat, w1, w2) -> None:
    zs, at = _gathered(z, far, count, flat, w1)
    u, q, fs = _scratch(w2, count, 0), _scratch(w2, count, 1), _scratch(w1, count, 1)
    tanh_far(zs, u, q, fs, u)
    _put(f, far, at, fs)
    _put(d, far, at, u)


def _near_where(z, f, d, near, count, flat, w1, w2) -> None:
    zs, at = _gathered(z, near, count, flat, w1)
    fs = tanh_near_zero(zs, _scratch(w1, count, 1), _scratch(w2, count, 1), _scratch(w2, count, 0))
    _put(f, near, at, fs)
    _put(d, near, at, sech2_near_zero(fs, _scratch(w1, count, 1)))


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

