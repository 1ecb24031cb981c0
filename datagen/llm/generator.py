"""The LLM generator: few-shot prompts from the schema and accepted examples, robust parsing,
and the same verification and filters as the offline generator."""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from datagen.batch import Batch
from datagen.config import DatagenConfig
from datagen.filters import FilterState
from datagen.llm.client import CachedChatClient, ChatRequest
from datagen.llm.parse import json_items, string_fields
from datagen.records import SEMANTIC, Candidate, Pair, Triple, guess_shape
from datagen.sources import Source
from datagen.verify import verify_candidate, verify_repair
from sqlfix.errors import EndpointError
from sqlfix.models.base import Message
from sqlfix.prompts import extract_sql

ITEMS_PER_REQUEST = 5
MISTAKES = ("a misspelled column or table name", "a column taken from the wrong table", "a missing GROUP BY column",
            "an aggregate in WHERE instead of HAVING", "a function from another SQL dialect (Postgres, MySQL, Spark, "
            "T-SQL)", "a missing or extra comma", "an unbalanced parenthesis or quote", "a misspelled keyword",
            "comparing a string with a number or a date with a number", "an ambiguous column in a join",
            "a wrong join key (runs but answers wrong)", "the wrong aggregate (runs but answers wrong)")
SYSTEM_PAIRS = ("You write realistic questions that analysts ask about a database, each with one correct SQL "
                "query that answers it. Reply with JSON only.")
SYSTEM_REPAIRS = ("You reproduce the mistakes people really make when writing SQL by hand, and their minimal "
                  "fixes. Reply with JSON only.")


def pair_request(source: Source, examples: list[tuple[str, str]], rng: random.Random, temperature: float) -> ChatRequest:
    """Ask for new question/SQL pairs, showing accepted ones as examples."""
    shown = "\n".join(f'{{"question": {_q(q)}, "sql": {_q(s)}}}' for q, s in examples) or "(none yet)"
    focus = rng.choice(("joins", "aggregates with GROUP BY", "date functions", "window functions", "CTEs",
                        "filters on specific values", "top-N rankings", "subqueries"))
    user = (f"Dialect: {source.dialect}\n\nSchema:\n{source.schema.to_prompt()}\n\nExamples:\n{shown}\n\n"
            f"Write {ITEMS_PER_REQUEST} new question/SQL pairs unlike the examples, favouring {focus}. Each query "
            f"must run on this schema in {source.dialect} and return at most a few dozen rows. Reply with a JSON "
            'array of objects with keys "question" and "sql".')
    return ChatRequest([Message("system", SYSTEM_PAIRS), Message("user", user)], temperature)


def repair_request(source: Source, correct: list[tuple[str, str]], rng: random.Random, temperature: float) -> ChatRequest:
    """Ask for realistic broken versions of correct queries, each with its minimal fix."""
    listed = "\n".join(f"- {sql}" for _, sql in correct)
    kinds = ", ".join(rng.sample(MISTAKES, 5))
    user = (f"Dialect: {source.dialect}\n\nSchema:\n{source.schema.to_prompt()}\n\nCorrect queries:\n{listed}\n\n"
            f"For each correct query write the query as a person might have typed it with ONE realistic mistake "
            f"(for example {kinds}). Reply with a JSON array of objects with keys \"broken_sql\", \"fixed_sql\" "
            f"(the correct query, unchanged), \"mistake\" (a short snake_case name) and \"semantic\" (true when "
            f"the broken query runs but answers wrong).")
    return ChatRequest([Message("system", SYSTEM_REPAIRS), Message("user", user)], temperature)


def llm_batches(config: DatagenConfig, sources: list[Source]) -> list[Batch]:
    """One batch per (source, task, chunk of requests); each batch makes up to ``llm_concurrency`` requests."""
    client = CachedChatClient(base_url=config.base_url, model=config.model or "", cache_dir=Path(config.out_dir)
                              / "work" / "llm_cache", concurrency=config.llm_concurrency,
                              max_retries=config.llm_max_retries, backoff_s=config.llm_backoff_s,
                              timeout_s=config.llm_timeout_s, price_prompt_per_1k=config.price_prompt_per_1k,
                              price_completion_per_1k=config.price_completion_per_1k)
    per_batch = max(1, config.llm_concurrency)
    chunks = math.ceil(config.llm_requests_per_schema / per_batch)
    batches = []
    for source in sources:
        for task in ("text2sql", "repair"):
            for number in range(chunks):
                size = min(per_batch, config.llm_requests_per_schema - number * per_batch)
                batches.append(Batch(f"llm-{task}-{source.key}#{number}", "llm",
                                     lambda rng, state, stats, s=source, t=task, n=size:
                                     _run_batch(client, s, t, n, rng, config, state, stats)))
    return batches


