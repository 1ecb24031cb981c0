"""Every mutation operator: its broken SQL fails on the real engine with the operator's error kind
(or, for semantic bugs, runs and returns a different result), and the recorded fix runs.

DuckDB cases run on a tiny real DuckDB file; operators that target ClickHouse run on the real
``shop`` demo in chDB.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from datagen.mutations import OPERATORS, MutationContext, operators_for, parse
from datagen.profile import profile_schema
from datagen.verify import result_hash
from sqlfix.engines.base import Limits, ResultSet
from tests.datagen_fixtures import build_tiny_duckdb, open_tiny

JOIN = ("SELECT c.name, o.total FROM orders o JOIN customers c ON o.customer_id = c.customer_id "
        "WHERE o.status = 'paid' AND o.total > 50")
GROUPED = "SELECT city, COUNT(*) AS n FROM customers WHERE is_vip GROUP BY city ORDER BY n DESC"
DUCKDB_CASES = {
    "missing_comma": "SELECT city, COUNT(*) AS n FROM customers GROUP BY city",
    "extra_comma": "SELECT name FROM customers WHERE city = 'Oslo' AND customer_id > 5",
    "missing_paren": "SELECT ROUND(AVG(total), 2) FROM orders WHERE status = 'paid'",
    "extra_paren": "SELECT ROUND(AVG(total), 2) FROM orders WHERE status = 'paid'",
    "unclosed_quote": "SELECT name FROM customers WHERE city = 'Oslo'",
    "keyword_typo": GROUPED,
    "missing_keyword": "SELECT city, COUNT(*) AS n FROM customers GROUP BY city ORDER BY n DESC",
    "double_quoted_string": "SELECT name FROM customers WHERE city = 'Oslo'",
    "misspell_column": "SELECT name, city FROM customers WHERE is_vip",
    "camel_case_column": "SELECT name, signup_date FROM customers WHERE is_vip",
    "wrong_table_column": JOIN,
    "misspell_table": "SELECT name FROM customers WHERE is_vip",
    "unknown_alias": JOIN,
    "ambiguous_column": "SELECT c.name, o.customer_id FROM orders o JOIN customers c ON o.customer_id = c.customer_id "
                        "WHERE o.total > 250",
    "drop_group_by_column": "SELECT city, COUNT(*) AS n FROM customers GROUP BY city",
    "ungrouped_column": "SELECT city, COUNT(*) AS n FROM customers GROUP BY city",
    "aggregate_in_where": "SELECT city, COUNT(*) AS n FROM customers GROUP BY city HAVING COUNT(*) > 3",
    "date_vs_number": "SELECT COUNT(*) FROM orders WHERE EXTRACT(YEAR FROM created_at) = 2024",
    "formatted_number_string": "SELECT COUNT(*) FROM orders WHERE total > 1500",
    "text_vs_number": "SELECT COUNT(*) FROM orders WHERE status = 'paid'",
    "aggregate_extra_argument": "SELECT ROUND(AVG(total), 2) FROM orders",
    "missing_function_argument": "SELECT DATE_TRUNC('month', created_at) AS m, COUNT(*) AS n FROM orders GROUP BY m",
    "misspell_function": "SELECT AVG(total) FROM orders WHERE status = 'paid'",
    "foreign_function": "SELECT COUNT(*) FROM orders WHERE EXTRACT(YEAR FROM created_at) = 2024",
    "clickhouse_function": "SELECT COUNT(*) FROM orders WHERE EXTRACT(YEAR FROM created_at) = 2024",
    "foreign_syntax": "SELECT name FROM customers ORDER BY signup_date DESC LIMIT 5",
    "wrong_join_key": JOIN,
    "wrong_aggregate": "SELECT status, SUM(total) AS s FROM orders GROUP BY status",
    "missing_distinct": "SELECT DISTINCT city FROM customers ORDER BY city",
    "off_by_one_comparison": "SELECT COUNT(*) FROM orders WHERE total >= 100",
    "wrong_filter_value": "SELECT COUNT(*) FROM orders WHERE status = 'paid'",
    "flipped_sort_order": "SELECT name, signup_date FROM customers ORDER BY signup_date DESC, name LIMIT 5",
    "write_statement": "SELECT name FROM customers WHERE is_vip",
    "missing_join_condition": "SELECT v.channel, COUNT(*) AS n FROM clicks c JOIN visits v ON c.visit_id = v.visit_id "
                              "GROUP BY v.channel",
}
CH_JOIN = ("SELECT u.full_name, o.total FROM orders AS o JOIN users AS u ON o.user_id = u.user_id "
           "WHERE o.status = 'paid' AND o.total > 300")
CLICKHOUSE_CASES = {
    **{name: sql.replace("customers", "users").replace("city = 'Oslo'", "country = 'DE'").replace("is_vip", "is_active")
       .replace("signup_date", "signup_date").replace("name,", "full_name,").replace("SELECT name", "SELECT full_name")
       .replace("DISTINCT city", "DISTINCT plan").replace("BY city", "BY plan").replace("SELECT city", "SELECT plan")
       for name, sql in DUCKDB_CASES.items()},
    "wrong_table_column": CH_JOIN,
    "wrong_join_key": CH_JOIN,
    "missing_function_argument": "SELECT DATE_TRUNC('month', created_at) AS m, COUNT(*) AS n FROM orders GROUP BY m",
    "text_vs_number": "SELECT COUNT(*) FROM orders WHERE status = 'paid'",
    "formatted_number_string": "SELECT COUNT(*) FROM orders WHERE total > 1500",
    "off_by_one_comparison": "SELECT COUNT(*) FROM order_items WHERE quantity >= 2",
    "extra_comma": "SELECT full_name FROM users WHERE country = 'DE' AND birth_year > 1990",
    "flipped_sort_order": "SELECT full_name, signup_date FROM users ORDER BY signup_date DESC, full_name LIMIT 5",
    "foreign_syntax": "SELECT full_name FROM users ORDER BY signup_date DESC, full_name LIMIT 5",
    "wrong_case_column": "SELECT full_name, city FROM users WHERE is_active",
    "wrong_case_table": "SELECT full_name, city FROM users WHERE is_active",
}
SEEDS = range(5)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = build_tiny_duckdb(tmp_path_factory.mktemp("tiny") / "tiny.duckdb")
    engine, profile = open_tiny(path)
    yield engine, profile
    engine.close()


@pytest.fixture(scope="module")
def chdb_shop():
    from sqlfix.demo import demo_schema, open_demo

    engine = open_demo("shop", engine="clickhouse")
    yield engine, profile_schema(demo_schema("shop", "clickhouse"), engine)
    engine.close()


def _outcomes(name: str, sql: str, engine, profile, dialect: str) -> tuple[Counter, list[str]]:
    """Apply operator ``name`` with several seeds; count the engine's verdicts on the broken SQL."""
    op = OPERATORS[name]
    tree = parse(sql, dialect)
    assert tree is not None
    fixed = engine.execute(sql, Limits(max_rows=1000))
    assert isinstance(fixed, ResultSet), f"the recorded fix must run: {fixed}"
    ordered = " ORDER BY " in sql
    verdicts: Counter = Counter()
    broken_texts = []
    timeout = 0.05 if op.kind == "timeout" else 10.0
    for seed in SEEDS:
        broken = op(MutationContext(sql, tree, dialect, profile, random.Random(seed)))
        if broken is None:
            continue
        broken_texts.append(broken)
        outcome = engine.execute(broken, Limits(timeout_s=timeout, max_rows=1000))
        if isinstance(outcome, ResultSet):
            same = result_hash(outcome, ordered) == result_hash(fixed, ordered)
            verdicts["runs_same_result" if same else "semantic"] += 1
        else:
            verdicts[outcome.kind.value] += 1
    return verdicts, broken_texts


