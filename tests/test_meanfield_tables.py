"""The expected engine's tables between their nodes (quintic Hermite through Stein's first and second
derivatives) against the quadrature they interpolate and against mpmath.

Tolerances, and why: the quadrature is good to ~1e-13 relative (tests/test_expected.py checks it against
mpmath), so it is the reference between the nodes; the largest interpolation errors measured over
q in [1e-6, 1e12] are 1.2e-13 at mean 0 (gelu) and 9.2e-13 at mean 0.7 (relu's ln Var, whose kink sits
0.7 away); the budgets are about 2.5× those. The cubic through values and slopes alone, which these
tables replace, was off by up to 2.5e-9 at mean 0 (softplus ln E[f²] at q ≈ 1.2) and fails every one.
"""

import math

import mpmath as mp
import numpy as np
import pytest
from test_expected import MP_ACTS, mp_expect

from gradtui.engine import ACTIVATIONS
from gradtui.engine.expected import _moments, tables
from gradtui.engine import meanfield_tables, shipped
from gradtui.engine.meanfield_tables import HermiteTable

_LO, _HI = math.log(1e-6), math.log(1e12)
#: the table's knots, and three points inside every interval (Gauss–Legendre's and the midpoint)
_T = tables("relu")
_U0, _H, _N = _T.log_d.u0, _T.log_d.h, _T.log_d.n
_INSIDE = np.array([0.5 - 0.5 / math.sqrt(3.0), 0.5, 0.5 + 0.5 / math.sqrt(3.0)])
_FIELDS = ("log_d", "log_v", "log_var", "mean_ratio")


def _between_knots() -> np.ndarray:
    k = np.arange(int((_LO - _U0) / _H), int((_HI - _U0) / _H))
    u = (_U0 + _H * (k[:, None] + _INSIDE)).ravel()
    return u[(u >= _LO) & (u <= _U0 + (_N - 1) * _H)]


def _quadrature(name: str, u: np.ndarray, mean: float) -> dict[str, np.ndarray]:
    mo = _moments(ACTIVATIONS[name], np.exp(u), mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"log_d": np.log(mo["d"]), "log_v": np.log(mo["v"]), "log_var": np.log(mo["var"]),
                "mean_ratio": mo["m"] / np.sqrt(mo["v"])}


@pytest.mark.parametrize("mean, budget", [(0.0, 3e-13), (0.7, 2.5e-12)])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_tables_between_their_knots_match_the_quadrature(name, mean, budget):
    u = _between_knots()
    t, ref = tables(name, mean), _quadrature(name, u, mean)
    for field in _FIELDS:
        table = getattr(t, field)
        got = table(u)
        err = np.abs(got - ref[field])
        worst = int(np.argmax(err))
        assert err[worst] <= budget, (name, mean, field, float(np.exp(u[worst])), float(err[worst]))
        # the hot path (Python floats) is the same interpolant
        some = u[:: 37]
        np.testing.assert_allclose([table.scalar(float(x)) for x in some], table(some), rtol=0, atol=2e-15)


#: where the cubic tables were worst (q between knots near 1, where ln q bends the moments most)
_WORST = [("softplus", 1.2), ("gelu", 0.86), ("silu", 0.33), ("sigmoid", 0.86), ("tanh", 0.52), ("elu", 3.6)]


@pytest.mark.parametrize("name, q", _WORST)
def test_tables_match_mpmath_where_the_cubic_was_worst(name, q):
    """ln E[f'²] and ln E[f²] from the tables at off-knot q against 30-digit mpmath: within 3e-13
    (the cubic was 3e-10 to 2.5e-9 off at these points)."""
    u = _U0 + _H * (math.floor((math.log(q) - _U0) / _H) + 0.5)  # the middle of q's interval
    f, df = MP_ACTS[name]
    qq = mp.exp(mp.mpf(u))
    ref_d = float(mp.log(mp_expect(lambda z: df(z) ** 2, qq)))
    ref_v = float(mp.log(mp_expect(lambda z: f(z) ** 2, qq)))
    t = tables(name)
    assert abs(t.log_d.scalar(u) - ref_d) <= 3e-13, (t.log_d.scalar(u), ref_d)
    assert abs(t.log_v.scalar(u) - ref_v) <= 3e-13, (t.log_v.scalar(u), ref_v)


