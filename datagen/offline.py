"""The offline generator: sample question/SQL pairs, verify them, inject bugs, verify the bugs."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from datagen.config import DatagenConfig
from datagen.filters import FilterState
from datagen.mutations import MutationContext, mutate, parse
from datagen.records import Pair, Triple
from datagen.sources import Source
from datagen.verify import verify_candidate, verify_repair


def offline_batch(source: Source, rng: random.Random, config: DatagenConfig, state: FilterState,
                  stats: dict[str, Counter]) -> list[dict[str, Any]]:
    """Draw ``config.batch_size`` candidates for ``source`` and return the accepted rows.

    Every verified pair (even one dropped as a near-duplicate) is used as the fix of up to
    ``config.mutations_per_pair`` injected bugs.
    """
    rows: list[dict[str, Any]] = []
    for _ in range(config.batch_size):
        candidate = source.sampler.sample(rng)
        stats["candidates"]["offline"] += 1
        if candidate is None:
            state.drop("shape_not_applicable")
            continue
        outcome, _ = verify_candidate(candidate, source.engine, max_rows=config.max_rows,
                                      allow_empty=config.allow_empty, timeout_s=config.timeout_s)
        if outcome.record is None:
            state.drop(outcome.dropped or "unknown")
            continue
        pair = outcome.record
        assert isinstance(pair, Pair)
        if state.admit_pair(pair):
            rows.append(pair.to_row())
        rows.extend(_repairs(pair, source, rng, config, state, stats))
    return rows


def _repairs(pair: Pair, source: Source, rng: random.Random, config: DatagenConfig, state: FilterState,
             stats: dict[str, Counter]) -> list[dict[str, Any]]:
    tree = parse(pair.sql, pair.dialect)
    if tree is None:
        state.drop("unparseable_fixed_sql")
        return []
    ctx = MutationContext(pair.sql, tree, pair.dialect, source.profile, rng)
    rows = []
    for mutation in mutate(ctx, config.mutations_per_pair, config.operators or None):
        stats["mutations"][mutation.operator] += 1
        timeout = config.blowup_timeout_s if mutation.kind == "timeout" else config.timeout_s
        outcome = verify_repair(schema_id=pair.schema_id, dialect=pair.dialect, engine=source.engine,
                                generator="offline", shape=pair.shape, question=pair.question,
                                broken_sql=mutation.broken_sql, fixed_sql=pair.sql, operator=mutation.operator,
                                intended_kind=mutation.kind, fixed_hash=pair.result_hash, ordered=pair.ordered,
                                max_rows=config.max_rows, timeout_s=timeout, max_edit_ratio=config.max_edit_ratio, template=pair.template)
        if outcome.record is None:
            state.drop(outcome.dropped or "unknown")
            continue
        triple = outcome.record
        assert isinstance(triple, Triple)
        if triple.error_kind != mutation.kind:
            stats["kind_mismatch"][f"{mutation.operator}->{triple.error_kind}"] += 1
        if state.admit_triple(triple):
            rows.append(triple.to_row())
    return rows
