"""``sqlfix serve``: the HTTP API (FastAPI on uvicorn)."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console

from sqlfix.errors import SqlfixError
from sqlfix.fix import FixConfig
from sqlfix.fix.database import open_database
from sqlfix.fix.model_choice import choose_model, spec_from_options
from sqlfix.models.specs import parse_model_spec

err_console = Console(stderr=True)


def serve(
    db: list[str] = typer.Option(["shop=demo://shop"], "--db", help="NAME=URL of an allowed database (repeatable); the first is the default."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model spec: rules, default, <base>-sqlfix, <base>, <base>+<adapter_dir>, a folder, openai:<model> (default: default)."),
    no_model: bool = typer.Option(False, "--no-model", help="The same as --model rules: serve the deterministic repairers only."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Endpoint for openai:<model> specs."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    k: int = typer.Option(FixConfig.k, "-k", min=1, max=16, help="Model samples per output format."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.5, help="Wall-clock limit per request in seconds (504 past it)."),
    exec_timeout: float = typer.Option(2.0, "--exec-timeout", min=0.1, help="Limit per candidate execution in seconds (one connection per database runs one query at a time)."),
    max_body_kb: int = typer.Option(64, "--max-body-kb", min=1, help="Largest accepted request body in KiB (413 past it)."),
) -> None:
    """Serve POST /v1/fix, POST /v1/sql, GET /healthz and an OpenAI-compatible /v1/chat/completions."""
    import uvicorn

    from sqlfix.api import ApiSettings, create_app

    spec = spec_from_options(model, no_model)
    if spec is not None:
        parse_model_spec(spec)  # a spec outside the vocabulary fails before any database opens
    databases = {}
    for entry in db:
        name, sep, url = entry.partition("=")
        if not sep or not name.strip() or not url.strip():
            raise SqlfixError(f"--db takes NAME=URL, got {entry!r}")
        databases[name.strip()] = open_database(url.strip())
    chat_model, warning = choose_model(spec, base_url=base_url)
    if warning:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    config = FixConfig(k=k, use_model=chat_model is not None, request_timeout_s=timeout, timeout_s=exec_timeout)
    settings = ApiSettings(databases=databases, model=chat_model, fix_config=config, max_body_bytes=max_body_kb * 1024, request_timeout_s=timeout)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
