"""The statement guard: only read statements reach an engine unless the caller opts in.

The guard parses with sqlglot in the engine's dialect and refuses, with :class:`UnsafeSQLError`:

* more than one statement;
* any root other than a query (SELECT / WITH / set operation), EXPLAIN, DESCRIBE, SHOW or
  SUMMARIZE;
* writes, DDL, ATTACH / DETACH, COPY, INSTALL / LOAD, PRAGMA, SET, USE, transactions, ``SELECT
  ... INTO``, ClickHouse ``SETTINGS`` / ``INTO OUTFILE`` clauses, anywhere in the tree;
* file-reading and network table functions anywhere in the tree (``read_csv``, ``file``,
  ``url``, ``s3``, ``remote``...), and DuckDB's ``FROM 'file.csv'`` replacement scans.

SQL that sqlglot cannot parse is *not* refused: the engine has to see it so the user gets the
engine's real syntax error. The engines keep their own protections for that case (DuckDB's
parser-level statement check and disabled external access; ClickHouse's parser check through
``EXPLAIN AST`` and server-side ``readonly``), so the guard is a first line, not the only one.
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp

from sqlfix.errors import SQLGLOT_FAILURES, UnsafeSQLError

# Roots a read-only caller may run. EXPLAIN and DuckDB's SHOW parse as a Command (checked below).
_READ_ROOTS = (exp.Query, exp.Describe, exp.Show, exp.Summarize)
_READ_COMMANDS = ("EXPLAIN", "SHOW", "DESCRIBE", "DESC", "SUMMARIZE")

# Node types that change state or reach outside the database, refused wherever they appear.
_REFUSED_NODES = (
    exp.DDL,
    exp.DML,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Attach,
    exp.Detach,
    exp.Install,
    exp.Pragma,
    exp.Set,
    exp.Use,
    exp.Into,
    exp.LoadData,
    exp.Grant,
    exp.Revoke,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Refresh,
    exp.Analyze,
    exp.Export,
    exp.Kill,
    exp.Command,
)

# Table functions (and ClickHouse scalar functions) that read files, URLs or other databases.
_REFUSED_FUNCTION = re.compile(
    r"""^(
        read_\w+ | parquet_\w+ | sniff_csv | glob | query | query_table | getenv
      | delta_scan | iceberg\w* | deltalake\w* | hudi\w* | postgres_\w+ | sqlite_\w+ | mysql_\w+
      | file | filecluster | url | urlcluster | s3 | s3cluster | gcs | cosn | oss | azure\w*
      | hdfs | hdfscluster | remote | remotesecure | cluster | clusterallreplicas | input
      | mysql | postgresql | mongodb | redis | sqlite | jdbc | odbc | executable | dictionary
      | arrowflight | ytsaurus | paimon\w*
    )$""",
    re.VERBOSE,
)

# Words EXPLAIN takes before the statement it explains (DuckDB, ClickHouse, Postgres forms).
_EXPLAIN_OPTIONS = re.compile(
    r"^\s*(ANALYZE|AST|SYNTAX|PLAN|PIPELINE|ESTIMATE|QUERY\s+TREE|VERBOSE|\w+\s*=\s*[\w']+\s*,?|\([^)]*\))\s*", re.I
)

# A quoted table name that is really a path: DuckDB reads it as a file (a replacement scan).
_PATH_LIKE = re.compile(r"[/\\]|\.(csv|tsv|txt|parquet|json|jsonl|ndjson|gz|zst|xlsx?|db|duckdb|sqlite)$", re.I)


def check_statement(sql: str, dialect: str, *, allow_write: bool = False) -> None:
    """Refuse ``sql`` unless it is one safe read statement.

    Example:
        >>> check_statement("SELECT 1", "duckdb")
        >>> check_statement("SELECT * FROM read_csv('/etc/passwd')", "duckdb")
        Traceback (most recent call last):
        ...
        sqlfix.errors.UnsafeSQLError: refused: function read_csv reads files or the network

    Args:
        sql: the statement text.
        dialect: the sqlglot dialect of ``sql`` (``duckdb``, ``clickhouse``...).
        allow_write: when True only the multiple-statement check and the file/network function
            check still apply (writes and DDL pass, for loading data).

    Raises:
        UnsafeSQLError: naming why the statement was refused.
    """
    statements = _statements(sql, dialect)
    if statements is None:
        return
    if len(statements) > 1:
        raise UnsafeSQLError(f"refused: {len(statements)} statements; send one statement at a time")
    if not statements:
        return
    statement = statements[0]
    if not allow_write:
        _check_root(statement, dialect)
    _check_tree(statement, allow_write=allow_write)


class _DropCommandFallbackNotice(logging.Filter):
    """sqlglot logs a warning each time it parses EXPLAIN/SHOW as a Command; that is expected here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_DropCommandFallbackNotice())


