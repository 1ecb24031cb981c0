"""DuckDBEngine against real DuckDB files: results, limits, error classification, safety."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from sqlfix.engines import open_engine
from sqlfix.engines.base import Limits, ResultSet
from sqlfix.engines.duckdb import DuckDBEngine
from sqlfix.errors import ErrorKind, ExecError, SqlfixError
from tests.engines_fixtures import build_duckdb, duckdb_engine, duckdb_path  # noqa: F401


def test_select_returns_columns_types_and_rows(duckdb_engine: DuckDBEngine) -> None:
    result = duckdb_engine.execute("SELECT id, name FROM users ORDER BY id")
    assert isinstance(result, ResultSet)
    assert result.columns == ("id", "name")
    assert result.types == ("INTEGER", "VARCHAR")
    assert result.rows == [(1, "Ada"), (2, "Linus"), (3, "Grace")]
    assert not result.truncated
    assert result.elapsed_ms > 0


@pytest.mark.parametrize(
    "url_form", ["duckdb://{path}", "{path}"], ids=["duckdb-url", "bare-path"]
)
def test_open_engine_url_forms(duckdb_path: Path, url_form: str) -> None:
    engine = open_engine(url_form.format(path=duckdb_path))
    try:
        assert isinstance(engine, DuckDBEngine)
        assert engine.execute("SELECT count(*) FROM orders").rows == [(4,)]
    finally:
        engine.close()


def test_in_memory_url_is_writable_when_asked() -> None:
    engine = open_engine("duckdb://:memory:", read_only=False)
    try:
        assert isinstance(engine.execute("CREATE TABLE t AS SELECT 1 AS x", allow_write=True), ResultSet)
        assert engine.execute("SELECT x FROM t").rows == [(1,)]
    finally:
        engine.close()


def test_unknown_scheme_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SqlfixError, match="unknown engine URL scheme 'postgres'"):
        open_engine("postgres://localhost/db")
    with pytest.raises(SqlfixError, match="not found"):
        open_engine(str(tmp_path / "missing.duckdb"))
    with pytest.raises(SqlfixError, match="cannot tell which engine"):
        open_engine(str(tmp_path / "notes.txt"))


def test_two_engines_on_one_file_share_the_database(duckdb_path: Path) -> None:
    first, second = DuckDBEngine(duckdb_path), DuckDBEngine(duckdb_path)
    try:
        assert first.execute("SELECT count(*) FROM users").rows == second.execute("SELECT count(*) FROM users").rows
        first.close()
        assert second.execute("SELECT count(*) FROM users").rows == [(3,)]
    finally:
        second.close()


def test_writable_engine_refused_while_file_is_open_read_only(tmp_path: Path) -> None:
    duckdb_path = build_duckdb(tmp_path / "own.duckdb")
    reader = DuckDBEngine(duckdb_path)
    try:
        with pytest.raises(SqlfixError, match="already open read-only"):
            DuckDBEngine(duckdb_path, read_only=False)
    finally:
        reader.close()
    writer = DuckDBEngine(duckdb_path, read_only=False)
    writer.close()


# One real failing query per error kind, with what the classification must carry.
FAILING = [
    ("SELEC name FROM users", ErrorKind.SYNTAX, None, None),
    ("SELECT nme FROM users", ErrorKind.UNKNOWN_COLUMN, "nme", "name"),
    ("SELECT * FROM user_list", ErrorKind.UNKNOWN_TABLE, "user_list", None),
    ("SELECT lenght(name) FROM users", ErrorKind.UNKNOWN_FUNCTION, "lenght", "length"),
    ("SELECT id FROM users JOIN orders ON users.id = orders.user_id", ErrorKind.AMBIGUOUS_COLUMN, "id", None),
    ("SELECT country, name, count(*) FROM users GROUP BY country", ErrorKind.GROUP_BY, "name", None),
    ("SELECT sum(name) FROM users", ErrorKind.TYPE_MISMATCH, "sum", None),
    ("SELECT * FROM orders WHERE amount > 'lots'", ErrorKind.TYPE_MISMATCH, None, None),
    ("SELECT round(amount, 1, 2) FROM orders", ErrorKind.WRONG_ARITY, "round", None),
    ("SELECT TOP 2 name FROM users", ErrorKind.DIALECT, None, "SELECT name FROM users LIMIT 2"),
    ("SELECT DATEADD(day, 1, signup_date) FROM users", ErrorKind.DIALECT, "dateadd", "signup_date + INTERVAL"),
    ("SELECT list_transform(tags, t -> upper(t)) FROM events", ErrorKind.DIALECT, None, "LAMBDA t : UPPER(t)"),
    ("SELECT error('custom failure')", ErrorKind.OTHER, None, None),
]


@pytest.mark.parametrize("sql,kind,identifier,hint", FAILING, ids=[f"{k.value}:{s[:30]}" for s, k, _, _ in FAILING])
def test_error_classification(duckdb_engine: DuckDBEngine, sql: str, kind: ErrorKind, identifier: str | None, hint: str | None) -> None:
    error = duckdb_engine.execute(sql)
    assert isinstance(error, ExecError), error
    assert error.kind is kind, error
    assert error.engine == "duckdb"
    assert "{" not in error.message and "Stack" not in error.message
    if identifier:
        assert error.identifier == identifier
    if hint:
        assert any(hint in h for h in error.hints), error.hints
    assert error.position is None or 0 <= error.position <= len(sql)


def test_syntax_error_position_points_at_the_mistake(duckdb_engine: DuckDBEngine) -> None:
    sql = "SELECT name FROM users WHERE"
    error = duckdb_engine.execute(sql)
    assert error.kind is ErrorKind.SYNTAX
    assert error.position == sql.index("WHERE")
    error = duckdb_engine.execute("SELECT nme FROM users")
    assert error.position == len("SELECT ")


def test_long_candidate_lists_are_cut(duckdb_engine: DuckDBEngine) -> None:
    error = duckdb_engine.execute("SELECT abs(1, 2, 3)")
    assert error.kind is ErrorKind.WRONG_ARITY
    assert "more)" in error.message
    assert error.message.count("abs(") <= 7


def test_timeout_interrupts_and_connection_stays_usable(duckdb_engine: DuckDBEngine) -> None:
    started = time.perf_counter()
    error = duckdb_engine.execute("SELECT count(*) FROM range(1000000000000) a", Limits(timeout_s=1.0))
    elapsed = time.perf_counter() - started
    assert isinstance(error, ExecError) and error.kind is ErrorKind.TIMEOUT
    # Run to the end the query takes hours: well under a minute means the limit stopped it, also
    # on a loaded machine (how soon after the second it stops is no promise this test checks).
    assert elapsed < 60
    assert duckdb_engine.execute("SELECT count(*) FROM users").rows == [(3,)]


def test_row_cap_truncates(duckdb_engine: DuckDBEngine) -> None:
    result = duckdb_engine.execute("SELECT * FROM range(100000)", Limits(max_rows=10))
    assert len(result.rows) == 10 and result.truncated
    exact = duckdb_engine.execute("SELECT * FROM range(10)", Limits(max_rows=10))
    assert len(exact.rows) == 10 and not exact.truncated


def test_memory_cap_gives_resource_limit(duckdb_engine: DuckDBEngine) -> None:
    error = duckdb_engine.execute("SELECT list(range) FROM range(100000000)", Limits(max_memory_mb=64))
    assert isinstance(error, ExecError) and error.kind is ErrorKind.RESOURCE_LIMIT
    assert duckdb_engine.execute("SELECT 1").rows == [(1,)]


def test_concurrent_callers_get_their_own_results(duckdb_engine: DuckDBEngine) -> None:
    results: dict[int, object] = {}

    def run(n: int) -> None:
        results[n] = duckdb_engine.execute(f"SELECT {n} + count(*) FROM users").rows

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: [(n + 3,)] for n in range(8)}


UNSAFE = [
    "INSERT INTO users VALUES (9, 'Eve', 'NZ', DATE '2024-01-01')",
    "UPDATE users SET name = 'x'",
    "DELETE FROM orders",
    "DROP TABLE users",
    "CREATE TABLE evil AS SELECT 1",
    "ALTER TABLE users ADD COLUMN x INT",
    "TRUNCATE orders",
    "ATTACH '/tmp/other.duckdb' AS other",
    "DETACH other",
    "COPY users TO '/tmp/users.csv'",
    "COPY (SELECT 1) TO '/tmp/x.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '/tmp/dump'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA enable_profiling",
    "SET memory_limit = '100GB'",
    "SET enable_external_access = true",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "SELECT * FROM parquet_scan('/tmp/x.parquet')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'data.csv'",
    "SELECT * FROM users WHERE id IN (SELECT 1 FROM read_csv('/etc/passwd'))",
    "WITH x AS (SELECT * FROM read_text('/etc/hostname')) SELECT * FROM x",
    "SELECT 1; DROP TABLE users",
    "CALL pragma_version()",
    "CHECKPOINT",
    "BEGIN TRANSACTION",
    "USE memory",
    "EXPLAIN ANALYZE DELETE FROM orders",
]


@pytest.mark.parametrize("sql", UNSAFE)
def test_unsafe_statements_refused(duckdb_engine: DuckDBEngine, sql: str) -> None:
    error = duckdb_engine.execute(sql)
    assert isinstance(error, ExecError), f"ran: {sql}"
    assert error.kind is ErrorKind.PERMISSION, error
    assert duckdb_engine.execute("SELECT count(*) FROM users").rows == [(3,)]


FILE_READS = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM '/etc/passwd'",
    "COPY (SELECT 1) TO '/tmp/sqlfix-should-not-exist.csv'",
    "ATTACH '/tmp/sqlfix-should-not-exist.duckdb'",
    "INSTALL httpfs",
    "LOAD httpfs",
]


@pytest.mark.parametrize("sql", FILE_READS)
def test_engine_refuses_file_access_even_with_the_guard_bypassed(tmp_path: Path, sql: str) -> None:
    """allow_write skips the read-only guard; external access stays off in the engine itself."""
    engine = DuckDBEngine(tmp_path / "w.duckdb", read_only=False)
    try:
        error = engine.execute(sql, allow_write=True)
        assert isinstance(error, ExecError), f"ran: {sql}"
        assert error.kind is ErrorKind.PERMISSION, error
    finally:
        engine.close()
    assert not Path("/tmp/sqlfix-should-not-exist.csv").exists()
    assert not Path("/tmp/sqlfix-should-not-exist.duckdb").exists()


@pytest.mark.parametrize("sql", UNSAFE)
def test_engine_refuses_unsafe_statements_with_the_guard_bypassed(
    duckdb_engine: DuckDBEngine, sql: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the sqlglot guard switched off, DuckDB's own parser check and settings still hold."""
    monkeypatch.setattr("sqlfix.engines.duckdb.check_statement", lambda *args, **kwargs: None)
    error = duckdb_engine.execute(sql)
    assert isinstance(error, ExecError), f"ran: {sql}"
    # With external access off DuckDB does not even look for a file behind FROM 'name'.
    expected = {ErrorKind.PERMISSION, ErrorKind.UNKNOWN_TABLE} if "FROM '" in sql else {ErrorKind.PERMISSION}
    assert error.kind in expected and error.engine == "duckdb", error
    assert duckdb_engine.execute("SELECT count(*) FROM users").rows == [(3,)]


