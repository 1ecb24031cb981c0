"""Convert a local model (a base with its LoRA adapter merged) once into an int8 CTranslate2
model in the cache, for the quantized CPU runtime (:mod:`sqlfix.models.ct2`).

The adapter is merged into the float weights *before* quantizing, so the int8 model is the
fine-tuned one. The cache folder is named by the base and a digest of the adapter's files, so
a retrained adapter converts anew; a folder without its completion marker (a crash mid-way, a
deleted file) is rebuilt. Several processes converting at once take turns on a file lock, and
the finished folder appears by one rename, so no reader sees half a model.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

from filelock import FileLock

from sqlfix.errors import SqlfixError
from sqlfix.models.cache import models_cache_dir
from sqlfix.models.ct2 import TOKENIZER_DIR, CT2ChatModel

QUANTIZATION = "int8"
QUANTIZED_MARKER = "sqlfix-quantized.txt"
_MODEL_FILES = ("model.bin", "config.json", f"{TOKENIZER_DIR}/tokenizer_config.json", QUANTIZED_MARKER)


def quantized_dir(base_dir: Path, adapter_dir: Path | None) -> Path:
    """Return the cache folder that holds (or will hold) the int8 model of ``base_dir`` with
    ``adapter_dir`` merged.

    Example:
        >>> quantized_dir(Path("/m/smollm2-135m-0.1.2"), None).name
        'smollm2-135m-0.1.2-int8'
    """
    name = f"{base_dir.name}+{adapter_dir.name}-{_digest(adapter_dir)}" if adapter_dir else base_dir.name
    return models_cache_dir() / "ct2" / f"{name}-{QUANTIZATION}"


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds a finished conversion (every file, the marker last)."""
    return all((folder / name).is_file() for name in _MODEL_FILES) and (folder / "model.bin").stat().st_size > 0


def ensure_quantized(base_dir: Path, adapter_dir: Path | None) -> Path:
    """Return the folder of the int8 CTranslate2 model of ``base_dir`` + ``adapter_dir``,
    converting it first when it is missing or incomplete (the float model loads once, about a
    minute for 1.5B parameters on two cores)."""
    target = quantized_dir(base_dir, adapter_dir)
    if is_complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not is_complete(target):
            convert_to_ct2(base_dir, adapter_dir, target)
    return target


def load_quantized(base_dir: Path, adapter_dir: Path | None, *, name: str, threads: int | None = None):
    """Load the int8 model of ``base_dir`` + ``adapter_dir`` as a
    :class:`~sqlfix.models.ct2.CT2ChatModel`, converting it first when needed; a cached model
    that does not load (a truncated or corrupt file) is converted anew once. ``threads``: its
    CPU threads per call (default: every core)."""
    folder = ensure_quantized(base_dir, adapter_dir)
    try:
        return CT2ChatModel(folder, name=name, threads=threads)
    except SqlfixError as exc:
        logging.getLogger(__name__).warning("%s; converting it again", exc)
        with FileLock(str(folder) + ".lock"):
            shutil.rmtree(folder, ignore_errors=True)
        return CT2ChatModel(ensure_quantized(base_dir, adapter_dir), name=name, threads=threads)


def convert_to_ct2(base_dir: Path, adapter_dir: Path | None, target: Path) -> None:
    """Merge ``adapter_dir`` into ``base_dir``'s float weights, quantize to int8 and write the
    CTranslate2 model and the tokenizer to ``target`` (replaced atomically)."""
    try:
        import ctranslate2
    except ImportError:
        raise SqlfixError("the quantized CPU runtime needs ctranslate2: pip install 'sqlfix[cpu]'") from None
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # Both work folders are named by the target, so a conversion killed mid-way (no cleanup
    # runs then) leaves nothing the next one, under the same lock, does not remove first.
    staging, merged = target.with_name(target.name + ".partial"), target.with_name(target.name + ".merge")
    for stale in (staging, merged):
        shutil.rmtree(stale, ignore_errors=True)
    try:
        model = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=torch.float32)
        if adapter_dir is not None:
            from sqlfix.models.hf import with_adapter

            model = with_adapter(model, adapter_dir, merge=True)
        model.save_pretrained(merged)
        del model
        tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
        tokenizer.save_pretrained(merged)
        ctranslate2.converters.TransformersConverter(merged, load_as_float16=False).convert(
            str(staging), quantization=QUANTIZATION, force=True
        )
        tokenizer.save_pretrained(staging / TOKENIZER_DIR)
    finally:
        shutil.rmtree(merged, ignore_errors=True)
    (staging / QUANTIZED_MARKER).write_text(f"{base_dir}\n{adapter_dir or '(no adapter)'}\n{QUANTIZATION}\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def _digest(adapter_dir: Path) -> str:
    """A short digest of the adapter's files (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in adapter_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(adapter_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
