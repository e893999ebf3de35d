"""gradtui.probe: per-module gradient health of a real PyTorch model (docs/probe.md).

The recorder (``check``, ``Recorder``, ``readout_loss``) needs torch (``pip install 'gradtui[torch]'``)
and is imported on first use; the reader of its files (``read_probe``, ``ProbeRun``,
``ProbeFileError``) needs neither torch nor Textual.
"""

from __future__ import annotations

from typing import Any

from .reader import MAX_BYTES, ProbeFileError, ProbeRun, read_probe

_RECORDER = ("Recorder", "check", "readout_loss")

__all__ = ["MAX_BYTES", "ProbeFileError", "ProbeRun", "read_probe", *_RECORDER]


def __getattr__(name: str) -> Any:
    if name in _RECORDER:
        from . import recorder

        return getattr(recorder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
