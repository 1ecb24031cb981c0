"""``teacher plan``: sample executable SQL per source and write round 1's requests.

For each (schema, engine) source the grammar sampler (:mod:`datagen.sampler_more`: the offline
shapes plus percentages, CASE buckets, NULL handling, top-N with ties, three-table joins and
nested subqueries) draws SQL until
``sql_per_source`` distinct queries ran and returned 1..``max_rows`` rows. Each becomes
``voices`` back-translation requests (the question it answers, one voice each), and the first
``mistakes_per_source`` of them (cycling) mistake requests (one of
:data:`datagen.llm.generator.MISTAKES` each; a third shown in lower case when that still runs
the same, so the fix keeps the user's style). ``proposals_per_source`` requests ask the teacher
for questions of its own. Written: ``RUN/plan.json`` (settings and each source's schema prompt)
and ``RUN/round1.requests.jsonl.gz``.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datagen.canonical import cached_normalize
from datagen.llm.generator import MISTAKES
from datagen.records import Pair
from datagen.sampler_more import WideSampler
from datagen.sources import Source, open_sources
from datagen.teacher.answers import write_gz_jsonl
from datagen.teacher.rounds import (PROPOSE_FOCUS, QUESTIONS_PER_PROPOSAL, VOICES, mistake_request, propose_request,
                                    question_request)
from datagen.verify import lower_case_if_same, verify_candidate
from sqlfix.engines.base import Limits
from sqlfix.errors import InputFormatError, SqlfixError
from sqlfix.jsonl import read_jsonl

PLAN_FILE = "plan.json"
ROUND1_FILE = "round1.requests.jsonl.gz"
SEQUENCES_PER_SECOND = 22.0  # measured: H100, HF generate with the shared head, 1.5B bf16, batches of 128-192 requests (data/teacher2: 16,776 sequences in 760 s; data/teacher, before: 5.7/s)


@dataclass
class PlanSettings:
    """What ``teacher plan`` samples and asks.

    Attributes:
        teacher: the model spec the requests are for (the GPU host loads it): ``qwen2.5-coder-1.5b``,
            ``openai:<model>``...
        sql_per_source: verified SQL queries sampled per (schema, engine).
        voices: back-translation requests per sampled query (distinct voices: terse, business, explicit).
        proposals_per_source: requests asking the teacher for its own questions (5 each).
        mistakes_per_source: mistake-writing requests per source.
        k: SQL samples per question in round 2 (one request, ``n = k``).
        agree: a back-translated question is kept when this many of the k samples return the
            source SQL's result.
        majority: a proposed question is kept when this many samples agree on one non-empty result.
        ask_temperature / ask_max_tokens: sampling of the round-2 SQL requests.
        seed: the plan's seed.
        max_rows: a query returning more rows is not used.
        timeout_s: engine time limit per query.
    """

    teacher: str = "qwen2.5-coder-1.5b"
    sql_per_source: int = 40
    voices: int = 1
    proposals_per_source: int = 4
    mistakes_per_source: int = 20
    k: int = 4
    agree: int = 2
    majority: int = 3
    ask_temperature: float = 0.7
    ask_max_tokens: int = 256
    seed: int = 0
    max_rows: int = 100
    timeout_s: float = 5.0
    lower_case_rate: float = 0.35

    def check(self) -> None:
        """Refuse settings that cannot work, naming the option."""
        problems = []
        for name in ("sql_per_source", "proposals_per_source", "mistakes_per_source"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must be 0 or more")
        if not 1 <= self.voices <= len(VOICES):
            problems.append(f"voices must be 1..{len(VOICES)}")
        if self.k < 1 or not 1 <= self.agree <= self.k or not 1 <= self.majority <= self.k:
            problems.append(f"need 1 <= agree, majority <= k (k={self.k}, agree={self.agree}, majority={self.majority})")
        if problems:
            raise InputFormatError("invalid teacher plan: " + "; ".join(problems))


def plan_run(out: Path, settings: PlanSettings, *, demos: list[str], engines: list[str], dbs: list[str],
             after: list[Path] = ()) -> dict[str, Any]:
    """Sample SQL on every source, write ``plan.json`` and round 1's requests into ``out``;
    return the plan (with ``counts`` and ``estimate``). SQL that an earlier run in ``after``
    already asked about on the same source is not sampled again (counted ``planned_before``)."""
    settings.check()
    earlier = planned_sql(after)
    sources = open_sources(demos, engines, dbs)
    if not sources:
        raise SqlfixError("nothing to plan: give --demo (with --engine) or --db")
    plan: dict[str, Any] = {
        "version": 1, "teacher": settings.teacher, "k": settings.k, "agree": settings.agree,
        "majority": settings.majority, "ask_temperature": settings.ask_temperature,
        "ask_max_tokens": settings.ask_max_tokens, "settings": vars(settings).copy(),
        "inputs": {"demos": demos, "engines": engines, "dbs": dbs},
        "sources": {s.key: {"dialect": s.dialect, "schema_id": s.schema.id, "schema_prompt": s.schema.to_prompt()}
                    for s in sources},
    }
    rows: list[dict[str, Any]] = []
    counts: Counter = Counter()
    try:
        for source in sources:
            rng = random.Random(f"{settings.seed}:teacher:{source.key}")
            pairs = sample_sql(source, settings, rng, counts, taken=earlier.get(source.key, set()))
            rows += _source_requests(plan, source, pairs, settings, rng)
    finally:
        for source in sources:
            source.engine.close()
    by_recipe = Counter(r["meta"]["recipe"] for r in rows)
    plan["counts"] = {"round1_requests": dict(by_recipe), "sampling": dict(counts)}
    plan["estimate"] = estimate(by_recipe, settings)
    out.mkdir(parents=True, exist_ok=True)
    (out / PLAN_FILE).write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")
    write_gz_jsonl(rows, out / ROUND1_FILE)
    return plan


def planned_sql(runs: list[Path]) -> dict[str, set[str]]:
    """The normalized SQL each source's round-1 requests in ``runs`` (planned teacher runs) ask about."""
    taken: dict[str, set[str]] = {}
    for run in runs:
        requests = run / ROUND1_FILE
        if not requests.is_file():
            raise InputFormatError(f"{run} is not a planned teacher run (no {ROUND1_FILE})")
        for _, row in read_jsonl(requests):
            meta = row.get("meta", {})
            if meta.get("sql") and meta.get("source"):
                taken.setdefault(meta["source"], set()).add(cached_normalize(meta["sql"], meta.get("dialect", "duckdb")))
    return taken


