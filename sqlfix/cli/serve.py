"""``sqlfix serve``: the HTTP API (FastAPI on uvicorn)."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console

from sqlfix.errors import SqlfixError
from sqlfix.fix import FixConfig
from sqlfix.fix.database import open_database
from sqlfix.fix.model_choice import choose_model, model_line
from sqlfix.fix.prefix import warm_in_background
from sqlfix.models.base import ChatModel

err_console = Console(stderr=True)


def serve(
    db: list[str] = typer.Option(["shop=demo://shop"], "--db", help="NAME=URL of an allowed database (repeatable); the first is the default."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model spec (default: chosen for this machine: the 1.5B adapter on a GPU, or in int8 on a CPU where its base is installed, else the bundled 135M one)."),
    no_model: bool = typer.Option(False, "--no-model", help="Serve the deterministic repairers only."),
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

    databases = {}
    for entry in db:
        name, sep, url = entry.partition("=")
        if not sep or not name.strip() or not url.strip():
            raise SqlfixError(f"--db takes NAME=URL, got {entry!r}")
        databases[name.strip()] = open_database(url.strip())
    # The model loads and warms each database's schema prefix in the background: the rules
    # answer from the first request, the model once loaded (see ``sqlfix.fix.prefix``).
    chat_model, _ = choose_model(model, use_model=not no_model, base_url=base_url, lazy=True)
    if chat_model is not None:
        warm_in_background(chat_model, [(d.schema, d.engine.dialect) for d in databases.values()], on_ready=_announce(model))
    config = FixConfig(k=k, use_model=chat_model is not None, request_timeout_s=timeout, timeout_s=exec_timeout)
    settings = ApiSettings(databases=databases, model=chat_model, fix_config=config, max_body_bytes=max_body_kb * 1024, request_timeout_s=timeout)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def _announce(spec: str | None):
    """Print which model serves (or why none does) once the background load ends."""

    def announce(model: ChatModel | None, warning: str | None) -> None:
        if warning:
            err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
        if model is not None:
            err_console.print(model_line(model, spec), highlight=False)

    return announce
