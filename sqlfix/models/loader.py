"""Turn a model spec (:mod:`sqlfix.models.specs`) into a :class:`~sqlfix.models.base.ChatModel`."""

from __future__ import annotations

import os
from pathlib import Path

from sqlfix.errors import SqlfixError
from sqlfix.models.base import ChatModel
from sqlfix.models.sources import SOURCES
from sqlfix.models.specs import DEFAULT, RULES, VOCABULARY, parse_model_spec


def load_model(
    spec: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout_s: float | None = None,
    device: str | None = None,
    merge: bool = True,
    static_cache: bool = False,
    runtime: str | None = None,
    threads: int | None = None,
) -> ChatModel:
    """Load the model named by ``spec``.

    ``spec`` is any spec of the vocabulary in :mod:`sqlfix.models.specs` but ``rules`` (which
    names no model); ``auto`` loads this machine's default
    (:func:`~sqlfix.models.hardware.default_model_choice`) on the runtime chosen with it;
    ``openai:<model>`` endpoints take ``base_url`` (else ``OPENAI_BASE_URL``) and ``api_key``
    (else ``OPENAI_API_KEY``).

    ``runtime`` runs a local model in ``torch`` (float, :class:`HFChatModel`), ``ct2`` (int8
    CTranslate2 on the CPU, :class:`~sqlfix.models.ct2.CT2ChatModel`), ``ort`` (int4 ONNX
    Runtime GenAI on the CPU, :class:`~sqlfix.models.ort.OrtChatModel`), both converted once
    into the cache, or ``auto`` (:func:`~sqlfix.models.runtime.pick_runtime`: on a CPU the
    fastest of those installed, else torch). None, the default, is ``$SQLFIX_RUNTIME`` when it
    is set, else ``torch``: so ``sqlfix eval``, datagen and the benches run the float model
    unless that variable asks for a quantized one. ``threads`` caps a local model's CPU threads
    (ct2, ort: their own; torch: ``torch.set_num_threads``, process-wide).
    ``device``, ``merge`` and ``static_cache`` apply to torch models (see :class:`HFChatModel`);
    ``base_url``, ``api_key`` and ``timeout_s`` to endpoints. Raises :class:`SqlfixError` for an
    unknown spec, a missing package (naming the pip command) or a folder that is no model.

    Example:
        >>> load_model("openai:gpt-4o-mini", base_url="http://127.0.0.1:9/v1").name
        'openai:gpt-4o-mini'
    """
    parsed = parse_model_spec(spec)
    if parsed.is_rules:
        raise SqlfixError(f"'{RULES}' names no model to load (it means the deterministic repairers alone)")
    if parsed.is_auto:
        from sqlfix.models.hardware import default_model_choice

        choice = default_model_choice()
        return load_model(choice.spec, device=device, merge=merge, static_cache=static_cache, runtime=choice.runtime, threads=threads)
    if parsed.kind == "endpoint":
        from sqlfix.models.openai_chat import DEFAULT_TIMEOUT_S, OpenAIChatModel

        return OpenAIChatModel(parsed.endpoint_model or "", base_url=base_url, api_key=api_key,
                               timeout_s=timeout_s or DEFAULT_TIMEOUT_S)
    name = DEFAULT if parsed.text.lower() == DEFAULT else parsed.text
    from sqlfix.models.runtime import RUNTIME_ENV, pick_runtime

    if runtime is None:  # auto reads the variable
        runtime = "auto" if os.environ.get(RUNTIME_ENV, "").strip() else "torch"
    picked = pick_runtime(runtime, device)
    if picked != "torch":
        from sqlfix.models.quantize import load_quantized

        return load_quantized(resolve_base(parsed.base or ""), parsed.adapter_dir, name=name, threads=threads, runtime=picked)
    from sqlfix.models.hf import HFChatModel

    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    return HFChatModel(
        resolve_base(parsed.base or ""), adapter_dir=parsed.adapter_dir, merge=merge, device=device, name=name,
        static_cache=static_cache,
    )


def resolve_base(base: str) -> Path:
    """Return the plain model folder for a base model name (converted on first use) or folder."""
    if base in SOURCES:
        from sqlfix.models.convert import ensure_converted

        return ensure_converted(SOURCES[base])
    folder = Path(base).expanduser()
    if (folder / "config.json").is_file():
        return folder
    raise SqlfixError(f"unknown model {base!r}: use {VOCABULARY}")
