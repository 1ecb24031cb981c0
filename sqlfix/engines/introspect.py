"""Read a :class:`Schema` (tables, columns, types, keys, comments, samples) from a live engine.

DuckDB: ``duckdb_tables()`` / ``duckdb_views()`` / ``duckdb_columns()`` for tables, types,
nullability and comments, ``duckdb_constraints()`` for primary and foreign keys. Tables outside
schema ``main`` are named ``schema.table``.

ClickHouse: ``system.tables`` / ``system.columns`` of the engine's current database; the primary
key is the columns flagged ``is_in_primary_key`` (ClickHouse has no foreign keys); nullability
from ``Nullable(...)`` types.

Samples: up to three distinct non-NULL values per column, one small query per table.
Everything runs through :meth:`Engine.execute`, so it works on read-only engines.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from sqlfix.engines.base import Engine, Limits
from sqlfix.errors import ExecError, SchemaLoadError
from sqlfix.schema.model import Column, ForeignKey, Schema, Table
from sqlfix.schema.samples import SAMPLES_PER_COLUMN, first_distinct

_CATALOG_LIMITS = Limits(timeout_s=60.0, max_rows=1_000_000, max_memory_mb=2048)
_SAMPLE_ROWS = 200


def read_schema(engine: Engine, schema_id: str, *, samples: int = SAMPLES_PER_COLUMN) -> Schema:
    """Return the schema of the database ``engine`` is open on.

    Example:
        >>> from sqlfix.engines.duckdb import DuckDBEngine
        >>> engine = DuckDBEngine(":memory:", read_only=False)
        >>> _ = engine.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR)", allow_write=True)
        >>> _ = engine.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')", allow_write=True)
        >>> schema = read_schema(engine, "demo")
        >>> [(c.name, c.type, c.samples) for c in schema.tables[0].columns], schema.tables[0].primary_key
        ([('id', 'INTEGER', [1, 2]), ('name', 'VARCHAR', ['a', 'b'])], ['id'])

    Raises:
        SchemaLoadError: the catalog could not be read.
    """
    if engine.dialect == "duckdb":
        tables = _duckdb_tables(engine)
    elif engine.dialect == "clickhouse":
        tables = _clickhouse_tables(engine)
    else:
        raise SchemaLoadError(f"cannot introspect a {engine.dialect} engine")
    if samples:
        for table in tables:
            _fill_samples(engine, table, samples)
    return Schema(id=schema_id, dialect=engine.dialect, tables=tables)


def _duckdb_tables(engine: Engine) -> list[Table]:
    relations = _rows(
        engine,
        "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE NOT internal AND NOT temporary "
        "UNION ALL SELECT schema_name, view_name, comment FROM duckdb_views() WHERE NOT internal AND NOT temporary",
    )
    tables = {(s, t): Table(name=t if s == "main" else f"{s}.{t}", columns=[], description=c) for s, t, c in relations}
    for schema_name, table_name, column, data_type, nullable, comment in _rows(
        engine,
        "SELECT schema_name, table_name, column_name, data_type, is_nullable, comment FROM duckdb_columns() "
        "ORDER BY schema_name, table_name, column_index",
    ):
        table = tables.get((schema_name, table_name))
        if table is not None:
            table.columns.append(Column(name=column, type=data_type, description=comment, nullable=bool(nullable)))
    for schema_name, table_name, kind, columns, ref_table, ref_columns in _rows(
        engine,
        "SELECT schema_name, table_name, constraint_type, constraint_column_names, referenced_table, "
        "referenced_column_names FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')",
    ):
        table = tables.get((schema_name, table_name))
        if table is None:
            continue
        if kind == "PRIMARY KEY":
            table.primary_key = list(columns)
        else:
            ref_name = ref_table if schema_name == "main" else f"{schema_name}.{ref_table}"
            table.foreign_keys.append(ForeignKey(columns=list(columns), ref_table=ref_name, ref_columns=list(ref_columns)))
    return list(tables.values())


def _clickhouse_tables(engine: Engine) -> list[Table]:
    relations = _rows(
        engine,
        "SELECT name, comment FROM system.tables WHERE database = currentDatabase() AND NOT is_temporary ORDER BY name",
    )
    tables = {name: Table(name=name, columns=[], description=comment or None) for name, comment in relations}
    for table_name, column, data_type, comment, in_primary_key in _rows(
        engine,
        "SELECT table, name, type, comment, is_in_primary_key FROM system.columns "
        "WHERE database = currentDatabase() ORDER BY table, position",
    ):
        table = tables.get(table_name)
        if table is None:
            continue
        table.columns.append(
            Column(name=column, type=data_type, description=comment or None, nullable=data_type.startswith("Nullable("))
        )
        if in_primary_key:
            table.primary_key.append(column)
    return list(tables.values())


def _fill_samples(engine: Engine, table: Table, count: int) -> None:
    if not table.columns:
        return
    names = [c.name for c in table.columns]
    column_list = ", ".join(_quote(n, engine.dialect) for n in names)
    source = ".".join(_quote(part, engine.dialect) for part in table.name.split(".", 1))
    outcome = engine.execute(f"SELECT {column_list} FROM {source} LIMIT {_SAMPLE_ROWS}", _CATALOG_LIMITS)
    if isinstance(outcome, ExecError):
        return  # a view that fails to bind still belongs in the schema, just without samples
    for index, column in enumerate(table.columns):
        column.samples = first_distinct((row[index] for row in outcome.rows), count)


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    outcome = engine.execute(sql, _CATALOG_LIMITS)
    if isinstance(outcome, ExecError):
        raise SchemaLoadError(f"cannot read the {engine.dialect} catalog: {outcome.message}")
    return outcome.rows


def _quote(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)
