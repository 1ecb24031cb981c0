"""Every mutation operator: its broken SQL fails on the real engine with the operator's error kind
(or, for semantic bugs, runs and returns a different result), and the recorded fix runs.

DuckDB cases run on a tiny real DuckDB file; operators that target ClickHouse run on the real
``shop`` demo in chDB.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import pytest

from datagen.config import DatagenConfig
from datagen.mutations import OPERATORS, MutationContext, operators_for, parse
from datagen.profile import profile_schema
from datagen.style import lower_case_sql
from datagen.verify import repair_limits, result_hash, verify_repair
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
    "unbounded_recursion": "WITH RECURSIVE months AS (SELECT DATE '2024-01-01' AS month UNION ALL SELECT CAST(month + "
                           "INTERVAL 1 MONTH AS DATE) FROM months WHERE month < DATE '2024-12-01') SELECT m.month, "
                           "COUNT(o.created_at) AS n FROM months AS m LEFT JOIN orders AS o ON DATE_TRUNC('MONTH', "
                           "o.created_at) = m.month GROUP BY m.month ORDER BY m.month",
    "scalar_subquery": "SELECT name FROM customers WHERE customer_id IN (SELECT customer_id FROM orders "
                       "WHERE status = 'paid') ORDER BY name",
}
WINDOW_OVER_JOIN = ("WITH ranked AS (SELECT s.device, pv.url, pv.duration_ms, ROW_NUMBER() OVER (PARTITION BY s.device "
                    "ORDER BY pv.duration_ms DESC, pv.url) AS rnk FROM page_views AS pv JOIN sessions AS s "
                    "ON pv.session_id = s.session_id) SELECT device, url, duration_ms FROM ranked WHERE rnk <= 2 "
                    "ORDER BY device, rnk")
# Operators that need the demo's big tables (a cartesian product large enough for DuckDB), or
# a second category column to select.
UNGROUPED = "SELECT country, COUNT(*) AS n FROM users GROUP BY country ORDER BY n DESC"
DUCKDB_SHOP_CASES = {"missing_join_condition": WINDOW_OVER_JOIN, "ungrouped_column": UNGROUPED}
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
    "scalar_subquery": "SELECT full_name FROM users WHERE user_id IN (SELECT user_id FROM orders WHERE status = 'paid') "
                       "ORDER BY full_name",
    "missing_join_condition": WINDOW_OVER_JOIN,
    "ungrouped_column": UNGROUPED,
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


def _outcomes(name: str, sql: str, engine, profile, dialect: str, lower_case: bool = False) -> tuple[Counter, list[str]]:
    """Apply operator ``name`` with several seeds; count the engine's verdicts on the broken SQL
    (``lower_case``: on the query written in lower case, whose bugs must keep that style)."""
    op = OPERATORS[name]
    sql = lower_case_sql(sql, dialect) if lower_case else sql
    tree = parse(sql, dialect)
    assert tree is not None
    # The limits datagen verifies this operator's bugs under (tighter for runaway queries).
    limits = repair_limits(op.kind_for(dialect), DatagenConfig(max_rows=1000)) or Limits(timeout_s=10.0, max_rows=1000)
    ordered = " ORDER BY " in sql
    verdicts: Counter = Counter()
    broken_texts: list[str] = []
    for seed in SEEDS:
        mutation = op(MutationContext(sql, tree, dialect, profile, random.Random(seed), lower_case=lower_case))
        if mutation is None or mutation.broken_sql in broken_texts:
            continue
        if lower_case:
            assert mutation.broken_sql == lower_case_sql(mutation.broken_sql, dialect), mutation.broken_sql
        broken_texts.append(mutation.broken_sql)
        # The fix must run; how fast is the machine's business (a loaded one can take longer than
        # a runaway bug's tight limit to run even a quick query), so it gets the usual 10 s.
        fixed = engine.execute(mutation.fixed_sql or sql, replace(limits, timeout_s=max(limits.timeout_s, 10.0)))
        assert isinstance(fixed, ResultSet), f"the recorded fix must run: {fixed}"
        outcome = engine.execute(mutation.broken_sql, limits)
        if isinstance(outcome, ResultSet):
            same = result_hash(outcome, ordered) == result_hash(fixed, ordered)
            verdicts["runs_same_result" if same else "semantic"] += 1
        else:
            verdicts[outcome.kind.value] += 1
    return verdicts, broken_texts


def _check(name: str, dialect: str, verdicts: Counter, broken: list[str]) -> None:
    kind = OPERATORS[name].kind_for(dialect)
    assert broken, f"{name} did not apply to its test query"
    top, count = verdicts.most_common(1)[0]
    assert top == kind, f"{name}: expected mostly {kind}, got {dict(verdicts)} for e.g. {broken[0]!r}"
    assert count >= 0.6 * sum(verdicts.values()), f"{name}: {dict(verdicts)}"


@pytest.fixture(scope="module")
def duckdb_shop():
    from sqlfix.demo import demo_schema, open_demo

    engine = open_demo("shop", engine="duckdb")
    yield engine, profile_schema(demo_schema("shop", "duckdb"), engine)
    engine.close()


def test_every_operator_has_cases():
    assert set(DUCKDB_CASES) | set(DUCKDB_SHOP_CASES) == {op.name for op in operators_for("duckdb")}
    assert {op.name for op in operators_for("clickhouse")} <= set(CLICKHOUSE_CASES)


@pytest.mark.parametrize("name", sorted(DUCKDB_CASES))
@pytest.mark.parametrize("lower_case", [False, True], ids=["upper", "lower"])
def test_operator_fails_on_duckdb_with_its_kind(name, lower_case, tiny):
    engine, profile = tiny
    verdicts, broken = _outcomes(name, DUCKDB_CASES[name], engine, profile, "duckdb", lower_case)
    _check(name, "duckdb", verdicts, broken)


@pytest.mark.parametrize("name", sorted(DUCKDB_SHOP_CASES))
def test_operator_fails_on_the_duckdb_demo_with_its_kind(name, duckdb_shop):
    engine, profile = duckdb_shop
    verdicts, broken = _outcomes(name, DUCKDB_SHOP_CASES[name], engine, profile, "duckdb")
    _check(name, "duckdb", verdicts, broken)


@pytest.mark.parametrize("name", sorted(op.name for op in operators_for("clickhouse")))
@pytest.mark.parametrize("lower_case", [False, True], ids=["upper", "lower"])
def test_operator_fails_on_chdb_with_its_kind(name, lower_case, chdb_shop):
    engine, profile = chdb_shop
    verdicts, broken = _outcomes(name, CLICKHOUSE_CASES[name], engine, profile, "clickhouse", lower_case)
    _check(name, "clickhouse", verdicts, broken)


def test_operators_record_name_and_kind():
    for op in operators_for("duckdb") + operators_for("clickhouse"):
        assert op.name and op.kind and op.func.__doc__, op.name


def test_runaway_repairs_record_the_limits_they_fail_under(chdb_shop):
    engine, profile = chdb_shop
    config = DatagenConfig()
    ctx = MutationContext(WINDOW_OVER_JOIN, parse(WINDOW_OVER_JOIN, "clickhouse"), "clickhouse", profile,
                          random.Random(0))
    mutation = OPERATORS["missing_join_condition"](ctx)
    assert mutation is not None and mutation.fixed_sql is None
    outcome = verify_repair(schema_id="shop", dialect="clickhouse", engine=engine, generator="offline", shape="window",
                            question=None, broken_sql=mutation.broken_sql, fixed_sql=WINDOW_OVER_JOIN,
                            operator="missing_join_condition", intended_kind="resource_limit", fixed_hash=None,
                            ordered=True, max_rows=100, timeout_s=config.timeout_s, max_edit_ratio=0.5,
                            limits=repair_limits("resource_limit", config))
    assert outcome.record is not None, outcome.dropped
    row = outcome.record.to_row()
    assert row["error_kind"] == "resource_limit"
    assert row["limits"] == {"timeout_s": config.timeout_s, "max_memory_mb": config.blowup_memory_mb}
    plain = verify_repair(schema_id="shop", dialect="clickhouse", engine=engine, generator="offline", shape="window",
                          question=None, broken_sql="SELECT full_nme FROM users", fixed_sql="SELECT full_name FROM users",
                          operator="misspell_column", intended_kind="unknown_column", fixed_hash=None, ordered=False,
                          max_rows=100, timeout_s=config.timeout_s, max_edit_ratio=0.5)
    assert plain.record is not None
    assert plain.record.to_row()["limits"] == {"timeout_s": config.timeout_s, "max_memory_mb": Limits().max_memory_mb}


@pytest.mark.parametrize("dialect", ["duckdb", "clickhouse"])
def test_slips_sqlglot_papers_over_are_syntax_errors_not_dialect(dialect, chdb_shop, duckdb_shop):
    # sqlglot reads "WHERE a, b IN (...)" as a join after WHERE, closes an open parenthesis, reads
    # "BETWEEN 1 5" and "('a' 'b')"; the engines do not, and the mistake is the user's own.
    engine, _ = chdb_shop if dialect == "clickhouse" else duckdb_shop
    for sql in ("SELECT full_name FROM users WHERE city = 'Berlin', plan IN ('free', 'plus')",
                "SELECT COUNT(*) FROM products WHERE price > 10, category = 'Toys'",
                "SELECT category, MAX(price AS top FROM products GROUP BY category",
                "SELECT COUNT(*) FROM orders WHERE EXTRACT(YEAR FROM created_at = 2024",
                "SELECT name FROM products WHERE price BETWEEN 10 50",
                "SELECT full_name FROM users WHERE plan IN ('free' 'plus')"):
        outcome = engine.execute(sql)
        assert not isinstance(outcome, ResultSet)
        assert outcome.kind.value == "syntax", (sql, outcome)
    foreign = "SELECT TOP 5 full_name FROM users" if dialect == "duckdb" else "SELECT * EXCLUDE (email) FROM users"
    assert engine.execute(foreign).kind.value == "dialect"


@pytest.mark.parametrize("dialect", ["duckdb", "clickhouse"])
def test_an_ungrouped_column_is_fixed_by_grouping_by_it(dialect, chdb_shop, duckdb_shop):
    # The engines' hint and the golden set: keep what the user selected, add it to GROUP BY.
    engine, profile = chdb_shop if dialect == "clickhouse" else duckdb_shop
    for seed in SEEDS:
        mutation = OPERATORS["ungrouped_column"](MutationContext(UNGROUPED, parse(UNGROUPED, dialect), dialect, profile,
                                                                 random.Random(seed)))
        assert mutation is not None and mutation.fixed_sql is not None
        broken, fixed = parse(mutation.broken_sql, dialect), parse(mutation.fixed_sql, dialect)
        added = [e.sql() for e in broken.expressions if e.sql() not in {"country", "COUNT(*) AS n"}]
        assert len(added) == 1 and added[0] in {"city", "plan"}, mutation.broken_sql
        assert [e.sql() for e in broken.expressions] == [e.sql() for e in fixed.expressions]  # the SELECT list kept
        assert [k.sql() for k in fixed.args["group"].expressions] == ["country", added[0]]
        assert [k.sql() for k in broken.args["group"].expressions] == ["country"]
    # A positional ORDER BY would point elsewhere once a column is inserted: left alone.
    positional = "SELECT country, COUNT(*) AS n FROM users GROUP BY country ORDER BY 2 DESC"
    ctx = MutationContext(positional, parse(positional, dialect), dialect, profile, random.Random(0))
    assert OPERATORS["ungrouped_column"](ctx) is None
