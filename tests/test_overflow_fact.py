"""Issue 16 items 6 and 11: overflow flag, regime and counts are one fact; the spectrum's derived
network is validated like the user's config (one line, never a traceback)."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from gradtui.cli import main
from gradtui.engine import compute
from gradtui.engine.config import ACTIVATIONS, Config, ConfigError

ISSUE = ["--depth", "2000", "--activation", "softplus", "--init", "xavier-uniform",
         "--weight-scale", "100", "--bias-std", "10", "--mode", "sampled", "--width", "8",
         "--batch", "8", "--seed", "3437410423", "--tied", "--json"]


def _consistent(doc: dict) -> None:
    layers, summary = doc["layers"], doc["summary"]
    for row in layers:
        assert (row["regime"] == "overflow") == row["overflow"], row
    n = sum(row["overflow"] for row in layers)
    assert summary["layers_overflow"] == n
    if "overflow_layers" in summary:
        assert summary["overflow_layers"] == n
    assert (summary["regime"] == "overflow") == layers[0]["overflow"]


def test_the_issues_command_no_longer_contradicts_itself(capsys):
    assert main(ISSUE) == 0
    doc = json.loads(capsys.readouterr().out)
    _consistent(doc)
    # the issue saw layers_overflow 1999 beside overflow_layers 1817: now both count the 1999 bars
    # whose gradient is unknown (the output bar's is 1 by definition)
    assert doc["summary"]["layers_overflow"] == doc["summary"]["overflow_layers"] == 1999
    assert doc["summary"]["regime"] == "overflow"


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(1, 120), activation=st.sampled_from(sorted(ACTIVATIONS)),
       init=st.sampled_from(["normal", "xavier_uniform", "he_normal", "orthogonal"]),
       weight_scale=st.sampled_from([0.5, 1.0, 10.0, 100.0, 1000.0]),
       bias_std=st.sampled_from([0.0, 1.0, 10.0, 100.0]), tied=st.booleans(),
       mode=st.sampled_from(["sampled", "expected", "chain"]),
       norm=st.sampled_from(["none", "layer"]), seed=st.integers(0, 2**32 - 1))
def test_regime_overflow_iff_overflow_flag(depth, activation, init, weight_scale, bias_std, tied,
                                           mode, norm, seed):
    c = Config(depth=depth, activation=activation, init=init, weight_scale=weight_scale,
               bias_std=bias_std, tied=tied, mode=mode, norm=norm, width=8, batch=4, seed=seed)
    _consistent(compute(c).to_json())


def test_wide_expected_config_gets_its_spectrum(capsys):
    # issue 16 item 6: the spectrum's derived sampled network (depth ≤ 400, width ≤ 256, one
    # input) was validated at width 4096 and batch 64 and raised a traceback
    assert main(["--depth", "1000", "--width", "4096", "--json", "--spectrum"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["spectrum"]["width_used"] == 256 and doc["spectrum"]["capped"] is True
    assert doc["spectrum"]["depth_used"] == 400


def test_derived_configs_are_refused_in_one_line(capsys):
    # a derived config that cannot be computed comes back as the user's kind of error
    from gradtui.engine.theory.spectrum import spectrum_network_config

    c = Config(depth=1000, width=4096, batch=1024)
    derived = spectrum_network_config(c)
    assert (derived.width, derived.batch, derived.mode) == (256, 1, "sampled")
    try:
        spectrum_network_config(Config(depth=10_000))
    except ConfigError as error:  # sampled mode allows depth ≤ 2000
        assert error.kind == "range" and "depth" in str(error)
    else:
        raise AssertionError("depth 10000 is not a sampled network")