def _check(name: str, verdicts: Counter, broken: list[str]) -> None:
    kind = OPERATORS[name].kind
    assert broken, f"{name} did not apply to its test query"
    top, count = verdicts.most_common(1)[0]
    assert top == kind, f"{name}: expected mostly {kind}, got {dict(verdicts)} for e.g. {broken[0]!r}"
    assert count >= 0.6 * sum(verdicts.values()), f"{name}: {dict(verdicts)}"


def test_every_operator_has_cases():
    assert set(DUCKDB_CASES) == {op.name for op in operators_for("duckdb")}
    assert {op.name for op in operators_for("clickhouse")} <= set(CLICKHOUSE_CASES)


@pytest.mark.parametrize("name", sorted(DUCKDB_CASES))
def test_operator_fails_on_duckdb_with_its_kind(name, tiny):
    engine, profile = tiny
    verdicts, broken = _outcomes(name, DUCKDB_CASES[name], engine, profile, "duckdb")
    _check(name, verdicts, broken)


@pytest.mark.parametrize("name", sorted(op.name for op in operators_for("clickhouse")))
def test_operator_fails_on_chdb_with_its_kind(name, chdb_shop):
    engine, profile = chdb_shop
    verdicts, broken = _outcomes(name, CLICKHOUSE_CASES[name], engine, profile, "clickhouse")
    _check(name, verdicts, broken)


def test_operators_record_name_and_kind():
    for op in operators_for("duckdb") + operators_for("clickhouse"):
        assert op.name and op.kind and op.func.__doc__, op.name
