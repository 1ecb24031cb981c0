"""The golden set is sound: files parse, ids are unique, minimums hold, every gold query runs
on its engine and returns rows, and every broken query fails the way its case records."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from golden.tools.cases import (
    DIALECTS,
    SCHEMAS,
    TEXT2SQL_CATEGORIES,
    EnginePool,
    gold_queries,
    golden_version,
    load_cases,
    unseen_schemas,
)
from golden.tools.determinism import limit_ties, unordered_aggregates
from sqlfix.engines.base import ResultSet
from sqlfix.errors import ErrorKind, ExecError

UNSEEN = unseen_schemas()
SEEN = tuple(s for s in SCHEMAS if s not in UNSEEN)
TEXT2SQL = load_cases("text2sql")
REPAIR = load_cases("repair")
ERRORED = [c for c in REPAIR if not c.get("semantic")]

# A case runs a few queries under limits of at most 20 s; anything longer is a hung engine.
pytestmark = pytest.mark.timeout(120)
SEMANTIC = [c for c in REPAIR if c.get("semantic")]


@pytest.fixture(scope="module")
def pool():
    engines = EnginePool()
    yield engines
    engines.close()


def _masked(message: str) -> str:
    """The message with quantities masked: elapsed times, positions and memory figures
    (``4.00 MiB``, ``512 B``) vary from run to run, and so does the ClickHouse processor that
    first crosses a memory limit (``While executing JoiningTransform`` or ``AggregatingTransform``)."""
    message = re.sub(r"While executing \w+", "While executing #", message)
    return re.sub(r"\d+(\.\d+)?( ?[KMG]?i?B\b)?", "#", message)


def _same_message(current: str, recorded: str) -> bool:
    """True when the engine still says what the case records. A newer engine may list more
    overloads under ``Candidate functions:`` (DuckDB 2.0 added ``TIMESTAMPTZ_NS`` ones); the
    recorded candidates must all still be there."""
    current_head, _, current_candidates = _masked(current).partition("Candidate functions:")
    recorded_head, _, recorded_candidates = _masked(recorded).partition("Candidate functions:")
    return current_head == recorded_head and set(recorded_candidates.split("\n")) <= set(current_candidates.split("\n"))


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["id"] for case in cases]


def _canonical(rows: list[tuple[Any, ...]]) -> list[tuple[str, ...]]:
    """Rows as a sorted multiset, numbers rounded so 1 == 1.0 == Decimal('1')."""

    def value(v: Any) -> str:
        if isinstance(v, bool) or v is None:
            return repr(v)
        if isinstance(v, (int, float, Decimal)):
            return f"{float(v):.6g}"
        return str(v)

    return sorted(tuple(value(v) for v in row) for row in rows)


def test_version_is_semver():
    parts = golden_version().split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_ids_unique_and_well_formed():
    ids = _ids(TEXT2SQL) + _ids(REPAIR)
    assert len(ids) == len(set(ids))
    for case in TEXT2SQL + REPAIR:
        prefix = case["schema"] + ("-ch" if case["dialect"] == "clickhouse" else "")
        infix = "t2s" if case["task"] == "text2sql" else "rep"
        assert case["id"].startswith(f"{prefix}-{infix}-"), case["id"]


def test_text2sql_minimums():
    assert len(TEXT2SQL) >= 150
    categories = Counter(c["category"] for c in TEXT2SQL)
    assert set(categories) == set(TEXT2SQL_CATEGORIES)
    assert min(categories.values()) >= 8, categories
    per_schema = Counter((c["schema"], c["dialect"]) for c in TEXT2SQL)
    assert all(per_schema[(s, "duckdb")] >= 25 for s in SEEN), per_schema
    assert sum(n for (_, d), n in per_schema.items() if d == "clickhouse") >= 25
    assert set(Counter(c["difficulty"] for c in TEXT2SQL)) == {"easy", "medium", "hard"}


def test_repair_minimums():
    assert len(REPAIR) >= 200
    assert len(SEMANTIC) >= 20
    for dialect in DIALECTS:
        kinds = Counter(c["error_kind"] for c in ERRORED if c["dialect"] == dialect)
        assert set(kinds) == {k.value for k in ErrorKind}, (dialect, kinds)
    assert all(c.get("question") for c in SEMANTIC)


def test_unseen_schemas_are_demos_with_a_full_set_of_cases():
    """Issue #16: two schemas no rule or datagen default was written on, each with at least 40
    text-to-SQL and 60 repair cases covering every error kind and some semantic mistakes."""
    assert set(UNSEEN) == {"billing", "observability"} and set(UNSEEN) < set(SCHEMAS)
    assert SEEN == ("shop", "hr", "flights")
    for schema in UNSEEN:
        questions = [c for c in TEXT2SQL if c["schema"] == schema]
        repairs = [c for c in REPAIR if c["schema"] == schema]
        assert len(questions) >= 40 and len(repairs) >= 60, (schema, len(questions), len(repairs))
        assert {c["category"] for c in questions} == set(TEXT2SQL_CATEGORIES), schema
        assert {c["error_kind"] for c in repairs if not c.get("semantic")} == {k.value for k in ErrorKind}, schema
        assert sum(1 for c in repairs if c.get("semantic")) >= 5, schema
        assert {c["difficulty"] for c in questions + repairs} == {"easy", "medium", "hard"}, schema


def test_repair_fields_filled():
    for case in ERRORED:
        assert case["error"] and case["error_kind"], case["id"]
        assert case["exec_error"]["message"] == case["error"], case["id"]
        assert case["exec_error"]["kind"] == case["error_kind"], case["id"]
    for case in SEMANTIC:
        assert case.get("error") is None and case.get("error_kind") is None, case["id"]
    for case in REPAIR:
        assert case["broken_sql"].strip() != case["fixed_sql"].strip(), case["id"]


def test_fixes_are_minimal():
    """A fix edits the broken query, it does not rewrite it; refused writes and file reads
    (turned into the read they stood for) are the only rewrites allowed."""
    for case in REPAIR:
        if case.get("error_kind") == "permission":
            continue
        similarity = difflib.SequenceMatcher(None, case["broken_sql"], case["fixed_sql"]).ratio()
        assert similarity >= 0.65, f"{case['id']}: fix rewrites too much ({similarity:.2f})"


def _assert_gold_result(outcome: Any, case_id: str, sql: str) -> ResultSet:
    assert not isinstance(outcome, ExecError), f"{case_id}: {sql}\n{outcome}"
    assert outcome.rows, f"{case_id}: gold query returns no rows: {sql}"
    assert not outcome.truncated, f"{case_id}: gold result exceeds max_rows: {sql}"
    return outcome


LIMITED = [c for c in TEXT2SQL + REPAIR if "LIMIT" in " ".join(gold_queries(c)).upper()]


def test_gold_has_no_unordered_aggregates():
    """A list/groupArray without its own order would make correct predictions fail at random."""
    for case in TEXT2SQL + REPAIR:
        for sql in gold_queries(case):
            assert unordered_aggregates(sql) == [], f"{case['id']}: {sql}"


@pytest.mark.parametrize("case", LIMITED, ids=_ids(LIMITED))
def test_gold_limits_cut_no_ties(case, pool):
    for sql in gold_queries(case):
        assert limit_ties(case, sql, pool) == [], f"{case['id']}: {sql}"


@pytest.mark.parametrize("case", TEXT2SQL, ids=_ids(TEXT2SQL))
def test_text2sql_gold_runs(case, pool):
    gold = _assert_gold_result(pool.run(case, case["sql"]), case["id"], case["sql"])
    for alternative in case.get("alternatives") or []:
        other = _assert_gold_result(pool.run(case, alternative), case["id"], alternative)
        assert _canonical(other.rows) == _canonical(gold.rows), f"{case['id']}: alternative differs: {alternative}"
    for group in case.get("column_sets") or []:
        assert set(group) <= set(gold.columns), f"{case['id']}: column_sets names {group}, gold has {gold.columns}"


@pytest.mark.parametrize("case", ERRORED, ids=_ids(ERRORED))
def test_repair_broken_fails_as_recorded(case, pool):
    _assert_gold_result(pool.run(case, case["fixed_sql"]), case["id"], case["fixed_sql"])
    outcome = pool.run(case, case["broken_sql"])
    assert isinstance(outcome, ExecError), f"{case['id']}: broken query succeeds"
    assert outcome.kind.value == case["error_kind"], f"{case['id']}: {outcome.message}"
    assert _same_message(outcome.message, case["error"]), f"{case['id']}: message changed; run golden.tools.refresh_errors"


@pytest.mark.parametrize("case", SEMANTIC, ids=_ids(SEMANTIC))
def test_semantic_broken_runs_but_differs(case, pool):
    fixed = _assert_gold_result(pool.run(case, case["fixed_sql"]), case["id"], case["fixed_sql"])
    broken = pool.run(case, case["broken_sql"])
    assert not isinstance(broken, ExecError), f"{case['id']}: semantic broken query fails: {broken}"
    assert _canonical(broken.rows) != _canonical(fixed.rows), f"{case['id']}: broken and fixed return the same rows"
