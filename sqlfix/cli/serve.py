"""``sqlfix serve``: the HTTP API (FastAPI on uvicorn)."""

from __future__ import annotations

import math
from typing import Optional

import typer
from rich.console import Console

from sqlfix.api.settings import GRACE_S, ApiSettings
from sqlfix.errors import SqlfixError
from sqlfix.fix import FixConfig
from sqlfix.fix.database import open_database
from sqlfix.fix.model_choice import choose_model, model_line, spec_from_options
from sqlfix.fix.prefix import warm_in_background
from sqlfix.models.base import ChatModel

err_console = Console(stderr=True)


def serve(
    db: list[str] = typer.Option(["shop=demo://shop"], "--db", help="NAME=URL of an allowed database (repeatable); the first is the default."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model spec: rules, auto, default, <base>-sqlfix, <base>, <base>+<adapter_dir>, a folder, openai:<model> (default: auto, chosen for this machine: the 1.5B adapter on a GPU, or quantized (int4, else int8) on a CPU where its base is installed, else the bundled 135M one)."),
    no_model: bool = typer.Option(False, "--no-model", help="The same as --model rules: serve the deterministic repairers only."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Endpoint for openai:<model> specs."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    k: int = typer.Option(FixConfig.k, "-k", min=1, max=16, help="Model samples per output format."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.5, help="Time budget per request in seconds: past it the best verified answer so far, marked partial (504 when there is none)."),
    exec_timeout: float = typer.Option(2.0, "--exec-timeout", min=0.1, help="Limit per candidate execution in seconds (one connection per database runs one query at a time)."),
    max_body_kb: int = typer.Option(64, "--max-body-kb", min=1, help="Largest accepted request body in KiB (413 past it)."),
    body_timeout: float = typer.Option(10.0, "--body-timeout", min=0.1, help="Seconds for a request body to arrive (408 past it)."),
    db_running: int = typer.Option(ApiSettings.db_running, "--db-running", min=1, help="Requests served at once per database."),
    db_queue: int = typer.Option(ApiSettings.db_waiting, "--db-queue", min=0, help="Requests queued per database beyond those; more get 429 with Retry-After."),
    db_queue_wait: float = typer.Option(ApiSettings.db_queue_wait_s, "--db-queue-wait", min=0.01, help="Seconds a request waits in a database's queue at most (429 past it)."),
    model_queue: int = typer.Option(ApiSettings.model_waiting, "--model-queue", min=0, help="Model calls queued beyond the running one; more get 429 (or the rules' answer alone)."),
    max_connections: int = typer.Option(256, "--max-connections", min=1, help="Open connections and requests at most (uvicorn's limit_concurrency; 503 past it)."),
    model_threads: Optional[int] = typer.Option(None, "--model-threads", min=1, help="CPU threads of a local model (default: all cores; it runs in a process of its own at a lower priority, so the rules go first)."),
) -> None:
    """Serve POST /v1/fix, POST /v1/sql, GET /healthz and an OpenAI-compatible /v1/chat/completions.

    On SIGTERM or Ctrl-C the server stops taking connections and lets the requests in flight
    finish (up to the time budget and a few seconds) before it closes the databases.
    """
    import uvicorn

    from sqlfix.api.app import create_app

    spec = spec_from_options(model, no_model)
    # A spec outside the vocabulary fails here, before any database opens; the model itself loads
    # in the background, a local one in a child process at a lower priority: the rules requests
    # never wait behind its computing (see ``sqlfix.models.process``).
    chat_model, _ = choose_model(spec, base_url=base_url, lazy=True, threads=model_threads, isolate=True)
    databases = {}
    for entry in db:
        name, sep, url = entry.partition("=")
        if not sep or not name.strip() or not url.strip():
            raise SqlfixError(f"--db takes NAME=URL, got {entry!r}")
        databases[name.strip()] = open_database(url.strip())
    if chat_model is not None:
        # The model loads and warms each database's schema prefix in the background: the rules
        # answer from the first request, the model once loaded (see ``sqlfix.fix.prefix``).
        warm_in_background(chat_model, [(d.schema, d.engine.dialect) for d in databases.values()], on_ready=_announce(spec))
    config = FixConfig(k=k, use_model=chat_model is not None, request_timeout_s=timeout, timeout_s=exec_timeout)
    settings = ApiSettings(databases=databases, model=chat_model, fix_config=config, max_body_bytes=max_body_kb * 1024, request_timeout_s=timeout,
                           body_timeout_s=body_timeout, db_running=db_running, db_waiting=db_queue,
                           db_queue_wait_s=db_queue_wait, model_waiting=model_queue)
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", limit_concurrency=max_connections,
                    timeout_graceful_shutdown=math.ceil(timeout + GRACE_S))
    finally:
        for database in databases.values():
            database.close()


def _announce(spec: str | None):
    """Print which model serves (or why none does) once the background load ends."""

    def announce(model: ChatModel | None, warning: str | None) -> None:
        if warning:
            err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
        if model is not None:
            err_console.print(model_line(model, spec), highlight=False)

    return announce
