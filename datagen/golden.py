"""Read the golden set's SQL straight from its JSONL files, so datagen never trains on it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlfix.normalize import normalize_sql

GOLDEN_SQL_FIELDS = ("sql", "fixed_sql")


def golden_queries(golden_dir: str | Path) -> set[tuple[str, str]]:
    """``(dialect, normalize_sql(q))`` of every golden ``sql``, ``fixed_sql`` and alternative.

    Unreadable lines are skipped: the golden set has its own format checks.
    """
    found: set[tuple[str, str]] = set()
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
            found.update((dialect, normalize_sql(q, dialect)) for q in queries if isinstance(q, str) and q.strip())
    return found
