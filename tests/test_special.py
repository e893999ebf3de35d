"""The vectorised error function (gradtui/engine/special.py): its fitted coefficients ship with the
package, and erf, erfc and Φ keep the relative accuracy its docstring states (against math.erf and
math.erfc, which are good to a few ulp)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradtui.engine import shipped, special


def test_the_shipped_coefficients_are_a_fresh_fit():
    """The shipped polynomials are the ones a fit makes now. Compared by their values on each
    panel, not coefficient by coefficient: the least-squares fit and the change to monomials move
    the coefficients by up to 2e-13 between machines (NumPy's and LAPACK's AVX2 and AVX-512 paths),
    while the values they give agree to ~1e-15."""
    stored = np.load(shipped.path(special.SHIPPED_NAME), allow_pickle=False)
    fresh = special.fit_coefficients()
    assert stored.shape == fresh.shape
    powers = np.vander(np.linspace(-1.0, 1.0, 101), stored.shape[0], increasing=True)
    np.testing.assert_allclose(powers @ stored, powers @ fresh, rtol=1e-14, atol=0,
                               err_msg="stale tables/erfcx.npy (python scripts/build_tables.py)")
    assert special._coeffs().flags.c_contiguous


@pytest.mark.parametrize("content", [None, b"", b"junk", "other shape"])
def test_a_missing_or_foreign_coefficient_file_is_fitted_instead(tmp_path, monkeypatch, content):
    path = tmp_path / "erfcx.npy"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "other shape":
        np.save(path, special.fit_coefficients()[:, :-1])
    monkeypatch.setattr(shipped, "DIRECTORY", tmp_path)
    fitted = special._coeffs.__wrapped__()
    np.testing.assert_array_equal(fitted, special.fit_coefficients())


_X = np.concatenate([np.linspace(-6.0, 6.0, 4001), np.geomspace(1e-300, 0.5, 400),
                     np.linspace(6.0, 26.5, 400)])


def _erfc_budget(x: np.ndarray) -> np.ndarray:
    """~1e-15, and x²·ε beyond x ≈ 3: exp(−x²) of a rounded x² (measured: 1.1e-13 at x ≈ 25)."""
    return 2e-15 + 2 * np.finfo(float).eps * np.square(np.maximum(x, 0.0))


def test_erfc_and_erf_match_the_scalar_functions():
    exact_c = np.array([math.erfc(x) for x in _X.tolist()])
    got_c = special.erfc(_X)
    fine = exact_c > 1e-300  # math.erfc keeps full precision down to its underflow
    rel = np.abs(got_c[fine] / exact_c[fine] - 1.0)
    over = rel / _erfc_budget(_X[fine])
    assert over.max() <= 1.0, _X[fine][np.argmax(over)]
    assert rel[np.abs(_X[fine]) <= 3.0].max() <= 2e-15
    exact = np.array([math.erf(x) for x in _X.tolist()])
    got = special.erf(_X)
    nonzero = exact != 0.0
    rel = np.abs(got[nonzero] / exact[nonzero] - 1.0)
    assert rel.max() <= 1e-15, _X[nonzero][np.argmax(rel)]
    assert np.array_equal(np.signbit(got), np.signbit(_X))


def test_the_normal_cdf_keeps_its_relative_accuracy_deep_in_the_lower_tail():
    z = -np.linspace(0.0, 37.0, 741)
    exact = np.array([0.5 * math.erfc(-x / math.sqrt(2.0)) for x in z.tolist()])
    rel = np.abs(special.ndtr(z) / exact - 1.0)
    over = rel / _erfc_budget(-z / math.sqrt(2.0))
    assert over.max() <= 1.0, z[np.argmax(over)]
