"""Open a database named by URL together with its schema, as the CLI and the API need them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlfix.engines.base import Engine
from sqlfix.errors import SqlfixError
from sqlfix.schema.model import Schema

@dataclass
class Database:
    """An open engine (read-only) and the schema the rules and prompts use."""

    url: str
    engine: Engine
    schema: Schema

    def close(self) -> None:
        """Release the engine."""
        self.engine.close()


def open_database(url: str, *, schema_source: str | None = None) -> Database:
    """Open ``url`` read-only and read its schema.

    Demo URLs (``demo://shop``, ``demo+clickhouse://shop``) use the demo's documented schema;
    other URLs are introspected, unless ``schema_source`` names a schema file to load instead.

    Raises:
        SqlfixError: an unknown URL, a database that cannot be opened or a broken schema source.
    """
    from sqlfix.demo import demo_schema, open_demo
    from sqlfix.demo.urls import parse_demo_url
    from sqlfix.engines import open_engine

    demo = parse_demo_url(url)
    if demo is not None:
        engine = open_demo(*demo)
        schema = demo_schema(demo[0])
        if engine.dialect != schema.dialect:
            schema = Schema(id=schema.id, dialect=engine.dialect, tables=schema.tables)
        return Database(url, engine, schema)
    engine = open_engine(url, read_only=True)
    try:
        schema = _read_schema(engine, url, schema_source)
    except SqlfixError:
        engine.close()
        raise
    return Database(url, engine, schema)


def _read_schema(engine: Engine, url: str, schema_source: str | None) -> Schema:
    if schema_source:
        from sqlfix.schema import load_schema

        return load_schema(schema_source, dialect=engine.dialect)
    try:
        from sqlfix.engines.introspect import read_schema
    except ImportError as exc:
        raise SqlfixError(f"cannot introspect {url}: schema introspection is unavailable ({exc}); pass a schema file") from exc
    schema_id = url.rstrip("/").rsplit("/", 1)[-1].split(".")[0] or "db"
    return read_schema(engine, schema_id)
