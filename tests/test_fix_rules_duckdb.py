"""Each deterministic repairer on the real shop demo in DuckDB: the engine's own error in,
the exact minimal fix out (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlfix.errors import ErrorKind, ExecError, SqlfixError
from sqlfix.fix import FixConfig, FixRequest, repair
from sqlfix.fix.rules import propose
from tests.fix_fixtures import shop_duckdb  # noqa: F401 - fixture

RULES_ONLY = FixConfig(use_model=False)

CASES = [
    # (error kind, broken, fixed, winning rule)
    ("unknown_column", "SELECT emial FROM users", "SELECT email FROM users", "identifiers"),
    ("unknown_column", "select u.emial\nfrom users u\nwhere u.plan = 'pro'", "select u.email\nfrom users u\nwhere u.plan = 'pro'", "identifiers"),
    ("unknown_column", "SELECT emial, contry FROM users", "SELECT email, country FROM users", "identifiers"),
    ("unknown_table", "SELECT email FROM user", "SELECT email FROM users", "identifiers"),
    ("unknown_table", "SELECT count(*) FROM order_item", "SELECT count(*) FROM order_items", "identifiers"),
    ("ambiguous_column", "SELECT user_id FROM users u JOIN orders o ON u.user_id = o.user_id", "SELECT u.user_id FROM users u JOIN orders o ON u.user_id = o.user_id", "qualify"),
    ("unknown_column", "SELECT u.total FROM users u JOIN orders o ON u.user_id = o.user_id", "SELECT o.total FROM users u JOIN orders o ON u.user_id = o.user_id", "qualify"),
    ("group_by", "SELECT country, count(*) FROM users", "SELECT country, count(*) FROM users GROUP BY country", "group_by"),
    ("group_by", "SELECT country, plan, count(*) AS n FROM users GROUP BY country ORDER BY n DESC", "SELECT country, plan, count(*) AS n FROM users GROUP BY country, plan ORDER BY n DESC", "group_by"),
    ("group_by", "SELECT country FROM users WHERE count(*) > 5 GROUP BY country", "SELECT country FROM users GROUP BY country HAVING count(*) > 5", "group_by"),
    ("group_by", "SELECT country FROM users WHERE plan = 'pro' AND count(*) > 5 GROUP BY country", "SELECT country FROM users WHERE plan = 'pro' GROUP BY country HAVING count(*) > 5", "group_by"),
    ("syntax", "SELEC email FROM users", "SELECT email FROM users", "punctuation"),
    ("syntax", "select email form users", "select email from users", "punctuation"),
    ("syntax", "SELECT country, count(*) FROM users GRUOP BY country", "SELECT country, count(*) FROM users GROUP BY country", "punctuation"),
    ("syntax|dialect", "SELECT email,, country FROM users", "SELECT email, country FROM users", "punctuation"),
    ("syntax", "SELECT email FROM users WHERE user_id IN (1 2, 3)", "SELECT email FROM users WHERE user_id IN (1, 2, 3)", "punctuation"),
    ("syntax", "SELECT email FROM users WHERE (user_id < 10", "SELECT email FROM users WHERE (user_id < 10)", "punctuation"),
    ("syntax", "SELECT email FROM users WHERE country = 'US", "SELECT email FROM users WHERE country = 'US'", "punctuation"),
    ("unknown_column", 'SELECT email FROM users WHERE country = "US"', "SELECT email FROM users WHERE country = 'US'", "punctuation"),
    ("dialect", "SELECT TOP 5 email FROM users ORDER BY signup_date", "SELECT email FROM users ORDER BY signup_date LIMIT 5", "dialect"),
    ("dialect", "SELECT DATEADD(day, 7, signup_date) AS d FROM users", "SELECT signup_date + INTERVAL 7 DAY AS d FROM users", "functions"),
    ("unknown_function", "SELECT toYear(signup_date) AS y FROM users", "SELECT YEAR(signup_date) AS y FROM users", "functions"),
    ("wrong_arity", "SELECT round(total, 2, 3) FROM orders", "SELECT round(total, 2) FROM orders", "arity"),
    ("type_mismatch", "SELECT email FROM users WHERE full_name = 5", "SELECT email FROM users WHERE full_name = '5'", "types"),
    # Foreign and spreadsheet function names, DISTINCT and conditional forms included.
    ("unknown_function", "SELECT COUNT_DISTINCT(country) FROM users", "SELECT count(DISTINCT country) FROM users", "functions"),
    ("unknown_function", "select country, count_distinct(plan) from users group by country", "select country, count(distinct plan) from users group by country", "functions"),
    ("unknown_function", "SELECT SUMIF(total, status = 'paid') FROM orders", "SELECT sum(total) FILTER (WHERE status = 'paid') FROM orders", "functions"),
    ("unknown_function", "SELECT AVERAGE(total) FROM orders", "SELECT AVG(total) FROM orders", "functions"),
    ("unknown_function|dialect", "SELECT STDEV(total) FROM orders", "SELECT stddev(total) FROM orders", "functions"),
    ("unknown_function", "SELECT averge(total) FROM orders", "SELECT avg(total) FROM orders", "functions"),
    # Commas and parentheses placed by the query's structure.
    ("syntax", "SELECT status, count(*) AS n sum(total) AS revenue FROM orders GROUP BY status", "SELECT status, count(*) AS n, sum(total) AS revenue FROM orders GROUP BY status", "punctuation"),
    ("syntax", "SELECT DISTINCT country count(*) FROM users GROUP BY country", "SELECT DISTINCT country, count(*) FROM users GROUP BY country", "punctuation"),
    ("syntax", "SELECT round(avg(total), 1 AS avg_total FROM orders", "SELECT round(avg(total), 1) AS avg_total FROM orders", "punctuation"),
    ("syntax", "SELECT round(avg(total)), 1) AS a FROM orders", "SELECT round(avg(total), 1) AS a FROM orders", "punctuation"),
    ("other", "SELECT user_id, email FROM users UNION SELECT user_id FROM users", "SELECT user_id, email FROM users UNION SELECT user_id, email FROM users", "subqueries"),
    ("unknown_table", "SELECT count(*) FROM shop.orders", "SELECT count(*) FROM orders", "identifiers"),
    ("unknown_table", "SELECT count(*) FROM session", "SELECT count(*) FROM sessions", "identifiers"),
    # A table named by what it holds: the one table with the columns read through it.
    ("unknown_table", "SELECT c.city, count(*) FROM customers c WHERE c.is_active GROUP BY c.city", "SELECT c.city, count(*) FROM users c WHERE c.is_active GROUP BY c.city", "tables_by_columns"),
    # Date parts: T-SQL's bare word, a part named only by the alias.
    ("unknown_column", "SELECT DATEDIFF(hour, created_at, shipped_at) AS h FROM orders", "SELECT DATEDIFF('hour', created_at, shipped_at) AS h FROM orders", "date_parts"),
    ("wrong_arity", "SELECT date_trunc(signup_date) AS signup_week, count(*) FROM users GROUP BY 1", "SELECT date_trunc('week', signup_date) AS signup_week, count(*) FROM users GROUP BY 1", "date_parts"),
    # WHERE conditions evaluated too early.
    ("other|group_by", "SELECT name, price FROM products WHERE rank() OVER (ORDER BY price DESC) <= 3", "SELECT name, price FROM products QUALIFY rank() OVER (ORDER BY price DESC) <= 3", "where_clause"),
    ("group_by", "SELECT order_id, total FROM orders WHERE total > avg(total)", "SELECT order_id, total FROM orders WHERE total > (SELECT avg(total) FROM orders)", "where_clause"),
    ("other", "SELECT user_id, count(*) // sum(CASE WHEN status = 'refunded' THEN 1 ELSE 0 END) AS per_refund FROM orders GROUP BY user_id",
     "SELECT user_id, count(*) // nullIf(sum(CASE WHEN status = 'refunded' THEN 1 ELSE 0 END), 0) AS per_refund FROM orders GROUP BY user_id", "division"),
    ("type_mismatch", "SELECT country, avg(is_active) AS active_share FROM users GROUP BY country", "SELECT country, avg(CAST(is_active AS INT)) AS active_share FROM users GROUP BY country", "bool_arguments"),
    # An aggregate with a stray argument stays an aggregate (PRQL reads sum(a, b) as a coalesce).
    ("wrong_arity", "SELECT status, sum(total, 2) FROM orders GROUP BY status", "SELECT status, sum(total) FROM orders GROUP BY status", "arity"),
    ("other", "SELECT name, (SELECT max(price) FROM products GROUP BY category) - price AS below_top FROM products WHERE category = 'Books'",
     "SELECT name, (SELECT max(price) FROM products WHERE category = 'Books') - price AS below_top FROM products WHERE category = 'Books'", "subqueries"),
]

# A wrong answer that runs is worse than none: these have no fix the rules can be sure of.
UNSURE = [
    # Which label would the second branch carry? Dropping the first's column loses what was asked.
    "SELECT 'people' AS source, count(*) FROM users UNION ALL SELECT count(*) FROM orders",
    # No column is read through the unknown table: which table is meant is a guess.
    "SELECT count(*) FROM customers",
    # ``time``: created_at or shipped_at? Both names score alike.
    "SELECT o.time FROM orders o",
    # ``cost`` is no keyword typo (CAST) and no column's misspelling.
    "SELECT p.cost FROM products p",
]


@pytest.mark.parametrize(("kind", "broken", "fixed", "rule"), CASES, ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
def test_rule_repairs_engine_error(shop_duckdb, kind, broken, fixed, rule):
    result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.error is not None and result.error.kind.value in kind.split("|")
    assert result.fixed_sql == fixed
    assert result.source.startswith("rule:") and rule in result.source
    assert result.evidence.executed and result.evidence.row_count is not None
    assert result.explanation and result.explanation.endswith(".")
    assert result.diff.startswith("--- query") and 0 < result.confidence <= 1


@pytest.mark.parametrize("broken", UNSURE)
def test_no_guess_when_the_rules_cannot_be_sure(shop_duckdb, broken):
    result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.error is not None and result.fixed_sql is None


def test_a_label_naming_its_table_becomes_the_other_branchs_table_but_unsure(shop_duckdb):
    broken = "SELECT 'products' AS kind, count(*) FROM products UNION ALL SELECT count(*) FROM orders"
    result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.fixed_sql == "SELECT 'products' AS kind, count(*) FROM products UNION ALL SELECT 'orders', count(*) FROM orders"
    assert result.unsure and any("adds a select item" in reason for reason in result.unsure_reasons)


def test_a_missing_date_of_a_date_difference_is_the_tables_other_date_but_unsure(shop_duckdb):
    broken = "SELECT order_id, date_diff('day', shipped_at) AS days FROM orders WHERE shipped_at IS NOT NULL"
    result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.error.kind.value == "wrong_arity" and result.source == "rule:date_spans"
    assert result.fixed_sql == "SELECT order_id, date_diff('day', created_at, shipped_at) AS days FROM orders WHERE shipped_at IS NOT NULL"
    assert result.unsure and any("guesses the missing date" in reason for reason in result.unsure_reasons)
    reversed_span = "SELECT order_id, date_diff('day', shipped_at, created_at) AS days FROM orders WHERE shipped_at IS NOT NULL"
    assert reversed_span in [c.sql for c in result.candidates]


def test_a_cross_join_without_a_direct_key_goes_through_the_one_linking_table(shop_duckdb):
    broken = "SELECT u.country, count(*) AS views FROM users u, page_views pv WHERE pv.event_type = 'view' GROUP BY u.country"
    error = ExecError(ErrorKind.RESOURCE_LIMIT, "failed to allocate data of size 16.0 MiB", "duckdb")
    fixes = [f for f in propose(broken, "duckdb", error, shop_duckdb.schema) if f.rule == "join_keys"]
    assert [f.sql for f in fixes] == [
        "SELECT u.country, count(*) AS views FROM users u, page_views pv, sessions s WHERE pv.event_type = 'view'"
        " AND s.user_id = u.user_id AND pv.session_id = s.session_id GROUP BY u.country"
    ]
    joined = shop_duckdb.engine.execute(fixes[0].sql)
    assert not isinstance(joined, ExecError) and joined.rows == shop_duckdb.engine.execute(
        "SELECT u.country, count(*) AS views FROM page_views pv JOIN sessions s ON pv.session_id = s.session_id"
        " JOIN users u ON u.user_id = s.user_id WHERE pv.event_type = 'view' GROUP BY u.country"
    ).rows


def test_chained_repairs_fix_two_mistakes(shop_duckdb):
    broken = "SELECT user_id, sum(totl) AS spent FROM orders"
    result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.fixed_sql == "SELECT user_id, sum(total) AS spent FROM orders GROUP BY user_id"
    assert result.source == "rule:identifiers+group_by"
    assert "totl" in result.explanation and "GROUP BY" in result.explanation


def test_fix_keeps_formatting_and_case_of_untouched_parts(shop_duckdb):
    broken = "select  u.country,\n        count(*)   as N\n  from users u\n where u.plan = 'pro'\n -- by country\n"
    result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.fixed_sql == "select  u.country,\n        count(*)   as N\n  from users u\n where u.plan = 'pro' group by u.country\n -- by country\n"
    assert result.edit.startswith("- ") and "group by u.country" in result.edit


def test_given_error_is_used_without_running_the_broken_query(shop_duckdb):
    broken = "SELECT emial FROM users"
    error = shop_duckdb.engine.execute(broken)
    result = repair(FixRequest(broken, error=error), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.fixed_sql == "SELECT email FROM users"
    assert result.evidence.candidates_tried >= 1


def test_query_that_runs_is_kept(shop_duckdb):
    result = repair(FixRequest("SELECT count(*) AS n FROM users"), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.fixed_sql == "SELECT count(*) AS n FROM users"
    assert result.source == "original" and result.diff == "" and result.error is None
    assert result.confidence == 1.0 and result.explanation == "The query runs without error."


def test_unfixable_query_reports_no_fix(shop_duckdb):
    result = repair(FixRequest("SELECT zzzqqq FROM users"), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.fixed_sql is None and result.confidence == 0.0
    assert "unknown column" in result.explanation and "zzzqqq" in result.explanation


@pytest.mark.parametrize(
    ("sql", "preview"),
    [
        ("DELETE FROM orders WHERE status = 'cancelled'", "SELECT * FROM orders WHERE status = 'cancelled'"),
        ("UPDATE products SET price = price * 1.1 WHERE category = 'Books'", "SELECT product_id, price * 1.1 AS price FROM products WHERE category = 'Books'"),
        ("CREATE TABLE top_users AS SELECT user_id FROM users LIMIT 3", "SELECT user_id FROM users LIMIT 3"),
        ("COPY (SELECT status, count(*) FROM orders GROUP BY status) TO '/tmp/sqlfix-status.csv'", "SELECT status, count(*) FROM orders GROUP BY status"),
        ("DROP TABLE page_views", "SELECT count(*) FROM page_views"),
        ("TRUNCATE page_views", "SELECT count(*) FROM page_views"),
        ("INSERT INTO orders SELECT * FROM orders WHERE status = 'paid'", "SELECT * FROM orders WHERE status = 'paid'"),
        ("SELECT * FROM read_parquet('s3://exports/users.parquet') WHERE plan = 'pro'", "SELECT * FROM users WHERE plan = 'pro'"),
        ("SELECT * FROM read_csv('/etc/passwd')", None),
        ("ATTACH '/tmp/other.duckdb' AS other", None),
    ],
)
def test_refused_statements_never_run_and_get_a_read_only_preview(shop_duckdb, sql, preview):
    rows_before = shop_duckdb.engine.execute("SELECT count(*) FROM orders").rows
    result = repair(FixRequest(sql), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.error.kind.value == "permission"
    assert result.fixed_sql == preview
    if preview:
        assert result.source == "rule:read_only" and "never" in result.explanation
    assert shop_duckdb.engine.execute("SELECT count(*) FROM orders").rows == rows_before
    assert not Path("/tmp/sqlfix-status.csv").exists()


def test_empty_sql_is_a_clear_error(shop_duckdb):
    with pytest.raises(SqlfixError, match="empty"):
        repair(FixRequest("  \n"), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)


def test_a_name_compared_with_its_key_is_looked_up_in_the_table_the_key_refers_to(shop_duckdb):
    broken = "SELECT count(*) FROM orders WHERE user_id = 'Pavel Taylor'"
    result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    assert result.error.kind.value == "type_mismatch" and result.source.startswith("rule:types")
    # The sample values say which column holds the name (no other text column is tried), and
    # as two users have that name, the chained repair compares with IN.
    assert result.fixed_sql == "SELECT count(*) FROM orders WHERE user_id IN (SELECT user_id FROM users WHERE full_name = 'Pavel Taylor')"
    assert not any("email" in c.sql or "city" in c.sql for c in result.candidates)
    joined = "SELECT count(*) FROM orders o JOIN users u USING (user_id) WHERE u.full_name = 'Pavel Taylor'"
    assert shop_duckdb.engine.execute(result.fixed_sql).rows == shop_duckdb.engine.execute(joined).rows
    assert "looked up by its full_name" in result.explanation
    unknown = repair(FixRequest("SELECT count(*) FROM orders WHERE user_id = 'Nobody Known'"), shop_duckdb.engine,
                     shop_duckdb.schema, config=RULES_ONLY)
    assert len(unknown.candidates) > 1 and unknown.unsure  # no sample names the column: every text column, unsure
    quoted = repair(FixRequest("SELECT count(*) FROM orders WHERE user_id = 'Conan O''Brien'"), shop_duckdb.engine,
                    shop_duckdb.schema, config=RULES_ONLY)
    assert quoted.fixed_sql and "= 'Conan O''Brien')" in quoted.fixed_sql  # the quote stays escaped
