"""Convert a GGUF base model once into a plain Hugging Face model folder in the cache.

A GGUF load through transformers dequantizes every tensor (slow: tens of seconds) and, unless
dequantization is asked for, leaves a quantizer marker that ``Trainer`` and
``save_pretrained`` refuse. Converting once to safetensors + tokenizer makes later loads take
seconds and gives training a plain model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from filelock import FileLock

from sqlfix.models.cache import models_cache_dir
from sqlfix.models.sources import GgufSource, gguf_path

CONVERTED_MARKER = "sqlfix-converted.txt"


def converted_dir(source: GgufSource) -> Path:
    """Return the cache folder that holds (or will hold) the converted ``source``."""
    return models_cache_dir() / f"{source.name}-{source.version}"


def ensure_converted(source: GgufSource) -> Path:
    """Return the folder of the converted plain model of ``source``, converting it first if
    needed. Safe when several processes ask at once (a file lock; the folder appears atomically)."""
    target = converted_dir(source)
    if (target / CONVERTED_MARKER).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not (target / CONVERTED_MARKER).exists():
            convert_gguf(gguf_path(source), target, note=source.description)
    return target


def convert_gguf(gguf_file: Path, target: Path, *, note: str = "") -> None:
    """Load ``gguf_file`` dequantized and save it as a plain model + tokenizer in ``target``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    folder, name = str(gguf_file.parent), gguf_file.name
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, quantization_config=GgufConfig(dequantize=True))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    (staging / CONVERTED_MARKER).write_text(f"converted from {gguf_file}\n{note}\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
