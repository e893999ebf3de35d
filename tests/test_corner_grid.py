"""The corner grid (issue 15/16 acceptance): depth 1/2000 × width 2/4096 × batch 1/1024, every
norm, every engine — each setting is refused up front (range, memory or compute budget, with its
estimate in the message) or accepted within the budget; the cheap accepted ones are computed here
(the rest are only estimated, to keep this test's time small) and none hangs."""

from __future__ import annotations

import itertools
import math
import warnings

import pytest

from gradtui.engine import compute
from gradtui.engine.config import MODES, NORMS, Config, ConfigError, budget_refusal, compute_seconds
from gradtui.engine.cost import COMPUTE_BUDGET

#: accepted settings estimated under this many seconds are computed by the test
RUN_BELOW = 1.5

CORNERS = list(itertools.product((1, 2000), (2, 4096), (1, 1024), NORMS, MODES))


def _accept(depth, width, batch, norm, mode):
    """The CLI's path: Config's validation, then the compute budget. (config, error)."""
    try:
        config = Config(depth=depth, width=width, batch=batch, norm=norm, mode=mode,
                        activation="tanh")
    except ConfigError as error:
        return None, error
    return config, budget_refusal(config)


def test_every_corner_is_accepted_within_budget_or_refused_with_its_cost():
    kinds = {}
    for corner in CORNERS:
        config, error = _accept(*corner)
        if error is not None:
            kinds[corner] = error.kind
            assert error.kind in ("range", "memory", "compute"), (corner, error)
            if error.kind == "memory":
                assert "GiB" in error.reason and "largest affordable width" in error.reason
            if error.kind == "compute":
                assert "to compute" in error.reason and "budget" in error.reason
            if error.kind == "range":  # batch norm of one sample
                assert corner[3] == "batch" and corner[2] == 1
            continue
        assert compute_seconds(config) <= COMPUTE_BUDGET
    # the big sampled corners are the ones refused, by memory or by time
    assert kinds[(2000, 4096, 1024, "none", "sampled")] == "memory"
    assert kinds[(2000, 4096, 1, "none", "sampled")] == "compute"  # 33.5 G normals
    assert all(c[4] == "sampled" or c[3] == "batch" for c in kinds)


@pytest.mark.parametrize("corner", [c for c in CORNERS
                                    if _accept(*c)[1] is None
                                    and compute_seconds(_accept(*c)[0]) < RUN_BELOW],
                         ids=lambda c: "-".join(map(str, c)))
def test_cheap_accepted_corners_compute(corner):
    config, _ = _accept(*corner)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compute(config)
        doc = result.to_json()
    assert len(doc["layers"]) == config.depth
    assert doc["summary"]["regime"] in ("vanishing", "stable", "exploding", "overflow")
    assert math.isfinite(result.log10_grad[-1]) or result.overflow[-1]
