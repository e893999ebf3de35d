"""Why the bars vanish or explode: order/chaos theory and the input–output Jacobian spectrum.

Two pieces, NumPy only (DESIGN §6):

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

**Jacobian spectrum** (Pennington et al. 2017, "Resurrecting the sigmoid … dynamical isometry"). The
singular values of ∂h_L/∂h_0 of one sampled network at one input. Deep products of random matrices
have singular values spread over hundreds of decades, far beyond what a formed product in float64
can resolve (it bottoms out at ~1e-16 of the largest), so the product is never formed. Instead a
QR ("Lyapunov") frame is carried through the layers, J = Q_L·R_L⋯R_1; the triangular product
P = R_L⋯R_1 is kept as diag(e^s)·T with per-row log scales (triangular factors only mix a row with
the smaller rows below it, so nothing is swamped), and P's singular values come from a one-sided
Jacobi SVD that also works on the log scales, which resolves ratios of any size. Rows that are exactly
zero (dead relu units) and layer norm's exact null direction are dropped from the frame, so those
singular values are exact zeros rather than rounding noise.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .config import Config
from .expected import MeanFieldTables, log10_grad_first_grid, tables
from .inits import INITS
from .norms import NORMALISATIONS, Normalisation
from .result import _num, _pow10

LN10 = math.log(10.0)
#: |G(u)| (in ln q) and |ln χ₁| below this count as exactly zero: the tables are accurate to ~1e-13
_TOL = 1e-12
#: the fixed-point search stops here (q = e^±700): beyond is q* = ∞ (and q* = 0 below, see _floor)
_U_HI = 700.0
#: bracketing steps in u: fine first (so two close roots are not stepped over), then doubling
_STEPS = (0.5,) * 24 + tuple(2.0**k for k in range(0, 11))
_BISECTIONS = 64
#: singular values within e^this of each other are found by LAPACK's SVD (checked), else by Jacobi
_FAST_SPAN = 600.0


# ---------------------------------------------------------------------------------------------
# The mean-field fixed point, vectorised over (σ_w², σ_b²)
# ---------------------------------------------------------------------------------------------
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
    t = tables(activation)
    sw2, sb2 = np.broadcast_arrays(np.asarray(sigma_w2, float), np.asarray(sigma_b2, float))
    shape = sw2.shape
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        lsw2 = np.log(sw2.ravel())
        lsb2 = np.log(sb2.ravel())
        lq = _solve(t, lsw2, lsb2, NORMALISATIONS[norm])
        lchi = _log_chi(t, lsw2, lq, NORMALISATIONS[norm])
        lchi = np.where(np.abs(lchi) <= _TOL, 0.0, lchi)  # χ₁ = 1 to the tables' accuracy
    return lq.reshape(shape), lchi.reshape(shape)


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
    sw2, sb2 = config.sigma_w2, config.bias_std**2
    lq, lchi = _fixed_point_arrays(config.activation, sw2, sb2, config.norm)
    lq, lchi = float(lq), float(lchi)
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
        "sigma_b": config.bias_std,
        "applies_to": applies,
        "note": note,
    }


# ---------------------------------------------------------------------------------------------
# Phase map: log10 grad_1 over (σ_w, σ_b), with χ₁ for the order/chaos boundary
# ---------------------------------------------------------------------------------------------
#: σ_b ranges of the map's y axis (the smallest that holds the current σ_b is used)
Y_MAXES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


@dataclass(frozen=True, eq=False)
class PhaseMap:
    """log10 grad_1 on a grid: x = σ_w (log scale, nx nodes), y = σ_b (√ scale, ny nodes, row 0 = σ_b 0).

    ``log10_grad[j, i]`` and ``log_chi1[j, i]`` belong to (sigma_w[i], sigma_b[j]). The grid's nodes
    include both ends of each range. ``cursor`` is the (i, j) node nearest the config's setting, or
    None when it is off the map (σ_w = 0: zeros init).
    """

    activation: str
    depth: int
    residual: bool
    residual_scale: float
    norm: str
    sigma_w: np.ndarray
    sigma_b: np.ndarray
    log10_grad: np.ndarray
    log_chi1: np.ndarray
    cursor: tuple[int, int] | None
    cursor_sigma: tuple[float, float]
    critical_sigma_w: float | None
    seconds: float = 0.0

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.sigma_w.size), int(self.sigma_b.size))

    @property
    def x_range(self) -> tuple[float, float]:
        return float(self.sigma_w[0]), float(self.sigma_w[-1])

    @property
    def y_max(self) -> float:
        return float(self.sigma_b[-1])

    def boundary(self) -> np.ndarray:
        """Bool (ny, nx): nodes where χ₁ = 1 lies between this node and its left neighbour, or here.

        Empty for residual networks, whose factors √(1 + α²χ) never fall below 1.
        """
        out = np.zeros(self.log_chi1.shape, dtype=bool)
        if self.residual:
            return out
        lc = self.log_chi1
        out[:, 1:] = (lc[:, 1:] >= 0.0) & (lc[:, :-1] < 0.0)
        out |= lc == 0.0
        return out

    def key(self) -> tuple:
        """What the grid's values depend on (the cursor is not part of it)."""
        return map_key_of(self.activation, self.depth, self.residual, self.residual_scale, self.norm,
                          self.x_range, self.y_max, self.shape)

    def with_cursor(self, config: Config) -> "PhaseMap":
        """The same map with the cursor on ``config``'s (σ_w, σ_b) — no recomputation."""
        cur, sig = cursor_of(config, self.x_range, self.y_max, self.shape)
        return PhaseMap(**{**self.__dict__, "cursor": cur, "cursor_sigma": sig})


