"""``sqlfix run``: execute one query on a chosen engine (read-only, under limits) and print the
rows or the classified error."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table as RichTable

from sqlfix.engines.base import Limits, ResultSet
from sqlfix.errors import ExecError, SqlfixError
from sqlfix.input_text import require_valid_text

console = Console()


def run(
    sql: Optional[str] = typer.Argument(None, help="The query (or use --file, or pipe it on stdin)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Read the query from this file."),
    db: str = typer.Option("demo://shop", "--db", help="Database URL: demo://shop, duckdb:///x.duckdb, chdb:///dir?database=d, http(s)://..."),
    max_rows: int = typer.Option(Limits.max_rows, "--max-rows", min=1, help="Rows to fetch at most."),
    timeout: float = typer.Option(Limits.timeout_s, "--timeout", min=0.01, help="Seconds before the query is stopped."),
    as_json: bool = typer.Option(False, "--json", help="Print the result or the error as JSON."),
) -> None:
    """Run a read-only query and print its rows, or the classified error (exit status 1)."""
    text = read_sql_input(sql, file)
    from sqlfix.demo import open_url  # the demos' builders load only when a query runs

    engine = open_url(db, read_only=True)
    try:
        outcome = engine.execute(text, Limits(timeout_s=timeout, max_rows=max_rows))
    finally:
        engine.close()
    if as_json:
        print(json.dumps(_outcome_dict(outcome), default=str, indent=2))
    elif isinstance(outcome, ResultSet):
        _print_result(outcome)
    else:
        _print_error(outcome)
    raise typer.Exit(1 if isinstance(outcome, ExecError) else 0)


def read_sql_input(sql: str | None, file: Path | None) -> str:
    """Return the query from the argument, ``--file`` or stdin; raise :class:`SqlfixError` when none is given."""
    if sql and file:
        raise SqlfixError("give the query as an argument or with --file, not both")
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SqlfixError(f"cannot read {file}: {exc}") from None
    elif sql and sql != "-":
        text = sql
    else:
        text = "" if sys.stdin.isatty() else sys.stdin.read()
    if not text.strip():
        raise SqlfixError("no query given: pass it as an argument, with --file, or on stdin")
    return require_valid_text(text.strip(), "the query")


def _outcome_dict(outcome: ResultSet | ExecError) -> dict:
    if isinstance(outcome, ExecError):
        return {"error": outcome.to_dict()}
    return {
        "columns": list(outcome.columns),
        "types": list(outcome.types),
        "rows": [list(row) for row in outcome.rows],
        "truncated": outcome.truncated,
        "elapsed_ms": round(outcome.elapsed_ms, 3),
    }


def _print_result(result: ResultSet) -> None:
    grid = RichTable(*[f"{name}\n[dim]{kind}[/]" for name, kind in zip(result.columns, result.types)])
    for row in result.rows:
        grid.add_row(*["NULL" if value is None else str(value) for value in row])
    console.print(grid)
    more = " (truncated: more rows exist, raise --max-rows)" if result.truncated else ""
    console.print(f"[dim]{len(result.rows)} rows in {result.elapsed_ms:.1f} ms{more}[/]", highlight=False)


def _print_error(error: ExecError) -> None:
    name = f" {error.name}" if error.name else ""
    console.print(f"[bold red]error[/] [red]{error.kind.value}[/] ({error.engine}{name})", highlight=False)
    console.print(error.message, markup=False, highlight=False)
    for hint in error.hints:
        console.print(f"  [yellow]hint:[/] {hint}", highlight=False)
