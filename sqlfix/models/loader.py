"""Turn a model spec string into a :class:`~sqlfix.models.base.ChatModel`."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from sqlfix.errors import SqlfixError
from sqlfix.models.base import ChatModel
from sqlfix.models.sources import SOURCES

DEFAULT_BASE = "smollm2-135m"
DEFAULT_ADAPTER = "smollm2-135m-sqlfix"


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
) -> ChatModel:
    """Load the model named by ``spec``.

    Specs:
        * ``default``: SmolLM2-135M with the fine-tuned adapter shipped in ``sqlfix/adapters``.
        * ``smollm2-135m``, ``qwen2.5-coder-0.5b``, ``qwen2.5-coder-1.5b``: a base model from
          its PyPI-shipped GGUF (converted once into the cache).
        * ``<base>+<adapter_dir>``: a base (a name above or a model folder) plus a LoRA adapter.
        * a folder: a plain or merged model, or an adapter (its base read from
          ``adapter_config.json``).
        * ``openai:<model>``: an OpenAI-compatible endpoint (``base_url`` or ``OPENAI_BASE_URL``,
          key from ``api_key`` or ``OPENAI_API_KEY``).

    ``device``, ``merge`` and ``static_cache`` apply to local models (see :class:`HFChatModel`);
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
    if spec == "default":
        adapter = bundled_adapter_dir()
        if not (adapter / "adapter_config.json").is_file():
            raise SqlfixError(f"the bundled adapter is missing from {adapter}; reinstall sqlfix or pass --model {DEFAULT_BASE}")
        base, adapter_dir = DEFAULT_BASE, adapter
    elif "+" in spec and spec.split("+", 1)[0] in SOURCES or "+" in spec and Path(spec.split("+", 1)[0]).is_dir():
        base, adapter_text = spec.split("+", 1)
        adapter_dir = Path(adapter_text).expanduser()
    elif Path(spec).expanduser().is_dir() and (Path(spec).expanduser() / "adapter_config.json").is_file():
        adapter_dir = Path(spec).expanduser()
        base = _adapter_base(adapter_dir)
    else:
        base, adapter_dir = spec, None
    from sqlfix.models.hf import HFChatModel

    name = "default" if spec == "default" else spec
    return HFChatModel(
        resolve_base(base), adapter_dir=adapter_dir, merge=merge, device=device, name=name, static_cache=static_cache
    )


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
