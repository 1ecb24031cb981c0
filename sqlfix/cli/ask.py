"""``sqlfix ask``: write SQL for a question, verified on the database."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.console import Console
from rich.syntax import Syntax

from sqlfix.errors import SqlfixError
from sqlfix.fix import FixConfig, ask as ask_sql
from sqlfix.fix.config import CLI_BUDGET_S
from sqlfix.fix.database import open_database
from sqlfix.fix.model_choice import choose_model, model_line, question_model_spec

console = Console()
err_console = Console(stderr=True)


def ask(
    question: str = typer.Argument(..., help="The question to answer with SQL."),
    db: str = typer.Option("demo://shop", "--db", help="Database URL (demo://shop, duckdb:///path.duckdb, chdb:///path ...)."),
    schema: Optional[str] = typer.Option(None, "--schema", help="Schema source to use instead of introspecting the database."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model spec: auto, default, <base>-sqlfix, <base>, <base>+<adapter_dir>, a folder, openai:<model> (default: auto, chosen for this machine: the 1.5B adapter on a GPU, or quantized (int4, else int8) on a CPU where its base is installed, else the bundled 135M one; rules cannot answer questions)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Endpoint for openai:<model> specs."),
    k: int = typer.Option(FixConfig.k, "-k", min=1, max=32, help="Queries sampled (best-of-k)."),
    budget: float = typer.Option(CLI_BUDGET_S, "--budget", min=1.0, help="Seconds the question may take, the model's first "
                                 "reading of the schema included (a 1.5B model on a 2-core CPU takes minutes the first time)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Answer a question with a SQL query that runs on the database. Exit status 0 when it is
    sure, 3 when the answer is unsure (no other sample returns the same rows, a repair rule had
    to make it run, or it returns no rows), 1 when no sampled query runs."""
    question_model_spec(model)
    chat_model, warning = choose_model(model, base_url=base_url)
    if chat_model is None:
        raise SqlfixError(f"sqlfix ask needs a model: {warning}")
    if warning:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    err_console.print(f"[dim]{model_line(chat_model, model)}[/]", highlight=False)
    database = open_database(db, schema_source=schema)
    try:
        result = ask_sql(question, database.engine, database.schema, config=FixConfig(k=k, request_timeout_s=budget), model=chat_model)
    finally:
        database.close()
    if result.sql is None and result.sources.model_status not in (None, "ok"):
        late = f" ({budget:g} s; --budget sets it)" if result.sources.model_status == "timeout" else ""
        raise SqlfixError(result.sources.notice + late)  # the model failed or ran out of time: say why, exit 2
    if as_json:
        print(json.dumps(result.to_dict(), default=str, indent=2))
    elif result.sql is None:
        console.print(f"[bold red]no query:[/] {result.explanation}", highlight=False)
    else:
        console.print(Syntax(result.sql, "sql", theme="ansi_dark", background_color="default"), soft_wrap=True)
        rows = f"{result.evidence.row_count}{'+' if result.evidence.truncated else ''} rows"
        console.print(f"[dim]{result.explanation} confidence {result.confidence:.2f} · {result.source} · {rows}[/]", highlight=False)
        if result.unsure:
            console.print(f"[bold yellow]unsure:[/] check this query before using its numbers: {'; '.join(result.unsure_reasons)}",
                          highlight=False)
    raise typer.Exit(1 if not result.sql else 3 if result.unsure else 0)
