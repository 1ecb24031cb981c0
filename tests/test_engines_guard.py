"""The sqlglot statement guard on its own: what passes, what is refused, and why."""

from __future__ import annotations

import pytest

from sqlfix.engines.guard import check_statement, is_refused_function, is_write_statement
from sqlfix.errors import UnsafeSQLError

READS = [
    ("duckdb", "SELECT 1"),
    ("duckdb", "WITH a AS (SELECT 1 AS x) SELECT x FROM a"),
    ("duckdb", "SELECT 1 UNION ALL SELECT 2"),
    ("duckdb", "(SELECT 1) EXCEPT (SELECT 2)"),
    ("duckdb", "EXPLAIN SELECT * FROM users"),
    ("duckdb", "EXPLAIN ANALYZE SELECT * FROM users"),
    ("duckdb", "DESCRIBE users"),
    ("duckdb", "SHOW TABLES"),
    ("duckdb", "SUMMARIZE users"),
    ("duckdb", "FROM users"),
    ("duckdb", "SELECT * FROM range(10)"),
    ("duckdb", "SELECT 1;"),
    ("duckdb", "SELECT 'read_csv(''/etc/passwd'')' AS just_text"),
    ("clickhouse", "SELECT number FROM numbers(10)"),
    ("clickhouse", "EXPLAIN AST SELECT 1"),
    ("clickhouse", "SHOW TABLES"),
    ("clickhouse", "DESCRIBE TABLE users"),
    ("clickhouse", "SELECT * FROM system.tables"),
]


@pytest.mark.parametrize("dialect,sql", READS)
def test_reads_pass(dialect: str, sql: str) -> None:
    check_statement(sql, dialect)