def test_read_only_file_refuses_writes_at_the_database_level(duckdb_path: Path) -> None:
    engine = DuckDBEngine(duckdb_path)
    try:
        error = engine.execute("INSERT INTO users VALUES (9, 'Eve', 'NZ', NULL)", allow_write=True)
        assert error.kind is ErrorKind.PERMISSION
        raw = engine._connection.execute  # the connection itself is read-only too
        with pytest.raises(Exception, match="read-only"):
            raw("INSERT INTO users VALUES (9, 'Eve', 'NZ', NULL)")
    finally:
        engine.close()


def test_insert_rows_loads_data_and_read_only_refuses(tmp_path: Path) -> None:
    path = build_duckdb(tmp_path / "load.duckdb")
    reader = DuckDBEngine(path)
    try:
        with pytest.raises(SqlfixError, match="read-only"):
            reader.insert_rows("users", ["id", "name"], [(7, "Zed")])
    finally:
        reader.close()
    writer = DuckDBEngine(path, read_only=False)
    try:
        assert writer.insert_rows("users", ["id", "name"], [(7, "Zed"), (8, "Yan")]) == 2
        assert writer.execute("SELECT count(*) FROM users").rows == [(5,)]
        with pytest.raises(SqlfixError, match="loading rows into nope failed"):
            writer.insert_rows("nope", ["id"], [(1,)])
    finally:
        writer.close()
