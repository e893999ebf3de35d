"""The gradtui engine: NumPy only (no Textual, no plotext).

    from gradtui.engine import Config, compute
    result = compute(Config(depth=16, activation="sigmoid"))

Data flows one way: config → engine → result → chart/TUI/JSON.
"""

from __future__ import annotations

from .activations import ACTIVATIONS, Activation
from .config import MODES, NORMS, Config
from .inits import INITS, Init
from .presets import PRESET_ORDER, PRESETS, Preset
from .result import EXPLODING, OVERFLOW, STABLE, VANISHING, Result, regime_of

__all__ = [
    "ACTIVATIONS", "Activation", "Config", "EXPLODING", "INITS", "Init", "MODES", "NORMS",
    "OVERFLOW", "PRESETS", "PRESET_ORDER", "Preset", "Result", "STABLE", "VANISHING", "compute",
    "regime_of",
]


def compute(config: Config, *, weight_grads: bool = True) -> Result:
    """Run the engine the config's ``mode`` names.

    ``weight_grads=False``: the sampled engine leaves out ‖∂loss/∂W_l‖ (``log10_weight_grad`` is
    None) and skips the products it costs; for a view that does not show them (the JSON keeps them).
    The other engines have none to leave out."""
    if config.mode == "chain":
        from .chain import compute_chain

        return compute_chain(config)
    if config.mode == "expected":
        from .expected import compute_expected

        return compute_expected(config)
    from .sampled import compute_sampled

    return compute_sampled(config, weight_grads=weight_grads)
