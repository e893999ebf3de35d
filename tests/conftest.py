import pytest
import os

# Deterministic rendering for every test: no colour surprises from the developer's shell.
os.environ.pop("NO_COLOR", None)


@pytest.fixture(autouse=True)
def _exports_in_a_temporary_directory(request, tmp_path, monkeypatch):
    """`e` saves the screen as SVG into the working directory: tests that press keys at random
    (the storms) must not leave files in the checkout."""
    if "storm" in request.node.name:
        monkeypatch.chdir(tmp_path)
