"""Building the demo databases: rows from the seeded generators into a cached DuckDB file.

Each build is keyed by a content hash of the DDL, the generator sources and
:data:`GENERATOR_VERSION`, so an edit to any of them rebuilds. Builds write to a temporary file
and are renamed into place atomically, so concurrent processes (pytest-xdist workers) never see
a half-built database; at worst two of them build the same file and one rename wins.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import random
import tempfile
from pathlib import Path

import duckdb

from sqlfix.errors import SqlfixError
from sqlfix.schema.bulk import insert_columns, insertion_waves
from sqlfix.schema.ddl import parse_ddl
from sqlfix.schema.model import Schema
from sqlfix.schema.samples import first_distinct

DEMO_NAMES = ("shop", "hr", "flights", "billing", "observability")
DEMO_SEED = 20250101
GENERATOR_VERSION = "1"
_PACKAGE_DIR = Path(__file__).resolve().parent
_SHARED_SOURCES = ("build.py", "sampling.py", "vocab.py")


def cache_dir() -> Path:
    """Return the cache directory: ``$SQLFIX_CACHE_DIR`` or ``~/.cache/sqlfix``."""
    return Path(os.environ.get("SQLFIX_CACHE_DIR") or Path.home() / ".cache" / "sqlfix")


def check_demo_name(name: str) -> str:
    """Return ``name`` if it is a demo database, else raise :class:`SqlfixError` listing them."""
    if name not in DEMO_NAMES:
        raise SqlfixError(f"unknown demo database {name!r}; choose one of: {', '.join(DEMO_NAMES)}")
    return name


def demo_ddl(name: str) -> str:
    """Return the DuckDB DDL text of demo ``name``."""
    return (_PACKAGE_DIR / f"{check_demo_name(name)}.sql").read_text(encoding="utf-8")


def demo_rows(name: str, seed: int = DEMO_SEED) -> dict[str, list[tuple]]:
    """Generate the rows of demo ``name``: ``{table: rows}``, parents first, columns in DDL order."""
    generator = importlib.import_module(f"sqlfix.demo.{check_demo_name(name)}")
    return generator.generate(random.Random(seed))


def content_hash(name: str) -> str:
    """Return the build key of demo ``name``: a hash of its DDL, generator sources and version."""
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    digest.update(str(DEMO_SEED).encode())
    for file_name in (f"{check_demo_name(name)}.sql", f"{name}.py", *_SHARED_SOURCES):
        digest.update((_PACKAGE_DIR / file_name).read_bytes())
    return digest.hexdigest()[:16]


def demo_path(name: str) -> Path:
    """Return the path of the built DuckDB file of demo ``name``, building it on first use."""
    target = cache_dir() / "demo" / f"{check_demo_name(name)}-{content_hash(name)}.duckdb"
    if not target.exists() or not _schema_file(target).exists():
        _build(name, target)
    return target


def load_demo_schema(name: str) -> Schema:
    """Return the :class:`Schema` of demo ``name`` (types as DuckDB reports them, descriptions, samples)."""
    path = demo_path(name)
    return Schema.from_dict(json.loads(_schema_file(path).read_text(encoding="utf-8")))


def _schema_file(database: Path) -> Path:
    return database.with_suffix(".schema.json")


def _build(name: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = demo_rows(name)
    schema = parse_ddl(demo_ddl(name), dialect="duckdb", schema_id=name)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{name}-build-") as work:
        work_dir = Path(work)
        database = work_dir / target.name
        con = duckdb.connect(str(database))
        try:
            con.execute(demo_ddl(name))
            for table in schema.tables:
                for wave in insertion_waves(table, rows[table.name]):
                    insert_columns(con, table.name, [c.name for c in table.columns], wave)
            types = _column_types(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _add_samples(schema, types, rows)
        schema_tmp = work_dir / "schema.json"
        schema_tmp.write_text(schema.to_json(), encoding="utf-8")
        os.replace(database, target)
        os.replace(schema_tmp, _schema_file(target))


def _column_types(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    rows = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns()").fetchall()
    return {(t, c): type_name for t, c, type_name in rows}


def _add_samples(schema: Schema, types: dict[tuple[str, str], str], rows: dict[str, list[tuple]]) -> None:
    for table in schema.tables:
        table_rows = rows[table.name]
        for index, column in enumerate(table.columns):
            column.type = types.get((table.name, column.name), column.type)
            column.samples = first_distinct(row[index] for row in table_rows)
