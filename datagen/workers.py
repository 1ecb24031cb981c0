"""Offline batches drafted in worker processes.

Drafting a batch (:func:`datagen.offline.draft_batch`: sample, run, mutate, run again) reads only
its source and its own seeded RNG, so any worker can draft any batch, batches of one source
included, while the main process admits the drafts in plan order through the one filter state.
The dataset is the same for any number of workers. Workers are spawned (not forked) because
chDB and DuckDB handles must not cross a fork; each opens its own engines (chDB: its own data
path).
"""

from __future__ import annotations

import multiprocessing
import random
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from datagen.config import DatagenConfig

if TYPE_CHECKING:
    from datagen.offline import BatchDraft

_WORKER: dict[str, Any] = {}


class OfflinePool:
    """``workers`` spawned processes drafting offline batches, first come first served."""

    def __init__(self, config: DatagenConfig, workers: int) -> None:
        """Start the workers; each opens the run's sources."""
        context = multiprocessing.get_context("spawn")
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init,
                                            initargs=(config.to_dict(),))

    def submit(self, source_key: str, batch_name: str) -> Future:
        """Queue the draft of one offline batch of ``source_key``."""
        return self.executor.submit(_draft, source_key, batch_name)

    def close(self) -> None:
        """Stop the workers (pending batches are cancelled)."""
        self.executor.shutdown(wait=False, cancel_futures=True)


def _init(config_data: dict[str, Any]) -> None:
    import logging
    import os

    from datagen.sources import open_sources

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    # A chDB data path is locked by one process: each worker builds the demos in its own.
    os.environ.pop("SQLFIX_CHDB_PATH", None)
    known = {f.name for f in fields(DatagenConfig)}
    config = DatagenConfig(**{k: v for k, v in config_data.items() if k in known})
    config.split_fractions = tuple(config.split_fractions)
    sources = {s.key: s for s in open_sources(config.demos, config.engines, config.dbs)}
    _WORKER.update(config=config, sources=sources)


def _draft(source_key: str, batch_name: str) -> BatchDraft:
    from datagen.offline import draft_batch

    config = _WORKER["config"]
    return draft_batch(_WORKER["sources"][source_key], random.Random(f"{config.seed}:{batch_name}"), config)
