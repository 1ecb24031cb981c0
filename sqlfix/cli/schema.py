"""`sqlfix schema show|load` (being built)."""

import typer

app = typer.Typer(help="Inspect and load schemas.", no_args_is_help=True)
