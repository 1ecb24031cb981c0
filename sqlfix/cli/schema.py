"""``sqlfix schema show|load``: inspect a schema source, or materialise it into DuckDB or chDB."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from sqlfix.schema import Schema, load_schema, materialize
from sqlfix.schema.loader import read_source

app = typer.Typer(help="Inspect and load schemas.", no_args_is_help=True)
console = Console()

SOURCE_HELP = (
    "A DDL file (any sqlglot dialect), a plain pg_dump file, a folder of CSV/Parquet files, a DuckDB file, "
    "an engine URL (duckdb://, chdb:///path?database=NAME, http(s)://) or demo://shop|hr|flights."
)


class OutputFormat(str, Enum):
    """How ``schema show`` prints a schema."""

    prompt = "prompt"
    json = "json"
    table = "table"


@app.command()
def show(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="prompt: the text models see; json; table."),
    dialect: Optional[str] = typer.Option(None, "--dialect", help="Dialect of a DDL file (default: guessed)."),
    schema_id: Optional[str] = typer.Option(None, "--id", help="Schema id (default: from the source's name)."),
) -> None:
    """Print the tables, columns, types and keys of a schema source."""
    schema = load_schema(source, dialect=dialect, schema_id=schema_id)
    if output is OutputFormat.prompt:
        print(schema.to_prompt())
    elif output is OutputFormat.json:
        print(schema.to_json())
    else:
        _print_tables(schema)


@app.command()
def load(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    to: str = typer.Option(..., "--to", help="Target database: duckdb:///path.duckdb or chdb:///path?database=NAME."),
    dialect: Optional[str] = typer.Option(None, "--dialect", help="Dialect of a DDL file (default: guessed)."),
    replace: bool = typer.Option(False, "--replace", help="Drop tables of the same names first."),
) -> None:
    """Create the tables of a schema source in DuckDB or embedded ClickHouse and load its rows."""
    loaded = read_source(source, dialect=dialect)
    total_rows = sum(d.count for d in loaded.data.values())
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    ) as progress:
        task = progress.add_task("loading rows", total=total_rows or None)
        loaded_before: dict[str, int] = {}

        def advance(table: str, done: int, _count: int) -> None:
            progress.update(task, advance=done - loaded_before.get(table, 0), description=f"loading {table}")
            loaded_before[table] = done

        engine = materialize(loaded, to, replace=replace, progress=advance)
    engine.close()
    console.print(
        f"[green]loaded[/] {len(loaded.schema.tables)} tables and {total_rows} rows into {to}", highlight=False
    )


def _print_tables(schema: Schema) -> None:
    console.print(f"[bold]{schema.id}[/] ({schema.dialect}): {len(schema.tables)} tables", highlight=False)
    for table in schema.tables:
        grid = RichTable(title=table.name, caption=table.description, title_justify="left", caption_justify="left")
        for header in ("column", "type", "null", "key", "description", "samples"):
            grid.add_column(header, overflow="fold")
        references = {c: f"→ {fk.ref_table}.{r}" for fk in table.foreign_keys for c, r in zip(fk.columns, fk.ref_columns)}
        for column in table.columns:
            key = " ".join(filter(None, ["PK" if column.name in table.primary_key else "", references.get(column.name, "")]))
            grid.add_row(
                column.name, column.type, "yes" if column.nullable else "no", key, column.description or "",
                ", ".join(str(v) for v in column.samples[:3]),
            )
        console.print(grid)
