"""Choosing the chat model for a surface: loaded lazily, so rules-only use never imports torch."""

from __future__ import annotations


from sqlfix.errors import SqlfixError
from sqlfix.models.base import ChatModel

DEFAULT_MODEL = "default"


def choose_model(spec: str | None, *, use_model: bool = True, base_url: str | None = None) -> tuple[ChatModel | None, str | None]:
    """Load the model for ``spec`` (``None`` means the bundled default).

    Returns ``(model, warning)``. An explicitly named model that fails to load raises
    :class:`SqlfixError`; the *default* model failing to load (no torch installed, adapter
    missing) degrades to rules only with a warning, so the rules always work.
    """
    if not use_model:
        return None, None
    try:
        from sqlfix.models import load_model

        return load_model(spec or DEFAULT_MODEL, base_url=base_url), None
    except (SqlfixError, ImportError) as exc:
        if spec is not None:
            raise SqlfixError(f"cannot load model {spec!r}: {exc}") from exc
        return None, f"default model unavailable ({exc}); using the rules only"
