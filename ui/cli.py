"""`sqlfix ui`: start the Streamlit editor on 127.0.0.1."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from sqlfix.fix.model_choice import spec_from_options
from sqlfix.models.specs import parse_model_spec
from ui.config import UIConfig

APP_SCRIPT = Path(__file__).with_name("app.py")


def streamlit_command(port: int) -> list[str]:
    """The command line that serves the app on 127.0.0.1:``port`` without opening a browser."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]


def ui(
    port: int = typer.Option(8501, help="Port to serve on (127.0.0.1 only)."),
    db: str = typer.Option(UIConfig.db, help="Database opened first: demo://shop, demo+clickhouse://hr, a .duckdb file, chdb:///path, a ClickHouse URL, or a schema file."),
    model: Optional[str] = typer.Option(None, help="Model spec for Fix and Ask: rules, auto, default, <base>-sqlfix, <base>, <base>+<adapter_dir>, a folder, openai:<model> (default: auto, this machine's default: the 1.5B adapter on a GPU, or quantized (int4, else int8) on a CPU where installed, else the bundled 135M one)."),
    no_model: bool = typer.Option(False, "--no-model", help="The same as --model rules: rules-only fixes, no Ask."),
    base_url: str = typer.Option(None, help="OpenAI-compatible endpoint for openai: models (else OPENAI_BASE_URL)."),
    log_file: Path = typer.Option(Path(UIConfig.log_file), help="Interaction log (JSONL) read by `sqlfix datagen --from-log`."),
    no_log: bool = typer.Option(False, "--no-log", help="Do not log interactions."),
    k: int = typer.Option(UIConfig.k, help="Candidates per fix or question (best-of-k)."),
    timeout: float = typer.Option(UIConfig.timeout_s, help="Per-query timeout in seconds."),
    row_limit: int = typer.Option(UIConfig.row_limit, help="Rows fetched and shown at most."),
    reports_dir: Path = typer.Option(Path(UIConfig.reports_dir), help="Where saved `sqlfix eval` reports are looked for."),
    plain_editor: bool = typer.Option(False, "--plain-editor", help="A plain text area instead of the code editor."),
) -> None:
    """Start the SQL editor (Run, Fix, Ask, Compare) in the browser at http://127.0.0.1:PORT."""
    spec = parse_model_spec(spec_from_options(model, no_model) or UIConfig.model)
    config = UIConfig(
        db=db, model=spec.text, base_url=base_url, log_file=str(log_file.expanduser().resolve()), log_enabled=not no_log,
        k=k, timeout_s=timeout, row_limit=row_limit, editor="text" if plain_editor else "code",
        reports_dir=str(reports_dir.expanduser().resolve()),
    )
    typer.echo(f"sqlfix ui on http://127.0.0.1:{port}  (db {db}, model {spec.text})")
    # Become the Streamlit server (no child process), so stopping `sqlfix ui` stops the server.
    command = streamlit_command(port)
    os.execve(command[0], command, {**os.environ, **config.to_env()})


app = ui
