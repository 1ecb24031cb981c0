"""Warming a model's schema prefix: the KV state of the head every question on one schema
shares (system prompt, dialect, schema text), computed ahead of the first question so that
``serve`` and the editor answer it in the time of its own tail."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlfix.errors import first_line
from sqlfix.models.base import ChatModel
from sqlfix.models.lazy import LazyModel
from sqlfix.prompts import ask_messages
from sqlfix.schema.model import Schema

# Two questions that share no first word: the head of their prompts is the schema part alone.
_PROBES = ("How many rows?", "Which values?")


def warm_schema(model: ChatModel, schema: Schema, dialect: str) -> int:
    """Compute the schema prefix of ``ask`` prompts on ``model`` (one that keeps prefixes, with
    a ``warm`` method; others are left as they are) and return its length in tokens (0: none)."""
    from sqlfix.fix.model_source import ask_schema_prompt

    warm = getattr(model, "warm", None)
    if warm is None:
        return 0
    return warm([ask_messages(ask_schema_prompt(schema, probe), probe, dialect) for probe in _PROBES])


def warm_in_background(
    model: ChatModel,
    schemas: list[tuple[Schema, str]],
    *,
    on_ready: Callable[[ChatModel | None, str | None], None] | None = None,
) -> threading.Thread:
    """Start a daemon thread that loads ``model`` (a :class:`~sqlfix.models.lazy.LazyModel`
    loads then; ``on_ready`` hears the loaded model or None, and the load's warning) and warms
    each ``(schema, dialect)`` in turn; return the thread. A failed warm-up is logged, not
    raised: the first question then computes its prefix itself."""

    def run() -> None:
        loaded = model.get_or_none() if isinstance(model, LazyModel) else model
        if on_ready is not None:
            on_ready(loaded, model.warning if isinstance(model, LazyModel) else None)
        if loaded is None:
            return
        for schema, dialect in schemas:
            try:
                warm_schema(loaded, schema, dialect)
            except Exception as exc:  # noqa: BLE001 - a failed warm-up only costs the first question time
                logging.getLogger(__name__).warning("schema prefix warm-up failed: %s", first_line(exc))
                return

    thread = threading.Thread(target=run, name="sqlfix-warm-prefix", daemon=True)
    thread.start()
    return thread
