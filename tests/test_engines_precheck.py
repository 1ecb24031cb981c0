"""precheck: never a false positive on valid SQL (proved valid by running it on the real engine),
and whenever it reports, the engine reports the same kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqlfix.engines.base import ResultSet
from sqlfix.engines.clickhouse import ClickHouseEngine
from sqlfix.engines.duckdb import DuckDBEngine
from sqlfix.engines.introspect import read_schema
from sqlfix.engines.precheck import precheck
from sqlfix.errors import ErrorKind, ExecError
from sqlfix.schema.model import Schema
from tests.engines_fixtures import chdb_path, clickhouse_engine, clickhouse_server_url, duckdb_engine, duckdb_path  # noqa: F401

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

VALID_DUCKDB = [
    "SELECT name FROM users",
    "SELECT NAME FROM USERS",
    'SELECT "name" FROM "users"',
    "SELECT u.name, o.amount FROM users u JOIN orders o ON u.id = o.user_id",
    "SELECT u.* FROM users u",
    "WITH big AS (SELECT user_id, sum(amount) AS total FROM orders GROUP BY user_id) "
    "SELECT name, total FROM users JOIN big ON users.id = big.user_id",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) SELECT x FROM n",
    "SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE amount > 20)",
    "SELECT name, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS n FROM users u",
    "SELECT name FROM users u WHERE EXISTS (SELECT 1 FROM orders WHERE orders.user_id = u.id)",
    "SELECT * FROM users u, LATERAL (SELECT amount FROM orders o WHERE o.user_id = u.id) l",
    "SELECT a.x FROM (SELECT 1 AS x) a",
    "SELECT name, row_number() OVER (PARTITION BY country ORDER BY signup_date) AS rn FROM users",
    "SELECT max(amount) OVER w FROM orders WINDOW w AS (PARTITION BY user_id)",
    "SELECT name FROM users QUALIFY row_number() OVER (ORDER BY id) = 1",
    "SELECT status, avg(amount) AS avg_amount FROM orders GROUP BY status HAVING avg_amount > 1",
    "SELECT amount * 2 AS doubled FROM orders WHERE doubled > 10",
    "SELECT lower(name) AS name FROM users ORDER BY name",
    "SELECT country, count(*) FROM users GROUP BY ALL",
    "SELECT date_trunc('month', created_at) AS m, sum(amount) FROM orders GROUP BY 1 ORDER BY 1",
    "SELECT count(*) FILTER (WHERE amount > 10) FROM orders",
    "SELECT DISTINCT ON (country) name FROM users ORDER BY country, signup_date",
    "SELECT id FROM users UNION ALL SELECT id FROM orders",
    "SELECT id FROM users EXCEPT SELECT user_id FROM orders",
    "SELECT id FROM users JOIN orders USING (id)",
    "SELECT * EXCLUDE (country) FROM users",
    "FROM users SELECT name",
    "SELECT list_transform(tags, lambda t: upper(t)) FROM events",
    "SELECT list_filter(tags, lambda t: t LIKE 'p%') AS promos FROM events",
    "SELECT info.city FROM events",
    "SELECT e.info.city FROM events e",
    "SELECT info['zip'] FROM events",
    "SELECT tag FROM events, unnest(tags) AS t(tag)",
    "SELECT unnest(tags) AS tag FROM events",
    "SELECT len(tags) FROM events",
    "SELECT x FROM range(5) t(x)",
    "SELECT * FROM range(3)",
    "SELECT strftime(signup_date, '%Y') FROM users",
    "SELECT coalesce(country, 'n/a') FROM users",
    "SELECT epoch(created_at), regexp_matches(status, 'p') FROM orders",
    "SELECT struct_pack(a := 1).a",
    "SELECT [x * 2 FOR x IN [1, 2, 3]]",
    "SELECT name FROM users AS \"U\" WHERE \"U\".id = 1",
    "SELECT table_name FROM information_schema.tables",
    "SELECT * FROM duckdb_tables()",
    "SELECT CASE WHEN amount > 10 THEN 'big' ELSE 'small' END AS size FROM orders",
    "SELECT CAST(amount AS INTEGER), amount::VARCHAR FROM orders",
]

VALID_CLICKHOUSE = [
    "SELECT name FROM users",
    "SELECT u.name, o.amount FROM users AS u INNER JOIN orders AS o ON u.id = o.user_id",
    "WITH big AS (SELECT user_id, sum(amount) AS total FROM orders GROUP BY user_id) "
    "SELECT name, total FROM users JOIN big ON users.id = big.user_id",
    "SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE amount > 20)",
    "SELECT name, row_number() OVER (PARTITION BY country ORDER BY signup_date) AS rn FROM users",
    "SELECT arrayMap(t -> upper(t), tags) FROM events",
    "SELECT arrayFilter(t -> t LIKE 'p%', tags) AS promos FROM events",
    "SELECT arrayJoin(tags) AS tag FROM events WHERE tag != ''",
    "SELECT id, tag FROM events ARRAY JOIN tags AS tag",
    "SELECT tupleElement(info, 'city') FROM events",
    "SELECT info.city FROM events",
    "SELECT number FROM numbers(5)",
    "SELECT count() FROM system.one",
    "SELECT sumIf(amount, status = 'paid'), uniqExact(user_id), countIf(amount > 10) FROM orders",
    "SELECT avgOrNull(amount), groupArray(name) FROM orders, users",
    "SELECT quantile(0.5)(amount) FROM orders",
    "SELECT toStartOfMonth(created_at) AS m, sum(amount) FROM orders GROUP BY m ORDER BY m",
    "SELECT amount * 2 AS doubled FROM orders WHERE doubled > 10",
    "SELECT id FROM users UNION ALL SELECT id FROM orders",
    "SELECT * EXCEPT (country) FROM users",
    "SELECT name FROM users LIMIT 1 BY country",
    "SELECT formatDateTime(signup_date, '%Y') FROM users",
    "SELECT if(amount > 10, 'big', 'small') FROM orders",
    "SELECT name FROM users WHERE country IS NULL",
    "SELECT toString(id) || name FROM users",
    "SELECT name FROM users ORDER BY id DESC LIMIT 2 OFFSET 1",
]


def _schema_of(engine) -> Schema:
    return read_schema(engine, "shop", samples=0)


@pytest.mark.parametrize("sql", VALID_DUCKDB)
def test_no_false_positive_on_valid_duckdb(duckdb_engine: DuckDBEngine, sql: str) -> None:
    outcome = duckdb_engine.execute(sql)
    assert isinstance(outcome, ResultSet), f"not valid on DuckDB: {outcome}"
    assert precheck(sql, _schema_of(duckdb_engine), "duckdb") is None


@pytest.mark.parametrize("sql", VALID_CLICKHOUSE)
def test_no_false_positive_on_valid_clickhouse(clickhouse_engine: ClickHouseEngine, sql: str) -> None:
    outcome = clickhouse_engine.execute(sql)
    assert isinstance(outcome, ResultSet), f"not valid on ClickHouse: {outcome}"
    assert precheck(sql, _schema_of(clickhouse_engine), "clickhouse") is None


def test_no_false_positive_on_the_golden_set() -> None:
    from sqlfix.demo import demo_schema

    checked = 0
    for path in sorted(GOLDEN.glob("*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            schema = demo_schema(row["schema"], row["dialect"])
            for sql in [row.get("sql"), row.get("fixed_sql"), *(row.get("alternatives") or [])]:
                if sql:
                    assert precheck(sql, schema, row["dialect"]) is None, (row["id"], sql)
                    checked += 1
    assert checked >= 100


BROKEN = [
    ("SELECT nme FROM users", ErrorKind.UNKNOWN_COLUMN, "name"),
    ("SELECT u.nme FROM users u", ErrorKind.UNKNOWN_COLUMN, "name"),
    ("SELECT name FROM users WHERE amount > 1", ErrorKind.UNKNOWN_COLUMN, None),
    ("SELECT * FROM user_list", ErrorKind.UNKNOWN_TABLE, "users"),
    ("SELECT lenght(name) FROM users", ErrorKind.UNKNOWN_FUNCTION, "length"),
    ("SELECT id FROM users JOIN orders ON users.id = orders.user_id", ErrorKind.AMBIGUOUS_COLUMN, "users.id"),
]


@pytest.mark.parametrize("sql,kind,hint", BROKEN)
def test_reports_agree_with_duckdb(duckdb_engine: DuckDBEngine, sql: str, kind: ErrorKind, hint: str | None) -> None:
    early = precheck(sql, _schema_of(duckdb_engine), "duckdb")
    engine_error = duckdb_engine.execute(sql)
    assert isinstance(engine_error, ExecError)
    assert early is not None and early.kind is kind, early
    assert engine_error.kind is early.kind
    if hint:
        assert hint in early.hints
    assert early.position is not None and sql[early.position :].lower().startswith(early.identifier.lower())


@pytest.mark.parametrize("sql,kind,hint", BROKEN)
def test_reports_agree_with_clickhouse(clickhouse_engine: ClickHouseEngine, sql: str, kind: ErrorKind, hint: str | None) -> None:
    early = precheck(sql, _schema_of(clickhouse_engine), "clickhouse")
    engine_error = clickhouse_engine.execute(sql)
    if early is None:
        # ClickHouse resolves an unqualified name shared by two joined tables itself.
        assert kind is ErrorKind.AMBIGUOUS_COLUMN and isinstance(engine_error, ResultSet)
        return
    assert isinstance(engine_error, ExecError)
    assert early.kind is kind and engine_error.kind is kind, (early, engine_error)


def test_dialect_function_is_reported_with_the_transpiled_form(duckdb_engine: DuckDBEngine) -> None:
    sql = "SELECT DATEADD(day, 1, signup_date) FROM users"
    early = precheck(sql, _schema_of(duckdb_engine), "duckdb")
    assert early.kind is ErrorKind.DIALECT
    assert isinstance(duckdb_engine.execute(early.hints[0]), ResultSet)


def test_user_defined_functions_can_be_declared(duckdb_engine: DuckDBEngine) -> None:
    schema = _schema_of(duckdb_engine)
    assert precheck("SELECT my_macro(id) FROM users", schema, "duckdb").kind is ErrorKind.UNKNOWN_FUNCTION
    assert precheck("SELECT my_macro(id) FROM users", schema, "duckdb", functions=["MY_MACRO"]) is None


def test_unparseable_and_non_queries_are_left_to_the_engine(duckdb_engine: DuckDBEngine) -> None:
    schema = _schema_of(duckdb_engine)
    assert precheck("SELEC nme FROM users", schema, "duckdb") is None
    assert precheck("DESCRIBE nope", schema, "duckdb") is None
