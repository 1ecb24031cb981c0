"""Run a datagen job end to end: plan batches, run them with checkpoints, write the dataset.

A run is a fixed list of batches (offline batches per source, then LLM batches, then log
sources). Batch ``i`` draws from ``random.Random(f"{seed}:{name}")``, its rows are appended
and flushed, then the checkpoint records ``i + 1`` batches done. Killing the process at any
point and rerunning resumes after the last checkpoint and yields the same dataset.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from datagen.batch import Batch, Stats
from datagen.config import DatagenConfig
from datagen.filters import FilterState
from datagen.golden import golden_queries, unseen_demos
from datagen.offline import admit_batch, offline_batch
from datagen.output import build_manifest, write_manifest, write_splits
from datagen.sources import Source, open_sources
from datagen.store import RunStore
from sqlfix.errors import InputFormatError, SqlfixError

@dataclass
class RunResult:
    """What a finished run produced."""

    out_dir: Path
    manifest: dict[str, Any]
    elapsed_s: float


def run_datagen(config: DatagenConfig, *, fresh: bool = False, console: Console | None = None) -> RunResult:
    """Run (or resume) the datagen job described by ``config``; return the manifest."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    started = time.perf_counter()
    out = Path(config.out_dir)
    if fresh and (out / "work").exists():
        for path in (out / "work").glob("*.json*"):
            path.unlink()
    console = console or Console(stderr=True)
    unseen = unseen_demos(config.demos, config.golden_dir)
    if unseen:
        console.print(f"[yellow]warning:[/] unseen golden schema(s) {', '.join(unseen)}: a model trained on this "
                      "data is no longer measured on schemas it has not seen", highlight=False)
    sources = open_sources(config.demos, config.engines, config.dbs)
    batches, problems = plan(config, sources)
    if not batches:
        raise SqlfixError("nothing to generate: give --demo, --db, --from-log or --from-clickhouse-query-log")
    store = RunStore(out)
    done, saved, rows = store.resume()
    fingerprint = config_fingerprint(config)
    if done and saved.get("config") != fingerprint:
        raise InputFormatError(f"{out}: holds an unfinished run made with other settings; rerun with --fresh "
                               f"to start over, or with the same settings to resume")
    state = filter_state(config)
    for row in rows:
        state.add_row(row)
    state.dropped.update(saved.get("dropped", {}))
    stats: Stats = {k: Counter(v) for k, v in saved.get("stats", {}).items()}
    for key in ("candidates", "mutations", "kind_mismatch", "llm", "logs"):
        stats.setdefault(key, Counter())
    pool = _start_pool(config, batches[done:])
    futures = {i: pool.submit(b.source_key, b.name) for i, b in enumerate(batches)
               if i >= done and b.source_key} if pool else {}
    try:
        with _progress(config, console) as progress:
            bar = progress.add_task("batches", total=len(batches), completed=done)
            for index in range(done, len(batches)):
                batch = batches[index]
                progress.update(bar, description=f"{batch.stage} {batch.name}")
                if index in futures:
                    new_rows = admit_batch(futures.pop(index).result(), state, stats)
                else:
                    new_rows = batch.run(random.Random(f"{config.seed}:{batch.name}"), state, stats)
                store.append(new_rows)
                store.checkpoint(index + 1, {"dropped": dict(state.dropped), "config": fingerprint,
                                             "stats": {k: dict(v) for k, v in stats.items()}})
                progress.advance(bar)
    finally:
        if pool:
            pool.close()
    with _progress(config, console) as progress:
        finish = progress.add_task("writing splits", total=1)
        all_rows = store.rows()
        split_counts = write_splits(all_rows, config)
        extra: dict[str, Any] = {"sources": [s.key for s in sources], "batches": len(batches)}
        if stats["llm"]:
            extra["llm"] = dict(stats["llm"])
        if stats["logs"]:
            extra["logs"] = dict(stats["logs"])
        if problems:
            extra["sources_skipped"] = problems
        manifest = build_manifest(all_rows, config, stats, state.dropped, split_counts, extra)
        write_manifest(manifest, config)
        progress.advance(finish)
    for source in sources:
        source.engine.close()
    return RunResult(out, manifest, time.perf_counter() - started)


def plan(config: DatagenConfig, sources: list[Source]) -> tuple[list[Batch], list[str]]:
    """The run's batches, in order, plus problems found while planning (unreadable inputs)."""
    batches: list[Batch] = []
    problems: list[str] = []
    if config.offline:
        for source in sources:
            share = config.clickhouse_fraction if source.engine.name == "clickhouse" else 1.0
            count = math.ceil(config.pairs_per_schema * share / config.batch_size)
            for number in range(count):
                batches.append(Batch(f"{source.key}#{number}", "offline",
                                     lambda rng, state, stats, s=source: offline_batch(s, rng, config, state, stats),
                                     source.key))
    if config.llm:
        from datagen.llm.generator import llm_batches

        batches += llm_batches(config, sources)
    for log_path in config.from_logs:
        from datagen.logs import log_batches

        found, issues = log_batches(config, log_path)
        batches += found
        problems += issues
    if config.query_log_url:
        from datagen.querylog import query_log_batches

        batches += query_log_batches(config)
    return batches, problems


def _start_pool(config: DatagenConfig, remaining: list[Batch]) -> Any:
    """Worker processes drafting the offline batches when ``config.workers > 1`` and there are some left."""
    if config.workers <= 1 or not any(b.source_key for b in remaining):
        return None
    from datagen.workers import OfflinePool

    return OfflinePool(config, config.workers)


def config_fingerprint(config: DatagenConfig) -> str:
    """Hash of the settings that shape the dataset (not progress bars, workers or the output path)."""
    data = config.to_dict()
    for name in ("progress", "workers", "out_dir"):
        data.pop(name)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


def filter_state(config: DatagenConfig) -> FilterState:
    """A fresh filter state for ``config`` (golden queries loaded)."""
    return FilterState(near_duplicate_ratio=config.near_duplicate_ratio,
                       same_result_question_ratio=config.same_result_question_ratio,
                       max_per_template=config.max_per_template,
                       max_repairs_per_template=config.max_repairs_per_template,
                       golden=golden_queries(config.golden_dir))


def _progress(config: DatagenConfig, console: Console) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, disable=not config.progress, transient=False)
