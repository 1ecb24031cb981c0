"""Verified examples per second, per generator and engine (offline on DuckDB and chDB; the LLM
path against a local instant-answer OpenAI-protocol server, so it measures our side only).

    .venv/bin/python bench/bench_datagen.py [--pairs 300] [--workers 1]

Targets (offline, DuckDB): >= 200 verified repair triples/s and >= 100 verified pairs/s.
Also prints where the time goes: engine calls by error kind versus our own mutation work.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from datagen.config import DatagenConfig
from datagen.mutations import MutationContext, mutate, parse
from datagen.pipeline import run_datagen
from datagen.sources import open_sources
from datagen.verify import verify_candidate
from sqlfix.engines.base import Limits, ResultSet

TARGET_TRIPLES, TARGET_PAIRS = 200.0, 100.0


def run(label: str, config: DatagenConfig) -> dict:
    """Run one datagen job and return its throughput."""
    started = time.perf_counter()
    manifest = run_datagen(config, fresh=True).manifest
    elapsed = time.perf_counter() - started
    pairs, triples = manifest["totals"]["text2sql"], manifest["totals"]["repair"]
    result = {"run": label, "seconds": round(elapsed, 1), "pairs": pairs, "triples": triples,
              "pairs_per_s": round(pairs / elapsed, 1), "triples_per_s": round(triples / elapsed, 1)}
    print(json.dumps(result))
    return result


def breakdown(pairs: int) -> None:
    """Time engine calls by outcome and our own mutation work for offline DuckDB triples."""
    source = open_sources(["shop"], ["duckdb"], [])[0]
    rng = random.Random(0)
    verified = []
    for _ in range(pairs):
        candidate = source.sampler.sample(rng)
        if candidate:
            outcome, _ = verify_candidate(candidate, source.engine, max_rows=100, allow_empty=False, timeout_s=5)
            if outcome.record:
                verified.append(outcome.record)
    spent: Counter = Counter()
    calls: Counter = Counter()
    for pair in verified:
        started = time.perf_counter()
        mutations = mutate(MutationContext(pair.sql, parse(pair.sql, "duckdb"), "duckdb", source.profile, rng), 4,
                           _operator_names())
        spent["our mutation work"] += time.perf_counter() - started
        for mutation in mutations:
            started = time.perf_counter()
            outcome = source.engine.execute(mutation.broken_sql, Limits(timeout_s=5, max_rows=101))
            kind = "runs" if isinstance(outcome, ResultSet) else outcome.kind.value
            spent[f"engine: {kind}"] += time.perf_counter() - started
            calls[f"engine: {kind}"] += 1
    total = sum(spent.values())
    print(f"time split over {sum(calls.values())} broken queries ({total:.1f} s):")
    for key, seconds in spent.most_common():
        per_call = f"{seconds / calls[key] * 1000:6.1f} ms/call" if calls[key] else ""
        print(f"  {key:28s} {seconds:6.2f} s  {seconds / total:5.1%}  {per_call}")
    source.engine.close()


def _operator_names() -> list[str]:
    """DuckDB operators, less the runaway ones (they are timed by their own limits, not here)."""
    from datagen.mutations import operators_for

    return [op.name for op in operators_for("duckdb") if op.kind_for("duckdb") not in ("timeout", "resource_limit")]


def main() -> None:
    """Run the benchmark and print one JSON line per run plus a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300, help="candidates per run")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes per run (they share out the batches, of one source too)")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}, cpus: {os.cpu_count()}, workers: {args.workers}")
    work = Path(tempfile.mkdtemp(prefix="bench-datagen-"))
    common = dict(pairs_per_schema=args.pairs, progress=False, golden_dir="golden", workers=args.workers)
    results = [
        run("offline/duckdb", DatagenConfig(demos=["shop"], out_dir=str(work / "a"), **common)),
        run("offline/duckdb pairs only", DatagenConfig(demos=["shop"], mutations_per_pair=0, out_dir=str(work / "b"),
                                                       **common)),
        run("offline/clickhouse", DatagenConfig(demos=["shop"], engines=["clickhouse"], out_dir=str(work / "c"),
                                                **common)),
    ]
    results.append(_llm_run(work, args.pairs))
    duck = results[0]
    print(f"offline/duckdb repair triples/s: {duck['triples_per_s']} (target {TARGET_TRIPLES:g}, "
          f"ratio {duck['triples_per_s'] / TARGET_TRIPLES:.2f})")
    pairs_only = results[1]
    print(f"offline/duckdb pairs/s (pairs only): {pairs_only['pairs_per_s']} (target {TARGET_PAIRS:g}, "
          f"ratio {pairs_only['pairs_per_s'] / TARGET_PAIRS:.2f})")
    breakdown(min(args.pairs, 150))


def _llm_run(work: Path, pairs: int) -> dict:
    """The LLM generator against a local server that answers instantly (our side's throughput)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.datagen_fixtures import ScriptedOpenAI, build_tiny_duckdb, tiny_responder

    db = build_tiny_duckdb(work / "tiny.duckdb", big_tables=False)
    with ScriptedOpenAI(tiny_responder) as server:
        config = DatagenConfig(dbs=[f"duckdb://{db}"], offline=False, llm=True, base_url=server.url, model="bench",
                               llm_requests_per_schema=max(4, pairs // 10), llm_concurrency=4,
                               out_dir=str(work / "llm"), progress=False, golden_dir="golden", max_edit_ratio=0.5)
        return run("llm/duckdb (local instant server)", config)


if __name__ == "__main__":
    main()