def test_the_interpolant_is_exact_on_quintics_and_c2_at_the_knots():
    """Through a degree-5 polynomial's values, slopes and curvatures it reproduces the polynomial
    (quintic Hermite); without curvatures it is the cubic Hermite, exact on cubics only."""
    c = np.array([0.3, -1.1, 0.7, 0.25, -0.6, 0.15])
    p = np.polynomial.Polynomial(c)
    grid = np.linspace(-1.0, 1.0, 11)
    table = HermiteTable(-1.0, 0.2, p(grid), p.deriv(1)(grid), d2y=p.deriv(2)(grid))
    x = np.linspace(-1.0, 1.0, 401)
    np.testing.assert_allclose(table(x), p(x), rtol=0, atol=1e-14)
    np.testing.assert_allclose([table.scalar(float(v)) for v in x], p(x), rtol=0, atol=1e-14)
    cubic = HermiteTable(-1.0, 0.2, p(grid), p.deriv(1)(grid))
    assert np.max(np.abs(cubic(x) - p(x))) > 1e-5
    # second differences across a knot agree on both sides (C²): the curvature is continuous
    k, eps = 0.2, 1e-4
    left = (table.scalar(k) - 2 * table.scalar(k - eps) + table.scalar(k - 2 * eps)) / eps**2
    right = (table.scalar(k + 2 * eps) - 2 * table.scalar(k + eps) + table.scalar(k)) / eps**2
    assert left == pytest.approx(float(p.deriv(2)(k)), abs=1e-3)
    assert right == pytest.approx(float(p.deriv(2)(k)), abs=1e-3)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_the_shipped_tables_are_what_the_quadrature_gives(name):
    """Each activation's mean-0 tables ship with the package (gradtui/engine/tables/NAME.npy);
    they must be what the quadrature gives now: rebuild them with scripts/build_tables.py after a
    change to the quadrature, an activation or the grid."""
    shipped = meanfield_tables.shipped_values(name)
    assert shipped is not None, f"{name}: no shipped table (python scripts/build_tables.py)"
    fresh = meanfield_tables.node_values(name)
    tolerance = _rounding_tolerance(fresh)
    worst = np.unravel_index(np.argmax(np.abs(shipped - fresh) - tolerance), fresh.shape)
    assert np.all(np.abs(shipped - fresh) <= tolerance), (
        f"{name}: stale shipped table (python scripts/build_tables.py): row {worst[0]}, node {worst[1]}: "
        f"{shipped[worst]!r} shipped, {fresh[worst]!r} now")


def _rounding_tolerance(rows: np.ndarray) -> np.ndarray:
    """How far two machines' quadratures of the same table may differ (NumPy's exp and log differ
    by an ulp between its AVX2 and AVX-512 paths, the sums by their order): 1e-12 relative, and in
    the ln Var f rows the rounding of the deviations f − M, whose relative error grows like
    √(V / Var f) where the variance is a tiny part of the second moment (sigmoid at q ≈ 1e-12:
    3e-11 measured between two machines, on values ~1)."""
    k = 1 + 3 * meanfield_tables.TABLE_ROWS.index("log_var")
    v_over_var = np.exp(np.clip(rows[1] - rows[k], 0.0, 700.0))  # ln V − ln Var f
    tolerance = 1e-12 * np.maximum(np.abs(rows), 1e-2)
    tolerance[k: k + 3] += 8 * np.finfo(float).eps * np.sqrt(v_over_var)
    return tolerance


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_the_shipped_large_q_constants_are_what_the_integrals_give(name):
    """The mean-0 constants of each activation's large-q asymptotics ship too
    (tables/NAME.large_q.npy, read instead of ~35 ms of integrals on the way to the first chart):
    they must be what the integrals give now, exact zeros included (they decide ``homogeneous``)."""
    from gradtui.engine import asymptotics

    got = asymptotics.shipped_large_q(name)
    assert got is not None, f"{name}: no shipped constants (python scripts/build_tables.py)"
    want = asymptotics.integrated_large_q(name)
    np.testing.assert_allclose(asymptotics.large_q_values(got), asymptotics.large_q_values(want),
                               rtol=1e-12, atol=1e-15, err_msg=f"{name}: stale (scripts/build_tables.py)")
    assert got.homogeneous == want.homogeneous and got.unbounded == want.unbounded
    assert asymptotics.large_q(name) == got
    assert asymptotics.large_q(name, 0.25) == asymptotics.integrated_large_q(name, 0.25)