def map_key_of(activation, depth, residual, residual_scale, norm, x_range, y_max, shape) -> tuple:
    return (activation, depth, residual, residual_scale if residual else 1.0, norm,
            tuple(round(float(v), 12) for v in x_range), round(float(y_max), 12), tuple(shape))


def map_ranges(config: Config, crit: float | None = None) -> tuple[tuple[float, float], float]:
    """The map's σ_w range and σ_b maximum for ``config``.

    x spans four octaves either side of the critical σ_w at σ_b = 0 (or of σ_w = 1 when there is
    none), on powers of two, widened by octaves until the current σ_w sits inside; y goes up to the
    first of :data:`Y_MAXES` that holds the current σ_b. So moving the cursor inside the map never
    changes the grid (no recomputation), and the boundary is near the middle.
    """
    if crit is None:
        crit = critical_sigma_w(config.activation, 0.0, config.norm)
    centre = round(math.log2(crit)) if crit else 0
    lo, hi = centre - 2, centre + 2
    sw = math.sqrt(config.sigma_w2)
    if sw > 0:
        l2 = math.log2(sw)
        while l2 < lo + 0.25:
            lo -= 1
        while l2 > hi - 0.25:
            hi += 1
    y_max = next((y for y in Y_MAXES if config.bias_std <= y), Y_MAXES[-1])
    return (2.0**lo, 2.0**hi), y_max


def _axes(x_range, y_max, shape):
    nx, ny = shape
    sigma_w = np.exp(np.linspace(math.log(x_range[0]), math.log(x_range[1]), nx))
    sigma_b = y_max * np.linspace(0.0, 1.0, ny) ** 2
    return sigma_w, sigma_b


def cursor_of(config: Config, x_range, y_max, shape):
    """The grid node (i, j) nearest the config's (σ_w, σ_b), or None; and (σ_w, σ_b) themselves."""
    nx, ny = shape
    sw, sb = math.sqrt(config.sigma_w2), config.bias_std
    if sw <= 0:
        return None, (sw, sb)
    fx = (math.log(sw) - math.log(x_range[0])) / (math.log(x_range[1]) - math.log(x_range[0]))
    fy = math.sqrt(max(sb, 0.0) / y_max)
    i, j = int(round(fx * (nx - 1))), int(round(fy * (ny - 1)))
    if not (0 <= i < nx and 0 <= j < ny):
        return None, (sw, sb)
    return (i, j), (sw, sb)


