"""Memoised canonical SQL text, shared by the filters, the golden-leakage check and the splits.

One verified query is normalised for several jobs (duplicate SQL, golden leakage, its split
group, each triple built on it), so the parse is done once per process.
"""

from __future__ import annotations

from functools import lru_cache

from sqlfix.normalize import normalize_sql


@lru_cache(maxsize=65536)
def cached_normalize(sql: str, dialect: str) -> str:
    """``sqlfix.normalize.normalize_sql``, memoised.

    Example:
        >>> cached_normalize("select  A from T", "duckdb")
        'SELECT a FROM t'
    """
    return normalize_sql(sql, dialect)
