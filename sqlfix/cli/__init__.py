"""The ``sqlfix`` command line: a thin typer layer over the library.

Core subcommands live in ``sqlfix/cli/<name>.py``; the higher layers (datagen, eval, ui)
register theirs through the ``sqlfix.commands`` entry-point group, so the core never imports
them. Every :class:`~sqlfix.errors.SqlfixError` ends the program with one red line and exit
status 2; ``SQLFIX_DEBUG=1`` shows tracebacks of unexpected errors.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import entry_points

import typer
from rich.console import Console

from sqlfix.errors import SqlfixError

CORE_COMMANDS = ("schema", "run", "fix", "ask", "serve", "train")

app = typer.Typer(
    name="sqlfix",
    help="Write SQL from questions and repair failing SQL with small fine-tuned models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)


def _register(name: str, target: object) -> None:
    if isinstance(target, typer.Typer):
        app.add_typer(target, name=name)
    else:
        app.command(name)(target)


def _load_commands() -> None:
    for name in CORE_COMMANDS:
        module = importlib.import_module(f"sqlfix.cli.{name}")
        _register(name, module.app if hasattr(module, "app") else getattr(module, name))
    for entry in entry_points(group="sqlfix.commands"):
        _register(entry.name, entry.load())


def main() -> None:
    """Entry point of the ``sqlfix`` console script."""
    try:
        _load_commands()
        # In non-standalone mode click returns a command's typer.Exit code instead of exiting.
        exit_code = app(standalone_mode=False)
        if isinstance(exit_code, int) and exit_code:
            sys.exit(exit_code)
    except SqlfixError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("[yellow]aborted[/]")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("SQLFIX_DEBUG"):
            raise
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc} (set SQLFIX_DEBUG=1 for the traceback)",
            highlight=False,
        )
        sys.exit(1)
