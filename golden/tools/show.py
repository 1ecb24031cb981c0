"""Print the results of golden queries, for reading them against their questions.

Usage (from the repository root)::

    .venv/bin/python -m golden.tools.show shop-t2s-00      # every case whose id starts so
    .venv/bin/python -m golden.tools.show hr-rep --rows 5
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from golden.tools.cases import EnginePool, load_cases
from sqlfix.errors import ExecError


def show_query(console: Console, pool: EnginePool, row: dict[str, Any], label: str, sql: str, max_rows: int) -> None:
    """Run one query of a case and print its result (or error) as a table."""
    outcome = pool.run(row, sql)
    console.print(f"[bold]{label}[/bold]: {sql}", highlight=False)
    if isinstance(outcome, ExecError):
        console.print(f"[red]{outcome.kind.value}[/red]: {outcome.message}", highlight=False)
        return
    table = Table(*outcome.columns, caption=f"{len(outcome.rows)} rows{' (truncated)' if outcome.truncated else ''}")
    for values in outcome.rows[:max_rows]:
        table.add_row(*(repr(v) for v in values))
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    """Print every case whose id starts with the given prefix."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", help="id prefix, e.g. shop-t2s-01")
    parser.add_argument("--rows", type=int, default=12, help="rows printed per result")
    args = parser.parse_args(argv)
    console = Console()
    pool = EnginePool()
    try:
        for row in load_cases():
            if not row["id"].startswith(args.prefix):
                continue
            console.rule(f"{row['id']} [{row['category']}/{row['difficulty']}]")
            if row.get("question"):
                console.print(f"Q: {row['question']}", highlight=False)
            if row["task"] == "repair":
                show_query(console, pool, row, "broken", row["broken_sql"], args.rows)
                show_query(console, pool, row, "fixed", row["fixed_sql"], args.rows)
            else:
                show_query(console, pool, row, "gold", row["sql"], args.rows)
                for alternative in row.get("alternatives") or []:
                    show_query(console, pool, row, "alternative", alternative, args.rows)
    finally:
        pool.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
