"""Fix latency and repair rate on the golden repair set.

Runs ``sqlfix.fix.repair`` on every golden repair case (rules only by default; ``--model SPEC``
adds the model), checks each answer by execution equivalence against the case's ``fixed_sql``,
and prints the repair rate per error kind and category, latency p50/p95 (target: rules-only
p50 < 50 ms, with the 135M model on CPU p50 < 1.5 s) and where the time goes, including what
the minimality check (``sqlfix.fix.minimality``, run on every candidate) adds to a request,
timed again on each request's own candidates, and how many fixes come out sure or unsure.

    .venv/bin/python bench/bench_fix.py                    # rules only
    .venv/bin/python bench/bench_fix.py --model default    # rules + the bundled model
    .venv/bin/python bench/bench_fix.py --plot bench/fix_latency.png
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval.equivalence import GoldAnswer, compare_sql  # noqa: E402
from sqlfix.fix import FixConfig, repair, request_from_row  # noqa: E402
from sqlfix.fix.database import open_database  # noqa: E402
from sqlfix.fix.minimality import mark_overreach  # noqa: E402
from sqlfix.fix.model_choice import choose_model  # noqa: E402

console = Console()
TARGET_RULES_P50_MS = 50.0
TARGET_MODEL_P50_MS = 1500.0


def load_cases(folder: Path, dialects: set[str]) -> list[dict]:
    """Every repair case of the golden set in ``folder`` for the given dialects."""
    cases = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("dialect") in dialects:
                    cases.append(row)
    return cases


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--golden", type=Path, default=ROOT / "golden" / "repair")
    parser.add_argument("--model", default="rules", help="model spec (sqlfix.models.specs); default: rules")
    parser.add_argument("--dialects", default="duckdb,clickhouse")
    parser.add_argument("-k", type=int, default=FixConfig.k)
    parser.add_argument("--no-ranker", action="store_true", help="rank with the fallback instead of the learned model")
    parser.add_argument("--limit", type=int, default=0, help="first N cases only")
    parser.add_argument("--model-path", action="store_true",
                        help="only the cases the rules alone leave unfixed: the latency of fixes that need the model "
                             "(SQLFIX_RUNTIME=torch|ct2 picks the CPU runtime)")
    parser.add_argument("--profile", action="store_true", help="print where the time goes (cProfile)")
    parser.add_argument("--plot", type=Path, default=None, help="save a latency histogram here")
    parser.add_argument("--failures", action="store_true", help="list the cases not repaired")
    args = parser.parse_args()

    cases = load_cases(args.golden, set(args.dialects.split(",")))
    databases = {}
    if args.model_path:
        cases = [case for case in cases if _rules_leave_unfixed(case, databases)]
    if args.limit:
        cases = cases[: args.limit]
    model, warning = choose_model(args.model)
    if warning:
        console.print(f"[yellow]{warning}[/]")
    if model is not None:
        console.print(f"model: {model.name} ({getattr(model, 'runtime', 'endpoint')}); {len(cases)} cases")
    base_config = FixConfig(use_model=model is not None, k=args.k, use_ranker=not args.no_ranker)
    rows = []
    profiler = cProfile.Profile() if args.profile else None
    for case in track(cases, description="repairing", console=console):
        database = _database(case, databases)
        request = request_from_row(case)
        limits = case.get("limits") or {}
        config = replace(base_config, timeout_s=limits.get("timeout_s", base_config.timeout_s), max_memory_mb=limits.get("max_memory_mb", base_config.max_memory_mb))
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        result = repair(request, database.engine, database.schema, config=config, model=model)
        elapsed = (time.perf_counter() - started) * 1000
        if profiler:
            profiler.disable()
        check_started = time.perf_counter()
        mark_overreach(request.sql, result.error, result.candidates, request.dialect or database.engine.dialect)
        check_ms = (time.perf_counter() - check_started) * 1000
        verdict = compare_sql(result.fixed_sql, [GoldAnswer(case["fixed_sql"])], database.engine)
        rows.append({"case": case, "ms": elapsed, "ok": verdict.correct, "fixed": result.fixed_sql, "source": result.source,
                     "tried": result.evidence.candidates_tried, "check_ms": check_ms, "unsure": result.unsure})

    _report(rows, model is not None)
    if args.failures:
        for row in rows:
            if not row["ok"]:
                case = row["case"]
                console.print(f"[red]{case['id']}[/] {case.get('error_kind')}/{case['category']}: {case['broken_sql']!r}\n   got  {row['fixed']!r}\n   want {case['fixed_sql']!r}", highlight=False)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if args.plot:
        _plot(rows, args.plot)


def _database(case: dict, databases: dict):
    """The case's demo database, opened once."""
    url = f"demo+clickhouse://{case['schema']}" if case["dialect"] == "clickhouse" else f"demo://{case['schema']}"
    if url not in databases:
        databases[url] = open_database(url)
    return databases[url]


