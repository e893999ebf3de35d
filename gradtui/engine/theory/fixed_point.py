"""Order/chaos theory of the plain chain: the mean-field fixed point, χ₁, depth scale, critical σ_w.

**Mean-field fixed point** (Poole et al. 2016; Schoenholz et al. 2017, "Deep Information
Propagation"). In a deep plain network the pre-activation variance settles at the fixed point of

    q* = σ_w²·V(q̂*) + σ_b²            V(q) = E[f(z)²], z ~ N(0, q)   (q̂ = q, or q/(q+ε) under layer norm)

and every layer then multiplies the mean squared gradient by

    χ₁ = σ_w²·D(q̂*)·n(q*)             D(q) = E[f'(z)²],  n = 1/(q+ε) under layer norm, else 1.

In DESIGN §2's terms the per-layer **factor** is √χ₁ (plain network), so the gradient norm changes by
10× every ``layers_per_decade = 2·ln 10 / |ln χ₁|`` layers, and the **depth scale** of the squared
gradient is ``ξ = −1/ln χ₁`` (Schoenholz's ξ_∇): E[grad²] ∝ e^{−l/ξ}. χ₁ < 1 is the *ordered* phase
(gradients vanish), χ₁ > 1 the *chaotic* phase (they explode; ξ < 0 and |ξ| is the scale of growth),
χ₁ = 1 the *critical* line (ξ = ∞). These numbers describe the plain chain; a residual skip makes
every factor √(1 + α²χ) ≥ 1, so a residual net has no ordered phase (see :func:`theory_summary`).

The fixed point is solved in u = ln q by bracketing + bisection started from q₁ = σ_w² + σ_b² (the
first layer's variance, inputs of unit variance), stepping in the direction the recursion moves, so
the root found is the one the network actually converges to. q* = 0 exactly when no root lies above
q = 1e-12 and F(0) = 0 (tanh at σ_b = 0, σ_w ≤ 1, where plain iteration would crawl like 1/l); there
χ₁ = σ_w²·f'(0)². q* = ∞ when the variance grows without bound (relu above σ_w² = 2, linear at
σ_w ≥ 1 with a bias); there χ₁ is the large-q limit σ_w²·D(∞).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..config import Config
from ..expected import MeanFieldTables, tables
from ..inits import INITS
from ..norms import NORMALISATIONS, Normalisation
from ..result import _num
from ..special import logaddexp

LN10 = math.log(10.0)
#: |G(u)| (in ln q) and |ln χ₁| below this count as exactly zero: the tables are accurate to ~1e-13
_TOL = 1e-12
#: the fixed-point search stops here (q = e^±700): beyond is q* = ∞ (and q* = 0 below, see _floor)
_U_HI = 700.0
#: bracketing steps in u: fine first (so two close roots are not stepped over), then doubling
_STEPS = (0.5,) * 24 + tuple(2.0**k for k in range(0, 11))
_BISECTIONS = 64


def _u_end(t: MeanFieldTables) -> float:
    """ln q of the tables' last node (1e12): D(q) there is its large-q limit to ~1e-6."""
    return t.log_d.u0 + (t.log_d.n - 1) * t.log_d.h


def _log_map(t: MeanFieldTables, lsw2, lsb2, u, norm: Normalisation):
    """ln F(e^u), F(q) = σ_w²·V(q̂) + σ_b²."""
    uh = norm.log_seen(u)
    return np.logaddexp(lsw2 + t.log_v(uh), lsb2)


def _log_chi(t: MeanFieldTables, lsw2, u, norm: Normalisation):
    """ln χ(q) = ln σ_w² + ln D(q̂) (− ln(q+ε) under layer norm); u may be ±inf.

    At q = 0 this is the limit q → 0⁺: exactly f'(0)² for f smooth at 0, D at the tables' first
    node (q = 1e-12) for f with a kink there (relu's limit is ½, not f'(0)² = 0). At q = ∞ it is
    D's large-q limit (the tables' last node, q = 1e12).
    """
    # a kink at 0 makes f'(0)² the wrong limit; there use the first node (q = 1e-12) for q → 0⁺
    u0 = t.log_d.u0 if 0.0 in ACTIVATIONS[t.activation].kinks else -np.inf
    uh = norm.log_seen(u)
    lchi = lsw2 + t.log_d(np.where(np.isposinf(uh), _u_end(t), np.maximum(uh, u0)))
    return lchi if norm.identity else lchi + norm.log_gain2(u)


