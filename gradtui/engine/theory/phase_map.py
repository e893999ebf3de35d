"""The phase map: expected-mode log10 grad_1 over (σ_w, σ_b), with χ₁ for the order/chaos boundary."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..config import Config
from ..expected import log10_grad_first_grid
from .fixed_point import _fixed_point_arrays, critical_sigma_w

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
    y_max = next((y for y in Y_MAXES if config.sigma_b <= y), Y_MAXES[-1])
    return (2.0**lo, 2.0**hi), y_max


def _axes(x_range, y_max, shape):
    nx, ny = shape
    sigma_w = np.exp(np.linspace(math.log(x_range[0]), math.log(x_range[1]), nx))
    sigma_b = y_max * np.linspace(0.0, 1.0, ny) ** 2
    return sigma_w, sigma_b


def cursor_of(config: Config, x_range, y_max, shape):
    """The grid node (i, j) nearest the config's (σ_w, σ_b), or None; and (σ_w, σ_b) themselves."""
    nx, ny = shape
    sw, sb = math.sqrt(config.sigma_w2), config.sigma_b
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
