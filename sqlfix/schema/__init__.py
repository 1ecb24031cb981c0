"""Schemas: the :class:`Schema` record, loaders for every kind of source, and materialisation
into DuckDB or embedded ClickHouse."""

from __future__ import annotations

from sqlfix.schema.dialects import check_dialect, known_dialects
from sqlfix.schema.loader import read_source
from sqlfix.schema.create import create_table_sql
from sqlfix.schema.materialize import materialize
from sqlfix.schema.model import Column, ForeignKey, Schema, Table

__all__ = [
    "Column",
    "ForeignKey",
    "Schema",
    "Table",
    "check_dialect",
    "create_table_sql",
    "known_dialects",
    "load_schema",
    "materialize",
    "read_source",
]


def load_schema(source: str, *, dialect: str | None = None, schema_id: str | None = None) -> Schema:
    """Load the schema of ``source``: a DDL file (any sqlglot dialect), a plain pg_dump file, a
    folder of CSV/Parquet files (or one such file), a DuckDB file, an engine URL (``duckdb://``,
    ``chdb://...?database=``, ``http(s)://``) or a demo (``demo://shop``).

    Example:
        >>> load_schema("demo://hr").table("employees").column("manager_id").description
        'Direct manager (another employee); NULL for the CEO'

    Raises:
        DialectError: ``dialect`` is not a sqlglot dialect.
        SchemaLoadError: the source is missing or broken; the message names file and problem.
    """
    loaded = read_source(str(source), dialect=dialect, schema_id=schema_id, with_rows=False)
    loaded.close()
    return loaded.schema
