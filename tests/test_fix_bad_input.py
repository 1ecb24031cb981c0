"""Pathological input through the library, the engines, the CLI and the HTTP API: a result or
one typed one-line error, never a crash, in bounded time. The time guard is generous (a hang
is minutes, not milliseconds): it catches a quadratic blow-up, not a slow machine."""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys

import httpx
import pytest

from sqlfix.engines.base import ResultSet
from sqlfix.errors import ErrorKind, ExecError, SqlfixError
from sqlfix.fix import FixConfig, FixRequest, repair
from tests.fix_fixtures import api_server, shop_clickhouse, shop_duckdb  # noqa: F401 - fixtures

RULES_ONLY = FixConfig(use_model=False)
GUARD_S = 120

PATHOLOGICAL = {
    "100 KB expression": "SELECT " + " + ".join("total" for _ in range(12_000)) + " FROM orders",
    "100 KB string literal": "SELECT '" + "x" * 100_000 + "' AS s FROM users WHERE plan = 'pro'",
    "500 nested parentheses": "SELECT " + "(" * 500 + "1" + ")" * 500,
    "500 parentheses left open": "SELECT count(*) FROM users WHERE " + "(" * 500 + "user_id = 1",
    "500 stray closing parentheses": "SELECT email FROM users" + ")" * 500,
    "NUL byte": "SELECT email\x00 FROM users",
    "invalid UTF-8": b"SELECT email FROM users WHERE country = '\xff'".decode("utf-8", "surrogateescape"),
    "keywords in a comment": "SELECT email FROM users -- WHERE SELECT FROM ' (\n WHER plan = 'pro'",
    "unterminated block comment": "SELECT email /* FROM users ' GROUP BY FROM users",
    "keywords and quotes in a literal": "SELECT email FROM users WHERE plan = 'SELECT FROM WHERE ('' (' AND contry = 'x'",
    "unbalanced quotes": "SELECT 'it''s FROM users WHERE \"x = 'a",
}


def _bounded(function, *args, **kwargs):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args, **kwargs).result(timeout=GUARD_S)


@pytest.mark.parametrize("sql", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_repair_answers_or_refuses_in_bounded_time(shop_duckdb, sql):
    try:
        result = _bounded(repair, FixRequest(sql), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)
    except SqlfixError as exc:
        assert "\n" not in str(exc)
        return
    assert result.fixed_sql is None or isinstance(result.fixed_sql, str)
    assert result.evidence.elapsed_ms > 0


@pytest.mark.parametrize("sql", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_engines_return_rows_or_a_classified_error(shop_duckdb, shop_clickhouse, sql):
    for engine in (shop_duckdb.engine, shop_clickhouse.engine):
        outcome = _bounded(engine.execute, sql)
        assert isinstance(outcome, (ResultSet, ExecError))


@pytest.mark.parametrize("sql", [PATHOLOGICAL["NUL byte"], PATHOLOGICAL["invalid UTF-8"]], ids=["NUL", "invalid UTF-8"])
def test_text_no_engine_may_receive_is_named(shop_duckdb, shop_clickhouse, sql):
    for engine in (shop_duckdb.engine, shop_clickhouse.engine):
        outcome = engine.execute(sql)
        assert isinstance(outcome, ExecError) and outcome.kind == ErrorKind.SYNTAX and outcome.engine == "input"
        assert "offset" in outcome.message
    with pytest.raises(SqlfixError, match="the SQL to fix contains"):
        repair(FixRequest(sql), shop_duckdb.engine, shop_duckdb.schema, config=RULES_ONLY)


def test_api_answers_bad_bodies_in_its_error_shape(shop_duckdb):
    from sqlfix.api.app import ApiSettings

    bodies = [
        b'{"sql": "SELECT \xff FROM users"}',
        b'{"sql": "SELECT 1\\u0000"}',
        b'{"sql": "SELECT \\udcff"}',
        b"{not json",
        ('{"sql": "' + PATHOLOGICAL["500 parentheses left open"] + '"}').encode(),
    ]
    with api_server(ApiSettings(databases={"shop": shop_duckdb}, fix_config=RULES_ONLY)) as base:
        for body in bodies:
            response = httpx.post(f"{base}/v1/fix", content=body, headers={"Content-Type": "application/json"}, timeout=GUARD_S)
            assert response.status_code in (200, 400, 422), response.text
            assert response.status_code == 200 or response.json()["error"]["message"]


@pytest.mark.parametrize(("args", "stdin"), [
    (["run", "--db", "demo://shop"], b"SELECT email FROM users WHERE country = '\xff'"),
    (["fix", "--db", "demo://shop", "--no-model"], b"SELECT email\x00 FROM users"),
], ids=["run invalid UTF-8", "fix NUL"])
def test_cli_names_bad_text_in_one_line(args, stdin):
    done = subprocess.run([sys.executable, "-m", "sqlfix", *args], input=stdin, capture_output=True, timeout=GUARD_S)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, stderr
    assert "error:" in stderr and "Traceback" not in stderr and "internal error" not in stderr