def sample_sql(source: Source, settings: PlanSettings, rng: random.Random, counts: Counter,
               taken: set[str] = frozenset()) -> list[Pair]:
    """Up to ``settings.sql_per_source`` distinct sampled queries that run on ``source`` and
    return 1..``max_rows`` rows (at most 30 draws per query wanted), none of them in ``taken``
    (normalized SQL an earlier run planned)."""
    found: list[Pair] = []
    seen: set[str] = set()
    sampler = WideSampler(source.profile, source.dialect)
    for _ in range(settings.sql_per_source * 30):
        if len(found) >= settings.sql_per_source:
            break
        candidate = sampler.sample(rng)
        counts["drawn"] += 1
        if candidate is None:
            counts["shape_not_applicable"] += 1
            continue
        outcome, _ = verify_candidate(candidate, source.verifier, max_rows=settings.max_rows, allow_empty=False,
                                      timeout_s=settings.timeout_s)
        if outcome.record is None:
            counts[outcome.dropped or "unknown"] += 1
            continue
        pair = outcome.record
        assert isinstance(pair, Pair)
        normalized = cached_normalize(pair.sql, pair.dialect)
        if normalized in taken:
            counts["planned_before"] += 1
            continue
        if normalized in seen:
            counts["duplicate_sql"] += 1
            continue
        seen.add(normalized)
        found.append(pair)
        counts[f"shape:{pair.shape}"] += 1
    return found


def _source_requests(plan: dict[str, Any], source: Source, pairs: list[Pair], settings: PlanSettings,
                     rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    voices = list(VOICES)
    for pair in pairs:
        meta = {"shape": pair.shape, "ordered": pair.ordered, "result_hash": pair.result_hash,
                "schema_id": pair.schema_id, "dialect": pair.dialect}
        for voice in rng.sample(voices, settings.voices):
            rows.append(question_request(settings.teacher, plan, source.key, pair.sql, voice=voice, meta=meta))
    for index in range(settings.mistakes_per_source if pairs else 0):
        pair = pairs[index % len(pairs)]
        sql = _styled(pair, source, rng, settings)
        meta = {"shape": pair.shape, "ordered": pair.ordered, "schema_id": pair.schema_id, "dialect": pair.dialect,
                "lower_case": sql != pair.sql}
        rows.append(mistake_request(settings.teacher, plan, source.key, sql, rng.choice(MISTAKES), meta=meta))
    for number in range(settings.proposals_per_source):
        rows.append(propose_request(settings.teacher, plan, source.key, PROPOSE_FOCUS[number % len(PROPOSE_FOCUS)],
                                    number=number))
    return rows


def _styled(pair: Pair, source: Source, rng: random.Random, settings: PlanSettings) -> str:
    """The pair's SQL in lower case for ``lower_case_rate`` of mistakes, when that still runs the same."""
    if rng.random() >= settings.lower_case_rate:
        return pair.sql
    return lower_case_if_same(pair, source.verifier, Limits(timeout_s=settings.timeout_s, max_rows=settings.max_rows))


def estimate(by_recipe: Counter, settings: PlanSettings, per_second: float = SEQUENCES_PER_SECOND) -> dict[str, Any]:
    """Sequences (prompts x samples) each round asks for, and minutes at ``per_second``
    sequences a second (the H100 estimate; round 2's size assumes every answer is readable)."""
    round1 = sum(by_recipe.values())
    round2 = (by_recipe.get("backtranslate", 0) + by_recipe.get("propose", 0) * QUESTIONS_PER_PROPOSAL) * settings.k
    return {"round1_sequences": round1, "round2_sequences_at_most": round2, "sequences_per_second": per_second,
            "minutes_at_most": round((round1 + round2) / per_second / 60, 1)}
