"""Memoised canonical SQL text, shared by the filters, the golden-leakage check, the splits and
the verifier.

One verified query is normalised for several jobs (duplicate SQL, golden leakage, its split
group, each triple built on it), so the parse is done once per process.
"""

from __future__ import annotations

from functools import lru_cache

from sqlfix.normalize import normalize_sql, sql_template


@lru_cache(maxsize=65536)
def cached_normalize(sql: str, dialect: str) -> str:
    """``sqlfix.normalize.normalize_sql``, memoised.

    Example:
        >>> cached_normalize("select  A from T", "duckdb")
        'SELECT a FROM t'
    """
    return normalize_sql(sql, dialect)


@lru_cache(maxsize=65536)
def cached_template(sql: str, dialect: str) -> str:
    """``sqlfix.normalize.sql_template``, memoised (the offline sampler draws some queries again)."""
    return sql_template(sql, dialect)
