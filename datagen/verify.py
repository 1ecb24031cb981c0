"""Verification by execution: a pair's SQL must run and return 1..N rows; a triple's broken SQL
must fail (or, for a semantic bug, return a different result) and its fix must run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlglot
from rapidfuzz.distance import Levenshtein
from sqlglot import exp

from datagen.canonical import cached_template
from datagen.config import DatagenConfig
from datagen.records import SEMANTIC, Candidate, Pair, Triple
from datagen.style import lower_case_sql
from sqlfix.engines.base import Engine, Limits, ResultSet
from sqlfix.errors import ExecError
from sqlfix.prompts import make_edit


@dataclass
class Outcome:
    """A verification verdict: the record, or the filter that dropped it."""

    record: Pair | Triple | None
    dropped: str | None = None


def result_hash(result: ResultSet, ordered: bool) -> str:
    """Hash of a result's rows; row order counts only when ``ordered``."""
    rows = [json.dumps(list(r), default=str) for r in result.rows]
    if not ordered:
        rows.sort()
    return hashlib.sha1("\n".join(rows).encode("utf-8")).hexdigest()[:16]


def edit_ratio(broken: str, fixed: str) -> float:
    """Normalised character edit distance between two queries (0 = equal, 1 = nothing shared)."""
    return Levenshtein.normalized_distance(broken, fixed)


def repair_limits(intended_kind: str, config: DatagenConfig) -> Limits | None:
    """The limits a bug aiming at ``intended_kind`` must fail under, or None for the usual ones.

    A runaway query fails only under a limit: a ``timeout`` bug under ``blowup_timeout_s``, a
    ``resource_limit`` bug under ``blowup_memory_mb`` (with the usual, generous time limit, so it
    is memory, not the machine's speed, that stops it).

    Example:
        >>> repair_limits("resource_limit", DatagenConfig(blowup_memory_mb=32)).max_memory_mb
        32
        >>> repair_limits("syntax", DatagenConfig()) is None
        True
    """
    if intended_kind == "timeout":
        return Limits(timeout_s=config.blowup_timeout_s, max_rows=config.max_rows)
    if intended_kind == "resource_limit":
        return Limits(timeout_s=config.timeout_s, max_rows=config.max_rows, max_memory_mb=config.blowup_memory_mb)
    return None


def lower_case_if_same(pair: Pair, engine: Engine, limits: Limits, sql: str | None = None) -> str:
    """``sql`` (default: ``pair``'s SQL) in lower case (:func:`datagen.style.lower_case_sql`)
    when that runs on ``engine`` and returns ``pair``'s result; else ``sql`` as it is."""
    sql = pair.sql if sql is None else sql
    styled = lower_case_sql(sql, pair.dialect)
    if styled == sql:
        return sql
    result = engine.execute(styled, limits)
    if isinstance(result, ExecError) or result_hash(result, pair.ordered) != pair.result_hash:
        return sql
    return styled


def verify_candidate(candidate: Candidate, engine: Engine, *, max_rows: int, allow_empty: bool,
                     timeout_s: float) -> tuple[Outcome, ResultSet | None]:
    """Run the candidate's SQL; keep it when it runs and returns 1..``max_rows`` rows."""
    result = engine.execute(candidate.sql, Limits(timeout_s=timeout_s, max_rows=max_rows))
    if isinstance(result, ExecError):
        return Outcome(None, "execution_error"), None
    if result.truncated:
        return Outcome(None, "too_many_rows"), result
    if not result.rows and not allow_empty:
        return Outcome(None, "empty_result"), result
    pair = Pair(candidate.schema_id, candidate.dialect, engine.name, candidate.generator, candidate.shape,
                cached_template(candidate.sql, candidate.dialect), candidate.question, candidate.sql,
                len(result.rows), result_hash(result, candidate.ordered), candidate.ordered)
    return Outcome(pair), result


def verify_repair(*, schema_id: str, dialect: str, engine: Engine, generator: str, shape: str,
                  question: str | None, broken_sql: str, fixed_sql: str, operator: str, intended_kind: str,
                  fixed_hash: str | None, ordered: bool, max_rows: int, timeout_s: float,
                  max_edit_ratio: float, template: str | None = None, limits: Limits | None = None) -> Outcome:
    """Verify one repair triple.

    ``fixed_hash`` is the fixed SQL's result hash when already known (offline pairs); else the
    fixed SQL is run here. A semantic bug (``intended_kind == "semantic"``) must run and return
    a different result; any other must fail. With ``limits`` (see :func:`repair_limits`) both
    queries run under them (the fixed one again); the triple records the limits it ran under.
    """
    if broken_sql.strip() == fixed_sql.strip():
        return Outcome(None, "fixed_equals_broken")
    ratio = edit_ratio(broken_sql, fixed_sql)
    if ratio > max_edit_ratio:
        return Outcome(None, "rewrite_not_edit")
    run_limits = limits or Limits(timeout_s=timeout_s, max_rows=max_rows)
    if fixed_hash is None or limits is not None:
        fixed = engine.execute(fixed_sql, run_limits)
        if isinstance(fixed, ExecError):
            return Outcome(None, "fixed_fails")
        fixed_hash = result_hash(fixed, ordered)
    broken = engine.execute(broken_sql, run_limits)
    if isinstance(broken, ResultSet):
        if intended_kind != SEMANTIC:
            return Outcome(None, "broken_runs")
        if result_hash(broken, ordered) == fixed_hash and not broken.truncated:
            return Outcome(None, "semantic_same_result")
        error, kind, detail = None, SEMANTIC, None
    else:
        error, kind, detail = broken.message, broken.kind.value, json.dumps(broken.to_dict(), ensure_ascii=False)
    template = template or cached_template(fixed_sql, dialect)
    # Always recorded, so every row has the same shape (readers that infer a schema, such as
    # ``datasets``, fail on a column that is null in one split and an object in another).
    recorded = {"timeout_s": run_limits.timeout_s, "max_memory_mb": run_limits.max_memory_mb}
    return Outcome(Triple(schema_id, dialect, engine.name, generator, shape, template, question, broken_sql, error,
                          kind, detail, fixed_sql, make_edit(broken_sql, fixed_sql), operator, intended_kind, ratio,
                          recorded))


# What makes a query's result change from one run to the next: the clock and randomness.
_UNSTABLE_NODES = (exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime, exp.CurrentDatetime, exp.Localtime,
                   exp.Localtimestamp, exp.Rand, exp.Randn, exp.Uuid)
_UNSTABLE_CALLS = frozenset({"now", "today", "yesterday", "rand", "random", "randcanonical", "uuid",
                             "generateuuidv4", "gen_random_uuid", "now64"})


def result_may_change(sql: str, dialect: str) -> bool:
    """Whether ``sql`` reads the clock or a random source (``CURRENT_DATE``, ``now()``,
    ``rand()``...), so that the result a dataset records for it does not stay true; SQL that
    does not parse counts as stable (the engine judged it already).

    Example:
        >>> result_may_change("SELECT count(*) FROM e WHERE hired < today() - 30", "clickhouse")
        True
        >>> result_may_change("SELECT count(*) FROM e", "duckdb")
        False
    """
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return False
    return any(isinstance(node, _UNSTABLE_NODES) or
               (isinstance(node, exp.Anonymous) and node.name.lower() in _UNSTABLE_CALLS) for node in tree.walk())
