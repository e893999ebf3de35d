"""The gradtui engine: NumPy only (no Textual, no plotext).

    from gradtui.engine import Config, compute
    result = compute(Config(depth=16, activation="sigmoid"))

Data flows one way: config → engine → result → chart/TUI/JSON.
"""

from __future__ import annotations

from typing import Callable

from .activations import ACTIVATIONS, Activation
from .config import MODES, NORMS, Config
from .inits import INITS, Init
from .presets import PRESET_ORDER, PRESETS, Preset
from .result import EXPLODING, OVERFLOW, STABLE, VANISHING, Result, Stopped, regime_of

__all__ = [
    "ACTIVATIONS", "Activation", "Config", "EXPLODING", "INITS", "Init", "MODES", "NORMS",
    "OVERFLOW", "PRESETS", "PRESET_ORDER", "Preset", "Result", "STABLE", "Stopped", "VANISHING",
    "compute", "regime_of",
]



def compute(config: Config, *, weight_grads: bool = True,
            cancel: Callable[[], bool] | None = None) -> Result:
    """Run the engine the config's ``mode`` names.

    ``weight_grads=False``: the sampled engine leaves out ‖∂loss/∂W_l‖ (``log10_weight_grad`` is
    None) and skips the products it costs; for a view that does not show them (the JSON keeps them).
    The other engines have none to leave out.

    ``cancel``: the sampled engine calls it before each layer of its forward and backward passes
    and raises :class:`Stopped` once it returns True (a superseded request ends within one layer; the
    weight cache stays consistent). The other engines take milliseconds and never call it."""
    if config.mode == "chain":
        from .chain import compute_chain

        return compute_chain(config)
    if config.mode == "expected":
        from .expected import compute_expected

        return compute_expected(config)
    from .sampled import compute_sampled

    return compute_sampled(config, weight_grads=weight_grads, cancel=cancel)
