"""Schemas and data from CSV and Parquet files: a folder of them (one table per file) or one file.

Types are inferred by DuckDB's readers. This is the one place sqlfix opens DuckDB with external
file access: the paths are the user's own, chosen on the command line, never model-written SQL.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb

from sqlfix.errors import SchemaLoadError
from sqlfix.schema.model import Column, Schema, Table
from sqlfix.schema.samples import first_distinct
from sqlfix.schema.source import LoadedSource, TableData

READERS = {".csv": "read_csv", ".tsv": "read_csv", ".parquet": "read_parquet"}
_SAMPLE_SCAN_ROWS = 200
_BATCH_ROWS = 5000


def data_files(folder: Path) -> list[Path]:
    """Return the CSV/TSV/Parquet files directly inside ``folder``, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in READERS)


def load_files(path: Path, *, schema_id: str | None = None) -> LoadedSource:
    """Read a folder of CSV/Parquet files (or one such file) as a schema with one table per file."""
    files = data_files(path) if path.is_dir() else [path]
    if not files:
        raise SchemaLoadError(f"{path}: no .csv, .tsv or .parquet files in this folder")
    tables, data = [], {}
    for file in files:
        table, table_data = _read_table(file)
        if any(t.name == table.name for t in tables):
            raise SchemaLoadError(f"{file}: a second file for table {table.name!r}")
        tables.append(table)
        data[table.name] = table_data
    return LoadedSource(schema=Schema(id=schema_id or path.stem, dialect="duckdb", tables=tables), data=data)


def table_name_for(file: Path) -> str:
    """Return the table name of a data file: its stem, with characters other than letters, digits and _ as _.

    Example:
        >>> table_name_for(Path("daily sales-2024.csv"))
        'daily_sales_2024'
    """
    name = re.sub(r"\W+", "_", file.stem).strip("_") or "data"
    return f"t_{name}" if name[0].isdigit() else name


def _relation_sql(file: Path) -> str:
    reader = READERS[file.suffix.lower()]
    literal = str(file).replace("'", "''")
    return f"SELECT * FROM {reader}('{literal}')"


def _read_table(file: Path) -> tuple[Table, TableData]:
    con = duckdb.connect()
    try:
        described = con.execute(f"DESCRIBE {_relation_sql(file)}").fetchall()
        count = con.execute(f"SELECT count(*) FROM ({_relation_sql(file)})").fetchone()[0]
        head = con.execute(f"{_relation_sql(file)} LIMIT {_SAMPLE_SCAN_ROWS}").fetchall()
    except duckdb.Error as exc:
        raise SchemaLoadError(f"{file}: cannot read ({_first_line(exc)})") from None
    finally:
        con.close()
    columns = [
        Column(name=name, type=type_name, samples=first_distinct(row[index] for row in head))
        for index, (name, type_name, *_rest) in enumerate(described)
    ]
    table = Table(name=table_name_for(file), columns=columns)
    return table, TableData(columns=[c.name for c in columns], count=count, batches=lambda: _batches(file))


def _batches(file: Path) -> Iterator[list[Sequence[Any]]]:
    con = duckdb.connect()
    try:
        cursor = con.execute(_relation_sql(file))
        while batch := cursor.fetchmany(_BATCH_ROWS):
            yield batch
    except duckdb.Error as exc:
        raise SchemaLoadError(f"{file}: cannot read ({_first_line(exc)})") from None
    finally:
        con.close()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