def _sign(g):
    return np.where(g > _TOL, 1, np.where(g < -_TOL, -1, 0))


def _solve(t: MeanFieldTables, lsw2, lsb2, norm: Normalisation) -> np.ndarray:
    """ln q* for every (ln σ_w², ln σ_b²) pair (1-d arrays): -inf for q* = 0, +inf for q* = ∞."""
    lsw2 = np.asarray(lsw2, float)
    lsb2 = np.asarray(lsb2, float)
    n = lsw2.shape[0]
    out = np.full(n, np.nan)
    # no weights: F is the constant σ_b²
    flat = np.isneginf(lsw2)
    out[flat] = lsb2[flat]
    # below `floor` the tables extrapolate; a root can only lie there when F(0) > 0, and then
    # F(q) ≥ F(0) puts it at or above ln F(0)
    act_f0 = float(ACTIVATIONS[t.activation].f(np.zeros(1))[0])
    l_f0 = np.logaddexp(lsw2 + (2.0 * math.log(abs(act_f0)) if act_f0 != 0 else -np.inf), lsb2)
    floor = np.maximum(np.where(np.isneginf(l_f0), t.log_v.u0, np.minimum(t.log_v.u0, l_f0 - 1.0)), -_U_HI)
    live = ~flat
    g = lambda u, i: _log_map(t, lsw2[i], lsb2[i], u, norm) - u  # noqa: E731
    idx = np.flatnonzero(live)
    u1 = np.logaddexp(lsw2[idx], lsb2[idx])
    s1 = _sign(g(u1, idx))
    out[idx[s1 == 0]] = u1[s1 == 0]
    # bracket: lo has G > 0, hi has G < 0; walk from u1 in the direction the recursion moves
    lo = np.where(s1 > 0, u1, np.nan)
    hi = np.where(s1 < 0, u1, np.nan)
    walking = s1 != 0
    direction = s1.astype(float)  # +1: q grows towards q*, -1: q shrinks
    for step in _STEPS:
        if not walking.any():
            break
        w = np.flatnonzero(walking)
        prev = np.where(direction[w] > 0, lo[w], hi[w])
        nxt = prev + direction[w] * step
        up = direction[w] > 0
        over = np.where(up, nxt >= _U_HI, nxt <= floor[idx[w]])
        nxt = np.where(up, np.minimum(nxt, _U_HI), np.maximum(nxt, floor[idx[w]]))
        sg = _sign(g(nxt, idx[w]))
        hit = sg == 0
        out[idx[w[hit]]] = nxt[hit]
        crossed = (sg == -direction[w]) & ~hit
        # moving up, the new point has G < 0 (it is hi); moving down, it has G > 0 (it is lo)
        hi[w] = np.where(up, np.where(crossed, nxt, hi[w]), np.where(crossed, hi[w], nxt))
        lo[w] = np.where(up, np.where(crossed, lo[w], nxt), np.where(crossed, nxt, lo[w]))
        done = hit | crossed
        ran_out = over & ~done
        out[idx[w[ran_out & up]]] = np.inf
        out[idx[w[ran_out & ~up]]] = -np.inf
        walking[w[done | ran_out]] = False
    if walking.any():  # the schedule covers ±_U_HI from anywhere; this is a safety net
        w = np.flatnonzero(walking)
        out[idx[w]] = np.where(direction[w] > 0, np.inf, -np.inf)
    need = np.flatnonzero(np.isnan(out[idx]))
    if need.size:
        a, b = lo[need], hi[need]
        for _ in range(_BISECTIONS):
            mid = 0.5 * (a + b)
            sg = _sign(g(mid, idx[need]))
            a = np.where(sg > 0, mid, a)
            b = np.where(sg < 0, mid, b)
            exact = sg == 0
            a = np.where(exact, mid, a)
            b = np.where(exact, mid, b)
            if np.all(b - a <= 1e-15 * np.maximum(1.0, np.abs(a))):
                break
        out[idx[need]] = 0.5 * (a + b)
    return out


def _fixed_point_arrays(activation: str, sigma_w2, sigma_b2, norm: str = "none"):
    """(ln q*, ln χ₁) broadcast over σ_w², σ_b² arrays."""
    t = tables(activation, 0.0)  # the key compute_expected uses at bias mean 0: one table build
    sw2, sb2 = np.broadcast_arrays(np.asarray(sigma_w2, float), np.asarray(sigma_b2, float))
    shape = sw2.shape
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        lsw2 = np.log(sw2.ravel())
        lsb2 = np.log(sb2.ravel())
        lq = _solve(t, lsw2, lsb2, NORMALISATIONS[norm])
        lchi = _log_chi(t, lsw2, lq, NORMALISATIONS[norm])
        lchi = np.where(np.abs(lchi) <= _TOL, 0.0, lchi)  # χ₁ = 1 to the tables' accuracy
    return lq.reshape(shape), lchi.reshape(shape)


