"""Turn datagen rows into chat prompt/completion examples, with the same prompts inference uses.

Each repair row gives one example per repair output format (the whole fixed query, or the
compact edit of ``sqlfix.prompts.make_edit``), its prompt showing the focus of the broken query
(``sqlfix.schema.focus.focus_schema``, as ``sqlfix fix`` shows it); each text-to-SQL row gives
one question → SQL example with the whole schema. Examples are TRL's conversational prompt/completion records, so the loss falls on
the completion only.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from sqlfix.errors import InputFormatError
from sqlfix.models.base import Message
from sqlfix.prompts import ask_messages, make_edit, repair_messages

if TYPE_CHECKING:  # the schema package loads DuckDB, which a GPU host running prepared examples lacks
    from sqlfix.schema.model import Schema

SchemaLookup = Callable[[str], "Schema"]


def build_examples(
    rows: Iterable[dict[str, Any]],
    schema_of: SchemaLookup,
    *,
    repair_formats: tuple[str, ...] = ("full", "edit"),
    text2sql: bool = True,
    question_rate: float = 1.0,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Return prompt/completion examples for ``rows`` (datagen text2sql and repair rows).

    Args:
        rows: datagen rows, each with ``task`` set.
        schema_of: maps a ``schema_id`` to its :class:`Schema` (see :func:`schema_lookup`).
        repair_formats: output formats to emit per repair row.
        text2sql: emit question → SQL examples.
        question_rate: share of repair examples with a runtime error that keep the row's
            question in the prompt (the fix pipeline often has none); a semantic repair (no
            error) always keeps it. Drawn per example from ``seed``.
        seed: seeds the question draws.

    Example:
        >>> rows = [{"task": "repair", "schema_id": "s", "dialect": "duckdb", "broken_sql": "SELEC 1",
        ...          "fixed_sql": "SELECT 1", "error": "syntax error at SELEC"}]
        >>> from sqlfix.schema.model import Schema
        >>> schema = Schema("s", "duckdb", [])
        >>> [e["completion"][0]["content"] for e in build_examples(rows, lambda _: schema)]
        ['SELECT 1', '- SELEC\\n+ SELECT']
    """
    from sqlfix.schema.focus import focus_schema

    examples = []
    draw = random.Random(seed)
    whole_prompts: dict[str, str] = {}
    for row in rows:
        schema = schema_of(row["schema_id"])
        if row["task"] == "repair":
            focus = focus_schema(schema, row["broken_sql"]).to_prompt()
            for output in repair_formats:
                keep = not row.get("error") or draw.random() < question_rate
                examples.append(_repair_example(row, focus, output, keep_question=keep))
        elif text2sql:
            if row["schema_id"] not in whole_prompts:
                whole_prompts[row["schema_id"]] = schema.to_prompt()
            messages = ask_messages(whole_prompts[row["schema_id"]], row["question"], row["dialect"])
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


def schema_lookup(data_dir: Path, extra_sources: dict[str, str] | None = None) -> SchemaLookup:
    """Return a cached ``schema_id -> Schema`` lookup: demo schemas by name, schemas stored by
    datagen in ``<data_dir>/schemas/<id>.json``, then ``extra_sources`` (id → anything
    ``load_schema`` reads). An unknown id raises :class:`InputFormatError`."""
    cache: dict[str, "Schema"] = {}

    def lookup(schema_id: str) -> "Schema":
        if schema_id not in cache:
            cache[schema_id] = _load_schema(schema_id, data_dir, extra_sources or {})
        return cache[schema_id]

    return lookup


def _load_schema(schema_id: str, data_dir: Path, extra_sources: dict[str, str]) -> "Schema":
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
