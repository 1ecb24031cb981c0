"""The golden tools: the loader rejects malformed files with a clear file:line message, and
refresh_errors fills error fields from a real engine and reports what an author must check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golden.tools.cases import EnginePool, load_cases
from golden.tools.refresh_errors import main as refresh_main
from golden.tools.refresh_errors import refresh_case
from sqlfix.errors import InputFormatError

REPAIR = {
    "id": "shop-rep-900", "schema": "shop", "dialect": "duckdb", "task": "repair", "category": "typo",
    "difficulty": "easy", "broken_sql": "SELECT nmae FROM products WHERE product_id = 1",
    "error": None, "error_kind": "unknown_column", "fixed_sql": "SELECT name FROM products WHERE product_id = 1",
}
TEXT2SQL = {
    "id": "hr-t2s-900", "schema": "hr", "dialect": "duckdb", "task": "text2sql", "category": "aggregate",
    "difficulty": "easy", "question": "How many departments are there?", "sql": "SELECT count(*) FROM departments",
}


def _write(root: Path, relative: str, lines: list[str]) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pool():
    engines = EnginePool()
    yield engines
    engines.close()


def test_valid_rows_load(tmp_path):
    _write(tmp_path, "repair/shop_duckdb.jsonl", [json.dumps(REPAIR)])
    _write(tmp_path, "text2sql/hr_duckdb.jsonl", ["", json.dumps(TEXT2SQL)])
    assert [c["id"] for c in load_cases(root=tmp_path)] == ["hr-t2s-900", "shop-rep-900"]


@pytest.mark.parametrize(
    ("relative", "lines", "expected"),
    [
        ("repair/shop_duckdb.jsonl", ["{not json"], "repair/shop_duckdb.jsonl:1: not valid JSON"),
        ("repair/shop_duckdb.jsonl", ["[1, 2]"], "must be a JSON object"),
        ("repair/shop_duckdb.jsonl", [json.dumps({**REPAIR, "fixed_sql": ""})], "'fixed_sql' is required"),
        ("repair/shop_duckdb.jsonl", [json.dumps({**REPAIR, "colour": "red"})], "unknown field 'colour'"),
        ("repair/shop_duckdb.jsonl", [json.dumps({**REPAIR, "error_kind": "oops"})], "unknown error_kind 'oops'"),
        ("repair/shop_duckdb.jsonl", [json.dumps({**REPAIR, "semantic": True})], "semantic repair case needs a question"),
        ("repair/shop_duckdb.jsonl", [json.dumps({**REPAIR, "limits": {"speed": 1}})], "limits may only set"),
        ("repair/shop_duckdb.jsonl", [json.dumps({**REPAIR, "schema": "zoo"})], "schema must be one of"),
        ("repair/hr_duckdb.jsonl", [json.dumps(REPAIR)], "belongs in repair/shop_duckdb.jsonl"),
        ("text2sql/hr_duckdb.jsonl", [json.dumps({**TEXT2SQL, "category": "fancy"})], "category must be one of"),
        ("text2sql/hr_duckdb.jsonl", [json.dumps(TEXT2SQL), json.dumps(TEXT2SQL)], "hr_duckdb.jsonl:2: id hr-t2s-900 already used"),
    ],
)
def test_malformed_rows_are_named(tmp_path, relative, lines, expected):
    _write(tmp_path, relative, lines)
    with pytest.raises(InputFormatError) as caught:
        load_cases(root=tmp_path)
    assert expected in str(caught.value)


def test_refresh_fills_error_from_engine(pool):
    fresh, problems = refresh_case(REPAIR, pool)
    assert problems == []
    assert fresh["error_kind"] == "unknown_column"
    assert "nmae" in fresh["error"] and fresh["exec_error"]["message"] == fresh["error"]
    assert list(fresh)[:6] == ["id", "schema", "dialect", "task", "category", "difficulty"]


def test_refresh_reports_what_needs_a_look(pool):
    _, changed = refresh_case({**REPAIR, "error_kind": "syntax"}, pool)
    assert changed and changed[0].startswith("kind syntax -> unknown_column")
    _, succeeds = refresh_case({**REPAIR, "broken_sql": REPAIR["fixed_sql"]}, pool)
    assert any("broken_sql succeeds" in p for p in succeeds)
    _, fixed_fails = refresh_case({**REPAIR, "fixed_sql": "SELECT nope FROM products"}, pool)
    assert any(p.startswith("fixed_sql fails: unknown_column") for p in fixed_fails)
    semantic = {**REPAIR, "semantic": True, "question": "q?", "broken_sql": REPAIR["fixed_sql"]}
    _, same = refresh_case(semantic, pool)
    assert same == ["semantic broken_sql returns the same rows as fixed_sql"]


def test_refresh_write_rewrites_file(tmp_path):
    path = _write(tmp_path, "repair/shop_duckdb.jsonl", [json.dumps(REPAIR)])
    assert refresh_main([str(path)]) == 0
    assert json.loads(path.read_text())["error"] is None
    assert refresh_main([str(path), "--write"]) == 0
    row = json.loads(path.read_text())
    assert row["error_kind"] == "unknown_column" and "nmae" in row["error"]


def test_determinism_checks_find_real_problems(pool):
    from golden.tools.determinism import limit_ties, unordered_aggregates

    assert unordered_aggregates("SELECT u, list(a), string_agg(b, ',' ORDER BY b) FROM t") == ["list"]
    assert unordered_aggregates("SELECT arraySort(groupArray(c)), groupArray(d) FROM t") == ["groupArray"]
    tied = "SELECT product_id, price FROM products WHERE category = 'Home' ORDER BY price LIMIT 2"
    assert limit_ties(TEXT2SQL | {"schema": "shop"}, tied, pool) == ["rows 2 and 3 tie on the ORDER BY keys at LIMIT 2"]
    broken_tie = tied.replace("ORDER BY price", "ORDER BY price, product_id")
    assert limit_ties(TEXT2SQL | {"schema": "shop"}, broken_tie, pool) == []
    assert limit_ties(TEXT2SQL, "SELECT name FROM departments LIMIT 3", pool) == ["LIMIT without ORDER BY"]


def test_leakage_audit_finds_golden_sql_in_a_dataset(tmp_path):
    import gzip

    from golden.tools.leakage import find_leaks, golden_index

    index = golden_index()
    rows = [
        {"dialect": "duckdb", "task": "text2sql", "sql": "select COUNT(*)   as headcount from EMPLOYEES where termination_date is null"},
        {"dialect": "clickhouse", "task": "text2sql", "sql": "SELECT count(*) AS premium_users FROM users WHERE plan = 'premium'"},
        {"dialect": "duckdb", "task": "repair", "broken_sql": "SELECT 1", "fixed_sql": "SELECT 2"},
    ]
    with gzip.open(tmp_path / "train.jsonl.gz", "wt") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in rows)
    leaks = find_leaks(tmp_path, index)
    assert [(field, case_id) for _, field, case_id in leaks] == [("sql", "hr-t2s-001"), ("sql", "shop-t2s-002")]
