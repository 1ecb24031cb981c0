"""Audit a generated dataset for golden-set leakage: rows whose SQL, normalised with
``sqlfix.normalize.normalize_sql`` in the row's dialect, equals a golden query (``sql``, an
alternative, ``broken_sql`` or ``fixed_sql``) normalised in the case's dialect.

The match ignores which dialect a query was written for (a ClickHouse training row whose text is
a DuckDB golden answer still teaches the model that answer) and letter case (ClickHouse keeps
function names as written), so it errs on the side of reporting.

Usage (from the repository root)::

    .venv/bin/python -m golden.tools.leakage data/demo        # every *.jsonl[.gz] below it

Prints one line per leaking row (file, field, golden id) and exits 1 when any leak is found.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import track

from golden.tools.cases import GOLDEN_DIR, gold_queries, load_cases
from sqlfix.normalize import normalize_sql

DATASET_FIELDS = ("sql", "broken_sql", "fixed_sql")


def golden_index(root: Path = GOLDEN_DIR) -> dict[str, str]:
    """Return ``{normalised SQL: first golden id using it}`` for every query of every golden case."""
    index: dict[str, str] = {}
    for case in load_cases(root=root):
        queries = gold_queries(case) + ([case["broken_sql"]] if case["task"] == "repair" else [])
        for sql in queries:
            index.setdefault(leak_key(sql, case["dialect"]), case["id"])
    return index


def leak_key(sql: str, dialect: str) -> str:
    """Return the text two queries share when one leaks the other: normalised, case-folded."""
    return normalize_sql(sql, dialect).casefold()


def dataset_rows(path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Yield ``(file, row)`` for every row of the JSONL files (plain or gzipped) at or below ``path``."""
    files = [path] if path.is_file() else sorted([*path.rglob("*.jsonl"), *path.rglob("*.jsonl.gz")])
    for file in files:
        opener = gzip.open if file.suffix == ".gz" else open
        with opener(file, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield file, json.loads(line)


def find_leaks(path: Path, index: dict[str, str], console: Console | None = None) -> list[tuple[Path, str, str]]:
    """Return ``(file, field, golden id)`` for every dataset field that normalises to a golden query."""
    leaks = []
    rows = list(dataset_rows(path))
    for file, row in track(rows, description="checking", console=console, disable=console is None):
        for field in DATASET_FIELDS:
            sql = row.get(field)
            case_id = index.get(leak_key(sql, row["dialect"])) if sql else None
            if case_id:
                leaks.append((file, field, case_id))
    return leaks


def main(argv: list[str] | None = None) -> int:
    """Report golden leakage in the datasets named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="dataset folders or JSONL files")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    index = golden_index()
    leaks = [leak for path in args.paths for leak in find_leaks(path, index, console)]
    for file, field, case_id in leaks:
        console.print(f"{file}: {field} equals golden {case_id}", highlight=False)
    console.print(f"{len(leaks)} leaking fields ({len({c for _, _, c in leaks})} golden cases)")
    return 1 if leaks else 0


if __name__ == "__main__":
    raise SystemExit(main())
