"""ClickHouseEngine against real embedded ClickHouse (chDB), and a real server when
``SQLFIX_CLICKHOUSE_URL`` is set: results, limits, error classification, safety."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sqlfix.engines import open_engine
from sqlfix.engines.base import Limits, ResultSet
from sqlfix.engines.clickhouse import ClickHouseEngine
from sqlfix.errors import ErrorKind, ExecError, SqlfixError
from tests.engines_fixtures import CHDB_DATABASE, chdb_path, clickhouse_engine, clickhouse_server_url  # noqa: F401


def test_select_returns_columns_types_and_rows(clickhouse_engine: ClickHouseEngine) -> None:
    result = clickhouse_engine.execute("SELECT id, name FROM users ORDER BY id")
    assert isinstance(result, ResultSet), result
    assert result.columns == ("id", "name")
    assert result.types == ("Int32", "String")
    assert result.rows == [(1, "Ada"), (2, "Linus"), (3, "Grace")]
    assert not result.truncated


def test_open_engine_chdb_url_with_database(chdb_path: Path) -> None:
    engine = open_engine(f"chdb://{chdb_path}?database={CHDB_DATABASE}")
    try:
        assert isinstance(engine, ClickHouseEngine)
        assert engine.execute("SELECT count() FROM orders").rows == [(4,)]
    finally:
        engine.close()


def test_missing_database_and_second_data_path_are_clear_errors(chdb_path: Path, tmp_path: Path) -> None:
    with pytest.raises(SqlfixError, match="database 'nope' does not exist"):
        ClickHouseEngine.embedded(chdb_path, database="nope")
    holder = ClickHouseEngine.embedded(chdb_path, database=CHDB_DATABASE)
    try:
        other = tmp_path / "other"
        other.mkdir()
        with pytest.raises(SqlfixError, match="one data path per process"):
            ClickHouseEngine.embedded(other)
    finally:
        holder.close()


def test_writable_engine_keeps_writing_after_read_only_engines_ran(chdb_path: Path) -> None:
    """The readonly setting sticks to a chDB handle; each engine has its own handle."""
    reader = ClickHouseEngine.embedded(chdb_path, database=CHDB_DATABASE)
    writer = ClickHouseEngine.embedded(chdb_path, database="scratch", read_only=False)
    try:
        assert reader.execute("INSERT INTO users VALUES (9, 'Eve', 'NZ', '2024-01-01')", allow_write=True).kind is ErrorKind.PERMISSION
        assert isinstance(writer.execute("CREATE TABLE IF NOT EXISTS t (x Int32) ENGINE = Memory", allow_write=True), ResultSet)
        assert writer.insert_rows("t", ["x"], [(1,), (2,)]) == 2
        assert writer.execute("SELECT sum(x) FROM t").rows == [(3,)]
        assert reader.execute("SELECT count() FROM users").rows == [(3,)]
    finally:
        writer.execute("DROP TABLE IF EXISTS t", allow_write=True)
        reader.close()
        writer.close()


FAILING = [
    ("SELEC name FROM users", ErrorKind.SYNTAX, None, None),
    ("SELECT name FROM users WHERE", ErrorKind.SYNTAX, None, None),
    ("SELECT nme FROM users", ErrorKind.UNKNOWN_COLUMN, "nme", None),
    ("SELECT u.nme FROM users AS u", ErrorKind.UNKNOWN_COLUMN, "u.nme", None),
    ("SELECT * FROM user_list", ErrorKind.UNKNOWN_TABLE, "user_list", None),
    ("SELECT * FROM nowhere.users", ErrorKind.UNKNOWN_TABLE, "nowhere", None),
    ("SELECT lenght(name) FROM users", ErrorKind.UNKNOWN_FUNCTION, "lenght", "length"),
    ("SELECT id AS x, name AS x FROM users", ErrorKind.AMBIGUOUS_COLUMN, "x", None),
    ("SELECT country, name, count() FROM users GROUP BY country", ErrorKind.GROUP_BY, "name", None),
    ("SELECT sum(count()) FROM users", ErrorKind.GROUP_BY, None, None),
    ("SELECT sum(name) FROM users", ErrorKind.TYPE_MISMATCH, "sum", None),
    ("SELECT id + 'x' FROM users", ErrorKind.TYPE_MISMATCH, None, None),
    ("SELECT round(amount, 1, 2) FROM orders", ErrorKind.WRONG_ARITY, "round", None),
    ("SELECT * EXCLUDE (id) FROM users", ErrorKind.DIALECT, None, "EXCEPT"),
    ("SELECT strftime(signup_date, '%Y') FROM users", ErrorKind.DIALECT, "strftime", "formatDateTime"),
    ("SELECT throwIf(1, 'custom failure')", ErrorKind.OTHER, None, None),
]


@pytest.mark.parametrize("sql,kind,identifier,hint", FAILING, ids=[f"{k.value}:{s[:30]}" for s, k, _, _ in FAILING])
def test_error_classification(
    clickhouse_engine: ClickHouseEngine, sql: str, kind: ErrorKind, identifier: str | None, hint: str | None
) -> None:
    error = clickhouse_engine.execute(sql)
    assert isinstance(error, ExecError), error
    assert error.kind is kind, error
    assert error.engine == "clickhouse"
    assert error.code is not None and error.name
    assert "Stack trace" not in error.message and "FORMAT Native" not in error.message
    if identifier:
        assert error.identifier == identifier, error
    if hint:
        assert any(hint in h for h in error.hints), error.hints
    assert error.position is None or 0 <= error.position <= len(sql)


def test_syntax_error_is_the_statement_as_written(clickhouse_engine: ClickHouseEngine) -> None:
    """clickhouse-connect appends FORMAT Native; errors must not be about that text."""
    error = clickhouse_engine.execute("SELECT 1 +")
    assert error.kind is ErrorKind.SYNTAX, error
    assert error.position == len("SELECT 1 +")
    assert "Native" not in error.message


def test_maybe_you_meant_becomes_hints(clickhouse_engine: ClickHouseEngine) -> None:
    error = clickhouse_engine.execute("SELECT u.nme FROM users AS u")
    assert error.kind is ErrorKind.UNKNOWN_COLUMN
    error = clickhouse_engine.execute("SELECT list_value(1, 2)")
    assert error.kind is ErrorKind.DIALECT
    assert error.hints[0] == "SELECT [1, 2]"


def test_timeout_stops_the_query_and_engine_stays_usable(clickhouse_engine: ClickHouseEngine) -> None:
    started = time.perf_counter()
    error = clickhouse_engine.execute("SELECT count() FROM numbers(1000000000000)", Limits(timeout_s=1.0))
    elapsed = time.perf_counter() - started
    assert isinstance(error, ExecError) and error.kind is ErrorKind.TIMEOUT, error
    # Run to the end the query takes hours: well under a minute means the limit stopped it, also
    # on a loaded machine (how soon after the second it stops is no promise this test checks).
    assert elapsed < 60
    assert clickhouse_engine.execute("SELECT count() FROM users").rows == [(3,)]


def test_row_cap_truncates(clickhouse_engine: ClickHouseEngine) -> None:
    result = clickhouse_engine.execute("SELECT number FROM numbers(100000)", Limits(max_rows=10))
    assert len(result.rows) == 10 and result.truncated
    exact = clickhouse_engine.execute("SELECT number FROM numbers(10)", Limits(max_rows=10))
    assert len(exact.rows) == 10 and not exact.truncated


def test_memory_cap_gives_resource_limit(clickhouse_engine: ClickHouseEngine) -> None:
    error = clickhouse_engine.execute("SELECT groupArray(number) FROM numbers(100000000)", Limits(max_memory_mb=64))
    assert isinstance(error, ExecError) and error.kind is ErrorKind.RESOURCE_LIMIT, error
    assert clickhouse_engine.execute("SELECT 1").rows == [(1,)]


UNSAFE = [
    "INSERT INTO users VALUES (9, 'Eve', 'NZ', '2024-01-01')",
    "INSERT INTO users SELECT * FROM users",
    "ALTER TABLE users DELETE WHERE 1",
    "ALTER TABLE users UPDATE name = 'x' WHERE 1",
    "DELETE FROM users WHERE 1",
    "DROP TABLE users",
    "TRUNCATE TABLE orders",
    "CREATE TABLE evil (x Int32) ENGINE = Memory",
    "CREATE TABLE evil ENGINE = Memory AS SELECT 1",
    "RENAME TABLE users TO people",
    "ATTACH TABLE evil (x Int32) ENGINE = Memory",
    "DETACH TABLE users",
    "OPTIMIZE TABLE orders FINAL",
    "SYSTEM FLUSH LOGS",
    "SET max_execution_time = 0",
    "SELECT 1 SETTINGS max_execution_time = 0",
    "SELECT * FROM (SELECT 1 SETTINGS readonly = 0)",
    "SELECT * FROM file('/etc/passwd', 'LineAsString')",
    "SELECT file('/etc/passwd')",
    "SELECT * FROM url('http://127.0.0.1:9/x', CSV)",
    "SELECT * FROM s3('http://127.0.0.1:9/bucket/x.csv')",
    "SELECT * FROM remote('127.0.0.1:9', default.users)",
    "SELECT * FROM mysql('127.0.0.1:9', 'db', 't', 'u', 'p')",
    "SELECT * FROM postgresql('127.0.0.1:9', 'db', 't', 'u', 'p')",
    "SELECT * FROM hdfs('hdfs://127.0.0.1:9/x', CSV)",
    "SELECT * FROM users WHERE id IN (SELECT toInt32(length(line)) FROM file('/etc/passwd', 'LineAsString'))",
    "SELECT 1 INTO OUTFILE '/tmp/sqlfix-should-not-exist.txt'",
    "SELECT 1; DROP TABLE users",
    "KILL QUERY WHERE 1",
    "BACKUP TABLE users TO File('/tmp/sqlfix-backup')",
]


@pytest.mark.parametrize("sql", UNSAFE)
def test_unsafe_statements_refused(clickhouse_engine: ClickHouseEngine, sql: str) -> None:
    error = clickhouse_engine.execute(sql)
    assert isinstance(error, ExecError), f"ran: {sql}"
    assert error.kind is ErrorKind.PERMISSION, error
    assert clickhouse_engine.execute("SELECT count() FROM users").rows == [(3,)]
    assert not Path("/tmp/sqlfix-should-not-exist.txt").exists()


@pytest.mark.parametrize("sql", UNSAFE)
def test_engine_refuses_unsafe_statements_with_the_guard_bypassed(
    clickhouse_engine: ClickHouseEngine, sql: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the sqlglot guard switched off, ClickHouse's own parser check and readonly still hold."""
    monkeypatch.setattr("sqlfix.engines.clickhouse.check_statement", lambda *args, **kwargs: None)
    error = clickhouse_engine.execute(sql)
    assert isinstance(error, ExecError), f"ran: {sql}"
    # ClickHouse refuses multi-statements in its parser: a syntax error, nothing runs.
    expected = {ErrorKind.SYNTAX} if ";" in sql else {ErrorKind.PERMISSION}
    assert error.kind in expected, error
    assert clickhouse_engine.execute("SELECT count() FROM users").rows == [(3,)]
    assert not Path("/tmp/sqlfix-should-not-exist.txt").exists()


