import os

# Deterministic rendering for every test: no colour surprises from the developer's shell.
os.environ.pop("NO_COLOR", None)
