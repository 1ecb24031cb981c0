"""The demos' documented schemas in the dialect of either engine they are built on."""

from __future__ import annotations

from sqlfix.demo.build import load_demo_schema
from sqlfix.errors import SqlfixError
from sqlfix.schema.model import Schema
from sqlfix.schema.types import transpile_schema

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