REFUSED = [
    ("duckdb", "INSERT INTO t VALUES (1)", "INSERT"),
    ("duckdb", "WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a", "INSERT"),
    ("duckdb", "UPDATE t SET x = 1", "UPDATE"),
    ("duckdb", "DELETE FROM t", "DELETE"),
    ("duckdb", "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "MERGE"),
    ("duckdb", "CREATE TABLE t (x INT)", "CREATE"),
    ("duckdb", "CREATE VIEW v AS SELECT 1", "CREATE"),
    ("duckdb", "DROP TABLE t", "DROP"),
    ("duckdb", "ALTER TABLE t ADD COLUMN y INT", "ALTER"),
    ("duckdb", "TRUNCATE t", "TRUNCATE"),
    ("duckdb", "ATTACH 'x.db' AS x", "ATTACH"),
    ("duckdb", "DETACH x", "DETACH"),
    ("duckdb", "COPY t TO 'x.csv'", "COPY"),
    ("duckdb", "INSTALL httpfs", "INSTALL"),
    ("duckdb", "LOAD httpfs", "LOAD"),
    ("duckdb", "PRAGMA version", "PRAGMA"),
    ("duckdb", "SET threads = 1", "SET"),
    ("duckdb", "USE other", "USE"),
    ("duckdb", "CALL pragma_version()", "CALL"),
    ("duckdb", "BEGIN TRANSACTION", "TRANSACTION"),
    ("duckdb", "EXPLAIN ANALYZE DELETE FROM t", "DELETE"),
    ("duckdb", "SELECT 1; SELECT 2", "2 statements"),
    ("duckdb", "SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
    ("duckdb", "SELECT * FROM read_csv_auto('/etc/passwd')", "read_csv"),
    ("duckdb", "SELECT * FROM read_parquet(['a.parquet'])", "read_parquet"),
    ("duckdb", "SELECT * FROM read_json_auto('x.json')", "read_json"),
    ("duckdb", "SELECT * FROM read_text('/etc/hostname')", "read_text"),
    ("duckdb", "SELECT * FROM parquet_scan('x.parquet')", "parquet_scan"),
    ("duckdb", "SELECT * FROM glob('/etc/*')", "glob"),
    ("duckdb", "SELECT * FROM sqlite_scan('x.db', 't')", "sqlite_scan"),
    ("duckdb", "SELECT * FROM postgres_scan('host=x', 'public', 't')", "postgres_scan"),
    ("duckdb", "SELECT * FROM '/etc/passwd'", "reads a file"),
    ("duckdb", "SELECT * FROM 'data.csv'", "reads a file"),
    ("duckdb", "SELECT (SELECT count(*) FROM read_csv('/etc/passwd'))", "read_csv"),
    ("duckdb", "SELECT * FROM t WHERE x IN (SELECT * FROM glob('*'))", "glob"),
    ("postgres", "SELECT * INTO t2 FROM t", "INTO"),
    ("clickhouse", "SELECT * FROM file('/etc/passwd', 'LineAsString')", "file"),
    ("clickhouse", "SELECT file('/etc/passwd')", "file"),
    ("clickhouse", "SELECT * FROM url('http://x/y.csv', CSV)", "url"),
    ("clickhouse", "SELECT * FROM s3('https://b.s3.amazonaws.com/x.csv')", "s3"),
    ("clickhouse", "SELECT * FROM remote('host:9000', db.t)", "remote"),
    ("clickhouse", "SELECT * FROM remoteSecure('host:9440', db.t)", "remotesecure"),
    ("clickhouse", "SELECT * FROM hdfs('hdfs://h/x', CSV)", "hdfs"),
    ("clickhouse", "SELECT * FROM mysql('h:3306', 'db', 't', 'u', 'p')", "mysql"),
    ("clickhouse", "SELECT * FROM postgresql('h:5432', 'db', 't', 'u', 'p')", "postgresql"),
    ("clickhouse", "SELECT * FROM input('x String')", "input"),
    ("clickhouse", "SELECT * FROM executable('x.sh', TSV, 'x String')", "executable"),
    ("clickhouse", "SELECT 1 SETTINGS max_execution_time = 0", "SETTINGS"),
    ("clickhouse", "SELECT * FROM (SELECT 1 SETTINGS readonly = 0)", "SETTINGS"),
    ("clickhouse", "ALTER TABLE t DELETE WHERE 1", "ALTER"),
    ("clickhouse", "OPTIMIZE TABLE t FINAL", "OPTIMIZE"),
    ("clickhouse", "SYSTEM FLUSH LOGS", "SYSTEM"),
    ("clickhouse", "EXPLAIN PIPELINE SELECT * FROM file('x')", "file"),
]


@pytest.mark.parametrize("dialect,sql,reason", REFUSED)
def test_writes_and_external_access_refused(dialect: str, sql: str, reason: str) -> None:
    with pytest.raises(UnsafeSQLError, match="refused") as refusal:
        check_statement(sql, dialect)
    assert reason.lower() in str(refusal.value).lower()


def test_allow_write_lets_writes_through_but_never_file_access() -> None:
    check_statement("INSERT INTO t VALUES (1)", "duckdb", allow_write=True)
    check_statement("CREATE TABLE t (x INT)", "duckdb", allow_write=True)
    with pytest.raises(UnsafeSQLError, match="read_csv"):
        check_statement("INSERT INTO t SELECT * FROM read_csv('/etc/passwd')", "duckdb", allow_write=True)
    with pytest.raises(UnsafeSQLError, match="2 statements"):
        check_statement("INSERT INTO t VALUES (1); DROP TABLE t", "duckdb", allow_write=True)


def test_unparseable_sql_is_left_for_the_engine_to_report() -> None:
    check_statement("SELEC name FROM users", "duckdb")
    check_statement("SELECT name FROM users WHERE", "clickhouse")


def test_refused_function_names() -> None:
    assert is_refused_function("READ_CSV_AUTO") and is_refused_function("s3Cluster") and is_refused_function("url")
    assert not is_refused_function("upper") and not is_refused_function("numbers") and not is_refused_function("range")


@pytest.mark.parametrize("sql, dialect, writes", [
    ("UPDATE products SET price = 0", "duckdb", True),
    ("ALTER TABLE alerts DELETE WHERE resolved_at IS NOT NULL", "clickhouse", True),
    ("COPY orders TO 'out.csv'", "duckdb", True),
    ("INSERT INTO t SELECT 1", "clickhouse", True),
    ("SELECT count() FROM orders SETTINGS max_threads = 1", "clickhouse", False),
    ("WITH x AS (SELECT 1) SELECT * FROM x", "duckdb", False),
    ("EXPLAIN SELECT 1", "duckdb", False),
    ("SELEC oops FROM", "duckdb", False),
])
def test_is_write_statement(sql: str, dialect: str, writes: bool) -> None:
    assert is_write_statement(sql, dialect) is writes
