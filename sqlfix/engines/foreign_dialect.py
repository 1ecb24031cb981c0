"""Tell a construct of another SQL dialect from a plain mistake, with sqlglot.

An engine reports ``TOP 5`` or MySQL backticks as a syntax error and ``DATEADD(...)`` as an
unknown function, but the useful class for repair is "dialect": the SQL is fine somewhere else
and transpiling it fixes it. The rules, shared by every engine's classifier:

* a **syntax error** is a dialect error when sqlglot cannot parse the SQL in the engine's dialect
  either, but parses it in another dialect (and not as an opaque ``Command``);
* an **unknown function** is a dialect error when the SQL, read as another dialect and
  transpiled into the engine's, no longer calls that function (sqlglot knows what it means
  there and how the engine spells it: ``DATEADD`` -> ``+ INTERVAL``, ``strftime`` ->
  ``formatDateTime``).

The hint returned is the SQL transpiled into the engine's dialect, which is what a repairer wants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

# Dialects whose constructs turn up in model-written SQL, most likely first.
OTHER_DIALECTS = ("duckdb", "clickhouse", "postgres", "tsql", "snowflake", "mysql", "bigquery", "sqlite", "spark", "oracle")


@dataclass(frozen=True)
class ForeignMatch:
    """``sql`` reads as ``dialect`` SQL; ``transpiled`` is it in the engine's dialect."""

    dialect: str
    transpiled: str


def foreign_syntax(sql: str, engine_dialect: str) -> ForeignMatch | None:
    """Return the other dialect that parses ``sql`` when the engine's dialect does not.

    Example:
        >>> foreign_syntax("SELECT TOP 5 a FROM t", "duckdb").dialect
        'tsql'
    """
    if _parses(sql, engine_dialect) is not None:
        return None
    for dialect in OTHER_DIALECTS:
        if dialect == engine_dialect:
            continue
        tree = _parses(sql, dialect)
        if tree is not None and not isinstance(tree, exp.Command):
            return ForeignMatch(dialect, _transpile(tree, engine_dialect))
    return None


def foreign_function(sql: str, function: str, engine_dialect: str) -> ForeignMatch | None:
    """Return the dialect whose reading of ``sql`` transpiles the unknown ``function`` away.

    Example:
        >>> foreign_function("SELECT DATEADD(day, 1, d) FROM t", "dateadd", "duckdb").transpiled
        'SELECT d + INTERVAL 1 DAY FROM t'
    """
    called = re.compile(rf"(?<![\w.]){re.escape(function)}\s*\(", re.I)
    if not called.search(sql):
        return None
    for dialect in OTHER_DIALECTS:
        if dialect == engine_dialect:
            continue
        tree = _parses(sql, dialect)
        if tree is None:
            continue
        transpiled = _transpile(tree, engine_dialect)
        if not called.search(transpiled):
            return ForeignMatch(dialect, transpiled)
    return None


def _parses(sql: str, dialect: str) -> exp.Expression | None:
    try:
        statements = sqlglot.parse(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    except SqlglotError:
        return None
    statements = [s for s in statements if s is not None]
    return statements[0] if len(statements) == 1 else None


def _transpile(tree: exp.Expression, dialect: str) -> str:
    try:
        return tree.sql(dialect=dialect)
    except SqlglotError:
        return tree.sql()
