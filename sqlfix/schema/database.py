"""Schemas and data from a live database: a DuckDB file or a ClickHouse database, read through
the engines (introspection for the schema, plain SELECTs for the rows)."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from sqlglot import exp

from sqlfix.engines import open_engine
from sqlfix.engines.base import Engine, Limits
from sqlfix.errors import ExecError, SchemaLoadError, SqlfixError
from sqlfix.schema.create import quoted_table
from sqlfix.schema.source import LoadedSource, TableData

# Reading a whole table is trusted work on the user's own database: no row cap, a long timeout.
_BULK_READ = Limits(timeout_s=600.0, max_rows=10**12, max_memory_mb=8192)
_BATCH_ROWS = 5000


def load_database(url: str, *, schema_id: str) -> LoadedSource:
    """Read the schema (tables, types, keys, samples) of the database ``url`` names, and give
    access to its rows; the engine stays open until the returned source is closed."""
    from sqlfix.engines.introspect import read_schema

    try:
        engine = open_engine(url, read_only=True)
    except SchemaLoadError:
        raise
    except SqlfixError as exc:
        raise SchemaLoadError(str(exc)) from None
    try:
        schema = read_schema(engine, schema_id)
        data = {}
        for table in schema.tables:
            columns = [c.name for c in table.columns]
            data[table.name] = TableData(columns=columns, count=_count(engine, table.name, url),
                                         batches=_reader(engine, table.name, columns, url))
    except BaseException:
        engine.close()
        raise
    return LoadedSource(schema=schema, data=data, closers=[engine.close])


def _select(engine: Engine, sql: str, url: str) -> list[tuple]:
    result = engine.execute(sql, _BULK_READ)
    if isinstance(result, ExecError):
        raise SchemaLoadError(f"{url}: cannot read ({result.message})")
    return result.rows


def _count(engine: Engine, table: str, url: str) -> int:
    return _select(engine, f"SELECT count(*) FROM {quoted_table(table, engine.dialect)}", url)[0][0]


def _reader(engine: Engine, table: str, columns: list[str], url: str):
    column_list = ", ".join(exp.to_identifier(c, quoted=True).sql(dialect=engine.dialect) for c in columns)

    def batches() -> Iterator[list[Sequence[Any]]]:
        rows = _select(engine, f"SELECT {column_list} FROM {quoted_table(table, engine.dialect)}", url)
        for start in range(0, len(rows), _BATCH_ROWS):
            yield rows[start : start + _BATCH_ROWS]

    return batches
