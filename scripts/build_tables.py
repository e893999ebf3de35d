"""Rebuild the tables shipped with the package, run by hand after a change to the quadrature, the
activations, the tables' grid or the error function's fit: ``python scripts/build_tables.py``.

The expected engine reads each activation's mean-0 tables from ``gradtui/engine/tables/NAME.npy``
instead of building them (50–240 ms each) on the way to the app's first chart, their large-q
asymptotics' constants from ``tables/NAME.large_q.npy`` (~35 ms to integrate), and the error
function its fitted coefficients from ``tables/erfcx.npy`` (~50 ms to fit); tests/test_meanfield_tables.py
and tests/test_special.py fail while a shipped file differs from what the code computes.
"""

from __future__ import annotations

import numpy as np

from gradtui.engine import asymptotics, shipped, special
from gradtui.engine.activations import ACTIVATIONS
from gradtui.engine.meanfield_tables import node_values


def main() -> None:
    shipped.DIRECTORY.mkdir(exist_ok=True)
    arrays = {name: lambda name=name: node_values(name) for name in sorted(ACTIVATIONS)}
    for name in sorted(ACTIVATIONS):
        arrays[asymptotics.shipped_name(name)] = lambda name=name: asymptotics.large_q_values(
            asymptotics.integrated_large_q(name))
    arrays[special.SHIPPED_NAME] = special.fit_coefficients
    for name, compute in arrays.items():
        path = shipped.path(name)
        np.save(path, compute())
        print(f"{path}: {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