def _rules_leave_unfixed(case: dict, databases: dict) -> bool:
    """True when the rules alone find no fix of the case (the model is then asked)."""
    database = _database(case, databases)
    result = repair(request_from_row(case), database.engine, database.schema, config=FixConfig(use_model=False))
    return result.fixed_sql is None


def _report(rows: list[dict], with_model: bool) -> None:
    by_kind: dict[str, list[bool]] = defaultdict(list)
    by_category: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        by_kind[row["case"].get("error_kind") or "semantic"].append(row["ok"])
        by_category[row["case"]["category"]].append(row["ok"])
    for title, groups in (("error kind", by_kind), ("category", by_category)):
        table = Table(title=f"repair rate by {title} ({'rules + model' if with_model else 'rules only'})")
        table.add_column(title)
        table.add_column("cases", justify="right")
        table.add_column("repaired", justify="right")
        table.add_column("rate", justify="right")
        for name, oks in sorted(groups.items(), key=lambda item: -len(item[1])):
            table.add_row(name, str(len(oks)), str(sum(oks)), f"{sum(oks) / len(oks):.0%}")
        console.print(table)
    latencies = [row["ms"] for row in rows]
    total = sum(row["ok"] for row in rows)
    target = TARGET_MODEL_P50_MS if with_model else TARGET_RULES_P50_MS
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    console.print(f"repaired {total}/{len(rows)} ({total / max(1, len(rows)):.1%})")
    console.print(f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, mean {statistics.mean(latencies):.1f} ms, max {max(latencies):.1f} ms")
    console.print(f"p50 target {target:.0f} ms: ratio p50/target = {p50 / target:.2f} ({'met' if p50 < target else 'MISSED'})")
    console.print(f"executions per request: mean {statistics.mean(r['tried'] for r in rows):.1f}")
    checks = [row["check_ms"] for row in rows]
    without = [row["ms"] - row["check_ms"] for row in rows]
    console.print(f"minimality check per request: p50 {percentile(checks, 0.5):.2f} ms, p95 {percentile(checks, 0.95):.2f} ms; "
                  f"latency p50 without it {percentile(without, 0.5):.1f} ms (ratio with/without {p50 / max(1e-9, percentile(without, 0.5)):.2f})")
    fixed = [row for row in rows if row["fixed"]]
    unsure = [row for row in fixed if row["unsure"]]
    console.print(f"fixes returned {len(fixed)}: sure {len(fixed) - len(unsure)} ({sum(r['ok'] for r in fixed if not r['unsure'])} right), "
                  f"unsure {len(unsure)} ({sum(r['ok'] for r in unsure)} right)")


def _plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    axis.hist([row["ms"] for row in rows], bins=40)
    axis.set_xlabel("fix latency (ms)")
    axis.set_ylabel("cases")
    axis.set_title("sqlfix fix latency on the golden repair set")
    figure.tight_layout()
    figure.savefig(path)
    console.print(f"saved {path}")


if __name__ == "__main__":
    main()
