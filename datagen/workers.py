"""Offline batches in worker processes, one process per group of sources.

A source's batches depend only on that source's earlier batches (the filters are per schema and
dialect), so each worker owns the sources it is given, runs their batches in order, and hands
back rows plus counter deltas; the main process writes them in plan order. The dataset is the
same for any number of workers. Workers are spawned (not forked) because chDB and DuckDB handles
must not cross a fork, and each opens its own engines (chDB: its own data path).
"""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import fields
from typing import Any

from datagen.config import DatagenConfig

_WORKER: dict[str, Any] = {}
BatchResult = tuple[list[dict[str, Any]], dict[str, int], dict[str, dict[str, int]]]


class OfflinePool:
    """``workers`` single-process executors; source ``i`` always goes to executor ``i % workers``."""

    def __init__(self, config: DatagenConfig, source_keys: list[str], rows_path: str, workers: int) -> None:
        """Start the workers; each opens its sources and rebuilds their filter state from ``rows_path``."""
        context = multiprocessing.get_context("spawn")
        self.owner = {key: i % workers for i, key in enumerate(source_keys)}
        self.executors = []
        for worker in range(workers):
            mine = [k for k, w in self.owner.items() if w == worker]
            self.executors.append(ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_init,
                                                      initargs=(config.to_dict(), mine, rows_path)))

    def submit(self, source_key: str, batch_name: str) -> Future:
        """Queue one offline batch on the worker owning ``source_key``."""
        return self.executors[self.owner[source_key]].submit(_run, source_key, batch_name)

    def close(self) -> None:
        """Stop the workers (pending batches are cancelled)."""
        for executor in self.executors:
            executor.shutdown(wait=False, cancel_futures=True)


def _init(config_data: dict[str, Any], source_keys: list[str], rows_path: str) -> None:
    import json
    import logging
    import os

    from datagen.pipeline import filter_state
    from datagen.sources import open_sources

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    # A chDB data path is locked by one process: each worker builds the demos in its own.
    os.environ.pop("SQLFIX_CHDB_PATH", None)
    known = {f.name for f in fields(DatagenConfig)}
    config = DatagenConfig(**{k: v for k, v in config_data.items() if k in known})
    config.split_fractions = tuple(config.split_fractions)
    sources = {s.key: s for s in open_sources(config.demos, config.engines, config.dbs) if s.key in source_keys}
    state = filter_state(config)
    units = {(s.schema.id, s.dialect) for s in sources.values()}
    with open(rows_path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if (row["schema_id"], row["dialect"]) in units:
                state.add_row(row)
    _WORKER.update(config=config, sources=sources, state=state)


def _run(source_key: str, batch_name: str) -> BatchResult:
    from datagen.offline import offline_batch

    config, state = _WORKER["config"], _WORKER["state"]
    before = Counter(state.dropped)
    stats: dict[str, Counter] = {k: Counter() for k in ("candidates", "mutations", "kind_mismatch")}
    rng = random.Random(f"{config.seed}:{batch_name}")
    rows = offline_batch(_WORKER["sources"][source_key], rng, config, state, stats)
    dropped = Counter(state.dropped)
    dropped.subtract(before)
    return rows, {k: v for k, v in dropped.items() if v}, {k: dict(v) for k, v in stats.items()}
