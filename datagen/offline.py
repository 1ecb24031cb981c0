"""The offline generator: sample question/SQL pairs, verify them, inject bugs, verify the bugs.

A batch is made in two steps so that the expensive one can run in any process:

1. :func:`draft_batch` draws the candidates and mutations from the batch's RNG and verifies
   them on the engine. It reads nothing but the source and the RNG (what a batch draws never
   depends on what earlier batches accepted), so any worker can draft any batch.
2. :func:`admit_batch` passes the verified records, in draw order, through the run's filter
   state (duplicates, caps, golden leakage) in the process that owns it.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from datagen.config import DatagenConfig
from datagen.filters import FilterState, RecordKeys, record_keys
from datagen.golden import LeakScreen, leak_screen
from datagen.mutations import MutationContext, mutate, parse
from datagen.records import Pair, Triple
from datagen.sources import Source
from datagen.verify import lower_case_if_same, repair_limits, verify_candidate, verify_repair
from sqlfix.engines.base import Limits


@dataclass
class Verdict:
    """One verified record with its filter keys, or the verification filter that dropped it."""

    record: Pair | Triple | None
    dropped: str | None = None
    keys: RecordKeys | None = None


@dataclass
class BatchDraft:
    """A verified, not yet filtered offline batch: verdicts in draw order, plus its counters."""

    verdicts: list[Verdict] = field(default_factory=list)
    stats: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in
                                                               ("candidates", "mutations", "kind_mismatch")})


def offline_batch(source: Source, rng: random.Random, config: DatagenConfig, state: FilterState,
                  stats: dict[str, Counter]) -> list[dict[str, Any]]:
    """Draft one batch for ``source`` and admit it: the accepted rows."""
    return admit_batch(draft_batch(source, rng, config), state, stats)


def draft_batch(source: Source, rng: random.Random, config: DatagenConfig) -> BatchDraft:
    """Draw ``config.batch_size`` candidates for ``source`` and verify them and their bugs.

    Every verified pair (even one the filters will drop as a near-duplicate) is used as the fix
    of up to ``config.mutations_per_pair`` injected bugs.
    """
    draft = BatchDraft()
    screen = leak_screen(config.golden_dir)
    for _ in range(config.batch_size):
        candidate = source.sampler.sample(rng)
        draft.stats["candidates"]["offline"] += 1
        if candidate is None:
            draft.verdicts.append(Verdict(None, "shape_not_applicable"))
            continue
        outcome, _ = verify_candidate(candidate, source.verifier, max_rows=config.max_rows,
                                      allow_empty=config.allow_empty, timeout_s=config.timeout_s)
        if outcome.record is None:
            draft.verdicts.append(Verdict(None, outcome.dropped or "unknown"))
            continue
        pair = outcome.record
        assert isinstance(pair, Pair)
        draft.verdicts.append(Verdict(pair, keys=record_keys(pair)))
        _draft_repairs(pair, source, rng, config, draft, screen)
    return draft


def admit_batch(draft: BatchDraft, state: FilterState, stats: dict[str, Counter]) -> list[dict[str, Any]]:
    """Pass a drafted batch through ``state`` in draw order; return the accepted rows."""
    rows: list[dict[str, Any]] = []
    for verdict in draft.verdicts:
        record = verdict.record
        if record is None:
            state.drop(verdict.dropped or "unknown")
        elif isinstance(record, Pair):
            if state.admit_pair(record, verdict.keys):
                rows.append(record.to_row())
        elif state.admit_triple(record, verdict.keys):
            rows.append(record.to_row())
    for key, counts in draft.stats.items():
        stats[key].update(counts)
    return rows


def _draft_repairs(pair: Pair, source: Source, rng: random.Random, config: DatagenConfig, draft: BatchDraft,
                   screen: LeakScreen) -> None:
    sql = _styled(pair, source, rng, config)
    tree = parse(sql, pair.dialect)
    if tree is None:
        draft.verdicts.append(Verdict(None, "unparseable_fixed_sql"))
        return
    ctx = MutationContext(sql, tree, pair.dialect, source.profile, rng, lower_case=sql != pair.sql)
    for mutation in mutate(ctx, config.mutations_per_pair, config.operators or None):
        draft.stats["mutations"][mutation.operator] += 1
        own_fix = mutation.fixed_sql is not None  # then the pair's question and result are not its
        outcome = verify_repair(schema_id=pair.schema_id, dialect=pair.dialect, engine=source.verifier,
                                generator="offline", shape=pair.shape, question=None if own_fix else pair.question,
                                broken_sql=mutation.broken_sql, fixed_sql=mutation.fixed_sql or sql,
                                operator=mutation.operator, intended_kind=mutation.kind,
                                fixed_hash=None if own_fix else pair.result_hash, ordered=pair.ordered,
                                max_rows=config.max_rows, timeout_s=config.timeout_s,
                                max_edit_ratio=config.max_edit_ratio, template=pair.template,
                                limits=repair_limits(mutation.kind, config))
        if outcome.record is None:
            draft.verdicts.append(Verdict(None, outcome.dropped or "unknown"))
            continue
        triple = outcome.record
        assert isinstance(triple, Triple)
        if triple.error_kind != mutation.kind:
            draft.stats["kind_mismatch"][f"{mutation.operator}->{triple.error_kind}"] += 1
        draft.verdicts.append(Verdict(triple, keys=record_keys(triple, screen, source.names)))


def _styled(pair: Pair, source: Source, rng: random.Random, config: DatagenConfig) -> str:
    """The pair's SQL as its repairs are written: in lower case for ``config.lower_case_rate`` of
    pairs, when the restyled query runs and returns the same result; else as generated."""
    if rng.random() >= config.lower_case_rate:
        return pair.sql
    return lower_case_if_same(pair, source.verifier, Limits(timeout_s=config.timeout_s, max_rows=config.max_rows))
