"""Which runtime runs a local model: float ``torch``, int8 ``ct2`` (CTranslate2) or int4 ``ort``
(ONNX Runtime GenAI), the last two on the CPU."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from sqlfix.errors import SqlfixError

RUNTIMES = ("auto", "torch", "ct2", "ort")
# The CPU runtimes, fastest first (bench/bench_cpu_runtime.py, docs/cpu_runtime.md), by the
# module each needs.
CPU_RUNTIMES = (("ort", "onnxruntime_genai"), ("ct2", "ctranslate2"))
# The weight format of each quantized runtime.
QUANTIZATION = {"ct2": "int8", "ort": "int4"}
RUNTIME_ENV = "SQLFIX_RUNTIME"


def pick_runtime(runtime: str, device: str | None = None) -> str:
    """Resolve ``runtime`` (``auto``, ``torch``, ``ct2`` or ``ort``) to a runtime.

    ``auto`` reads ``$SQLFIX_RUNTIME`` first (to force one runtime everywhere), then, when the
    model runs on the CPU (``device`` cpu, or None on a machine without a usable GPU), picks the
    fastest installed CPU runtime (:func:`cpu_runtime`), else ``torch``.

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
    return (cpu_runtime() or "torch") if on_cpu else "torch"


def cpu_runtime() -> str | None:
    """The fastest quantized CPU runtime installed here (``ort``, then ``ct2``), else None."""
    return next((name for name, module in CPU_RUNTIMES if importlib.util.find_spec(module) is not None), None)


def _gpu_device_node() -> bool:
    """True when Linux shows a GPU device node: NVIDIA's (/dev/nvidia0...) or ROCm's (/dev/kfd),
    without which torch sees no CUDA device."""
    return Path("/dev/kfd").exists() or any(Path("/dev").glob("nvidia[0-9]*"))


def has_gpu() -> bool:
    """True when torch sees a usable CUDA device (False when torch is not installed). On Linux,
    a machine with no GPU device node answers without importing torch (seconds of a process's
    time, holding the interpreter lock, on every surface that picks its default model)."""
    if importlib.util.find_spec("torch") is None:
        return False
    if sys.platform.startswith("linux") and not _gpu_device_node():
        return False
    import torch

    return torch.cuda.is_available()
