"""Warming a model's schema prefix: the KV state of the head every question on one schema
shares (system prompt, dialect, schema text), computed ahead of the first question so that
``serve`` and the editor answer it in the time of its own tail."""

from __future__ import annotations

import logging
import threading

from sqlfix.models.base import ChatModel
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


def warm_in_background(model: ChatModel, schemas: list[tuple[Schema, str]]) -> threading.Thread:
    """Start a daemon thread that warms each ``(schema, dialect)`` in turn; return it.
    A failure there is not the caller's: the first question computes its prefix itself."""

    def run() -> None:
        for schema, dialect in schemas:
            try:
                warm_schema(model, schema, dialect)
            except Exception as exc:  # noqa: BLE001 - a failed warm-up only costs the first question time
                logging.getLogger(__name__).warning("schema prefix warm-up failed: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                return

    thread = threading.Thread(target=run, name="sqlfix-warm-prefix", daemon=True)
    thread.start()
    return thread