@lru_cache(maxsize=None)
def _f0(activation: str) -> float:
    """f(0) of an activation (a NumPy call, once per activation)."""
    return float(ACTIVATIONS[activation].f(np.zeros(1))[0])


def _fixed_point_scalar(activation: str, sigma_w2: float, sigma_b2: float,
                        norm: str = "none") -> tuple[float, float]:
    """(ln q*, ln χ₁) for one (σ_w², σ_b²): :func:`_solve` and :func:`_log_chi` in Python floats.

    The same walk, bracket and bisection step for step (the status line solves one config per
    keypress; NumPy's per-call overhead on one-element arrays was nearly all of its time). The
    infinite ends of ln q* go through the array functions, which define them.
    """
    t = tables(activation, 0.0)
    nm = NORMALISATIONS[norm]
    lsw2 = math.log(sigma_w2) if sigma_w2 > 0 else -math.inf
    lsb2 = math.log(sigma_b2) if sigma_b2 > 0 else -math.inf
    log_v, seen = t.log_v.scalar_function(), nm.log_seen_scalar

    def g(u: float) -> float:
        return logaddexp(lsw2 + log_v(seen(u)), lsb2) - u

    lq = lsb2 if lsw2 == -math.inf else _walk_and_bisect(g, lsw2, lsb2, t, activation)
    if not math.isfinite(lq):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            lchi = float(_log_chi(t, lsw2, np.array([lq]), nm)[0])
    else:
        u0 = t.log_d.u0 if 0.0 in ACTIVATIONS[activation].kinks else -math.inf
        lchi = lsw2 + t.log_d.scalar(max(seen(lq), u0))
        if not nm.identity:
            lchi += float(nm.log_gain2(lq))
    return lq, (0.0 if abs(lchi) <= _TOL else lchi)


def _sign1(g: float) -> int:
    return 1 if g > _TOL else (-1 if g < -_TOL else 0)


def _walk_and_bisect(g, lsw2: float, lsb2: float, t: MeanFieldTables, activation: str) -> float:
    """ln q* of one pair with weights (see :func:`_solve`, whose steps this repeats)."""
    f0 = _f0(activation)
    l_f0 = logaddexp(lsw2 + (2.0 * math.log(abs(f0)) if f0 != 0 else -math.inf), lsb2)
    floor = max(t.log_v.u0 if l_f0 == -math.inf else min(t.log_v.u0, l_f0 - 1.0), -_U_HI)
    u1 = logaddexp(lsw2, lsb2)
    direction = _sign1(g(u1))
    if direction == 0:
        return u1
    lo, hi = (u1, math.nan) if direction > 0 else (math.nan, u1)
    for step in _STEPS:
        up = direction > 0
        nxt = (lo if up else hi) + direction * step
        over = nxt >= _U_HI if up else nxt <= floor
        nxt = min(nxt, _U_HI) if up else max(nxt, floor)
        sg = _sign1(g(nxt))
        if sg == 0:
            return nxt
        crossed = sg == -direction
        if up == crossed:  # moving up, a crossing is hi; moving down, a point not crossed is
            hi = nxt
        else:
            lo = nxt
        if crossed:
            break
        if over:
            return math.inf if up else -math.inf
    else:
        return math.inf if direction > 0 else -math.inf
    a, b = lo, hi
    for _ in range(_BISECTIONS):
        mid = 0.5 * (a + b)
        sg = _sign1(g(mid))
        if sg > 0:
            a = mid
        elif sg < 0:
            b = mid
        else:
            a = b = mid
        if b - a <= 1e-15 * max(1.0, abs(a)):
            break
    return 0.5 * (a + b)


def fixed_point_q(activation: str, sigma_w2: float, sigma_b2: float, norm: str = "none") -> float:
    """The variance q* the plain network's pre-activations settle at (0.0 or inf at the ends).

    Starts from layer 1's q₁ = σ_w² + σ_b² and follows the direction the recursion moves, so the
    fixed point returned is the one the network converges to (for tanh at σ_b = 0, σ_w > 1 that is
    the stable q* > 0, not the unstable q = 0).
    """
    lq, _ = _fixed_point_arrays(activation, sigma_w2, sigma_b2, norm)
    with np.errstate(over="ignore", under="ignore"):
        return float(np.exp(lq))


