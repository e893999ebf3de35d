"""The control panel's model: which settings can be changed, in which steps, and how they read.

Pure Python over :class:`~gradtui.engine.Config` (no Textual), so the stepping rules are tested
directly. Every step returns a new Config or raises ``ValueError`` (from Config validation); the app
keeps the old config and shows the message when it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from gradtui.engine import ACTIVATIONS, INITS, MODES, NORMS, Config
from gradtui.engine.config import MAX_DEPTH, MAX_SEED, max_affordable_width
from gradtui.render.numbers import fmt_num

#: depth steps that feel even on a log scale: 1–10, then about ×1.25 a step up to 1000
DEPTHS: tuple[int, ...] = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16, 20, 25, 32, 40, 50, 64, 80, 100,
    128, 160, 200, 256, 320, 400, 500, 640, 800, 1000,
)
#: weight scale in ×2^¼ steps, 1/256 … 256
WEIGHT_SCALES: tuple[float, ...] = tuple(2.0 ** (k / 4) for k in range(-32, 33))
BIAS_STDS: tuple[float, ...] = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
#: residual branch scale α in ×√2 steps (so 1/√L is on the grid for L = 1, 4, 16, 64, 256 …)
RESIDUAL_SCALES: tuple[float, ...] = tuple(2.0 ** (k / 2) for k in range(-14, 7))
WIDTHS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
BATCHES: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
_BIAS_MEAN_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0)
#: bias mean, symmetric about 0, out to the limits table's ±100
BIAS_MEANS: tuple[float, ...] = tuple(-x for x in reversed(_BIAS_MEAN_STEPS)) + (0.0,) + _BIAS_MEAN_STEPS
_INPUT_MEAN_STEPS = (0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 127.5, 255.0, 500.0, 1000.0)
#: input mean, symmetric about 0, out to ±1000 (127.5 and 255: pixel values)
INPUT_MEANS: tuple[float, ...] = tuple(-x for x in reversed(_INPUT_MEAN_STEPS)) + (0.0,) + _INPUT_MEAN_STEPS
#: input std, 0 … 1000 (73.6 = 255/√12, uniform pixel values)
INPUT_STDS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 73.6, 100.0,
                                 200.0, 500.0, 1000.0)

_EPS = 1e-9


def step_grid(value: float, grid: Sequence[float], direction: int) -> float:
    """The next grid value above (direction > 0) or below (< 0) ``value``; clamped at the ends.

    A value off the grid (from the command line or a preset) moves to its neighbour in that
    direction; a value past an end stays where it is rather than jumping back.
    """
    tol = _EPS * max(1.0, abs(value))
    if direction > 0:
        above = [g for g in grid if g > value + tol]
        return above[0] if above else value
    below = [g for g in grid if g < value - tol]
    return below[-1] if below else value


def cycle(value: str, choices: Sequence[str], direction: int) -> str:
    i = list(choices).index(value) if value in choices else -1
    return list(choices)[(i + (1 if direction > 0 else -1)) % len(choices)]


def with_mode(config: Config, mode: str) -> tuple[Config, str | None]:
    """``config`` switched to ``mode``, clamping depth (and width) so sampled mode can run.

    Returns the new config and a note saying what was clamped, or None.
    """
    changes: dict = {"mode": mode}
    notes = []
    if config.depth > MAX_DEPTH[mode]:
        changes["depth"] = MAX_DEPTH[mode]
        notes.append(f"depth clamped to {MAX_DEPTH[mode]} (the {mode} limit)")
    if mode == "sampled":
        depth = changes.get("depth", config.depth)
        affordable = max_affordable_width(depth, config.batch, norm=config.norm)
        if config.width > affordable:
            fits = [w for w in WIDTHS if w <= affordable]
            changes["width"] = fits[-1] if fits else max(2, affordable)
            notes.append(f"width clamped to {changes['width']} (1 GiB memory limit)")
    return config.replace(**changes), ("; ".join(notes) or None)


@dataclass(frozen=True)
class Control:
    """One row of the control panel."""

    key: str
    label: str
    ascii_label: str
    #: config, direction (+1/-1) -> new config (may raise ValueError)
    step: Callable[[Config, int], Config]
    #: config, ascii -> the value as shown
    show: Callable[[Config, bool], str]
    #: one line for the help screen
    help: str


def _depth_step(c: Config, d: int) -> Config:
    depth = int(step_grid(c.depth, DEPTHS, d))
    return c.replace(depth=min(depth, MAX_DEPTH[c.mode]))


def _ws_step(c: Config, d: int) -> Config:
    return c.replace(weight_scale=step_grid(c.weight_scale, WEIGHT_SCALES, d))


def _ws_show(c: Config, ascii: bool) -> str:
    return ("x" if ascii else "×") + fmt_num(c.weight_scale)


def _width_step(c: Config, d: int) -> Config:
    return c.replace(width=int(step_grid(c.width, WIDTHS, d)))


def _batch_step(c: Config, d: int) -> Config:
    return c.replace(batch=int(step_grid(c.batch, BATCHES, d)))


def _seed_step(c: Config, d: int) -> Config:
    return c.replace(seed=min(MAX_SEED, max(0, c.seed + (1 if d > 0 else -1))))


def _init_step(c: Config, d: int) -> Config:
    # no bias asked for (0): an init with a bias of its own (torch_linear) brings it
    return c.replace(init=cycle(c.init, list(INITS), d), bias_std=c.bias_std or None)


def _bias_std_show(c: Config, ascii: bool) -> str:
    if c.bias_std is None:
        return "U(+-1/sqrt N)" if ascii else "U(±1/√N)"
    return fmt_num(c.bias_std)


def _mode_step(c: Config, d: int) -> Config:
    return with_mode(c, cycle(c.mode, MODES, d))[0]


def _on_off(flag: bool) -> str:
    return "on" if flag else "off"


def _alpha_show(c: Config, ascii: bool) -> str:
    text = fmt_num(c.residual_scale)
    return text if c.residual else f"{text} (off)"


CONTROLS: tuple[Control, ...] = (
    Control("depth", "depth", "depth", _depth_step, lambda c, a: str(c.depth),
            "number of layers L, 1 to 1000 in steps of about x1.25"),
    Control("activation", "activation", "activation",
            lambda c, d: c.replace(activation=cycle(c.activation, list(ACTIVATIONS), d)),
            lambda c, a: c.activation, "f, cycles through " + ", ".join(ACTIVATIONS)),
    Control("init", "init", "init",
            _init_step,
            lambda c, a: c.init, "weight initialisation, cycles through " + ", ".join(INITS)),
    Control("weight_scale", "weight", "weight", _ws_step, _ws_show,
            "multiplies every weight (sigma_w), in x2^(1/4) steps"),
    Control("bias_std", "bias σ_b", "bias sd",
            lambda c, d: c.replace(bias_std=step_grid(c.sigma_b, BIAS_STDS, d)),
            _bias_std_show, "standard deviation of the biases (torch_linear: its own uniform bias)"),
    Control("residual", "residual", "residual",
            lambda c, d: c.replace(residual=not c.residual),
            lambda c, a: _on_off(c.residual), "identity skip around every layer"),
    Control("residual_scale", "res. α", "res. alpha",
            lambda c, d: c.replace(residual_scale=step_grid(c.residual_scale, RESIDUAL_SCALES, d)),
            _alpha_show, "residual branch scale alpha, in x sqrt(2) steps"),
    Control("tied", "tied (RNN)", "tied (RNN)",
            lambda c, d: c.replace(tied=not c.tied),
            lambda c, a: _on_off(c.tied),
            "one weight matrix reused at every layer, an unrolled RNN (sampled mode)"),
    Control("norm", "norm", "norm",
            lambda c, d: c.replace(norm=cycle(c.norm, NORMS, d)),
            lambda c, a: c.norm, "normalisation of the pre-activations: " + ", ".join(NORMS)),
    Control("mode", "mode", "mode", _mode_step, lambda c, a: c.mode,
            "expected (mean-field theory), sampled (one real random network) or chain (one neuron "
            "per layer, the textbook's)"),
    Control("width", "width", "width", _width_step, lambda c, a: str(c.width),
            "units per layer N (matters in sampled mode, and for the normal init)"),
    Control("batch", "batch", "batch", _batch_step, lambda c, a: str(c.batch),
            "samples per batch B (sampled mode; with batch norm, expected mode too)"),
    Control("seed", "seed", "seed", _seed_step, lambda c, a: str(c.seed),
            "random seed of the sampled network"),
    Control("bias_mean", "bias mean", "bias mean",
            lambda c, d: c.replace(bias_mean=step_grid(c.bias_mean, BIAS_MEANS, d)),
            lambda c, a: fmt_num(c.bias_mean), "mean of the biases (the chain's b), -100 to 100"),
    Control("input_mean", "input mean", "input mean",
            lambda c, d: c.replace(input_mean=step_grid(c.input_mean, INPUT_MEANS, d)),
            lambda c, a: fmt_num(c.input_mean), "mean of the inputs (the chain's x0), -1000 to 1000"),
    Control("input_std", "input σ", "input sd",
            lambda c, d: c.replace(input_std=step_grid(c.input_std, INPUT_STDS, d)),
            lambda c, a: fmt_num(c.input_std), "standard deviation of the inputs, 0 to 1000"),
)


#: expected batch norm: the pre-activations are invariant to the weights' and biases' scale
_BN_DROPS_OUT = "drops out under batch norm (it normalises each unit's scale and mean away)"


def inactive_reason(config: Config, key: str) -> str | None:
    """Why the setting ``key`` does not change the current view (drawn dim), or None."""
    c = config
    batchnorm_theory = c.mode == "expected" and c.norm == "batch"
    if not c.applies(key):
        return "chain mode reads only depth, activation, w, b and x0"
    if key == "residual_scale" and not c.residual:
        return "the residual scale acts only with the skip on"
    if key in ("seed", "tied") and c.mode != "sampled":
        return f"{key} applies to the sampled network only"
    if key in ("weight_scale", "bias_std", "init") and batchnorm_theory:
        return f"{key}: σ_w and σ_b {_BN_DROPS_OUT}"
    if key == "width" and (batchnorm_theory or c.mode != "sampled" and c.init != "normal"):
        return "expected mode is the infinite-width theory"
    if key == "batch" and c.mode != "sampled" and c.norm != "batch":
        return "expected mode needs no batch (except with batch norm)"
    return None

CONTROL_KEYS: tuple[str, ...] = tuple(c.key for c in CONTROLS)


def step_control(config: Config, index: int, direction: int) -> Config:
    """Change control ``index`` of ``config`` one step; raises ValueError when Config refuses."""
    return CONTROLS[index].step(config, direction)
