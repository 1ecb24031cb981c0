"""Fill the ``error``, ``error_kind`` and ``exec_error`` fields of the golden repair cases by
running each broken query on its engine, and report anything an author must look at.

Usage (from the repository root)::

    .venv/bin/python -m golden.tools.refresh_errors            # report only
    .venv/bin/python -m golden.tools.refresh_errors --write    # rewrite the JSONL files

Reported: a kind that differs from the stored one (the author's intent, or the last
refresh), a broken query that succeeds, a semantic case whose broken query fails or
returns the fixed query's rows, and a ``fixed_sql`` that fails or returns nothing.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import track

from golden.tools.cases import GOLDEN_DIR, EnginePool, case_files, check_case
from sqlfix.errors import ExecError
from sqlfix.jsonl import read_jsonl

FIELD_ORDER = (
    "id", "schema", "dialect", "task", "category", "difficulty", "question", "broken_sql",
    "error", "error_kind", "fixed_sql", "semantic", "limits", "note", "exec_error",
)


def refresh_case(row: dict[str, Any], pool: EnginePool) -> tuple[dict[str, Any], list[str]]:
    """Return the case with fresh error fields, and the problems found running it."""
    problems = []
    fixed = pool.run(row, row["fixed_sql"])
    if isinstance(fixed, ExecError):
        problems.append(f"fixed_sql fails: {fixed.kind.value}: {fixed.message}")
    elif not fixed.rows:
        problems.append("fixed_sql returns no rows")
    broken = pool.run(row, row["broken_sql"])
    fresh = dict(row)
    if row.get("semantic"):
        if isinstance(broken, ExecError):
            problems.append(f"semantic broken_sql fails: {broken.message}")
        elif not isinstance(fixed, ExecError) and sorted(map(repr, broken.rows)) == sorted(map(repr, fixed.rows)):
            problems.append("semantic broken_sql returns the same rows as fixed_sql")
        fresh.update(error=None, error_kind=None, exec_error=None)
    elif not isinstance(broken, ExecError):
        problems.append(f"broken_sql succeeds ({len(broken.rows)} rows)")
    else:
        if row.get("error_kind") and row["error_kind"] != broken.kind.value:
            problems.append(f"kind {row['error_kind']} -> {broken.kind.value}: {broken.message}")
        fresh.update(error=broken.message, error_kind=broken.kind.value, exec_error=broken.to_dict())
    return ordered(fresh), problems


def ordered(row: dict[str, Any]) -> dict[str, Any]:
    """Return ``row`` with its fields in the documented order and empty optionals dropped."""
    keep = {k: v for k, v in row.items() if v is not None or k in ("error", "error_kind", "exec_error")}
    known = [k for k in FIELD_ORDER if k in keep]
    return {k: keep[k] for k in known + sorted(set(keep) - set(known))}


def refresh_file(path: Path, pool: EnginePool, console: Console, write: bool) -> Counter:
    """Refresh every case of one file; print its problems; rewrite it when ``write``."""
    rows = []
    tally: Counter = Counter()
    for number, row in track(list(read_jsonl(path)), description=path.name, console=console):
        check_case(row, f"{path.name}:{number}")
        fresh, problems = refresh_case(row, pool)
        rows.append(fresh)
        tally["cases"] += 1
        tally["problems"] += bool(problems)
        for problem in problems:
            console.print(f"[red]{row['id']}[/red] {problem}", markup=True, highlight=False)
    if write:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        path.write_text(text, encoding="utf-8")
    return tally


def main(argv: list[str] | None = None) -> int:
    """Refresh the repair files named on the command line (default: all); return 1 on problems."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="repair JSONL files (default: all)")
    parser.add_argument("--write", action="store_true", help="rewrite the files with fresh errors")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    paths = args.files or case_files("repair")
    total: Counter = Counter()
    for path in paths:
        pool = EnginePool()
        try:
            total += refresh_file(path, pool, console, args.write)
        finally:
            pool.close()
    console.print(f"{total['cases']} cases, {total['problems']} with problems ({GOLDEN_DIR.name})")
    return 1 if total["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