def chi1(activation: str, sigma_w2: float, sigma_b2: float, norm: str = "none") -> float:
    """χ₁ = σ_w²·E[f'(z)²] at the fixed point q* (layer norm: σ_w²·D(q̂*)/(q*+ε)).

    Exactly 1.0 when within 1e-12 of it (the quadrature tables' accuracy), so relu at σ_w² = 2 is
    critical. The per-layer gradient factor of the plain network is √χ₁.
    """
    _, lchi = _fixed_point_arrays(activation, sigma_w2, sigma_b2, norm)
    with np.errstate(over="ignore", under="ignore"):
        return float(np.exp(lchi))


def depth_scale(chi: float) -> float:
    """ξ = −1/ln χ₁: the squared gradient goes like e^{−l/ξ}.

    inf at χ₁ = 1 (critical), positive in the ordered phase (decay), negative in the chaotic phase
    (growth with scale |ξ|), 0.0 at χ₁ = 0 (nothing gets through).
    """
    if chi <= 0.0:
        return 0.0
    lc = math.log(chi)
    return math.inf if lc == 0.0 else -1.0 / lc


def layers_per_decade(chi: float) -> float:
    """Layers over which the gradient *norm* changes 10×: 2·ln 10 / |ln χ₁| = 2·ln 10·|ξ|.

    The norm changes by the factor √χ₁ per layer (DESIGN §2's factor), so it falls (χ₁ < 1) or grows
    (χ₁ > 1) 10× every 2·ln 10/|ln χ₁| layers; inf at χ₁ = 1, 0.0 at χ₁ = 0.
    """
    if chi <= 0.0:
        return 0.0
    lc = abs(math.log(chi))
    return math.inf if lc == 0.0 else 2.0 * LN10 / lc


def phase_of(chi: float) -> str:
    if chi == 1.0:
        return "critical"
    return "ordered" if chi < 1.0 else "chaotic"


#: critical σ_w is searched for on this ln σ_w range (σ_w from 1e-3 to 1e4)
_CRIT_LOG_SW = np.linspace(math.log(1e-3), math.log(1e4), 241)


@lru_cache(maxsize=256)
def critical_sigma_w(activation: str, sigma_b2: float, norm: str = "none") -> float | None:
    """The smallest σ_w (RMS weight gain √σ_w²) with χ₁(σ_w) = 1 at this σ_b², or None.

    Found by scanning ln σ_w over [1e-3, 1e4] for the first sign change of ln χ₁ and bisecting. For
    tanh it is 1 at σ_b = 0 (χ₁ = σ_w² while q* = 0) and rises with σ_b. For relu-type activations
    χ₁ = σ_w²·D does not depend on q*, so the answer is the same for every σ_b (√2 for relu). None
    when χ₁ never crosses 1 on the range — with layer norm and σ_b = 0, for instance, χ₁ does not
    depend on σ_w at all.
    """
    lsw = _CRIT_LOG_SW
    _, lchi = _fixed_point_arrays(activation, np.exp(2.0 * lsw), sigma_b2, norm)
    above = lchi >= 0.0
    if above[0] or not above.any():
        return None
    k = int(np.argmax(above))  # first node with χ₁ ≥ 1; the one before has χ₁ < 1
    a, b = float(lsw[k - 1]), float(lsw[k])
    la, lb = float(lchi[k - 1]), float(lchi[k])
    for _ in range(4):  # refine the bracket 31× per round, vectorised
        grid = np.linspace(a, b, 33)[1:-1]
        _, lc = _fixed_point_arrays(activation, np.exp(2.0 * grid), sigma_b2, norm)
        nodes = np.concatenate([[a], grid, [b]])
        vals = np.concatenate([[la], lc, [lb]])
        j = int(np.argmax(vals >= 0.0))
        a, b, la, lb = float(nodes[j - 1]), float(nodes[j]), float(vals[j - 1]), float(vals[j])
    # ln χ₁ is smooth on the last bracket (~1e-8 wide in ln σ_w): interpolate the crossing
    frac = la / (la - lb) if lb != la else 1.0
    return math.exp(a + min(max(frac, 0.0), 1.0) * (b - a))


