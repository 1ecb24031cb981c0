"""The databases the editor can open: a demo, a DuckDB file, a schema file (materialized),
a ClickHouse server, or an embedded chDB path; each opened as an engine plus its schema."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlfix.engines.base import Engine
from sqlfix.errors import SqlfixError
from sqlfix.schema.model import Schema

SourceKind = Literal["demo", "duckdb", "schema_file", "clickhouse", "chdb"]

SOURCE_LABELS: dict[SourceKind, str] = {
    "demo": "Demo database",
    "duckdb": "DuckDB file",
    "schema_file": "Schema file (materialized)",
    "clickhouse": "ClickHouse server URL",
    "chdb": "chDB (embedded ClickHouse) path",
}
# Only databases on this machine's disk may be written to, and only when the user says so.
WRITABLE_KINDS: frozenset[str] = frozenset({"duckdb", "chdb"})


@dataclass(frozen=True)
class DatabaseChoice:
    """A database the user picked.

    Attributes:
        kind: which kind of source.
        target: the demo name, a file path or a server URL.
        demo_engine: for demos, ``duckdb`` or ``clickhouse`` (chDB).
    """

    kind: SourceKind
    target: str
    demo_engine: str = "duckdb"

    @property
    def can_write(self) -> bool:
        """True when write mode may be offered for this database (a local file)."""
        return self.kind in WRITABLE_KINDS

    def url(self) -> str:
        """Return the ``open_engine`` URL of this choice (schema files have none)."""
        if self.kind == "demo":
            return f"demo+clickhouse://{self.target}" if self.demo_engine == "clickhouse" else f"demo://{self.target}"
        if self.kind == "duckdb":
            return f"duckdb://{Path(self.target).expanduser().resolve()}"
        if self.kind == "chdb":
            return f"chdb://{Path(self.target).expanduser().resolve()}"
        if self.kind == "clickhouse":
            return self.target
        raise SqlfixError(f"a schema file has no engine URL: {self.target}")

    def label(self) -> str:
        """A short name for headers and logs (never the password of a server URL)."""
        if self.kind == "clickhouse":
            return _without_password(self.target)
        return self.url() if self.kind != "schema_file" else f"schema:{self.target}"


@dataclass
class OpenDatabase:
    """An opened database: the engine, its schema, the URL it was opened at (what the
    interaction log records) and whether writes are allowed."""

    choice: DatabaseChoice
    engine: Engine
    schema: Schema
    url: str
    allow_write: bool


def parse_choice(spec: str) -> DatabaseChoice:
    """Turn a ``--db`` value into a choice.

    Example:
        >>> parse_choice("demo://hr")
        DatabaseChoice(kind='demo', target='hr', demo_engine='duckdb')
        >>> parse_choice("demo+clickhouse://shop").demo_engine
        'clickhouse'
        >>> parse_choice("shop.sql").kind
        'schema_file'
    """
    spec = spec.strip()
    if not spec:
        raise SqlfixError("no database given")
    if spec.startswith("demo+clickhouse://"):
        return DatabaseChoice("demo", spec.removeprefix("demo+clickhouse://"), "clickhouse")
    if spec.startswith("demo://"):
        return DatabaseChoice("demo", spec.removeprefix("demo://"))
    if spec.startswith("duckdb://"):
        return DatabaseChoice("duckdb", spec.removeprefix("duckdb://"))
    if spec.startswith("chdb://"):
        return DatabaseChoice("chdb", spec.removeprefix("chdb://"))
    if spec.startswith(("http://", "https://", "clickhouse://")):
        return DatabaseChoice("clickhouse", spec)
    if spec.endswith((".duckdb", ".db")):
        return DatabaseChoice("duckdb", spec)
    return DatabaseChoice("schema_file", spec)


def open_database(choice: DatabaseChoice, *, write_mode: bool = False) -> OpenDatabase:
    """Open the engine and read the schema of ``choice``.

    ``write_mode`` is honoured only for local file databases; everything else opens read-only,
    and the engine's statement guard refuses writes.
    """
    allow_write = write_mode and choice.can_write
    if choice.kind == "schema_file":
        url, engine, schema = _materialize(choice.target)
        return OpenDatabase(choice, engine, schema, url, allow_write=False)
    if choice.kind == "demo":
        from sqlfix.demo import demo_schema, open_demo

        engine = open_demo(choice.target, engine=choice.demo_engine)
        schema = demo_schema(choice.target)
        schema = Schema(id=schema.id, dialect=engine.dialect, tables=schema.tables)
        return OpenDatabase(choice, engine, schema, choice.url(), allow_write=False)
    from sqlfix.engines import open_engine

    engine = open_engine(choice.url(), read_only=not allow_write)
    schema = _read_schema(engine, _schema_id(choice))
    return OpenDatabase(choice, engine, schema, choice.url(), allow_write=allow_write)


def _read_schema(engine: Engine, schema_id: str) -> Schema:
    from sqlfix.engines.introspect import read_schema

    return read_schema(engine, schema_id)


def _materialize(source: str) -> tuple[str, Engine, Schema]:
    """Load a schema file (DDL, pg_dump, CSV/Parquet) into a fresh DuckDB file."""
    from sqlfix.schema import materialize, read_source
    from sqlfix.schema.types import transpile_schema

    loaded = read_source(source)
    url = f"duckdb://{Path(tempfile.mkdtemp(prefix='sqlfix-ui-')) / Path(source).stem}.duckdb"
    engine = materialize(loaded, url)
    return url, engine, transpile_schema(loaded.schema, engine.dialect)


def _schema_id(choice: DatabaseChoice) -> str:
    if choice.kind == "clickhouse":
        return choice.target.rstrip("/").rsplit("/", 1)[-1] or "clickhouse"
    return Path(choice.target).stem or choice.kind


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}@{host}"