def phase_map(
    config: Config,
    nx: int = 60,
    ny: int = 40,
    *,
    x_range: tuple[float, float] | None = None,
    y_max: float | None = None,
) -> PhaseMap:
    """The expected-mode log10 grad_1 over (σ_w, σ_b) for the config's activation, depth, skip and norm.

    One vectorised mean-field recursion over all nx·ny cells (:func:`log10_grad_first_grid`) plus a
    vectorised fixed-point solve for χ₁ (the boundary). Ranges default to :func:`map_ranges`.
    """
    start = time.perf_counter()
    crit = critical_sigma_w(config.activation, 0.0, config.norm)
    if x_range is None or y_max is None:
        xr, ym = map_ranges(config, crit)
        x_range = x_range or xr
        y_max = y_max or ym
    sigma_w, sigma_b = _axes(x_range, y_max, (nx, ny))
    sw2 = (sigma_w**2)[None, :]
    sb2 = (sigma_b**2)[:, None]
    grad = log10_grad_first_grid(
        config.activation, config.depth, sw2, sb2,
        residual=config.residual, residual_scale=config.residual_scale, norm=config.norm,
    )
    _, lchi = _fixed_point_arrays(config.activation, sw2, sb2, config.norm)
    cur, sig = cursor_of(config, x_range, y_max, (nx, ny))
    return PhaseMap(
        activation=config.activation, depth=config.depth, residual=config.residual,
        residual_scale=config.residual_scale, norm=config.norm, sigma_w=sigma_w, sigma_b=sigma_b,
        log10_grad=grad, log_chi1=np.broadcast_to(lchi, grad.shape).copy(), cursor=cur,
        cursor_sigma=sig, critical_sigma_w=crit, seconds=time.perf_counter() - start,
    )


