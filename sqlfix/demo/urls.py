"""The demo databases' URLs: ``demo://NAME`` (DuckDB; also ``demo+duckdb://NAME``) and
``demo+clickhouse://NAME`` (embedded ClickHouse). The engines know nothing of them: the places
that open a database URL (:func:`sqlfix.demo.open_url`, :func:`sqlfix.fix.database.open_database`,
:func:`sqlfix.schema.read_source`) read them here."""

from __future__ import annotations

DEMO_SCHEMES = {"demo": "duckdb", "demo+duckdb": "duckdb", "demo+clickhouse": "clickhouse"}


def parse_demo_url(url: str) -> tuple[str, str] | None:
    """Return ``(demo name, engine)`` for a demo URL, None for any other URL or path.

    Example:
        >>> parse_demo_url("demo+clickhouse://shop")
        ('shop', 'clickhouse')
        >>> parse_demo_url("duckdb:///tmp/x.duckdb") is None
        True
    """
    scheme, separator, rest = url.strip().partition("://")
    engine = DEMO_SCHEMES.get(scheme.lower()) if separator else None
    return (rest.strip("/"), engine) if engine else None
