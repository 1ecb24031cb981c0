"""Demo databases: ``shop`` (e-commerce web analytics), ``hr`` (staff, projects, pay),
``flights`` (airline network), ``billing`` (SaaS subscriptions and invoices) and
``observability`` (a week of traces, logs and host metrics), each a DuckDB DDL file plus a
seeded row generator. ``billing`` and ``observability`` are the golden set's unseen schemas.

They are built deterministically once into the cache directory (``$SQLFIX_CACHE_DIR`` or
``~/.cache/sqlfix``) and opened read-only from there.
"""

from __future__ import annotations

from sqlfix.demo.build import DEMO_NAMES, DEMO_SEED, cache_dir, demo_ddl, demo_path, demo_rows
from sqlfix.demo.schemas import ENGINES, demo_schema
from sqlfix.demo.urls import parse_demo_url
from sqlfix.engines import open_engine
from sqlfix.engines.base import Engine, Limits
from sqlfix.errors import SqlfixError

__all__ = ["DEMO_NAMES", "DEMO_SEED", "cache_dir", "demo_ddl", "demo_path", "demo_rows", "demo_schema", "open_demo", "open_url"]


def open_demo(name: str, engine: str = "duckdb") -> Engine:
    """Open demo ``name`` read-only on ``engine`` (``duckdb`` or ``clickhouse``), building it on first use.

    On ClickHouse the demo is database ``name`` in this process's chDB data path
    (:func:`sqlfix.demo.clickhouse.chdb_path`).

    Example:
        >>> open_demo("hr").execute("SELECT count(*) FROM departments").rows
        [(12,)]
    """
    if engine == "duckdb":
        return open_engine(f"duckdb://{demo_path(name)}", read_only=True)
    if engine == "clickhouse":
        from sqlfix.demo.clickhouse import open_clickhouse_demo

        return open_clickhouse_demo(name)
    raise SqlfixError(f"unknown demo engine {engine!r}; choose one of: {', '.join(ENGINES)}")


def open_url(url: str, *, read_only: bool = True, limits: Limits | None = None) -> Engine:
    """Open any database URL sqlfix takes: a demo's (``demo://NAME``, ``demo+clickhouse://NAME``;
    always read-only) or one :func:`sqlfix.engines.open_engine` opens.

    Example:
        >>> open_url("demo://hr").execute("SELECT count(*) FROM departments").rows
        [(12,)]
    """
    demo = parse_demo_url(url)
    if demo is not None:
        return open_demo(*demo)
    return open_engine(url, read_only=read_only, limits=limits)