# ---------------------------------------------------------------------------------------------
# Jacobian spectrum of the sampled network
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Spectrum:
    """Singular values of the input→output Jacobian ∂h_L/∂h_0 of one sampled network at one input.

    ``log10_sv`` holds all ``width_used`` values, largest first; exact zeros are -inf. When the
    config's width exceeds ``max_width`` the network is a width-capped copy (same seed and every
    other setting), which ``capped`` and ``note`` say. ``overflow_layer`` is the first layer whose
    forward pass could not be represented (then ``log10_sv`` is empty).
    """

    config: Config
    log10_sv: np.ndarray
    width_used: int
    capped: bool
    overflow_layer: int | None = None
    seconds: float = 0.0
    weights: str = "sampled engine"
    note: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.overflow_layer is None and self.log10_sv.size > 0

    @property
    def zero_count(self) -> int:
        return int(np.count_nonzero(np.isneginf(self.log10_sv)))

    @property
    def log10_max(self) -> float:
        return float(self.log10_sv[0]) if self.ok else math.nan

    @property
    def log10_min(self) -> float:
        return float(self.log10_sv[-1]) if self.ok else math.nan

    @property
    def log10_median(self) -> float:
        if not self.ok:
            return math.nan
        v = np.sort(self.log10_sv)
        n = v.size
        if n % 2:
            return float(v[n // 2])
        a, b = float(v[n // 2 - 1]), float(v[n // 2])
        if a == -math.inf:
            return -math.inf if b == -math.inf else b + math.log10(0.5)
        return float(b + math.log10(0.5 * (1.0 + 10.0 ** (a - b))))  # log10 of the mean of the two

    @property
    def log10_condition(self) -> float:
        """log10(σ_max/σ_min); inf when a singular value is exactly zero."""
        if not self.ok:
            return math.nan
        return self.log10_max - self.log10_min


def spectrum_summary(spec: Spectrum) -> dict[str, Any]:
    """The ``"spectrum"`` object of ``--json --spectrum``.

    min/median/max singular value and the condition number max/min (null when not a float64, e.g.
    an exact zero makes the condition number infinite — ``log10_condition_number`` is then null
    too and ``zero_count`` says why), their log10 forms, ``width_used``/``capped``, ``isometry``
    (every singular value within 1e-6 of 1) and ``note``.
    """
    lmin, lmed, lmax, lcond = spec.log10_min, spec.log10_median, spec.log10_max, spec.log10_condition
    iso = bool(spec.ok and np.all(np.abs(spec.log10_sv) < 1e-6 / LN10))
    return {
        "width_used": spec.width_used,
        "capped": spec.capped,
        "count": int(spec.log10_sv.size),
        "zero_count": spec.zero_count,
        "min": _pow10(lmin),
        "median": _pow10(lmed),
        "max": _pow10(lmax),
        "condition_number": _pow10(lcond),
        "log10_min": _num(lmin) if not math.isnan(lmin) else None,
        "log10_median": _num(lmed) if not math.isnan(lmed) else None,
        "log10_max": _num(lmax) if not math.isnan(lmax) else None,
        "log10_condition_number": _num(lcond) if not math.isnan(lcond) else None,
        "isometry": iso,
        "overflow_layer": spec.overflow_layer,
        "weights": spec.weights,
        "note": spec.note,
    }


def _householder_basis(v: np.ndarray) -> np.ndarray:
    """An n×(n−1) orthonormal basis of v⊥ (Householder reflector's last n−1 columns)."""
    n = v.size
    v = v / np.linalg.norm(v)
    e = np.zeros(n)
    e[0] = 1.0
    sign = 1.0 if v[0] >= 0 else -1.0
    w = v + sign * e
    w /= np.linalg.norm(w)
    h = np.eye(n) - 2.0 * np.outer(w, w)
    return h[:, 1:]


def jacobian_spectrum(config: Config, max_width: int = 256) -> Spectrum:
    """Singular values of ∂h_L/∂h_0 of the sampled network (seed, init, scale, skip, norm of ``config``).

    Layer Jacobians at input sample 0: plain J_l = diag(f'(ẑ_l))·N_l·W_l, residual I + α·(…), with
    N_l layer norm's Jacobian (identity without norm). They are never multiplied out (see the module
    doc): a QR frame is carried through the layers and the triangular factors are accumulated with
    per-row log scales, so a depth-2000 network's spectrum spanning thousands of decades is exact in
    log space. Cost per layer ~ a few N³ flops (N ≤ max_width).
    """
    from . import blas
    from .layer import Layer
    from .lognorm import log10_std
    from .sampled import network

    start = time.perf_counter()
    capped = config.width > max_width
    cfg = config.replace(width=max_width) if capped else config
    n = cfg.width
    step = Layer.of(cfg)
    norm = step.norm
    alpha = cfg.residual_scale
    # the bars' own network (the sampled engine's draws and cache); a capped copy is drawn layer by
    # layer without touching that cache
    with blas.single_thread():  # orthogonal draws are QRs: one thread is far faster on a busy box
        net = network(cfg, hold_weights=False if capped else None)
    note = f"width-capped copy: width {n} instead of {config.width}" if capped else ""

    def done(log10_sv, overflow_layer=None):
        return Spectrum(cfg, log10_sv, n, capped, overflow_layer=overflow_layer,
                        seconds=time.perf_counter() - start, weights="sampled engine", note=note)

    h = np.array(net.x[:1], dtype=float)  # input sample 0, a batch of one; h_l = h·2^k
    k = 0
    frame = np.eye(n)  # N × m, orthonormal columns spanning the image so far
    s = np.zeros(n)  # P = diag(e^s)·T: per-row ln scales of the accumulated triangular factor
    t_mat = np.eye(n)  # m × N, unit rows
    with blas.single_thread(), np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        for layer in range(cfg.depth):
            base = net.base_weight(layer)
            bias = net.bias[layer] if net.bias is not None else None
            z = step.pre_activation(h, base, net.scale, bias, k)
            h, d, stats = step.forward(h, z, d_out=None if step.linear else np.empty_like(z))
            d = np.ones(n) if d is None else d[0]
            _, log2_rms, finite = log10_std(h)
            if not (finite and np.all(np.isfinite(d))):
                return done(np.empty(0), overflow_layer=layer + 1)
            e = step.rescale_exponent(log2_rms)  # exact: f(2^k z) = 2^k f(z), f' unchanged
            if e:
                np.ldexp(h, -e, out=h)
                k += e
            if frame.shape[1] == 0:
                continue
            wq = base @ frame  # N × m
            if net.scale != 1.0:
                wq *= net.scale
            branch = step.tangent(wq, d, z[0], stats)
            if cfg.residual:
                a_mat, basis = frame + alpha * branch, None
            else:
                # the image lies on the live units (f' ≠ 0), and with every unit live also
                # ⊥ diag(f')⁻¹·v when the normalisation's tangents are ⊥ v: drop those exact zeros
                live = np.flatnonzero(d != 0.0)
                normal = norm.image_normal(z[0])
                if normal is not None and live.size == n:
                    basis = _householder_basis(normal / d)
                else:
                    basis = np.zeros((n, live.size))
                    basis[live, np.arange(live.size)] = 1.0
                a_mat = basis.T @ branch
            if a_mat.shape[0] == 0:
                frame, t_mat, s = np.zeros((n, 0)), np.zeros((0, n)), np.zeros(0)
                continue
            # rows sorted by size first: Householder QR is then accurate row by row, so a unit with
            # a tiny f' (a near-null direction of this layer) keeps its relative precision
            order = np.argsort(-np.einsum("ij,ij->i", a_mat, a_mat), kind="stable")
            q, r = np.linalg.qr(a_mat[order])
            q_rows = np.empty_like(q)
            q_rows[order] = q
            frame = q_rows if basis is None else basis @ q_rows
            # P ← R·P, row by row in log scale: no row is swamped by a larger one or overflows
            lr = np.where(r != 0.0, np.log(np.abs(r)) + s[None, :], -np.inf)
            m = lr.max(axis=1)
            m = np.where(np.isfinite(m), m, 0.0)
            t_new = (np.sign(r) * np.exp(lr - m[:, None])) @ t_mat
            nr = np.sqrt(np.einsum("ij,ij->i", t_new, t_new))
            live_rows = nr > 0
            s = np.where(live_rows, m + np.log(np.where(live_rows, nr, 1.0)), -np.inf)
            t_mat = t_new / np.where(live_rows, nr, 1.0)[:, None]
        log_sv = _log_sv(s, t_mat)
    zeros = np.full(n - log_sv.size, -np.inf)
    return done(np.concatenate([np.sort(log_sv)[::-1] / LN10, zeros]))


def _round_robin(k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rounds of disjoint pairs covering every pair of 0..k-1 once (circle method); -1 = bye."""
    players = list(range(k)) + ([-1] if k % 2 else [])
    m = len(players)
    rounds = []
    for _ in range(m - 1):
        p = np.array(players[: m // 2])
        q = np.array(players[m // 2:][::-1])
        keep = (p >= 0) & (q >= 0)
        rounds.append((p[keep], q[keep]))
        players = [players[0], players[-1], *players[1:-1]]
    return rounds


def _ln_abs_sinh(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    big = ax > 20.0
    small = np.log(np.abs(np.sinh(np.where(big, 0.0, x))))
    return np.where(big, ax - math.log(2.0), small)


def _ln_inv_t(ln_zeta: np.ndarray) -> np.ndarray:
    """asinh(|ζ|) = −ln|t| from ln|ζ|, without overflow."""
    big = ln_zeta > 20.0
    small = np.arcsinh(np.exp(np.where(big, 0.0, ln_zeta)))
    return np.where(big, ln_zeta + math.log(2.0), small)


def _log_sv(s: np.ndarray, t_rows: np.ndarray) -> np.ndarray:
    """Natural-log singular values of P = diag(e^s)·T (T's rows of unit norm; s may be -inf).

    Preconditioned as in Drmač–Veselić: with the rows sorted by s (largest first), Tᵀ = Q·R̂ by an
    ordinary QR, so Pᵀ = Q·R̂·diag(e^s) and P's singular values are those of R = R̂·diag(e^s). R's
    rows, each kept as e^{s_i}·(R̂_ij·e^{s_j − s_i}) (bounded entries: s_j ≤ s_i for j ≥ i), are
    then orthogonalised by the log-scaled Jacobi below; a graded R's rows are nearly orthogonal
    already, so that takes few sweeps.
    """
    alive = np.isfinite(s)
    s, t_rows = s[alive], t_rows[alive]
    if s.size == 0:
        return np.empty(0)
    order = np.argsort(-s, kind="stable")
    s, t_rows = s[order], t_rows[order]
    r = np.linalg.qr(t_rows.T, mode="r")  # k × k (T has k ≤ N rows)
    k = s.size
    rel = np.exp(np.minimum(s[None, :] - s[:, None], 0.0))  # e^{s_j − s_i}, ≤ 1 for j ≥ i
    rows = np.triu(r[:k, :k]) * rel
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    ok = norms > 0
    scale = np.where(ok, s + np.log(np.where(ok, norms, 1.0)), -np.inf)
    rows = rows / np.where(ok, norms, 1.0)[:, None]
    # fast path: when R fits float64 (sizes within e^600), LAPACK's SVD of this graded triangle is
    # accurate in practice; it is taken when it passes a check the small values would fail if it
    # were not: Σ ln σ_i = ln|det R| = Σ ln|R̂_ii| + Σ s_i (else: the Jacobi below, which always is)
    if np.all(ok) and scale.max() - scale.min() < _FAST_SPAN:
        sv = np.linalg.svd(rows * np.exp(scale - scale.max())[:, None], compute_uv=False)
        if sv[-1] > 0:
            ln_sv = np.log(sv) + scale.max()
            ln_det = float(np.sum(np.log(np.abs(np.diagonal(r)[:k]))) + np.sum(s))
            if sv[-1] >= 1e-6 * sv[0] or abs(float(np.sum(ln_sv)) - ln_det) <= 1e-9 * k:
                return ln_sv
    return _jacobi_log_sv(scale, rows)


def _jacobi_log_sv(s: np.ndarray, y: np.ndarray, max_sweeps: int = 60) -> np.ndarray:
    """Natural-log singular values of the matrix whose rows are e^{s_k}·y[k] (y with unit rows).

    One-sided (Hestenes) Jacobi with the round-robin ordering, vectorised over each round's disjoint
    row pairs, done on the log scales: two rows e^{s_p}·y_p, e^{s_q}·y_q are rotated with
    tan θ = sign(ζ)/(|ζ| + √(1+ζ²)), ζ = (√(AB)/G)·sinh(d + ½ ln(B/A)) (A, B, G the dot products of
    y_p, y_q; d = s_q − s_p), and the updates y_p' = cos θ·y_p − (sin θ·e^{d})·y_q,
    y_q' = (sin θ·e^{−d})·y_p + cos θ·y_q only ever need O(1) numbers, whatever the size of d.
    Accurate to a few ulps per singular value when the unit rows are well conditioned, whatever the
    spread of the scales. Rows with s = -inf are exact zeros.
    """
    k = y.shape[0]
    if k == 0:
        return np.empty(0)
    y = np.ascontiguousarray(y, dtype=float).copy()
    s = s.astype(float).copy()
    rows = np.flatnonzero(np.isfinite(s))
    if rows.size > 1:
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            _jacobi_sweeps(s, y, rows, max_sweeps)
    return s


def _jacobi_sweeps(s: np.ndarray, y: np.ndarray, rows: np.ndarray, max_sweeps: int) -> None:
    """The sweeps of :func:`_jacobi_log_sv`, in place on ``s`` and ``y``."""
    tol = max(y.shape[1], 2) * np.finfo(float).eps
    rounds = [(rows[p], rows[q]) for p, q in _round_robin(rows.size)]
    for _ in range(max_sweeps):
        rotated = False
        for p, q in rounds:
            yp, yq = y[p], y[q]
            g = np.einsum("ij,ij->i", yp, yq)
            a = np.einsum("ij,ij->i", yp, yp)
            b = np.einsum("ij,ij->i", yq, yq)
            act = np.abs(g) > tol * np.sqrt(a * b)
            if not act.any():
                continue
            rotated = True
            if not act.all():
                p, q, a, b, g, yp, yq = p[act], q[act], a[act], b[act], g[act], yp[act], yq[act]
            d = s[q] - s[p]
            xx = d + 0.5 * np.log(b / a)
            kappa = np.sqrt(a * b) / np.abs(g)  # ≥ 1
            sign = np.sign(g) * np.where(xx >= 0, 1.0, -1.0)  # sign of ζ (ζ = 0 → t = +1)
            ln_t = -_ln_inv_t(np.log(kappa) + _ln_abs_sinh(xx))
            c = 1.0 / np.sqrt(1.0 + np.exp(2.0 * ln_t))
            s_ed = (c * sign * np.exp(ln_t + d))[:, None]  # sin θ · e^{d}
            s_emd = (c * sign * np.exp(ln_t - d))[:, None]  # sin θ · e^{-d}
            c = c[:, None]
            new_p = c * yp - s_ed * yq
            new_q = s_emd * yp + c * yq
            np_ = np.sqrt(np.einsum("ij,ij->i", new_p, new_p))
            nq = np.sqrt(np.einsum("ij,ij->i", new_q, new_q))
            okp, okq = np_ > 0, nq > 0
            y[p] = new_p / np.where(okp, np_, 1.0)[:, None]
            y[q] = new_q / np.where(okq, nq, 1.0)[:, None]
            s[p] = np.where(okp, s[p] + np.log(np.where(okp, np_, 1.0)), -np.inf)
            s[q] = np.where(okq, s[q] + np.log(np.where(okq, nq, 1.0)), -np.inf)
        if not rotated:
            break


__all__ = [
    "PhaseMap", "Spectrum", "chi1", "critical_sigma_w", "cursor_of", "depth_scale",
    "fixed_point_q", "jacobian_spectrum", "layers_per_decade", "map_ranges", "phase_map",
    "phase_of", "spectrum_summary", "theory_summary",
]