def is_write_statement(sql: str, dialect: str) -> bool:
    """True when ``sql`` is a statement other than a read (INSERT, UPDATE, DELETE, CREATE, ALTER,
    COPY, ATTACH...): the guard refuses it whatever it contains. False for a read, and for text
    that does not parse."""
    statements = _statements(sql, dialect)
    return statements is not None and len(statements) == 1 and not _reads(statements[0])


def is_refused_function(name: str) -> bool:
    """Return True for a function that reads files, URLs or other databases (``read_csv``, ``url``...)."""
    return bool(_REFUSED_FUNCTION.match(name.lower()))


def _statements(sql: str, dialect: str) -> list[exp.Expression] | None:
    """The statements ``sql`` parses into; None when it does not parse."""
    try:
        return [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SQLGLOT_FAILURES:
        return None


def _reads(statement: exp.Expression) -> bool:
    """Whether ``statement``'s root is a read (a query, DESCRIBE, SHOW, EXPLAIN...)."""
    if isinstance(statement, exp.Command):
        return statement.name.upper() in _READ_COMMANDS
    return isinstance(statement, _READ_ROOTS)


def _check_root(statement: exp.Expression, dialect: str) -> None:
    if not _reads(statement):
        raise UnsafeSQLError(f"refused: {_statement_label(statement)} statements are not allowed (read-only)")
    if isinstance(statement, exp.Command) and statement.name.upper() == "EXPLAIN":
        _check_explained(statement, dialect)


def _check_explained(statement: exp.Command, dialect: str) -> None:
    """Check the statement EXPLAIN wraps (EXPLAIN ANALYZE runs it)."""
    inner = statement.expression.name if isinstance(statement.expression, exp.Literal) else ""
    while True:
        stripped = _EXPLAIN_OPTIONS.sub("", inner, count=1)
        if stripped == inner:
            break
        inner = stripped
    if inner.strip():
        check_statement(inner, dialect)


def _check_tree(statement: exp.Expression, *, allow_write: bool) -> None:
    for node in statement.walk():
        if not allow_write and node is not statement and isinstance(node, _REFUSED_NODES):
            raise UnsafeSQLError(f"refused: {_statement_label(node)} inside a read statement")
        if isinstance(node, exp.Func):
            name = _function_name(node)
            if is_refused_function(name):
                raise UnsafeSQLError(f"refused: function {name} reads files or the network")
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            if node.this.quoted and _PATH_LIKE.search(node.this.name):
                raise UnsafeSQLError(f"refused: table name {node.this.name!r} reads a file")
        if not allow_write and isinstance(node, exp.Select) and node.args.get("settings"):
            raise UnsafeSQLError("refused: a SETTINGS clause would change the engine's limits")


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    return node.sql_name().lower()


def _statement_label(node: exp.Expression) -> str:
    if isinstance(node, exp.Command):
        return node.name.upper()
    return node.key.upper()
