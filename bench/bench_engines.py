"""Per-query overhead of the engines: our wrappers against the raw drivers.

For DuckDB and embedded ClickHouse (chDB) it times a trivial query (``SELECT 1``) and a 1M-row
aggregate, median of repeated runs, and prints absolute milliseconds and the ratio to the raw
driver (``duckdb`` connection; ``chdb`` connection and clickhouse-connect client). It also times
the statement guard and the precheck alone, the fixed costs every query pays before execution.

Usage::

    .venv/bin/python bench/bench_engines.py [--runs 200] [--agg-runs 15] [--plot bench/engines.png]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import chdb
import clickhouse_connect
import duckdb
from rich.console import Console
from rich.progress import track
from rich.table import Table

from sqlfix.engines.base import Limits, ResultSet
from sqlfix.engines.clickhouse import ClickHouseEngine
from sqlfix.engines.duckdb import DuckDBEngine
from sqlfix.engines.guard import check_statement
from sqlfix.engines.introspect import read_schema
from sqlfix.engines.precheck import precheck

TRIVIAL = "SELECT 1"
DUCKDB_AGG = "SELECT k, sum(v) AS total, count(*) AS n FROM facts GROUP BY k ORDER BY k"
CLICKHOUSE_AGG = "SELECT k, sum(v) AS total, count() AS n FROM facts GROUP BY k ORDER BY k"
LIMITS = Limits(timeout_s=60.0, max_rows=1000, max_memory_mb=4096)


def median_ms(runs: list[Callable[[], object]], repeats: int, label: str) -> list[float]:
    """Warm each callable up, then run them round-robin ``repeats`` times (so drift hits all
    alike); return each one's median in milliseconds."""
    for run in runs:
        run()
    times: list[list[float]] = [[] for _ in runs]
    for _ in track(range(repeats), description=label, transient=True):
        for run, bucket in zip(runs, times):
            started = time.perf_counter()
            run()
            bucket.append((time.perf_counter() - started) * 1000)
    return [statistics.median(bucket) for bucket in times]


def checked(engine_run: Callable[[], object]) -> Callable[[], object]:
    """Fail loudly if the wrapped engine returns an error instead of rows."""

    def run() -> object:
        outcome = engine_run()
        if not isinstance(outcome, ResultSet):
            raise SystemExit(f"engine failed during the benchmark: {outcome}")
        return outcome

    return run


def bench_duckdb(workdir: Path, runs: int, agg_runs: int) -> list[tuple[str, str, float, float]]:
    """Time raw duckdb and DuckDBEngine on one file holding a 1M-row table."""
    path = workdir / "bench.duckdb"
    setup = DuckDBEngine(path, read_only=False)
    setup.execute(
        "CREATE TABLE facts AS SELECT range AS id, range % 100 AS k, random() AS v FROM range(1000000)", allow_write=True
    )
    setup.close()
    # DuckDB refuses a second configuration on one file in a process: the raw driver reads a copy.
    raw_path = workdir / "bench-raw.duckdb"
    shutil.copyfile(path, raw_path)
    raw = duckdb.connect(str(raw_path), read_only=True)
    engine = DuckDBEngine(path)
    rows = []
    for name, sql, repeats in (("SELECT 1", TRIVIAL, runs), ("1M-row aggregate", DUCKDB_AGG, agg_runs)):
        base, ours = median_ms(
            [lambda: raw.execute(sql).fetchall(), checked(lambda: engine.execute(sql, LIMITS))], repeats, f"duckdb {name}"
        )
        rows.append(("duckdb", name, base, ours))
    engine.close()
    raw.close()
    return rows


