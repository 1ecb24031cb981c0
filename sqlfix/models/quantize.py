"""Convert a local model (a base with its LoRA adapter merged) once into a quantized model in
the cache, for the CPU runtimes: int8 CTranslate2 (:mod:`sqlfix.models.ct2`) or int4 ONNX
Runtime GenAI (:mod:`sqlfix.models.ort`).

The adapter is merged into the float weights *before* quantizing, so the quantized model is
the fine-tuned one. The cache folder is named by the runtime, the base and a digest of the
adapter's files, so a retrained adapter converts anew; a folder without its completion marker
(a crash mid-way, a deleted file) is rebuilt. Several processes converting at once take turns
on a file lock, and the finished folder appears by one rename, so no reader sees half a model.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
from pathlib import Path

from filelock import FileLock

from sqlfix.errors import SqlfixError
from sqlfix.models.cache import TOKENIZER_DIR, models_cache_dir
from sqlfix.models.runtime import QUANTIZATION

QUANTIZED_MARKER = "sqlfix-quantized.txt"
# The files a finished conversion holds.
_MODEL_FILES = {
    "ct2": ("model.bin", "config.json"),
    "ort": ("model.onnx", "genai_config.json"),
}
# The dtype the adapter is merged in before quantizing. bfloat16 (what the adapters were trained
# against) holds half the bytes, but on the 135M it lowered the peak RSS only to 0.84x and
# changed the greedy SQL of 4 of 10 questions (bench/bench_convert.py): float32 until the 1.5B's
# accuracy is measured both ways.
MERGE_DTYPE = "float32"
# The int4 builder's options: int8 activations in MatMulNBits (accuracy level 4, the fastest on
# x86 CPUs), and last-token logits only during prefill.
ORT_BUILDER_OPTIONS = ("accuracy_level=4", "prune_lm_head=true")


def quantized_dir(base_dir: Path, adapter_dir: Path | None, runtime: str = "ct2") -> Path:
    """Return the cache folder that holds (or will hold) the ``runtime`` model of ``base_dir``
    with ``adapter_dir`` merged.

    Example:
        >>> quantized_dir(Path("/m/smollm2-135m-0.1.2"), None).name
        'smollm2-135m-0.1.2-int8'
        >>> quantized_dir(Path("/m/smollm2-135m-0.1.2"), None, "ort").name
        'smollm2-135m-0.1.2-int4'
    """
    name = f"{base_dir.name}+{adapter_dir.name}-{_digest(adapter_dir)}" if adapter_dir else base_dir.name
    return models_cache_dir() / runtime / f"{name}-{QUANTIZATION[runtime]}"


def is_complete(folder: Path, runtime: str = "ct2") -> bool:
    """True when ``folder`` holds a finished ``runtime`` conversion (every file, the marker last)."""
    files = (*_MODEL_FILES[runtime], f"{TOKENIZER_DIR}/tokenizer_config.json", QUANTIZED_MARKER)
    return all((folder / name).is_file() for name in files) and (folder / _MODEL_FILES[runtime][0]).stat().st_size > 0


def ensure_quantized(base_dir: Path, adapter_dir: Path | None, runtime: str = "ct2") -> Path:
    """Return the folder of the ``runtime`` model of ``base_dir`` + ``adapter_dir``, converting
    it first when it is missing or incomplete (the 1.5B model: a few minutes on two cores)."""
    target = quantized_dir(base_dir, adapter_dir, runtime)
    if is_complete(target, runtime):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not is_complete(target, runtime):
            convert(base_dir, adapter_dir, target, runtime)
    return target


def load_quantized(base_dir: Path, adapter_dir: Path | None, *, name: str, threads: int | None = None,
                   runtime: str = "ct2"):
    """Load the ``runtime`` model of ``base_dir`` + ``adapter_dir`` (a
    :class:`~sqlfix.models.ct2.CT2ChatModel` or :class:`~sqlfix.models.ort.OrtChatModel`),
    converting it first when needed; a cached model that does not load (a truncated or corrupt
    file) is converted anew once. ``threads``: its CPU threads per call (default: every core)."""
    model_class = _model_class(runtime)
    folder = ensure_quantized(base_dir, adapter_dir, runtime)
    try:
        return model_class(folder, name=name, threads=threads)
    except SqlfixError as exc:
        logging.getLogger(__name__).warning("%s; converting it again", exc)
        with FileLock(str(folder) + ".lock"):
            shutil.rmtree(folder, ignore_errors=True)
        return model_class(ensure_quantized(base_dir, adapter_dir, runtime), name=name, threads=threads)


def convert(base_dir: Path, adapter_dir: Path | None, target: Path, runtime: str = "ct2",
            merge_dtype: str = MERGE_DTYPE) -> None:
    """Merge ``adapter_dir`` into ``base_dir``'s weights in ``merge_dtype`` (``bfloat16`` or
    ``float32``), quantize them for ``runtime`` and write the model and the tokenizer to
    ``target`` (replaced atomically)."""
    _model_class(runtime)  # a missing package fails before minutes of merging
    # Both work folders are named by the target, so a conversion killed mid-way (no cleanup
    # runs then) leaves nothing the next one, under the same lock, does not remove first.
    staging, merged = target.with_name(target.name + ".partial"), target.with_name(target.name + ".merge")
    for stale in (staging, merged):
        shutil.rmtree(stale, ignore_errors=True)
    try:
        tokenizer = _merge(base_dir, adapter_dir, merged, merge_dtype)
        if runtime == "ct2":
            import ctranslate2

            ctranslate2.converters.TransformersConverter(str(merged), load_as_float16=False).convert(
                str(staging), quantization=QUANTIZATION[runtime], force=True
            )
        else:
            _build_ort(merged, staging)
        tokenizer.save_pretrained(staging / TOKENIZER_DIR)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a failed conversion keeps no half model
        raise
    finally:
        shutil.rmtree(merged, ignore_errors=True)
    (staging / QUANTIZED_MARKER).write_text(f"{base_dir}\n{adapter_dir or '(no adapter)'}\n{QUANTIZATION[runtime]}\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def _merge(base_dir: Path, adapter_dir: Path | None, merged: Path, dtype: str):
    """Write the model with the adapter merged, in ``dtype``, to ``merged``; return its tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if dtype not in ("bfloat16", "float32"):
        raise SqlfixError(f"cannot merge in {dtype!r}: bfloat16 or float32")
    model = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=getattr(torch, dtype))
    if adapter_dir is not None:
        from sqlfix.models.hf import with_adapter

        model = with_adapter(model, adapter_dir, merge=True)
    model.save_pretrained(merged)
    del model
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    tokenizer.save_pretrained(merged)
    return tokenizer


