"""CPU runtimes side by side: int8 CTranslate2 (today's path) against int4 ONNX Runtime GenAI
(and float32 torch, the path before both, when named).

For each runtime, in its own process (so peak RSS is that runtime's alone), the bench loads
the model, warms the schema prefix of demo://shop (what ``serve`` and the editor do at start),
then answers the first N golden text-to-SQL questions on shop (DuckDB) with ``sqlfix.fix.ask``
(k=1 by default) and scores each answer by execution equivalence. It prints load time, ms per
prompt token (the schema prefix's prefill), ms per generated token, ``ask`` p50/p95 once warm,
peak RSS, accuracy, and how many greedy answers are identical to the first runtime's; the
targets of issue #17 (1.5B: p50 <= 6 s, p95 <= 12 s, RSS <= 4 GB, accuracy within 1 point)
with their ratios; and the machine's load (``/proc/loadavg``) before and after each runtime.

    .venv/bin/python bench/bench_cpu_runtime.py --model qwen2.5-coder-1.5b-sqlfix --cases 20
    .venv/bin/python bench/bench_cpu_runtime.py --model default --cases 20 --runtimes torch,ct2,ort
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

console = Console()
TARGET_P50_S, TARGET_P95_S, TARGET_RSS_MB, TARGET_ACCURACY_DROP = 6.0, 12.0, 4096.0, 1.0
GOLDEN = ROOT / "golden" / "text2sql" / "shop_duckdb.jsonl"


class _Timed:
    """A chat model wrapper that records each generate() call's seconds and token counts."""

    def __init__(self, model) -> None:
        self.model, self.name, self.calls, self.texts = model, model.name, [], []

    def generate(self, messages, **options):
        started = time.perf_counter()
        out = self.model.generate(messages, **options)
        self.calls.append((time.perf_counter() - started, out[0].prompt_tokens, sum(g.completion_tokens for g in out)))
        self.texts.append(out[0].text)
        return out


def worker(spec: str, runtime: str, cases: int, k: int) -> dict:
    """Measure one runtime in this process; return its figures."""
    from eval.equivalence import Verdict, compare_sql
    from eval.golden import load_golden
    from sqlfix.fix import FixConfig, ask
    from sqlfix.fix.database import open_database
    from sqlfix.fix.prefix import warm_schema
    from sqlfix.models import load_model

    started = time.perf_counter()
    model = load_model(spec, runtime=runtime)
    load_s = time.perf_counter() - started
    database = open_database("demo://shop")
    started = time.perf_counter()
    head_tokens = warm_schema(model, database.schema, database.engine.dialect)
    warm_s = time.perf_counter() - started
    timed = _Timed(model)
    rows = []
    for case in load_golden(GOLDEN, task="text2sql")[:cases]:
        first_call, started = len(timed.texts), time.perf_counter()
        result = ask(case.question, database.engine, database.schema, config=FixConfig(k=k), model=timed)
        seconds = time.perf_counter() - started
        verdict = compare_sql(result.sql, case.answers(), database.engine).verdict
        rows.append({"id": case.id, "seconds": seconds, "sql": result.sql, "greedy": timed.texts[first_call],
                     "correct": verdict is Verdict.EXACT})
    database.close()
    generated = sum(c[2] for c in timed.calls)
    return {
        "runtime": runtime, "load_s": load_s, "warm_s": warm_s, "head_tokens": head_tokens,
        "ms_per_prompt_token": 1000 * warm_s / head_tokens if head_tokens else None,
        "ms_per_generated_token": 1000 * sum(c[0] for c in timed.calls) / max(1, generated),
        "rows": rows, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _load() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def main() -> None:
    """Run each runtime in a child process and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-sqlfix")
    parser.add_argument("--runtimes", default="ct2,ort", help="comma-separated; the first is the old path the others are compared with")
    parser.add_argument("--cases", type=int, default=12, help="first N shop text-to-SQL golden cases")
    parser.add_argument("-k", type=int, default=1)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.model, args.worker, args.cases, args.k)))
        return
    figures = []
    for runtime in args.runtimes.split(","):
        before = _load()
        with console.status(f"{args.model} on {runtime}: load, warm, {args.cases} questions…"):
            done = subprocess.run([sys.executable, __file__, "--worker", runtime, "--model", args.model,
                                   "--cases", str(args.cases), "-k", str(args.k)], capture_output=True, text=True)
        if done.returncode != 0:
            console.print(f"[red]{runtime} failed:[/] {done.stderr.strip().splitlines()[-1:]}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["load"] = f"{before} -> {_load()}"
        figures.append(result)
    _print(args, figures)


def _print(args, figures: list[dict]) -> None:
    table = Table(title=f"{args.model}, ask k={args.k} on {args.cases} shop questions (seconds unless said)")
    for column in ("runtime", "load s", "warm s (tokens)", "ms/prompt tok", "ms/gen tok", "ask p50", "ask p95", "peak RSS MB", "accuracy", "loadavg before -> after"):
        table.add_column(column)
    for f in figures:
        times = sorted(r["seconds"] for r in f["rows"])
        f["p50"] = statistics.median(times)
        f["p95"] = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        f["accuracy"] = 100 * sum(r["correct"] for r in f["rows"]) / len(f["rows"])
        table.add_row(f["runtime"], f"{f['load_s']:.1f}", f"{f['warm_s']:.1f} ({f['head_tokens']})",
                      f"{f['ms_per_prompt_token']:.1f}" if f["ms_per_prompt_token"] else "-", f"{f['ms_per_generated_token']:.0f}",
                      f"{f['p50']:.2f}", f"{f['p95']:.2f}", f"{f['peak_rss_mb']:.0f}",
                      f"{f['accuracy']:.1f}% ({sum(r['correct'] for r in f['rows'])}/{len(f['rows'])})", f["load"])
    console.print(table)
    old = figures[0] if figures else None
    for new in figures[1:]:
        pair = f"{new['runtime']} vs {old['runtime']}"
        same = sum(a["greedy"] == b["greedy"] for a, b in zip(old["rows"], new["rows"]))
        console.print(f"{pair}: greedy answers identical {same}/{len(new['rows'])}; accuracy {new['accuracy'] - old['accuracy']:+.1f} points "
                      f"(target: within {TARGET_ACCURACY_DROP:.0f} of the float model)")
        console.print(f"{pair}: load {old['load_s'] / new['load_s']:.2f}x faster, ms/gen tok {old['ms_per_generated_token'] / new['ms_per_generated_token']:.2f}x, "
                      f"ask p50 {old['p50'] / new['p50']:.2f}x, p95 {old['p95'] / new['p95']:.2f}x, peak RSS {new['peak_rss_mb'] / old['peak_rss_mb']:.2f}x")
    for f in figures:
        console.print(f"{f['runtime']}: p50 {f['p50']:.2f} s / target {TARGET_P50_S} ({f['p50'] / TARGET_P50_S:.2f}), "
                      f"p95 {f['p95']:.2f} s / {TARGET_P95_S} ({f['p95'] / TARGET_P95_S:.2f}), "
                      f"RSS {f['peak_rss_mb']:.0f} MB / {TARGET_RSS_MB:.0f} ({f['peak_rss_mb'] / TARGET_RSS_MB:.2f})")


if __name__ == "__main__":
    main()
