"""Materialising a schema source into DuckDB or embedded ClickHouse: tables created with types
transpiled by sqlglot, then the rows the source holds loaded in batches."""

from __future__ import annotations

from typing import Callable

from sqlglot import exp

from sqlfix.engines import open_engine
from sqlfix.engines.base import Engine
from sqlfix.errors import ExecError, SchemaLoadError
from sqlfix.schema.database import quoted_table
from sqlfix.schema.loader import read_source
from sqlfix.schema.model import Table
from sqlfix.schema.source import LoadedSource
from sqlfix.schema.types import transpile_schema

# Called after each batch with (table, rows loaded so far into it, rows it will hold).
Progress = Callable[[str, int, int], None]


def materialize(
    source: str | LoadedSource,
    target_url: str,
    *,
    dialect: str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> Engine:
    """Create the tables of ``source`` in the database ``target_url`` names and load its rows.

    Example:
        >>> engine = materialize("demo://hr", "duckdb://:memory:")
        >>> engine.execute("SELECT count(*) FROM departments").rows
        [(12,)]

    Args:
        source: a schema source (see :func:`sqlfix.schema.load_schema`) or an already read one;
            either way it is closed once its rows are loaded.
        target_url: a DuckDB or chDB engine URL (``duckdb:///x.duckdb``, ``chdb:///dir?database=db``).
        dialect: the dialect of a DDL source file.
        replace: drop tables of the same names first instead of failing on them.
        progress: called after each loaded batch.

    Returns:
        the target engine, opened writable; the caller closes it.
    """
    loaded = source if isinstance(source, LoadedSource) else read_source(source, dialect=dialect)
    try:
        engine = open_engine(target_url, read_only=False)
        try:
            _create_and_load(loaded, engine, target_url, replace=replace, progress=progress)
        except BaseException:
            engine.close()
            raise
    finally:
        loaded.close()
    return engine


def _create_and_load(loaded: LoadedSource, engine: Engine, target_url: str, *, replace: bool,
                     progress: Progress | None) -> None:
    for table in transpile_schema(loaded.schema, engine.dialect).tables:
        if replace:
            _run(engine, f"DROP TABLE IF EXISTS {quoted_table(table.name, engine.dialect)}", target_url)
        _run(engine, create_table_sql(table, engine.dialect), target_url)
    for name, data in loaded.data.items():
        done = 0
        for batch in data.batches():
            engine.insert_rows(name, data.columns, batch)
            done += len(batch)
            if progress is not None:
                progress(name, done, data.count)


def create_table_sql(table: Table, dialect: str) -> str:
    """Return the CREATE TABLE statement of ``table``, whose types are already in ``dialect``
    (``duckdb`` or ``clickhouse``; see :func:`sqlfix.schema.types.transpile_schema`).

    DuckDB tables keep NOT NULL and the primary key; foreign keys are left out so rows load in
    any order. ClickHouse tables are MergeTree ordered by the primary key (``tuple()`` without one).

    Example:
        >>> from sqlfix.schema.model import Column
        >>> t = Table("t", [Column("id", "Int32", nullable=False), Column("name", "Nullable(String)")], primary_key=["id"])
        >>> create_table_sql(t, "clickhouse")
        'CREATE TABLE "t" ("id" Int32, "name" Nullable(String)) ENGINE = MergeTree ORDER BY ("id")'
    """

    def quote(name: str) -> str:
        return exp.to_identifier(name, quoted=True).sql(dialect=dialect)

    columns = [
        f"{quote(c.name)} {c.type}{'' if c.nullable or dialect == 'clickhouse' else ' NOT NULL'}" for c in table.columns
    ]
    key_list = ", ".join(quote(k) for k in table.primary_key)
    name = quoted_table(table.name, dialect)
    if dialect == "clickhouse":
        order = f"({key_list})" if key_list else "tuple()"
        return f"CREATE TABLE {name} ({', '.join(columns)}) ENGINE = MergeTree ORDER BY {order}"
    if key_list:
        columns.append(f"PRIMARY KEY ({key_list})")
    return f"CREATE TABLE {name} ({', '.join(columns)})"


def _run(engine: Engine, sql: str, target_url: str) -> None:
    outcome = engine.execute(sql, allow_write=True)
    if isinstance(outcome, ExecError):
        raise SchemaLoadError(f"{target_url}: {outcome.message} (while running: {sql[:200]})")
