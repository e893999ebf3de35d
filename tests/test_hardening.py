"""Hardening of the engines, the chart and the CLI: no crash, no lie (README, "Reliability").

1. property tests (hypothesis) over the whole config space, both engines: no exception, no warning,
   the invariants of DESIGN §2 (grad_L = 1, grad = product of later factors, regime thresholds) and
   strict JSON;
2. an extremes matrix rendered with ``render_chart`` (Unicode and ASCII): exactly ``height`` lines,
   no "nan"/"inf" text, the zero / overflow markers where they apply; ``--print`` / ``--json``
   in-process at a few extremes;
6. numerical guard-rails: every Result array is float64 (the engine has no float32 code path).
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gradtui.render.bars import render_chart
from gradtui.render.verdict import verdict
from gradtui.cli import main
from gradtui.engine import ACTIVATIONS, INITS, Config, compute
from gradtui.engine.result import EXPLODING, HIGH, LOW, OVERFLOW, STABLE, VANISHING, regime_of

ACTS = list(ACTIVATIONS)
INIT_NAMES = list(INITS)
ROOT = Path(__file__).resolve().parents[1]

# -- strategies ------------------------------------------------------------------------------------

#: log-uniform in [1e-3, 1000], plus the exact ends
weight_scales = st.one_of(
    st.floats(min_value=-3.0, max_value=3.0).map(lambda e: min(1000.0, max(1e-3, 10.0**e))),
    st.sampled_from([1e-3, 1.0, 1000.0]),
)
bias_stds = st.one_of(st.floats(min_value=0.0, max_value=100.0), st.sampled_from([0.0, 100.0]))
residual_scales = st.one_of(
    st.floats(min_value=0.0, max_value=10.0, exclude_min=True), st.sampled_from([1e-6, 1.0, 10.0])
)


@st.composite
def configs(draw, mode: str) -> Config:
    common = dict(
        activation=draw(st.sampled_from(ACTS)),
        init=draw(st.sampled_from(INIT_NAMES)),
        weight_scale=draw(weight_scales),
        bias_std=draw(bias_stds),
        residual=draw(st.booleans()),
        residual_scale=draw(residual_scales),
        norm=draw(st.sampled_from(["none", "layer"])),
        mode=mode,
    )
    if mode == "sampled":
        return Config(
            depth=draw(st.integers(1, 40)), width=draw(st.integers(2, 64)),
            batch=draw(st.integers(1, 16)), seed=draw(st.integers(0, 2**32 - 1)), **common,
        )
    return Config(depth=draw(st.integers(1, 3000)), width=draw(st.integers(2, 4096)), **common)


# -- invariants ------------------------------------------------------------------------------------

def _reference_grads(log10_factor: np.ndarray) -> np.ndarray:
    """Σ_{k>l} log10 factor_k in float64, summed from the output side (the definition)."""
    lf = np.asarray(log10_factor, dtype=np.float64)
    out = np.zeros_like(lf)
    acc = 0.0
    with np.errstate(invalid="ignore"):
        for i in range(lf.size - 1, 0, -1):
            acc = acc + lf[i]
            out[i - 1] = acc
    return out


def check_invariants(result, config: Config) -> None:
    lg = np.asarray(result.log10_grad, dtype=np.float64)
    lf = np.asarray(result.log10_factor, dtype=np.float64)
    assert result.config == config
    assert lg.shape == lf.shape == (config.depth,)
    # grad_L = 1: nothing lost at the output layer
    assert lg[-1] == 0.0
    # grad_l = Π_{k>l} factor_k, in log10, to 1e-9 (relative for sums of thousands of decades)
    ref = _reference_grads(lf)
    fin = np.isfinite(ref)
    tol = 1e-9 * np.maximum(1.0, np.abs(ref[fin]))
    assert np.all(np.abs(lg[fin] - ref[fin]) <= tol), np.max(np.abs(lg[fin] - ref[fin]))
    # an exact zero stays an exact zero (-inf), and an infinite product is not reported as finite
    inf = np.isinf(ref)
    assert np.all(lg[inf] == ref[inf])
    # no log10_grad is +inf (a gradient that cannot be a float64 is still a number in log10)
    assert not np.any(lg == np.inf)
    # unknown values only where the forward pass overflowed
    overflow = np.asarray(result.overflow, dtype=bool)
    if np.any(np.isnan(lg)):
        assert overflow.any(), "nan log10_grad without any layer flagged as overflow"
    # regimes against the thresholds of DESIGN §2 (vectorised: depth goes to 10,000)
    assert (LOW, HIGH) == (-1.0, 1.0)
    with np.errstate(invalid="ignore"):
        want = np.where(np.isnan(lg), OVERFLOW,
                        np.where(lg < -1.0, VANISHING, np.where(lg > 1.0, EXPLODING, STABLE)))
    assert result.regimes == want.tolist()
    assert result.regime == want[0] == regime_of(float(lg[0]))
    # strict JSON, and the JSON says the same as the arrays
    doc = result.to_json()
    json.dumps(doc, allow_nan=False)  # raises on nan/inf anywhere in the document
    back = doc
    assert back["summary"]["regime"] == result.regime
    assert len(back["layers"]) == config.depth
    assert [row["regime"] for row in back["layers"]] == want.tolist()
    jl = np.array([np.nan if row["log10_grad"] is None else row["log10_grad"] for row in back["layers"]])
    assert np.array_equal(np.isfinite(lg), np.isfinite(jl))
    assert np.array_equal(lg[np.isfinite(lg)], jl[np.isfinite(jl)])
    assert back["layers"][-1]["grad"] == 1.0


def _run(config: Config):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compute(config)
        check_invariants(result, config)
        words = verdict(result)
        assert not re.search(r"\bnan\b|\binf\b", words, re.I), words
    return result


_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@settings(max_examples=150, **_SETTINGS)
@given(configs("expected"))
def test_property_expected(config):
    _run(config)


@settings(max_examples=200, **_SETTINGS)
@given(configs("sampled"))
@example(Config(mode="sampled", activation="gelu", depth=2000, width=8, batch=4))  # bug 1 (fixed in c4eefd6)
def test_property_sampled(config):
    _run(config)


@settings(max_examples=40, **_SETTINGS)
@given(configs("sampled"))
@example(Config(mode="sampled", activation="linear", depth=3, residual=True, residual_scale=5e-324,
                width=2, batch=1))  # bug 1 (fixed in c4eefd6)
def test_property_sampled_chart(config):
    """A smaller sample also goes through the chart (the TUI draws every config it gets)."""
    result = _run(config)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_chart(result, 60, 16)


@pytest.mark.parametrize("scale", [5e-324, 1e-310])
def test_subnormal_residual_scale_sampled(scale):
    _run(Config(mode="sampled", depth=3, activation="linear", residual=True, residual_scale=scale,
                width=2, batch=1))


def test_subnormal_residual_scale_expected():
    _run(Config(depth=3, activation="linear", residual=True, residual_scale=5e-324))


# -- the extremes matrix ---------------------------------------------------------------------------

NAN_INF = re.compile(r"nan|inf", re.I)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def check_chart(result, width: int, height: int) -> None:
    for ascii_ in (False, True):
        text = render_chart(result, width, height, ascii=ascii_)
        plain = ANSI.sub("", text)
        lines = text.split("\n")
        assert len(lines) == height, (len(lines), text)
        assert not NAN_INF.search(plain), plain
        if ascii_:
            assert all(ord(ch) < 128 for ch in text), [ch for ch in text if ord(ch) >= 128]
    words = verdict(result)
    assert not NAN_INF.search(words), words
    assert not NAN_INF.search(verdict(result, ascii=True))


def _legend(result, width=60, height=16, ascii_=False) -> str:
    return ANSI.sub("", render_chart(result, width, height, ascii=ascii_, color=False))


EXPECTED_EXTREMES = [
    dict(depth=1), dict(depth=10_000), dict(width=2), dict(width=4096), dict(weight_scale=1e-3),
    dict(weight_scale=1000.0), dict(bias_std=100.0), dict(init="zeros"), dict(init="normal", width=4096),
    dict(depth=10_000, weight_scale=1000.0), dict(depth=10_000, weight_scale=1e-3),
    dict(depth=10_000, bias_std=100.0, weight_scale=1000.0),
]
VARIANTS = {
    "plain": dict(),
    "residual": dict(residual=True),
    "layer": dict(norm="layer"),
}


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_extremes_expected(activation, variant):
    for extreme in EXPECTED_EXTREMES:
        config = Config(activation=activation, **VARIANTS[variant], **extreme)
        result = _run(config)
        check_chart(result, 60, 16)


SAMPLED_EXTREMES = [
    dict(depth=1, width=8, batch=4),
    dict(depth=2000, width=8, batch=4),
    dict(depth=2000, width=8, batch=4, weight_scale=1000.0),
    dict(depth=2000, width=8, batch=4, weight_scale=1e-3),
    dict(depth=2000, width=8, batch=4, bias_std=100.0),
    dict(depth=2, width=4096, batch=2),
    dict(depth=2, width=2, batch=1),
    dict(depth=64, width=16, batch=4, weight_scale=1000.0),
    dict(depth=64, width=16, batch=4, init="normal", weight_scale=1000.0),
    dict(depth=64, width=16, batch=4, bias_std=100.0),
]
SAMPLED_ACTS = ["linear", "sigmoid", "relu", "gelu", "softplus"]


def _sampled_cases():
    for variant, act, (i, extreme) in itertools.product(VARIANTS, SAMPLED_ACTS, enumerate(SAMPLED_EXTREMES)):
        if extreme.get("width") == 4096 and (act, variant) != ("relu", "plain"):
            continue  # width 4096 once (about a second per run)
        ident = f"{variant}-{act}-" + ",".join(f"{k}={v}" for k, v in extreme.items())
        yield pytest.param(variant, act, extreme, id=ident)


@pytest.mark.parametrize("variant,activation,extreme", list(_sampled_cases()))
def test_extremes_sampled(variant, activation, extreme):
    config = Config(mode="sampled", activation=activation, **VARIANTS[variant], **extreme)
    result = _run(config)
    check_chart(result, 60, 16)


@pytest.mark.parametrize("mode", ["expected", "sampled"])
@pytest.mark.parametrize("activation", ACTS)
def test_zero_init_shows_exact_zero(mode, activation):
    """Zero init: nothing reaches layers 1..L-1, exactly; the chart marks exact zeros."""
    config = Config(mode=mode, activation=activation, init="zeros", depth=8, width=16, batch=4)
    result = _run(config)
    lg = np.asarray(result.log10_grad)
    assert np.all(lg[:-1] == -np.inf), lg
    assert lg[-1] == 0.0
    assert result.regime == VANISHING
    assert "exactly 0" in verdict(result)
    for ascii_ in (False, True):
        text = _legend(result, ascii_=ascii_)
        assert "zero" in text, text
    check_chart(result, 60, 16)


@pytest.mark.parametrize("activation", ["elu", "softplus"])
@pytest.mark.parametrize("residual", [False, True])
def test_overflow_marker(activation, residual):
    """A forward pass that overflows float64 is flagged, never a crash; the chart marks it with '!'.

    (linear/relu-type activations are positively homogeneous and the engine rescales them, so they
    never overflow; elu and softplus at weight scale 1000 do, from layer ~83 on.)"""
    config = Config(mode="sampled", activation=activation, init="normal", weight_scale=1000.0,
                    bias_std=100.0, residual=residual, depth=200, width=64, batch=4)
    result = _run(config)
    overflow = np.asarray(result.overflow, dtype=bool)
    assert overflow.any()
    assert result.regime == OVERFLOW
    assert np.isnan(np.asarray(result.log10_grad)).any()
    for ascii_ in (False, True):
        text = _legend(result, ascii_=ascii_)
        assert "!" in text and ("overflow" in text or "ovf" in text), text
    words = verdict(result)
    assert "unknown" in words and f"layer {int(np.flatnonzero(overflow)[0]) + 1}" in words, words
    check_chart(result, 60, 16)


# -- the CLI in-process ----------------------------------------------------------------------------

CLI_EXTREMES = [
    ["--depth", "10000", "--weight-scale", "1000"],
    ["--depth", "10000", "--weight-scale", "0.001", "--activation", "tanh"],
    ["--depth", "1"],
    ["--init", "zeros", "--depth", "50"],
    ["--bias-std", "100", "--activation", "relu", "--norm", "layer"],
    ["--mode", "sampled", "--depth", "2000", "--width", "8", "--batch", "4", "--weight-scale", "1000"],
    ["--mode", "sampled", "--depth", "2000", "--width", "8", "--batch", "4", "--activation", "relu"],
    ["--mode", "sampled", "--depth", "2", "--width", "4096", "--batch", "2"],
    ["--mode", "sampled", "--init", "zeros", "--depth", "10", "--width", "2", "--batch", "1"],
    ["--residual", "--residual-scale", "10", "--activation", "elu", "--depth", "3000"],
]


@pytest.mark.parametrize("argv", CLI_EXTREMES, ids=lambda a: " ".join(a) if isinstance(a, list) else None)
def test_cli_extremes(argv, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main([*argv, "--json"]) == 0
        out, err = capsys.readouterr()
        doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
        assert len(doc["layers"]) == doc["config"]["depth"]
        assert doc["summary"]["regime"] in (VANISHING, STABLE, EXPLODING, OVERFLOW)
        for ascii_ in ([], ["--ascii"]):
            assert main([*argv, "--print", *ascii_]) == 0
            out, err = capsys.readouterr()
            assert out.strip() and not err
            assert not NAN_INF.search(ANSI.sub("", out)), out
            if ascii_:
                assert all(ord(ch) < 128 for ch in out)


# -- numerical guard-rails -------------------------------------------------------------------------

def test_the_engines_compute_in_float64_only():
    """No float32 or float16 anywhere in the engine (the weight draws are NumPy's float64 ones)."""
    hits = subprocess.run(
        ["grep", "-rln", "-e", "float32", "-e", "float16", str(ROOT / "gradtui" / "engine")],
        capture_output=True, text=True,
    ).stdout.split()
    assert hits == [], hits


@pytest.mark.parametrize(
    "config",
    [
        Config(depth=50, activation="tanh", residual=True),
        Config(depth=50, activation="relu", norm="layer", bias_std=1.0),
        Config(depth=20, activation="gelu", mode="sampled", width=32, batch=8),
        Config(depth=20, activation="silu", mode="sampled", width=32, batch=8, norm="layer", residual=True),
    ],
    ids=["expected-res", "expected-ln", "sampled", "sampled-ln-res"],
)
def test_result_arrays_are_float64(config):
    result = compute(config)
    names = ["log10_factor", "log10_grad", "weight_gain", "deriv_gain", "log10_act_std", "norm_gain",
             "dead_frac", "saturated_frac", "log10_weight_grad", "q"]
    seen = 0
    for name in names:
        arr = getattr(result, name)
        if arr is None:
            continue
        seen += 1
        assert isinstance(arr, np.ndarray), name
        assert arr.dtype == np.float64, (name, arr.dtype)
        assert arr.shape == (config.depth,), (name, arr.shape)
    assert seen >= 6
    assert np.asarray(result.overflow).dtype == np.bool_
    assert result.act_std.dtype == np.float64