def test_missing_large_q_constants_are_integrated_instead(tmp_path, monkeypatch):
    from gradtui.engine import asymptotics

    (tmp_path / "tanh.large_q.npy").write_bytes(b"not an array")
    np.save(tmp_path / "relu.large_q.npy", np.zeros(asymptotics.LARGE_Q_VALUES + 1))
    monkeypatch.setattr(shipped, "DIRECTORY", tmp_path)
    for name in ("tanh", "relu", "sigmoid"):  # foreign, of another shape, missing
        assert asymptotics.shipped_large_q(name) is None
    asymptotics.large_q.cache_clear()
    try:
        assert asymptotics.large_q("tanh") == asymptotics.integrated_large_q("tanh")
    finally:
        asymptotics.large_q.cache_clear()


def test_at_mean_0_the_tables_are_read_not_built(monkeypatch):
    def no_build(*args):
        raise AssertionError("built")

    monkeypatch.setattr(meanfield_tables, "node_values", no_build)
    read = meanfield_tables._make("tanh", 0.0)
    assert read.log_d.scalar(0.3) == tables("tanh").log_d.scalar(0.3)
    with pytest.raises(AssertionError, match="built"):  # any other mean is built
        meanfield_tables._make("tanh", 0.25)


@pytest.mark.parametrize("content", [None, b"", b"not a table", "truncated", "other grid", "other shape"])
def test_a_missing_or_foreign_shipped_table_is_built_instead(tmp_path, monkeypatch, content):
    rows = meanfield_tables.node_values("sigmoid")
    path = tmp_path / "sigmoid.npy"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "truncated":
        np.save(path, rows)
        path.write_bytes(path.read_bytes()[:5000])
    elif content == "other grid":
        other = rows.copy()
        other[0, 2] = 0.1  # another spacing
        np.save(path, other)
    elif content == "other shape":
        np.save(path, rows[:, :-1])
    monkeypatch.setattr(shipped, "DIRECTORY", tmp_path)
    assert meanfield_tables.shipped_values("sigmoid") is None
    built = meanfield_tables._make("sigmoid", 0.0)
    u = np.linspace(-20.0, 20.0, 41)
    # built here, shipped from another machine: the same to rounding (see _rounding_tolerance)
    np.testing.assert_allclose(built.log_v(u), tables("sigmoid").log_v(u), rtol=1e-13, atol=1e-15)


def test_tables_made_says_whether_asking_costs_nothing():
    from gradtui.engine.config import Config
    from gradtui.engine.expected import tables_ready

    mean = 0.123456789  # on no control's grid: not made by another test
    assert not meanfield_tables.tables_made("elu", mean)
    assert not tables_ready(Config(activation="elu", bias_mean=mean))
    meanfield_tables.tables("elu", mean)
    assert meanfield_tables.tables_made("elu", mean)
    assert tables_ready(Config(activation="elu", bias_mean=mean))
    # layer norm subtracts the mean: its pre-activations are read at mean 0
    assert tables_ready(Config(activation="elu", bias_mean=0.5, norm="layer")) == meanfield_tables.tables_made("elu")


def test_two_threads_asking_for_the_same_new_tables_build_them_once(monkeypatch):
    """The look-ahead's thread and a key press's may ask for a new bias mean's tables together:
    one builds them, the other waits and gets the same tables."""
    import threading
    import time

    real, calls = meanfield_tables.node_values, []

    def slow(activation, mean=0.0):
        calls.append(mean)
        time.sleep(0.2)  # both threads are inside tables() meanwhile
        return real(activation, mean)

    monkeypatch.setattr(meanfield_tables, "node_values", slow)
    mean = 0.987654321  # on no control's grid: not made by another test
    got = []
    threads = [threading.Thread(target=lambda: got.append(tables("relu", mean))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [mean]
    assert len(got) == 2 and got[0] is got[1]