def _build_ort(merged: Path, staging: Path) -> None:
    """Run ONNX Runtime GenAI's model builder (int4, CPU) in a child process: its float copy of
    the weights is freed with the process."""
    command = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(merged), "-o", str(staging),
               "-p", "int4", "-e", "cpu", "-c", str(merged / "builder-cache"), "--extra_options", *ORT_BUILDER_OPTIONS]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
        raise SqlfixError(f"the int4 conversion failed: {lines[-1] if lines else f'exit status {done.returncode}'}")


def _model_class(runtime: str):
    """The runtime's model class; a missing package is a one-line error naming the install."""
    try:
        if runtime == "ct2":
            import ctranslate2  # noqa: F401

            from sqlfix.models.ct2 import CT2ChatModel

            return CT2ChatModel
        if runtime == "ort":
            import onnxruntime_genai  # noqa: F401

            from sqlfix.models.ort import OrtChatModel

            return OrtChatModel
    except ImportError:
        package = "ctranslate2" if runtime == "ct2" else "onnxruntime-genai"
        raise SqlfixError(f"the quantized CPU runtime {runtime!r} needs {package}: pip install 'sqlfix[cpu]'") from None
    raise SqlfixError(f"no quantized runtime {runtime!r}; known: {', '.join(QUANTIZATION)}")


def _digest(adapter_dir: Path) -> str:
    """A short digest of the adapter's files (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in adapter_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(adapter_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
