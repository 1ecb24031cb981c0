"""The records datagen passes between stages and writes as JSONL rows (schema in README.md)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

SEMANTIC = "semantic"


@dataclass
class Candidate:
    """A question/SQL pair before verification.

    Attributes:
        schema_id: the schema it is written against.
        dialect: sqlglot dialect of ``sql``.
        question: the English question.
        sql: the SQL answering it.
        shape: the SQL shape name (``count``, ``join_group``...).
        generator: ``offline`` or ``llm``.
        ordered: True when the result order is part of the answer (an ORDER BY reaches the output).
    """

    schema_id: str
    dialect: str
    question: str
    sql: str
    shape: str
    generator: str = "offline"
    ordered: bool = False


@dataclass
class Pair:
    """A verified text-to-SQL pair (one ``text2sql`` row)."""

    schema_id: str
    dialect: str
    engine: str
    generator: str
    shape: str
    template: str
    question: str
    sql: str
    n_rows: int
    result_hash: str
    ordered: bool = False

    def to_row(self) -> dict[str, Any]:
        """Return the JSONL row (without ``split``, added when the splits are written)."""
        row = {"id": "", "task": "text2sql", **asdict(self)}
        row.pop("ordered")
        row["id"] = row_id(self.generator, self.schema_id, self.dialect, self.question, self.sql)
        return row


@dataclass
class Triple:
    """A verified repair triple (one ``repair`` row)."""

    schema_id: str
    dialect: str
    engine: str
    generator: str
    shape: str
    template: str
    question: str | None
    broken_sql: str
    error: str | None
    error_kind: str
    error_detail: str | None
    fixed_sql: str
    edit: str
    operator: str
    intended_kind: str
    edit_ratio: float
    limits: dict[str, float] | None = None

    def to_row(self) -> dict[str, Any]:
        """Return the JSONL row (without ``split``)."""
        row = {"id": "", "task": "repair", **asdict(self)}
        row["edit_ratio"] = round(self.edit_ratio, 4)
        row["id"] = row_id(self.generator, self.schema_id, self.dialect, self.broken_sql, self.fixed_sql)
        return row


def row_id(generator: str, schema_id: str, dialect: str, *parts: str) -> str:
    """Stable id from the row's content."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]
    return f"{generator}-{schema_id}-{dialect}-{digest}"


def dumps(row: dict[str, Any]) -> str:
    """One JSONL line (compact, non-ASCII kept, non-JSON values rendered with ``str``)."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str)


def guess_shape(sql: str) -> str:
    """The shape name of SQL that did not come from the sampler (LLM answers, logs)."""
    upper = re.sub(r"\s+", " ", sql.upper())
    if re.search(r"\bOVER ?\(", upper):
        return "window"
    if upper.lstrip().startswith("WITH"):
        return "cte"
    if " JOIN " in upper:
        return "join_group" if "GROUP BY" in upper else "join"
    if "GROUP BY" in upper:
        return "group_agg"
    if re.search(r"\( ?SELECT\b", upper):
        return "subquery"
    if "COUNT(" in upper:
        return "count"
    return "select"
