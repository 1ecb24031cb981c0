"""Demo databases: ``shop`` (e-commerce web analytics), ``hr`` (staff, projects, pay) and
``flights`` (airline network), each a DuckDB DDL file plus a seeded row generator.

They are built deterministically once into the cache directory (``$SQLFIX_CACHE_DIR`` or
``~/.cache/sqlfix``) and opened read-only from there.
"""

from __future__ import annotations

from sqlfix.demo.build import DEMO_NAMES, DEMO_SEED, cache_dir, demo_ddl, demo_path, demo_rows, load_demo_schema
from sqlfix.engines.base import Engine
from sqlfix.errors import SqlfixError
from sqlfix.schema.model import Schema

__all__ = ["DEMO_NAMES", "DEMO_SEED", "cache_dir", "demo_ddl", "demo_path", "demo_rows", "demo_schema", "open_demo"]

ENGINES = ("duckdb", "clickhouse")


def demo_schema(name: str) -> Schema:
    """Return the schema of demo ``name``: DuckDB types, keys, descriptions and 3 sample values per column.

    Example:
        >>> demo_schema("shop").table("orders").primary_key
        ['order_id']
    """
    return load_demo_schema(name)


def open_demo(name: str, engine: str = "duckdb") -> Engine:
    """Open demo ``name`` read-only on ``engine`` (``duckdb`` or ``clickhouse``), building it on first use.

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
