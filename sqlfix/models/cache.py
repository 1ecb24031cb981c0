"""Where converted models live on disk."""

from __future__ import annotations

import os
from pathlib import Path

# A quantized model's tokenizer lives in its own folder: beside CTranslate2's config.json,
# transformers would read that as the model's config and take the Qwen tokenizer for a Mistral
# one with a broken regex.
TOKENIZER_DIR = "tokenizer"


def models_cache_dir() -> Path:
    """Return the folder holding converted base models: ``$SQLFIX_CACHE_DIR/models``, else
    ``~/.cache/sqlfix/models``."""
    root = os.environ.get("SQLFIX_CACHE_DIR")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "sqlfix"
    return base / "models"
