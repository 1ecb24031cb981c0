"""The deterministic repairers on the real shop demo in embedded ClickHouse (chDB), whose
errors, case rules and dialect differ from DuckDB's."""

from __future__ import annotations

import pytest

from sqlfix.fix import FixConfig, FixRequest, repair
from tests.fix_fixtures import shop_clickhouse  # noqa: F401 - fixture

RULES_ONLY = FixConfig(use_model=False)

CASES = [
    ("unknown_column", "SELECT emial FROM users", "SELECT email FROM users", "identifiers"),
    ("unknown_column", "SELECT Email FROM users", "SELECT email FROM users", "identifiers"),
    ("unknown_column", "SELECT u.emial FROM users AS u", "SELECT u.email FROM users AS u", "identifiers"),
    ("unknown_table", "SELECT email FROM user", "SELECT email FROM users", "identifiers"),
    ("unknown_column", "SELECT u.total FROM users u JOIN orders o ON u.user_id = o.user_id", "SELECT o.total FROM users u JOIN orders o ON u.user_id = o.user_id", "qualify"),
    ("group_by", "SELECT country, count() FROM users", "SELECT country, count() FROM users GROUP BY country", "group_by"),
    ("group_by", "SELECT country FROM users WHERE count() > 5 GROUP BY country", "SELECT country FROM users GROUP BY country HAVING count() > 5", "group_by"),
    ("syntax|dialect", "SELECT email,, country FROM users", "SELECT email, country FROM users", "punctuation"),
    ("syntax", "SELECT email FROM users WHERE (user_id < 10", "SELECT email FROM users WHERE (user_id < 10)", "punctuation"),
    ("syntax", "SELECT email FROM users WHERE country = 'US", "SELECT email FROM users WHERE country = 'US'", "punctuation"),
    ("syntax", "SELECT email FORM users", "SELECT email FROM users", "punctuation"),
    ("dialect", "SELECT strftime(signup_date, '%Y') AS y FROM users", "SELECT formatDateTime(signup_date, '%Y') AS y FROM users", "functions"),
    ("wrong_arity", "SELECT round(total, 2, 3) FROM orders", "SELECT round(total, 2) FROM orders", "arity"),
    ("type_mismatch", "SELECT email FROM users WHERE full_name = 5", "SELECT email FROM users WHERE full_name = '5'", "types"),
    ("unknown_function", "SELECT countif(total > 100) FROM orders", "SELECT countIf(total > 100) FROM orders", "functions"),
    ("unknown_function", "SELECT SUMIF(total, status = 'paid') FROM orders", "SELECT sumIf(total, status = 'paid') FROM orders", "functions"),
    ("unknown_function", "SELECT COUNT_DISTINCT(country) FROM users", "SELECT count(DISTINCT country) FROM users", "functions"),
    ("dialect", "SELECT country, LISTAGG(email, ',') FROM users GROUP BY country", "SELECT country, groupConcat(',')(email) FROM users GROUP BY country", "functions"),
    ("wrong_arity", "SELECT ISNULL(coupon_code, 'none') FROM orders", "SELECT COALESCE(coupon_code, 'none') FROM orders", "functions"),
    ("unknown_table", "SELECT count() FROM Orders", "SELECT count() FROM orders", "identifiers"),
    ("syntax", "SELECT status, count() AS n sum(total) AS revenue FROM orders GROUP BY status", "SELECT status, count() AS n, sum(total) AS revenue FROM orders GROUP BY status", "punctuation"),
    ("unknown_table", "SELECT count() FROM clients WHERE is_active AND city = 'Lyon'", "SELECT count() FROM users WHERE is_active AND city = 'Lyon'", "tables_by_columns"),
    ("wrong_arity", "SELECT dateDiff(created_at, shipped_at) AS hours FROM orders WHERE shipped_at IS NOT NULL", "SELECT dateDiff('hour', created_at, shipped_at) AS hours FROM orders WHERE shipped_at IS NOT NULL", "date_parts"),
    ("group_by", "SELECT name, price FROM products WHERE rank() OVER (ORDER BY price DESC) <= 3", "SELECT name, price FROM products QUALIFY rank() OVER (ORDER BY price DESC) <= 3", "where_clause"),
    ("other", "SELECT user_id, count() % countIf(status = 'cancelled') AS r FROM orders GROUP BY user_id", "SELECT user_id, count() % nullIf(countIf(status = 'cancelled'), 0) AS r FROM orders GROUP BY user_id", "division"),
]


@pytest.mark.parametrize(("kind", "broken", "fixed", "rule"), CASES, ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
def test_rule_repairs_clickhouse_error(shop_clickhouse, kind, broken, fixed, rule):
    result = repair(FixRequest(broken), shop_clickhouse.engine, shop_clickhouse.schema, config=RULES_ONLY)
    assert result.error is not None and result.error.kind.value in kind.split("|") and result.error.engine == "clickhouse"
    assert result.fixed_sql == fixed
    assert rule in result.source and result.evidence.executed


def test_chained_repair_on_clickhouse(shop_clickhouse):
    result = repair(FixRequest("SELECT user_id, sum(totl) FROM orders"), shop_clickhouse.engine, shop_clickhouse.schema, config=RULES_ONLY)
    assert result.fixed_sql == "SELECT user_id, sum(total) FROM orders GROUP BY user_id"


@pytest.mark.parametrize("sql", ["INSERT INTO users (user_id) VALUES (1)", "SELECT * FROM file('/etc/passwd', 'LineAsString')"])
def test_hostile_sql_is_refused_on_clickhouse(shop_clickhouse, sql):
    result = repair(FixRequest(sql), shop_clickhouse.engine, shop_clickhouse.schema, config=RULES_ONLY)
    assert result.error.kind.value == "permission" and result.fixed_sql is None


@pytest.mark.parametrize(
    ("sql", "preview"),
    [
        ("DELETE FROM orders WHERE status = 'cancelled'", "SELECT * FROM orders WHERE status = 'cancelled'"),
        ("ALTER TABLE orders DELETE WHERE status = 'cancelled'", "SELECT * FROM orders WHERE status = 'cancelled'"),
        ("ALTER TABLE products UPDATE price = price * 2 WHERE brand = 'Acme'", "SELECT product_id, price * 2 AS price FROM products WHERE brand = 'Acme'"),
        ("TRUNCATE TABLE sessions", "SELECT count(*) FROM sessions"),
        ("SELECT count() FROM users WHERE plan = 'pro' SETTINGS max_threads = 2", "SELECT count() FROM users WHERE plan = 'pro'"),
    ],
)
def test_writes_and_settings_get_a_read_only_query_on_clickhouse(shop_clickhouse, sql, preview):
    rows_before = shop_clickhouse.engine.execute("SELECT count() FROM orders").rows
    result = repair(FixRequest(sql), shop_clickhouse.engine, shop_clickhouse.schema, config=RULES_ONLY)
    assert result.error.kind.value == "permission"
    assert result.fixed_sql == preview and result.evidence.executed and result.source == "rule:read_only"
    assert shop_clickhouse.engine.execute("SELECT count() FROM orders").rows == rows_before
