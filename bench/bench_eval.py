"""Comparisons per second of the execution-equivalence evaluator.

Results come from a real DuckDB query (5 columns: int key, text, float with noise, date,
nullable int); the prediction is the same result with rows shuffled, columns permuted and
floats recomputed differently, so every comparison walks the whole column-matching and
row-verification path and ends ``exact``.

    .venv/bin/python bench/bench_eval.py            # 100 and 10,000 rows
    .venv/bin/python bench/bench_eval.py --rows 1000

Target: at least 500 comparisons per second on 100-row results (one core).
"""

from __future__ import annotations

import argparse
import random
import time

from sqlfix.engines import open_engine
from sqlfix.engines.base import Limits, ResultSet

from eval.equivalence import Verdict, compare_results

TARGET_100_ROWS = 500.0
GOLD_SQL = """
SELECT i AS id, 'name_' || (i % 97) AS name, i / 7.0 AS ratio, DATE '2020-01-01' + (i % 365)::INTEGER AS day,
       CASE WHEN i % 5 = 0 THEN NULL ELSE i % 13 END AS bucket
FROM range({rows}) t(i)
"""
PRED_SQL = """
SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE i % 13 END AS b, DATE '2020-01-01' + (i % 365)::INTEGER AS d,
       (i * 3.0) / 21.0 AS r, 'name_' || (i % 97) AS n, i AS k
FROM range({rows}) t(i) ORDER BY random()
"""


def results(rows: int) -> tuple[ResultSet, ResultSet]:
    """The gold and predicted results of ``rows`` rows, from DuckDB."""
    engine = open_engine("duckdb://:memory:", read_only=False)
    limits = Limits(timeout_s=60, max_rows=rows + 1)
    gold = engine.execute(GOLD_SQL.format(rows=rows), limits)
    pred = engine.execute(PRED_SQL.format(rows=rows), limits)
    engine.close()
    assert isinstance(gold, ResultSet) and isinstance(pred, ResultSet)
    return gold, pred


def rate(pred: ResultSet, gold: ResultSet, *, order: tuple[int, ...] | None = None, seconds: float = 2.0) -> tuple[float, float]:
    """Comparisons per CPU second and per wall-clock second over about ``seconds`` of this
    process's CPU time (on a shared machine the wall-clock rate also measures the others)."""
    count, cpu_started, wall_started = 0, time.process_time(), time.perf_counter()
    while time.process_time() - cpu_started < seconds:
        verdict = compare_results(pred, gold, order=order).verdict
        assert verdict is Verdict.EXACT, verdict
        count += 1
    return count / (time.process_time() - cpu_started), count / (time.perf_counter() - wall_started)


def main() -> None:
    """Print comparisons per second for each size, and the ratio to the 100-row target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100, 10_000])
    args = parser.parse_args()
    random.seed(0)
    for rows in args.rows:
        gold, pred = results(rows)
        unordered, unordered_wall = rate(pred, gold)
        sorted_pred = ResultSet(pred.columns, pred.types, sorted(pred.rows, key=lambda r: r[4]))
        ordered, _ = rate(sorted_pred, gold, order=(0,))
        line = (
            f"{rows:>6} rows x 5 cols: {unordered:8.1f} comparisons per CPU-second unordered "
            f"({unordered_wall:.1f} per wall-second), {ordered:8.1f} ordered"
        )
        if rows == 100:
            line += f"  [target {TARGET_100_ROWS:.0f}/s: {unordered / TARGET_100_ROWS:.1f}x]"
        print(line)

if __name__ == "__main__":
    main()
