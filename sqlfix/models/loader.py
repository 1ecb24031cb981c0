"""Turn a model spec string into a :class:`~sqlfix.models.base.ChatModel`."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from sqlfix.errors import SqlfixError
from sqlfix.models.base import ChatModel
from sqlfix.models.sources import SOURCES

DEFAULT_BASE = "smollm2-135m"
SHIPPED_SUFFIX = "-sqlfix"
DEFAULT_ADAPTER = DEFAULT_BASE + SHIPPED_SUFFIX


def bundled_adapter_dir(name: str = DEFAULT_ADAPTER) -> Path:
    """Return the folder of a LoRA adapter shipped inside the package (``sqlfix/adapters``)."""
    return Path(str(resources.files("sqlfix") / "adapters" / name))


def load_model(
    spec: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout_s: float | None = None,
    device: str | None = None,
    merge: bool = True,
    static_cache: bool = False,
    runtime: str = "torch",
) -> ChatModel:
    """Load the model named by ``spec``.

    Specs:
        * ``default``: SmolLM2-135M with the fine-tuned adapter shipped in ``sqlfix/adapters``
          (the same as ``smollm2-135m-sqlfix``).
        * ``<base>-sqlfix`` (``qwen2.5-coder-0.5b-sqlfix``...): a base with the adapter shipped
          for it in ``sqlfix/adapters/<base>-sqlfix``.
        * ``smollm2-135m``, ``qwen2.5-coder-0.5b``, ``qwen2.5-coder-1.5b``: a base model from
          its PyPI-shipped GGUF (converted once into the cache).
        * ``<base>+<adapter_dir>``: a base (a name above or a model folder) plus a LoRA adapter.
        * a folder: a plain or merged model, or an adapter (its base read from
          ``adapter_config.json``).
        * ``openai:<model>``: an OpenAI-compatible endpoint (``base_url`` or ``OPENAI_BASE_URL``,
          key from ``api_key`` or ``OPENAI_API_KEY``).

    ``runtime`` runs a local model in ``torch`` (float, :class:`HFChatModel`), ``ct2`` (int8
    CTranslate2 on the CPU, converted once into the cache, :class:`~sqlfix.models.ct2.CT2ChatModel`)
    or ``auto`` (:func:`~sqlfix.models.runtime.pick_runtime`: ct2 on a CPU where ctranslate2 is
    installed, else torch).
    ``device``, ``merge`` and ``static_cache`` apply to torch models (see :class:`HFChatModel`);
    ``base_url``, ``api_key`` and ``timeout_s`` to endpoints. Raises :class:`SqlfixError` for an
    unknown spec, a missing package (naming the pip command) or a folder that is no model.

    Example:
        >>> load_model("openai:gpt-4o-mini", base_url="http://127.0.0.1:9/v1").name
        'openai:gpt-4o-mini'
    """
    spec = spec.strip()
    if spec.startswith("openai:"):
        from sqlfix.models.openai_chat import DEFAULT_TIMEOUT_S, OpenAIChatModel

        model_name = spec.removeprefix("openai:")
        if not model_name:
            raise SqlfixError("the spec 'openai:' needs a model name, as in openai:gpt-4o-mini")
        return OpenAIChatModel(model_name, base_url=base_url, api_key=api_key, timeout_s=timeout_s or DEFAULT_TIMEOUT_S)
    base, adapter_dir = resolve_local_spec(spec)
    name = "default" if spec == "default" else spec
    from sqlfix.models.runtime import pick_runtime

    if pick_runtime(runtime, device) == "ct2":
        from sqlfix.models.quantize import load_quantized

        return load_quantized(resolve_base(base), adapter_dir, name=name)
    from sqlfix.models.hf import HFChatModel

    return HFChatModel(
        resolve_base(base), adapter_dir=adapter_dir, merge=merge, device=device, name=name, static_cache=static_cache
    )


def resolve_local_spec(spec: str) -> tuple[str, Path | None]:
    """Split a local model ``spec`` (see :func:`load_model`) into its base and adapter folder
    (None: the base alone), without loading anything; a shipped adapter that is missing is an
    error naming it."""
    shipped = DEFAULT_BASE if spec == "default" else spec.removesuffix(SHIPPED_SUFFIX)
    if spec == "default" or (spec.endswith(SHIPPED_SUFFIX) and shipped in SOURCES):
        adapter = bundled_adapter_dir(shipped + SHIPPED_SUFFIX)
        if not (adapter / "adapter_config.json").is_file():
            raise SqlfixError(f"no adapter for {shipped} is shipped in {adapter}; pass --model {shipped}, or train one: "
                              f"sqlfix train DATA --base {shipped} --out DIR, then --model {shipped}+DIR")
        return shipped, adapter
    if "+" in spec and (spec.split("+", 1)[0] in SOURCES or Path(spec.split("+", 1)[0]).is_dir()):
        base, adapter_text = spec.split("+", 1)
        return base, Path(adapter_text).expanduser()
    folder = Path(spec).expanduser()
    if folder.is_dir() and (folder / "adapter_config.json").is_file():
        return _adapter_base(folder), folder
    return spec, None


def resolve_base(base: str) -> Path:
    """Return the plain model folder for a base model name (converted on first use) or folder."""
    if base in SOURCES:
        from sqlfix.models.convert import ensure_converted

        return ensure_converted(SOURCES[base])
    folder = Path(base).expanduser()
    if (folder / "config.json").is_file():
        return folder
    raise SqlfixError(
        f"unknown model {base!r}: not one of default, {', '.join(SOURCES)}, openai:<model>, or a model folder"
    )


def _adapter_base(adapter_dir: Path) -> str:
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    base = config.get("base_model_name_or_path")
    if not base:
        raise SqlfixError(f"{adapter_dir}/adapter_config.json names no base model")
    return base