def _run_batch(client: CachedChatClient, source: Source, task: str, size: int, rng: random.Random,
               config: DatagenConfig, state: FilterState, stats: dict[str, Counter]) -> list[dict[str, Any]]:
    client.usage = stats["llm"]
    accepted = state.examples(source.schema.id, source.dialect)
    requests = []
    for _ in range(size):
        shown = rng.sample(accepted, min(config.llm_few_shot if task == "text2sql" else ITEMS_PER_REQUEST, len(accepted)))
        if task == "repair" and not shown:
            continue
        build = pair_request if task == "text2sql" else repair_request
        requests.append(build(source, shown, rng, config.llm_temperature))
    if not requests:
        return []
    answers = client.complete_all(requests)
    if all(a.text is None for a in answers):
        hint = (f"; each request may take --llm-timeout {config.llm_timeout_s:g} s, a slow endpoint needs more"
                if "timed out" in (answers[0].error or "") else "")
        raise EndpointError(f"LLM generator: every request failed ({answers[0].error}){hint}")
    rows: list[dict[str, Any]] = []
    for answer in answers:
        if answer.text is None:
            continue
        items = json_items(answer.text)
        if not items:
            stats["llm"]["unparseable_answers"] += 1
        for item in items:
            handle = _pair_rows if task == "text2sql" else _repair_rows
            rows.extend(handle(item, source, config, state, stats))
    return rows


def _pair_rows(item: dict[str, Any], source: Source, config: DatagenConfig, state: FilterState,
               stats: dict[str, Counter]) -> list[dict[str, Any]]:
    fields = string_fields(item, "question", "sql")
    if fields is None:
        stats["llm"]["malformed_items"] += 1
        return []
    sql = extract_sql(fields["sql"])
    candidate = Candidate(source.schema.id, source.dialect, fields["question"], sql, guess_shape(sql), "llm",
                          ordered=bool(re.search(r"\bORDER\s+BY\b", sql, re.I)))
    stats["candidates"]["llm"] += 1
    outcome, _ = verify_candidate(candidate, source.engine, max_rows=config.max_rows, allow_empty=config.allow_empty,
                                  timeout_s=config.timeout_s)
    if outcome.record is None:
        state.drop(outcome.dropped or "unknown")
        return []
    pair = outcome.record
    assert isinstance(pair, Pair)
    return [pair.to_row()] if state.admit_pair(pair) else []


def _repair_rows(item: dict[str, Any], source: Source, config: DatagenConfig, state: FilterState,
                 stats: dict[str, Counter]) -> list[dict[str, Any]]:
    fields = string_fields(item, "broken_sql", "fixed_sql")
    if fields is None:
        stats["llm"]["malformed_items"] += 1
        return []
    semantic = item.get("semantic") is True
    mistake = re.sub(r"[^a-z0-9]+", "_", str(item.get("mistake") or "unlabelled").lower()).strip("_")[:40]
    fixed = extract_sql(fields["fixed_sql"])
    question = state.question_for(source.schema.id, source.dialect, fixed)
    stats["candidates"]["llm_repair"] += 1
    outcome = verify_repair(schema_id=source.schema.id, dialect=source.dialect, engine=source.engine, generator="llm",
                            shape=guess_shape(fixed), question=question, broken_sql=extract_sql(fields["broken_sql"]),
                            fixed_sql=fixed, operator=f"llm:{mistake}",
                            intended_kind=SEMANTIC if semantic else "error", fixed_hash=None,
                            ordered=bool(re.search(r"\bORDER\s+BY\b", fixed, re.I)), max_rows=config.max_rows,
                            timeout_s=config.timeout_s, max_edit_ratio=config.max_edit_ratio)
    if outcome.record is None:
        state.drop(outcome.dropped or "unknown")
        return []
    triple = outcome.record
    assert isinstance(triple, Triple)
    if semantic and question is None:
        state.drop("semantic_without_question")
        return []
    return [triple.to_row()] if state.admit_triple(triple) else []


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