def theory_summary(config: Config, *, critical: bool = True) -> dict[str, Any]:
    """The ``"theory"`` object of ``--json --theory``: the fixed-point numbers of this config.

    Keys: ``chi1``, ``log10_chi1``, ``factor_per_layer`` (√χ₁), ``depth_scale`` (ξ; null = ∞ at
    criticality), ``layers_per_decade`` (null = ∞), ``phase``, ``q_star`` (null = ∞),
    ``critical_sigma_w`` and ``critical_weight_scale`` (the weight_scale that puts this init on the
    critical line; null when there is none), ``sigma_w``, ``sigma_b``, ``applies_to`` and ``note``.
    ``critical=False`` skips the critical-σ_w search (a few ms instead of ~30 ms the first time per
    activation and σ_b) and leaves those two keys null.
    """
    if NORMALISATIONS[config.norm].couples_batch:
        return batchnorm_summary(config)
    sw2, sb2 = config.sigma_w2, config.sigma_b2
    lq, lchi = _fixed_point_scalar(config.activation, sw2, sb2, config.norm)
    with np.errstate(over="ignore", under="ignore"):
        chi = math.exp(lchi)
    crit = critical_sigma_w(config.activation, sb2, config.norm) if critical else None
    base = INITS[config.init].sigma_w2(config.width)
    crit_scale = crit / math.sqrt(base) if crit is not None and base > 0 else None
    xi = depth_scale(chi)
    lpd = layers_per_decade(chi)
    if config.residual:
        applies, note = "plain", (
            "fixed-point theory of the plain network; with the residual skip every layer's factor "
            "is sqrt(1 + alpha^2 chi) >= 1, so gradients cannot vanish"
        )
    else:
        applies = "plain+layer_norm" if config.norm == "layer" else "plain"
        if chi == 1.0:
            note = "critical: the gradient keeps its size through any depth"
        elif chi < 1.0:
            note = f"ordered: the gradient falls 10x every {lpd:.3g} layers" if lpd > 0 else (
                "ordered: no gradient gets through a layer")
        else:
            note = f"chaotic: the gradient grows 10x every {lpd:.3g} layers"
    return {
        "chi1": _num(chi),
        "log10_chi1": _num(lchi / LN10) if lchi != -math.inf else None,
        "factor_per_layer": _num(math.sqrt(chi)),
        "depth_scale": _num(xi),
        "layers_per_decade": _num(lpd),
        "phase": phase_of(chi),
        "q_star": _num(math.exp(lq)) if lq < 709 else None,
        "critical_sigma_w": crit,
        "critical_weight_scale": crit_scale,
        "sigma_w": math.sqrt(sw2),
        "sigma_b": config.sigma_b,
        "applies_to": applies,
        "note": note,
    }


def batchnorm_summary(config: Config) -> dict[str, Any]:
    """:func:`theory_summary` under batch norm: its rate λ(B) replaces the fixed point's χ₁.

    The same keys (χ₁ is λ, the growth of the squared gradient norm per plain layer; there is no
    q* and no critical σ_w, since σ_w and σ_b drop out), plus ``batchnorm_lambda``, ``batch`` and
    ``batchnorm_depth_scale`` = 1/ln λ, the layers over which the squared norm grows e-fold.
    """
    from ..batchnorm import bn_lambda

    lam = bn_lambda(config.activation, config.batch)
    lpd = layers_per_decade(lam)
    if config.residual:
        note = ("batch norm with the residual skip: each layer's factor is sqrt(1 + alpha^2 chi) with "
                "chi shrinking as the skip's variance grows, so the explosion is tamed")
    elif lam == 0.0:
        note = "batch 2: the normalised batch is +-(1, -1) whatever the input; no gradient gets through"
    else:
        note = (f"batch norm: the gradient grows {math.sqrt(lam):.3g}x per layer at batch "
                f"{config.batch} (10x every {lpd:.3g} layers), whatever sigma_w and sigma_b")
    return {
        "chi1": _num(lam),
        "log10_chi1": _num(math.log10(lam)) if lam > 0 else None,
        "factor_per_layer": _num(math.sqrt(lam)),
        "depth_scale": _num(depth_scale(lam)),
        "layers_per_decade": _num(lpd),
        "phase": phase_of(lam),
        "q_star": None,
        "critical_sigma_w": None,
        "critical_weight_scale": None,
        "sigma_w": math.sqrt(config.sigma_w2),
        "sigma_b": config.bias_std,
        "applies_to": "plain+batch_norm",
        "note": note,
        "batch": config.batch,
        "batchnorm_lambda": _num(lam),
        "batchnorm_depth_scale": _num(1.0 / math.log(lam)) if 0.0 < lam != 1.0 else None,
    }
