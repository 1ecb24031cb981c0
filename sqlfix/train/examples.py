"""Turn datagen rows into chat prompt/completion examples, with the same prompts inference uses.

Each repair row gives one example per repair output format (the whole fixed query, or the
compact edit of ``sqlfix.prompts.make_edit``); each text-to-SQL row gives one question → SQL
example. Examples are TRL's conversational prompt/completion records, so the loss falls on
the completion only.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlfix.errors import InputFormatError
from sqlfix.models.base import Message
from sqlfix.prompts import ask_messages, make_edit, repair_messages

SchemaPrompt = Callable[[str], str]


def build_examples(
    rows: Iterable[dict[str, Any]],
    schema_prompt: SchemaPrompt,
    *,
    repair_formats: tuple[str, ...] = ("full", "edit"),
    text2sql: bool = True,
    question_rate: float = 1.0,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Return prompt/completion examples for ``rows`` (datagen text2sql and repair rows).

    Args:
        rows: datagen rows, each with ``task`` set.
        schema_prompt: maps a ``schema_id`` to its prompt text (see :func:`schema_prompts`).
        repair_formats: output formats to emit per repair row.
        text2sql: emit question → SQL examples.
        question_rate: share of repair examples with a runtime error that keep the row's
            question in the prompt (the fix pipeline often has none); a semantic repair (no
            error) always keeps it. Drawn per example from ``seed``.
        seed: seeds the question draws.

    Example:
        >>> rows = [{"task": "repair", "schema_id": "s", "dialect": "duckdb", "broken_sql": "SELEC 1",
        ...          "fixed_sql": "SELECT 1", "error": "syntax error at SELEC"}]
        >>> [e["completion"][0]["content"] for e in build_examples(rows, lambda _: "CREATE TABLE t (a INT);")]
        ['SELECT 1', '- SELEC\\n+ SELECT']
    """
    examples = []
    draw = random.Random(seed)
    for row in rows:
        schema = schema_prompt(row["schema_id"])
        if row["task"] == "repair":
            for output in repair_formats:
                keep = not row.get("error") or draw.random() < question_rate
                examples.append(_repair_example(row, schema, output, keep_question=keep))
        elif text2sql:
            messages = ask_messages(schema, row["question"], row["dialect"])
            examples.append(_example(messages, row["sql"].strip(), row, "text2sql"))
    return examples


def _repair_example(row: dict[str, Any], schema: str, output: str, *, keep_question: bool) -> dict[str, Any]:
    question = row.get("question") if keep_question else None
    messages = repair_messages(schema, row["broken_sql"], row.get("error"), row["dialect"], question=question, output=output)
    target = row["fixed_sql"].strip() if output == "full" else make_edit(row["broken_sql"].strip(), row["fixed_sql"].strip())
    return _example(messages, target, row, f"repair_{output}")


def _example(messages: list[Message], target: str, row: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        "prompt": [{"role": m.role, "content": m.content} for m in messages],
        "completion": [{"role": "assistant", "content": target}],
        "kind": kind,
        "schema_id": row["schema_id"],
        "broken_sql": row.get("broken_sql"),
        "reference_sql": row.get("fixed_sql") or row.get("sql"),
    }


def schema_prompts(data_dir: Path, extra_sources: dict[str, str] | None = None) -> SchemaPrompt:
    """Return a cached ``schema_id -> Schema.to_prompt()`` lookup: demo schemas by name, schemas
    stored by datagen in ``<data_dir>/schemas/<id>.json``, then ``extra_sources`` (id → anything
    ``load_schema`` reads). An unknown id raises :class:`InputFormatError`."""
    cache: dict[str, str] = {}

    def lookup(schema_id: str) -> str:
        if schema_id not in cache:
            cache[schema_id] = _load_schema(schema_id, data_dir, extra_sources or {}).to_prompt()
        return cache[schema_id]

    return lookup


def _load_schema(schema_id: str, data_dir: Path, extra_sources: dict[str, str]):
    from sqlfix.demo import DEMO_NAMES, demo_schema
    from sqlfix.schema import Schema, load_schema

    stored = data_dir / "schemas" / f"{schema_id}.json"
    if stored.is_file():
        try:
            return Schema.from_dict(json.loads(stored.read_text()))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputFormatError(f"{stored}: not a schema ({exc})") from None
    if schema_id in extra_sources:
        return load_schema(extra_sources[schema_id], schema_id=schema_id)
    if schema_id in DEMO_NAMES:
        return demo_schema(schema_id)
    raise InputFormatError(
        f"no schema for schema_id {schema_id!r}: not a demo, no {stored}, and not in schema_sources"
    )
