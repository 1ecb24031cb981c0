"""Read the golden set's SQL straight from its JSONL files, so datagen never trains on it.

A golden query leaks whatever dialect or letter case it is written in: the key is the
normalised SQL case-folded, compared across dialects (the golden set has the same question in
DuckDB and ClickHouse, and a DuckDB training row must not teach a ClickHouse golden answer).
"""

from __future__ import annotations

import json
from pathlib import Path

from datagen.canonical import cached_normalize

GOLDEN_SQL_FIELDS = ("sql", "fixed_sql", "broken_sql")


def leak_key(sql: str, dialect: str) -> str:
    """The dialect- and case-free key of ``sql`` that golden leakage is judged by.

    Example:
        >>> leak_key("SELECT Name FROM t", "duckdb") == leak_key("select name from T", "clickhouse")
        True
    """
    return cached_normalize(sql, dialect).casefold()


def golden_queries(golden_dir: str | Path) -> set[str]:
    """:func:`leak_key` of every golden ``sql``, ``fixed_sql``, ``broken_sql`` and alternative.

    Unreadable lines are skipped: the golden set has its own format checks.
    """
    found: set[str] = set()
    root = Path(golden_dir)
    if not root.is_dir():
        return found
    for path in sorted(root.glob("**/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if not isinstance(row, dict):
                continue
            dialect = row.get("dialect") or "duckdb"
            queries = [row.get(f) for f in GOLDEN_SQL_FIELDS] + list(row.get("alternatives") or [])
            found.update(leak_key(q, dialect) for q in queries if isinstance(q, str) and q.strip())
    return found
