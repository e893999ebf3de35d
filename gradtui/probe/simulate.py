"""gradtui's own simulation of a recorded plain MLP: the same depth, width, activation and init.

``plain_mlp(run)`` reads the header (the module kinds and shapes) and the first recorded step's
weight norms (the step before the first update, when recorded from the start) and returns a
:class:`Simulation` — the sampled-engine Config and, in words, what was guessed — or a one-line
reason the model is not a plain MLP (Linear + one activation kind, square hidden layers).
Torch-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gradtui.engine import Config
from gradtui.engine.config import MAX_BATCH, ConfigError

#: torch activation classes → gradtui's activations
ACTIVATION_KINDS = {
    "Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu",
    "GELU": "gelu", "SiLU": "silu", "Softplus": "softplus", "Identity": "linear",
}
#: inits told apart by σ_w² = fan_in·Var(W) (xavier, lecun and orthogonal all give 1)
_INIT_SIGMA_W2 = {"xavier_normal": 1.0, "he_normal": 2.0, "torch_linear": 1.0 / 3.0}
#: a measured σ_w² within this factor of an init's is that init (weight scale 1)
_SAME = 1.15


@dataclass(frozen=True)
class Simulation:
    config: Config
    #: 0-based module indices of the hidden layers' outputs (the activations), layers 1…L
    hidden: tuple[int, ...]
    #: what was guessed, in words
    guessed: str


def _weight(spec: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    for j, p in enumerate(spec["params"]):
        if p["name"] == "weight" and len(p["shape"]) == 2:
            return j, p
    return None


def plain_mlp(run, seed: int = 0) -> Simulation | str:
    """The simulation of ``run`` (a ProbeRun) or why there is none (one line)."""
    mods = run.modules
    kinds = [m["kind"] for m in mods]
    if len(mods) >= 3 and len(mods) % 2 == 1 and kinds[-1] == "Linear":
        body = mods[:-1]  # the readout: gradtui's own is a random linear one
    else:
        body = mods
    linears, acts = body[0::2], body[1::2]
    others = sorted({k for k in kinds if k != "Linear" and k not in ACTIVATION_KINDS})
    if others:
        return f"not a plain MLP: it has {', '.join(others[:3])} modules (only Linear + one activation is simulated)"
    if not acts or len(linears) != len(acts) or any(m["kind"] != "Linear" for m in linears) \
            or any(m["kind"] not in ACTIVATION_KINDS for m in acts):
        return "not a plain MLP: its modules do not alternate Linear, activation"
    act_kinds = sorted({m["kind"] for m in acts})
    if len(act_kinds) > 1:
        return f"not a plain MLP: more than one activation kind ({', '.join(act_kinds)})"
    weights = [_weight(m) for m in linears]
    if any(w is None for w in weights):
        return "not a plain MLP: a Linear without a 2-d weight"
    width = weights[0][1]["shape"][0]
    if any(w[1]["shape"] != [width, width] for w in weights[1:]):
        return "not a plain MLP: its hidden layers are not square (width × width)"
    shape = mods[0]["output_shape"]
    batch = shape[0] if len(shape) == 2 else 64
    record = run.steps[0] if run.steps else None
    sigma_w2, bias_rms = _measured(linears, weights, [mods.index(m) for m in linears], record)
    init, scale, how = _guess_init(sigma_w2, record["step"] if record else None)
    bias_std = 0.0 if bias_rms is None or init == "torch_linear" else round(bias_rms, 4)
    activation = ACTIVATION_KINDS[act_kinds[0]]
    try:
        config = Config(depth=len(acts), activation=activation, init=init, weight_scale=scale,
                        bias_std=min(bias_std, 100.0), mode="sampled", width=width,
                        batch=max(2, min(batch, MAX_BATCH)), seed=seed)
    except ConfigError as error:
        try:  # a batch too large for the sampled engine's memory: the default batch
            config = Config(depth=len(acts), activation=activation, init=init, weight_scale=scale,
                            bias_std=min(bias_std, 100.0), mode="sampled", width=width, seed=seed)
        except ConfigError:
            return f"cannot simulate it: {error.reason}"
    d_in = weights[0][1]["shape"][1]
    if init == "torch_linear":
        biases = "biases as torch_linear draws them"
    else:
        biases = f"biases N(0, {bias_std:g}²)" if bias_std else "biases 0"
    parts = [f"{len(acts)}×Linear({width})+{act_kinds[0]}", how, biases, f"batch {config.batch}"]
    if d_in != width:
        parts.append(f"input {d_in}→{width} as {width}→{width}")
    if act_kinds[0] == "LeakyReLU":
        parts.append("slope 0.01")
    hidden = tuple(mods.index(m) for m in acts)
    return Simulation(config, hidden, ", ".join(parts))


def _measured(linears, weights, indices, record) -> tuple[float | None, float | None]:
    """σ_w² = ‖W‖²/fan_out averaged over the Linears, and the biases' RMS, from ``record``."""
    if record is None:
        return None, None
    s2, b2, nb = [], 0.0, 0
    for spec, (j, w), i in zip(linears, weights, indices):
        m = record["modules"][i]
        if not m or not m["params"]:
            continue
        norm = m["params"][j]["norm"]
        if norm is not None and math.isfinite(norm):
            s2.append(norm * norm / w["shape"][0])
        for p, q in zip(spec["params"], m["params"]):
            if p["name"] == "bias" and q["norm"] is not None and math.isfinite(q["norm"]):
                b2 += q["norm"] ** 2
                nb += p["shape"][0] if p["shape"] else 1
    return (sum(s2) / len(s2) if s2 else None), (math.sqrt(b2 / nb) if nb else None)


def _guess_init(sigma_w2: float | None, step: int | None) -> tuple[str, float, str]:
    if sigma_w2 is None:
        return "torch_linear", 1.0, "torch_linear (guessed: no weight norm recorded)"
    if sigma_w2 <= 0:
        return "zeros", 1.0, "zeros (‖W‖ = 0)"
    name = min(_INIT_SIGMA_W2, key=lambda n: abs(math.log(sigma_w2 / _INIT_SIGMA_W2[n])))
    ratio = sigma_w2 / _INIT_SIGMA_W2[name]
    scale = 1.0 if 1 / _SAME <= ratio <= _SAME else float(f"{math.sqrt(ratio):.3g}")
    scale = min(max(scale, 1e-3), 1000.0)
    text = f"{name} (σ_w² {sigma_w2:.3g} at step {step}"
    return name, scale, text + (f", weight scale {scale:g})" if scale != 1.0 else ")")
