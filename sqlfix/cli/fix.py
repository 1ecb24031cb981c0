"""``sqlfix fix``: repair a failing query and show the fix, its diff and why."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.syntax import Syntax

from sqlfix.errors import SqlfixError
from sqlfix.fix import FixConfig, FixRequest, FixResult, repair
from sqlfix.fix.database import open_database
from sqlfix.fix.model_choice import choose_model

console = Console()
err_console = Console(stderr=True)


def fix(
    sql: Optional[str] = typer.Argument(None, help="The query to fix (or use --file, or pipe it on stdin)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Read the query from this file."),
    db: str = typer.Option("demo://shop", "--db", help="Database URL (demo://shop, duckdb:///path.duckdb, chdb:///path ...)."),
    schema: Optional[str] = typer.Option(None, "--schema", help="Schema source to use instead of introspecting the database."),
    dialect: Optional[str] = typer.Option(None, "--dialect", help="Dialect of the query (default: the engine's)."),
    question: Optional[str] = typer.Option(None, "--question", "-q", help="What the query should answer (enables semantic repair)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model spec (default: the bundled fine-tuned model)."),
    no_model: bool = typer.Option(False, "--no-model", help="Use the deterministic repairers only."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Endpoint for openai:<model> specs."),
    k: int = typer.Option(FixConfig.k, "-k", min=1, max=32, help="Model samples per output format (best-of-k)."),
    timeout: float = typer.Option(FixConfig.timeout_s, "--timeout", min=0.1, help="Per-candidate execution limit in seconds."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Repair a failing SQL query: prints the fix, a coloured diff, the explanation and a confidence.
    Exit status 0 when a verified fix (or the query itself) runs, 1 when none was found."""
    text = _read_sql(sql, file)
    config = FixConfig(k=k, timeout_s=timeout, use_model=not no_model)
    chat_model, warning = choose_model(model, use_model=not no_model, base_url=base_url)
    if warning and not as_json:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    database = open_database(db, schema_source=schema)
    try:
        result = repair(FixRequest(sql=text, dialect=dialect, question=question), database.engine, database.schema, config=config, model=chat_model)
    finally:
        database.close()
    if as_json:
        print(json.dumps(result.to_dict(), default=str, indent=2))
    else:
        _show(result, text)
    raise typer.Exit(0 if result.fixed_sql else 1)


def _read_sql(sql: str | None, file: Path | None) -> str:
    if sql and file:
        raise SqlfixError("give the query as an argument or with --file, not both")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").rstrip("\n")
        except OSError as exc:
            raise SqlfixError(f"cannot read {file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise SqlfixError(f"cannot read {file}: not UTF-8 text (byte {exc.start})") from None
    if sql:
        return sql
    if not sys.stdin.isatty():
        text = sys.stdin.read().rstrip("\n")
        if text.strip():
            return text
    raise SqlfixError("no query given: pass it as an argument, with --file, or on stdin")


def _show(result: FixResult, original: str) -> None:
    if result.error is not None:
        console.print(f"[bold red]error[/] ({result.error.kind.value}): {result.error.message.splitlines()[0]}", highlight=False)
    if result.fixed_sql is None:
        console.print(f"[bold red]no fix:[/] {result.explanation}", highlight=False)
        return
    if result.fixed_sql == original:
        console.print(f"[green]ok:[/] {result.explanation}", highlight=False)
        return
    console.print(Syntax(result.fixed_sql, "sql", theme="ansi_dark", background_color="default"), soft_wrap=True)
    console.print(Syntax(result.diff, "diff", theme="ansi_dark", background_color="default"), soft_wrap=True)
    evidence = result.evidence
    rows = f"{evidence.row_count}{'+' if evidence.truncated else ''} rows"
    console.print(f"[bold]why:[/] {result.explanation}", highlight=False)
    console.print(f"[dim]confidence {result.confidence:.2f} · {result.source} · {rows} · {evidence.elapsed_ms:.0f} ms[/]", highlight=False)
