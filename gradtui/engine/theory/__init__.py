"""Why the bars vanish or explode: order/chaos theory and the input–output Jacobian spectrum.

    fixed_point   the mean-field fixed point q*, χ₁, depth scale, critical σ_w, theory_summary
    phase_map     log10 grad_1 over (σ_w, σ_b) and the order/chaos boundary
    spectrum      singular values of ∂h_L/∂h_0 of the sampled network (layer step + QR frame)
    svd           the log-space singular values that resolve ratios of any size
"""

from .fixed_point import (
    LN10, chi1, critical_sigma_w, depth_scale, fixed_point_q, layers_per_decade, phase_of,
    theory_summary,
)
from .phase_map import Y_MAXES, PhaseMap, cursor_of, map_key_of, map_ranges, phase_map
from .spectrum import Spectrum, jacobian_spectrum, spectrum_refusal, spectrum_summary

__all__ = [
    "LN10", "PhaseMap", "Spectrum", "Y_MAXES", "chi1", "critical_sigma_w", "cursor_of",
    "depth_scale", "fixed_point_q", "jacobian_spectrum", "layers_per_decade", "map_key_of",
    "map_ranges", "phase_map", "phase_of", "spectrum_refusal", "spectrum_summary", "theory_summary",
]
