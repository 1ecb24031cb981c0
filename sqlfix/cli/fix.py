"""``sqlfix fix``: repair a failing query and show the fix, its diff and why."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from sqlfix.errors import SqlfixError
from sqlfix.fix import FixConfig, FixRequest, FixResult, repair
from sqlfix.fix.config import CLI_BUDGET_S
from sqlfix.fix.database import open_database
from sqlfix.fix.model_choice import choose_model, model_line, spec_from_options

console = Console()
err_console = Console(stderr=True)


def fix(
    sql: Optional[str] = typer.Argument(None, help="The query to fix (or use --file, or pipe it on stdin)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Read the query from this file."),
    db: str = typer.Option("demo://shop", "--db", help="Database URL (demo://shop, duckdb:///path.duckdb, chdb:///path ...)."),
    schema: Optional[str] = typer.Option(None, "--schema", help="Schema source to use instead of introspecting the database."),
    dialect: Optional[str] = typer.Option(None, "--dialect", help="Dialect of the query (default: the engine's)."),
    question: Optional[str] = typer.Option(None, "--question", "-q", help="What the query should answer (enables semantic repair)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model spec: rules, auto, default, <base>-sqlfix, <base>, <base>+<adapter_dir>, a folder, openai:<model> (default: auto, chosen for this machine: the 1.5B adapter on a GPU, or quantized (int4, else int8) on a CPU where its base is installed, else the bundled 135M one)."),
    no_model: bool = typer.Option(False, "--no-model", help="The same as --model rules: the deterministic repairers only."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Endpoint for openai:<model> specs."),
    k: int = typer.Option(FixConfig.k, "-k", min=1, max=32, help="Model samples per output format (best-of-k)."),
    timeout: float = typer.Option(FixConfig.timeout_s, "--timeout", min=0.1, help="Per-candidate execution limit in seconds."),
    budget: float = typer.Option(CLI_BUDGET_S, "--budget", min=1.0, help="Seconds the repair may take; the model is not "
                                 "waited for past it (the rules' answer stands)."),
    abstain: bool = typer.Option(False, "--abstain", help="Print no fix when the best one is unsure (exit status 1)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Repair a failing SQL query: prints the fix, a coloured diff, the explanation and a confidence.
    Exit status 0 when a verified fix (or the query itself) runs, 3 when the fix runs but is
    unsure (it changes more than the error needs, a fix as small answers differently, or its
    confidence is below 0.5), 1 when none was found (or, with --abstain, only an unsure one)."""
    text = _read_sql(sql, file)
    spec = spec_from_options(model, no_model)
    # Loaded only if the rules find no fix: most fixes then take milliseconds, not a model load.
    chat_model, _ = choose_model(spec, base_url=base_url, lazy=True)
    config = FixConfig(k=k, timeout_s=timeout, use_model=chat_model is not None, abstain=abstain, request_timeout_s=budget)
    database = open_database(db, schema_source=schema)
    try:
        result = repair(FixRequest(sql=text, dialect=dialect, question=question), database.engine, database.schema, config=config, model=chat_model)
    finally:
        database.close()
    loaded = chat_model.loaded() if chat_model is not None else None
    # A model that did not load is named once, by the notice that the rules answered alone.
    if chat_model is not None and chat_model.warning and not as_json and chat_model.warning not in (result.sources.notice or ""):
        err_console.print(f"[yellow]warning:[/] {escape(chat_model.warning)}", highlight=False, soft_wrap=True)
    if loaded is not None and not as_json:
        err_console.print(f"[dim]{model_line(loaded, spec)}[/]", highlight=False)
    if as_json:
        print(json.dumps(result.to_dict(), default=str, indent=2))
    else:
        if result.sources.notice:  # the model failed or ran out of time: the rules answered alone
            err_console.print(f"[yellow]warning:[/] {escape(result.sources.notice)}", highlight=False, soft_wrap=True)
        _show(result, text)
    raise typer.Exit(1 if not result.fixed_sql else 3 if result.unsure else 0)


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
        label = "[bold yellow]unsure, no fix given:[/]" if result.unsure else "[bold red]no fix:[/]"
        console.print(f"{label} {result.explanation}", highlight=False)
        return
    if result.fixed_sql == original:
        console.print(f"[green]ok:[/] {result.explanation}", highlight=False)
        return
    console.print(Syntax(result.fixed_sql, "sql", theme="ansi_dark", background_color="default"), soft_wrap=True)
    console.print(Syntax(result.diff, "diff", theme="ansi_dark", background_color="default"), soft_wrap=True)
    evidence = result.evidence
    rows = f"{evidence.row_count}{'+' if evidence.truncated else ''} rows"
    if result.unsure:
        console.print(f"[bold yellow]unsure:[/] check this fix before using it: {'; '.join(result.unsure_reasons)}", highlight=False)
    console.print(f"[bold]why:[/] {result.explanation}", highlight=False)
    console.print(f"[dim]confidence {result.confidence:.2f} · {result.source} · {rows} · {evidence.elapsed_ms:.0f} ms[/]", highlight=False)
