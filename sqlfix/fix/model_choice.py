"""Choosing the chat model for a surface from a spec of the one vocabulary
(:mod:`sqlfix.models.specs`): loaded lazily, so rules-only use never imports torch."""

from __future__ import annotations

from sqlfix.errors import SqlfixError
from sqlfix.models.base import ChatModel
from sqlfix.models.specs import DEFAULT, RULES, RULES_CANNOT_ASK, ModelSpec, parse_model_spec


def spec_from_options(model: str | None, no_model: bool) -> str | None:
    """The spec a command's ``--model`` / ``--no-model`` options name: ``--no-model`` is
    ``--model rules``; None when neither was given (the default model, see :func:`choose_model`).

    Example:
        >>> spec_from_options(None, True)
        'rules'
        >>> spec_from_options("default", False)
        'default'
    """
    if no_model and model is not None and not parse_model_spec(model).is_rules:
        raise SqlfixError(f"--no-model is --model {RULES}; it contradicts --model {model}")
    return RULES if no_model else model


def question_model_spec(spec: str | None) -> ModelSpec:
    """The spec of a model that answers questions (``None``: the default); ``rules`` cannot.

    Raises:
        SqlfixError: ``rules`` (one line saying why), or a spec outside the vocabulary.
    """
    parsed = parse_model_spec(DEFAULT if spec is None else spec)
    if parsed.is_rules:
        raise SqlfixError(RULES_CANNOT_ASK)
    return parsed


def choose_model(spec: str | None, *, base_url: str | None = None) -> tuple[ChatModel | None, str | None]:
    """Load the model ``spec`` names: ``None`` means the bundled default, ``rules`` no model.

    Returns ``(model, warning)``. A spec outside the vocabulary, or an explicitly named model
    that fails to load, raises :class:`SqlfixError`; the *default* model failing to load (no
    torch installed, adapter missing) degrades to rules only with a warning, so the rules
    always work.
    """
    if parse_model_spec(DEFAULT if spec is None else spec).is_rules:
        return None, None
    try:
        from sqlfix.models import load_model

        return load_model(spec or DEFAULT, base_url=base_url), None
    except (SqlfixError, ImportError) as exc:
        if spec is not None:
            raise SqlfixError(f"cannot load model {spec!r}: {exc}") from exc
        return None, f"default model unavailable ({exc}); using the rules only"