# ClickHouse SQL the sqlglot guard cannot parse: only the engine's own checks stand in the way.
GUARD_BLIND = [
    "SELECT line FROM file('/etc/passwd', 'LineAsString') WITH TOTALS",
    "INSERT INTO users SELECT * FROM users WITH TOTALS",
]


@pytest.mark.parametrize("sql", GUARD_BLIND)
def test_clickhouse_parser_check_refuses_what_sqlglot_cannot_parse(clickhouse_engine: ClickHouseEngine, sql: str) -> None:
    error = clickhouse_engine.execute(sql)
    assert isinstance(error, ExecError), f"ran: {sql}"
    assert error.kind is ErrorKind.PERMISSION and error.engine == "clickhouse", error


def test_read_only_chdb_handle_refuses_writes_without_any_check(chdb_path: Path) -> None:
    """Send a write straight to a read-only engine's handle: ClickHouse itself refuses it."""
    engine = ClickHouseEngine.embedded(chdb_path, database=CHDB_DATABASE)
    try:
        with pytest.raises(Exception, match="readonly"):
            engine._client.command("INSERT INTO users VALUES (9, 'Eve', 'NZ', '2024-01-01')")
        assert engine.execute("SELECT count() FROM users").rows == [(3,)]
    finally:
        engine.close()


def test_bare_union_is_the_dialect_error_not_a_refusal(clickhouse_engine: ClickHouseEngine) -> None:
    """EXPLAIN AST rejects a bare UNION after the parser accepts it; the user gets that error."""
    outcome = clickhouse_engine.execute("SELECT 1 AS x UNION SELECT 2")
    assert isinstance(outcome, ExecError)
    assert outcome.kind is ErrorKind.DIALECT and outcome.name == "EXPECTED_ALL_OR_DISTINCT"
