"""Which loader reads a schema source: a DDL file, a pg_dump file, CSV/Parquet files, a DuckDB
file, an engine URL (``duckdb://``, ``chdb://``, ``http(s)://``) or a demo (``demo://NAME``, or
``demo+clickhouse://NAME`` for its ClickHouse types)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlfix.demo.urls import parse_demo_url
from sqlfix.errors import SchemaLoadError
from sqlfix.schema.database import load_database
from sqlfix.schema.ddl import parse_ddl
from sqlfix.schema.dialects import check_dialect
from sqlfix.schema.files import READERS, load_files
from sqlfix.schema.pgdump import load_pg_dump, looks_like_pg_dump
from sqlfix.schema.source import LoadedSource, TableData, in_batches

DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
ENGINE_SCHEMES = ("duckdb", "chdb", "http", "https")
_CLICKHOUSE_DDL = re.compile(r"\bENGINE\s*=\s*\w*(MergeTree|Log|Memory)\b", re.IGNORECASE)


def read_source(
    source: str, *, dialect: str | None = None, schema_id: str | None = None, with_rows: bool = True
) -> LoadedSource:
    """Read ``source`` into a :class:`LoadedSource` (schema plus whatever rows it holds).

    Args:
        source: a path or URL, see this module's docstring.
        dialect: the dialect of a DDL file (default: ``clickhouse`` when the file has ENGINE
            clauses, else ``duckdb``); validated for every source kind.
        schema_id: the schema id (default: the file stem, the database name or the demo name).
        with_rows: False when only the schema is wanted: skips generating a demo's rows (other
            sources read rows lazily anyway).

    Raises:
        DialectError: an unknown dialect.
        SchemaLoadError: a missing, unreadable or broken source (the message names it).
    """
    if dialect is not None:
        dialect = check_dialect(dialect)
    demo = parse_demo_url(source)
    if demo is not None:
        return _read_demo(*demo, schema_id, with_rows)
    scheme, separator, _ = source.partition("://")
    if separator and scheme.lower() in ENGINE_SCHEMES:
        return load_database(source, schema_id=schema_id or _database_name(source))
    path = Path(source).expanduser()
    if not path.exists():
        raise SchemaLoadError(f"{source}: no such file or folder")
    if path.is_dir() or path.suffix.lower() in READERS:
        return load_files(path, schema_id=schema_id)
    if path.suffix.lower() in DUCKDB_SUFFIXES:
        return load_database(str(path.resolve()), schema_id=schema_id or path.stem)
    return _read_sql_file(path, dialect, schema_id)


def _read_sql_file(path: Path, dialect: str | None, schema_id: str | None) -> LoadedSource:
    try:
        if path.read_bytes()[:5] == b"PGDMP":
            raise SchemaLoadError(
                f"{path}: a custom-format pg_dump archive; convert it to plain SQL first "
                "(pg_restore -f dump.sql FILE, or pg_dump --format=plain)"
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaLoadError(f"{path}: cannot read ({exc})") from None
    if looks_like_pg_dump(text):
        return load_pg_dump(path, schema_id=schema_id)
    dialect = dialect or ("clickhouse" if _CLICKHOUSE_DDL.search(text) else "duckdb")
    return LoadedSource(schema=parse_ddl(text, dialect=dialect, schema_id=schema_id or path.stem, source=str(path)))


def _read_demo(name: str, dialect: str, schema_id: str | None, with_rows: bool) -> LoadedSource:
    from sqlfix.demo.build import demo_rows
    from sqlfix.demo.schemas import demo_schema

    schema = demo_schema(name, dialect)
    if schema_id:
        schema.id = schema_id
    if not with_rows:
        return LoadedSource(schema=schema)
    rows = demo_rows(name)
    data = {
        table.name: TableData(columns=[c.name for c in table.columns], count=len(rows[table.name]),
                              batches=in_batches(rows[table.name]))
        for table in schema.tables
    }
    return LoadedSource(schema=schema, data=data)


def _database_name(url: str) -> str:
    match = re.search(r"[?&]database=([^&]+)", url)
    if match:
        return match.group(1)
    tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return Path(tail).stem or "database"
