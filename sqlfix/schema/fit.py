"""Fitting a schema into a prompt budget: the tables a question or query is most about.

A schema of hundreds of tables renders to more tokens than a small model's context holds (and a
CPU would need minutes to read them). When the rendered schema is longer than the budget, the
tables are ranked by how much of the text names them (the table's own name counts most, then
its columns'), tables that a chosen table's foreign keys point to follow it, and tables are kept
in that order while they fit; when not even the best table fits, sample values are dropped.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlfix.schema.model import Schema, Table

# DDL with sample values renders at about 2.2 characters per token (demo://shop: 4,902 characters,
# ~2,220 tokens): 12,000 characters are ~5,500 tokens, 2.5 demo schemas, inside the smallest
# shipped model's context (8,192 for SmolLM2) with room for the query and the answer.
PROMPT_SCHEMA_CHARS = 12_000
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def fit_schema(schema: Schema, text: str, max_chars: int = PROMPT_SCHEMA_CHARS) -> Schema:
    """Return ``schema`` when its prompt fits ``max_chars``, else the tables ``text`` (a question
    or a query) is most about that fit, in schema order.

    Example:
        >>> from sqlfix.schema.model import Column
        >>> wide = [Table(f"t{i}", [Column(f"c{i}_{j}", "INT") for j in range(30)]) for i in range(40)]
        >>> s = Schema("s", "duckdb", wide + [Table("orders", [Column("status", "TEXT")])])
        >>> [t.name for t in fit_schema(s, "How many orders per status?", 300).tables]
        ['orders']
    """
    if len(schema.to_prompt()) <= max_chars:
        return schema
    words = {w.lower() for w in _WORD.findall(text.replace("_", " "))} | {w.lower() for w in re.findall(r"\w+", text)}
    ranked = sorted(schema.tables, key=lambda t: -_score(t, words))
    by_name = {t.name.lower(): t for t in schema.tables}
    chosen: list[Table] = []
    used = 0
    for table in _with_references(ranked, by_name):
        size = len(Schema(schema.id, schema.dialect, [table]).to_prompt()) + 2
        if used + size > max_chars:
            continue
        chosen.append(table)
        used += size
    if not chosen:
        return _without_samples(schema, ranked[0], max_chars)
    keep = {id(t) for t in chosen}
    return Schema(id=schema.id, dialect=schema.dialect, tables=[t for t in schema.tables if id(t) in keep])


def _score(table: Table, words: set[str]) -> float:
    """How much ``words`` are about ``table``: its name (or its singular) 10, each column 1."""
    name = table.name.lower()
    parts = {p for p in re.split(r"[^a-z0-9]+", name) if p}
    score = 10.0 * sum(1 for w in words if w == name or w in parts or w.rstrip("s") in {p.rstrip("s") for p in parts})
    for column in table.columns:
        column_parts = {p for p in re.split(r"[^a-z0-9]+", column.name.lower()) if p}
        score += 1.0 if column.name.lower() in words or column_parts & words else 0.0
    return score


def _with_references(ranked: list[Table], by_name: dict[str, Table]):
    """``ranked`` with each table's foreign-key targets right after it (each table once)."""
    seen: set[str] = set()
    for table in ranked:
        for candidate in (table, *(by_name.get(fk.ref_table.lower()) for fk in table.foreign_keys)):
            if candidate is not None and candidate.name.lower() not in seen:
                seen.add(candidate.name.lower())
                yield candidate


def _without_samples(schema: Schema, table: Table, max_chars: int) -> Schema:
    """The single best table without sample values, cut to the columns that fit ``max_chars``
    (for budgets below one whole table)."""
    columns = [replace(c, samples=[]) for c in table.columns]
    while len(columns) > 1 and len(Schema(schema.id, schema.dialect, [replace(table, columns=columns)]).to_prompt()) > max_chars:
        columns = columns[: len(columns) // 2]
    return Schema(id=schema.id, dialect=schema.dialect, tables=[replace(table, columns=columns)])
