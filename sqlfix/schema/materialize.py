"""Materialising a schema source into DuckDB or embedded ClickHouse: tables created with types
transpiled by sqlglot (keys and descriptions kept), then the rows the source holds, parents first.

A DuckDB *file* that this process does not hold open yet is filled over a direct, trusted
connection with :mod:`sqlfix.schema.bulk` (tens of thousands of rows a second), then opened as an
engine; other targets are filled through the engine's ``insert_rows``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, Sequence

import duckdb

from sqlfix.engines import open_engine
from sqlfix.engines.base import Engine
from sqlfix.errors import ExecError, SchemaLoadError
from sqlfix.schema.bulk import insert_columns, insertion_waves
from sqlfix.schema.create import comment_statements, create_table_sql, enforceable_keys, load_order, quoted_table
from sqlfix.schema.loader import DUCKDB_SUFFIXES, read_source
from sqlfix.schema.model import Table
from sqlfix.schema.source import LoadedSource, RowBatches
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
        >>> import tempfile
        >>> target = f"duckdb://{tempfile.mkdtemp()}/hr.duckdb"
        >>> engine = materialize("demo://hr", target)
        >>> engine.execute("SELECT count(*) FROM employees WHERE manager_id IS NULL").rows
        [(1,)]

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
        path = _duckdb_file(target_url)
        created = path is not None and not path.exists()
        connection = _direct_connection(path) if path is not None else None
        if connection is not None:
            try:
                with connection:
                    _fill(loaded, _ConnectionTarget(connection, target_url), replace=replace, progress=progress)
            except BaseException:
                # A file this call created holds nothing but the failed load: leave no half-built database.
                if created:
                    for leftover in (path, path.with_name(path.name + ".wal")):
                        leftover.unlink(missing_ok=True)
                raise
            return open_engine(target_url, read_only=False)
        engine = open_engine(target_url, read_only=False)
        try:
            _fill(loaded, _EngineTarget(engine, target_url), replace=replace, progress=progress)
        except BaseException:
            engine.close()
            raise
        return engine
    finally:
        loaded.close()


class _Target(Protocol):
    dialect: str

    def run(self, sql: str) -> None: ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None: ...


class _EngineTarget:
    def __init__(self, engine: Engine, url: str) -> None:
        self.engine, self.url, self.dialect = engine, url, engine.dialect

    def run(self, sql: str) -> None:
        outcome = self.engine.execute(sql, allow_write=True)
        if isinstance(outcome, ExecError):
            raise SchemaLoadError(f"{self.url}: {outcome.message.splitlines()[0]} (while running: {sql[:200]})")

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.engine.insert_rows(table, columns, rows)


class _ConnectionTarget:
    dialect = "duckdb"

    def __init__(self, connection: duckdb.DuckDBPyConnection, url: str) -> None:
        self.connection, self.url = connection, url

    def run(self, sql: str) -> None:
        try:
            self.connection.execute(sql)
        except duckdb.Error as exc:
            raise SchemaLoadError(f"{self.url}: {str(exc).splitlines()[0]} (while running: {sql[:200]})") from None

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        insert_columns(self.connection, table, columns, rows)


def _fill(loaded: LoadedSource, target: _Target, *, replace: bool, progress: Progress | None) -> None:
    schema = transpile_schema(loaded.schema, target.dialect)
    if target.dialect == "duckdb":
        schema = enforceable_keys(schema)
    tables = load_order(schema)
    if replace:
        for table in reversed(tables):
            target.run(f"DROP TABLE IF EXISTS {quoted_table(table.name, target.dialect)}")
    for table in tables:
        target.run(create_table_sql(table, target.dialect))
        for statement in comment_statements(table, target.dialect):
            target.run(statement)
    for table in tables:
        data = loaded.data.get(table.name)
        if data is None:
            continue
        done = 0
        for batch in _batches_in_key_order(table, data.batches, target.dialect):
            target.insert(table.name, data.columns, batch)
            done += len(batch)
            if progress is not None:
                progress(table.name, done, data.count)


def _batches_in_key_order(table: Table, batches: RowBatches, dialect: str) -> Iterator[list[Sequence[Any]]]:
    # A DuckDB table referencing itself is loaded whole, in waves that only reference loaded rows.
    if dialect != "duckdb" or not any(fk.ref_table == table.name for fk in table.foreign_keys):
        yield from batches()
        return
    yield from insertion_waves(table, [row for batch in batches() for row in batch])


def _duckdb_file(url: str) -> Path | None:
    text = url.strip()
    if text.lower().startswith("duckdb://"):
        text = text[len("duckdb://"):]
        return Path(text).expanduser() if text and text != ":memory:" else None
    if "://" not in text and Path(text).suffix.lower() in DUCKDB_SUFFIXES:
        return Path(text).expanduser()
    return None


def _direct_connection(path: Path) -> duckdb.DuckDBPyConnection | None:
    # Refused when this process already holds the file through an engine (another configuration):
    # then the engine loads the rows.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(path))
    except (duckdb.Error, OSError):
        return None
