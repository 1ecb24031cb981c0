"""Demo databases: ``shop`` (e-commerce web analytics), ``hr`` (staff, projects, pay),
``flights`` (airline network), ``billing`` (SaaS subscriptions and invoices) and
``observability`` (a week of traces, logs and host metrics), each a DuckDB DDL file plus a
seeded row generator. ``billing`` and ``observability`` are the golden set's unseen schemas.

They are built deterministically once into the cache directory (``$SQLFIX_CACHE_DIR`` or
``~/.cache/sqlfix``) and opened read-only from there.
"""

from __future__ import annotations

from sqlfix.demo.build import DEMO_NAMES, DEMO_SEED, cache_dir, demo_ddl, demo_path, demo_rows, load_demo_schema
from sqlfix.engines.base import Engine
from sqlfix.errors import SqlfixError
from sqlfix.schema.model import Schema
from sqlfix.schema.types import transpile_schema

__all__ = ["DEMO_NAMES", "DEMO_SEED", "cache_dir", "demo_ddl", "demo_path", "demo_rows", "demo_schema", "open_demo"]

ENGINES = ("duckdb", "clickhouse")


def demo_schema(name: str, dialect: str = "duckdb") -> Schema:
    """Return the schema of demo ``name``: keys, descriptions and 3 sample values per column,
    with column types as the ``duckdb`` or ``clickhouse`` build has them.

    Example:
        >>> demo_schema("shop").table("orders").primary_key
        ['order_id']
        >>> demo_schema("shop", "clickhouse").table("orders").column("total").type
        'Decimal(12, 2)'
    """
    if dialect not in ENGINES:
        raise SqlfixError(f"demo schemas come in duckdb or clickhouse dialect, not {dialect!r}")
    schema = load_demo_schema(name)
    return schema if dialect == "duckdb" else transpile_schema(schema, dialect)


def open_demo(name: str, engine: str = "duckdb") -> Engine:
    """Open demo ``name`` read-only on ``engine`` (``duckdb`` or ``clickhouse``), building it on first use.

    On ClickHouse the demo is database ``name`` in this process's chDB data path
    (:func:`sqlfix.demo.clickhouse.chdb_path`).

    Example:
        >>> open_demo("hr").execute("SELECT count(*) FROM departments").rows
        [(12,)]
    """
    from sqlfix.engines import open_engine

    if engine == "duckdb":
        return open_engine(f"duckdb://{demo_path(name)}", read_only=True)
    if engine == "clickhouse":
        from sqlfix.demo.clickhouse import open_clickhouse_demo

        return open_clickhouse_demo(name)
    raise SqlfixError(f"unknown demo engine {engine!r}; choose one of: {', '.join(ENGINES)}")
