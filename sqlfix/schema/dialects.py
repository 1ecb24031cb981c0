"""Validation of SQL dialect names against the dialects sqlglot knows."""

from __future__ import annotations

from sqlglot.dialects.dialect import Dialect, Dialects

from sqlfix.errors import DialectError


def known_dialects() -> list[str]:
    """Return the dialect names sqlglot accepts, sorted.

    Example:
        >>> "duckdb" in known_dialects() and "clickhouse" in known_dialects()
        True
    """
    return sorted(d.value for d in Dialects if d.value)


def check_dialect(name: str) -> str:
    """Return ``name`` lower-cased if sqlglot knows the dialect, else raise :class:`DialectError`.

    Example:
        >>> check_dialect("DuckDB")
        'duckdb'
    """
    lowered = name.strip().lower()
    try:
        Dialect.get_or_raise(lowered)
    except ValueError:
        raise DialectError(f"unknown SQL dialect {name!r}; known: {', '.join(known_dialects())}") from None
    return lowered