def bench_clickhouse(workdir: Path, runs: int, agg_runs: int) -> list[tuple[str, str, float, float]]:
    """Time raw chdb, raw clickhouse-connect and ClickHouseEngine on one chDB path."""
    path = workdir / "chdb"
    setup = ClickHouseEngine.embedded(path, database="bench", read_only=False)
    setup.execute(
        "CREATE TABLE facts ENGINE = MergeTree ORDER BY id AS "
        "SELECT number AS id, number % 100 AS k, rand() / 4294967295 AS v FROM numbers(1000000)",
        allow_write=True,
    )
    raw_chdb = chdb.connect(str(path))
    raw_chdb.query("USE bench")
    raw_client = clickhouse_connect.get_client(dsn=f"chdb://{path}", database="bench")
    engine = ClickHouseEngine.embedded(path, database="bench")
    rows = []
    for name, sql, repeats in (("SELECT 1", TRIVIAL, runs), ("1M-row aggregate", CLICKHOUSE_AGG, agg_runs)):
        base, client, ours = median_ms(
            [
                lambda: raw_chdb.query(sql, "Native").bytes(),
                lambda: raw_client.query(sql).result_rows,
                checked(lambda: engine.execute(sql, LIMITS)),
            ],
            repeats,
            f"chdb {name}",
        )
        rows.append(("chdb (raw chdb)", name, base, ours))
        rows.append(("chdb (raw clickhouse-connect)", name, client, ours))
    engine.close()
    raw_client.close()
    raw_chdb.close()
    setup.close()
    return rows


def bench_checks(workdir: Path, runs: int) -> list[tuple[str, float]]:
    """Time the guard and the precheck alone on a join query."""
    engine = DuckDBEngine(workdir / "bench.duckdb")
    schema = read_schema(engine, "bench", samples=0)
    engine.close()
    sql = "SELECT f.k, sum(f.v) FROM facts AS f WHERE f.id > 10 GROUP BY f.k HAVING count(*) > 1 ORDER BY 2 DESC"
    guard_ms, precheck_ms = median_ms(
        [lambda: check_statement(sql, "duckdb"), lambda: precheck(sql, schema, "duckdb")], runs, "checks"
    )
    return [("guard (sqlglot parse + walk)", guard_ms), ("precheck (qualify + lists)", precheck_ms)]


def main() -> None:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="repeats for SELECT 1 and the checks")
    parser.add_argument("--agg-runs", type=int, default=30, help="repeats for the 1M-row aggregate")
    parser.add_argument("--plot", type=Path, default=None, help="write a bar chart of the results here")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="sqlfix-bench-") as tmp:
        workdir = Path(tmp)
        rows = bench_duckdb(workdir, args.runs, args.agg_runs) + bench_clickhouse(workdir, args.runs, args.agg_runs)
        checks = bench_checks(workdir, args.runs)

    table = Table(title="Per-query time, median (ms)")
    for column in ("engine / baseline", "query", "raw ms", "sqlfix ms", "overhead ms", "ratio"):
        table.add_column(column, justify="right" if column not in ("engine / baseline", "query") else "left")
    for engine_name, query, base, ours in rows:
        table.add_row(engine_name, query, f"{base:.3f}", f"{ours:.3f}", f"{ours - base:+.3f}", f"{ours / base:.2f}x")
    console.print(table)
    fixed = Table(title="Fixed checks before execution, median (ms)")
    fixed.add_column("check")
    fixed.add_column("ms", justify="right")
    for name, ms in checks:
        fixed.add_row(name, f"{ms:.3f}")
    console.print(fixed)
    if args.plot:
        plot(rows, args.plot)
        console.print(f"chart written to {args.plot}")


def plot(rows: list[tuple[str, str, float, float]], path: Path) -> None:
    """Bar chart: raw vs sqlfix milliseconds per engine and query."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{engine}\n{query}" for engine, query, _, _ in rows]
    positions = range(len(rows))
    figure, axis = plt.subplots(figsize=(max(6, 1.6 * len(rows)), 4))
    axis.bar([p - 0.2 for p in positions], [r[2] for r in rows], width=0.4, label="raw driver")
    axis.bar([p + 0.2 for p in positions], [r[3] for r in rows], width=0.4, label="sqlfix engine")
    axis.set_xticks(list(positions), labels, fontsize=7)
    axis.set_yscale("log")
    axis.set_ylabel("median ms (log)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
