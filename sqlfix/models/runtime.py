"""Which runtime runs a local model: float ``torch`` or int8 ``ct2`` (CTranslate2 on the CPU)."""

from __future__ import annotations

import importlib.util
import os

from sqlfix.errors import SqlfixError

RUNTIMES = ("auto", "torch", "ct2")
RUNTIME_ENV = "SQLFIX_RUNTIME"


def pick_runtime(runtime: str, device: str | None = None) -> str:
    """Resolve ``runtime`` (``auto``, ``torch`` or ``ct2``) to ``torch`` or ``ct2``.

    ``auto`` reads ``$SQLFIX_RUNTIME`` first (to force one runtime everywhere), then picks
    ``ct2`` when the model runs on the CPU (``device`` cpu, or None on a machine without a
    usable GPU) and ctranslate2 is installed, else ``torch``.

    Example:
        >>> pick_runtime("torch")
        'torch'
    """
    if runtime not in RUNTIMES:
        raise SqlfixError(f"unknown runtime {runtime!r}; known: {', '.join(RUNTIMES)}")
    if runtime == "auto":
        runtime = os.environ.get(RUNTIME_ENV, "auto").strip() or "auto"
        if runtime not in RUNTIMES:
            raise SqlfixError(f"{RUNTIME_ENV}={runtime!r} is no runtime; known: {', '.join(RUNTIMES)}")
    if runtime != "auto":
        return runtime
    on_cpu = device == "cpu" or (device is None and not has_gpu())
    return "ct2" if on_cpu and importlib.util.find_spec("ctranslate2") is not None else "torch"


def has_gpu() -> bool:
    """True when torch sees a usable CUDA device (False when torch is not installed)."""
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return torch.cuda.is_available()
