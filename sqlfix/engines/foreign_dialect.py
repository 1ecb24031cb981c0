"""Tell a construct of another SQL dialect from a plain mistake, with sqlglot.

An engine reports ``TOP 5`` or MySQL backticks as a syntax error and ``DATEADD(...)`` as an
unknown function, but the useful class for repair is "dialect": the SQL is fine somewhere else
and transpiling it fixes it. The rules, shared by every engine's classifier:

* a **syntax error** is a dialect error when sqlglot cannot parse the SQL in the engine's dialect
  either, but parses it in another dialect (and not as an opaque ``Command``); or when sqlglot
  does parse it in the engine's dialect (it reads more than the engine) and its rewrite for the
  engine changes the tokens (``EXCLUDE`` -> ``EXCEPT``, a trailing comma dropped);
* an **unknown function** is a dialect error when the SQL, read as another dialect and
  transpiled into the engine's, no longer calls that function (sqlglot knows what it means
  there and how the engine spells it: ``DATEADD`` -> ``+ INTERVAL``, ``strftime`` ->
  ``formatDateTime``).

The hint returned is the SQL transpiled into the engine's dialect, which is what a repairer wants.
It is best effort: SQL nested deeper than :data:`MAX_HINT_DEPTH` parentheses gets none, because
sqlglot's MySQL parser backtracks through nested calls left open in exponential time and memory
(a small model's repetition loop, 63 levels deep, took an evaluation past 20 GB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from sqlfix.errors import SQLGLOT_FAILURES

# Dialects whose constructs turn up in model-written SQL, most likely first.
OTHER_DIALECTS = ("duckdb", "clickhouse", "postgres", "tsql", "snowflake", "mysql", "bigquery", "sqlite", "spark", "oracle")

# Deepest parenthesis nesting read for a hint; written SQL stays below it. sqlglot's MySQL parser
# took 0.05 s on "SELECT " + "YEAR(" * 12 and 0.5 s on 15 levels, about twice as long per level.
MAX_HINT_DEPTH = 12


@dataclass(frozen=True)
class ForeignMatch:
    """``sql`` reads as ``dialect`` SQL; ``transpiled`` is it in the engine's dialect."""

    dialect: str
    transpiled: str


def foreign_syntax(sql: str, engine_dialect: str) -> ForeignMatch | None:
    """Return the other dialect ``sql`` is written in, given that the engine rejected its syntax.

    Example:
        >>> foreign_syntax("SELECT TOP 5 a FROM t", "duckdb").dialect
        'tsql'
        >>> foreign_syntax("SELECT * EXCLUDE (id) FROM t", "clickhouse").transpiled
        'SELECT * EXCEPT (id) FROM t'
    """
    if nesting_depth(sql) > MAX_HINT_DEPTH:
        return None
    own = _parses(sql, engine_dialect)
    if own is not None:
        # sqlglot reads more than the engine does; when its rewrite in the engine's dialect
        # changes the tokens (EXCLUDE -> EXCEPT), the construct came from elsewhere.
        rewritten = _transpile(own, engine_dialect)
        if rewritten is None or _tokens(rewritten, engine_dialect) == _tokens(sql, engine_dialect):
            return None
        return ForeignMatch(_first_other_parser(sql, engine_dialect) or engine_dialect, rewritten)
    for dialect in OTHER_DIALECTS:
        if dialect == engine_dialect:
            continue
        tree = _parses(sql, dialect)
        if tree is None or isinstance(tree, exp.Command):
            continue
        transpiled = _transpile(tree, engine_dialect)
        if transpiled is not None:
            return ForeignMatch(dialect, transpiled)
    return None


def rewrite_for(sql: str, dialect: str) -> str | None:
    """Return sqlglot's rewrite of ``sql`` in ``dialect`` (modern spellings), or None when sqlglot
    cannot read or write it.

    Example:
        >>> rewrite_for("SELECT list_transform(l, x -> x + 1)", "duckdb")
        'SELECT LIST_TRANSFORM(l, LAMBDA x : x + 1)'
    """
    if nesting_depth(sql) > MAX_HINT_DEPTH:
        return None
    tree = _parses(sql, dialect)
    return None if tree is None else _transpile(tree, dialect)


def nesting_depth(sql: str) -> int:
    """The deepest parenthesis nesting of ``sql``'s tokens (parentheses inside string literals
    and comments do not count); 0 when sqlglot cannot tokenize it.

    Example:
        >>> nesting_depth("SELECT f(g(x), '((') FROM t")
        2
    """
    try:
        tokens = sqlglot.tokenize(sql)
    except SQLGLOT_FAILURES:
        return 0
    depth = deepest = 0
    for token in tokens:
        if token.token_type == sqlglot.TokenType.L_PAREN:
            depth += 1
            deepest = max(deepest, depth)
        elif token.token_type == sqlglot.TokenType.R_PAREN:
            depth -= 1
    return deepest


def _first_other_parser(sql: str, engine_dialect: str) -> str | None:
    return next((d for d in OTHER_DIALECTS if d != engine_dialect and _parses(sql, d) is not None), None)


def _tokens(sql: str, dialect: str) -> list[tuple[str, str]]:
    try:
        return [(t.token_type.name, t.text.upper()) for t in sqlglot.tokenize(sql, read=dialect)]
    except SQLGLOT_FAILURES:
        return []


def foreign_function(sql: str, function: str, engine_dialect: str) -> ForeignMatch | None:
    """Return the dialect whose reading of ``sql`` transpiles the unknown ``function`` away.

    Example:
        >>> foreign_function("SELECT DATEADD(day, 1, d) FROM t", "dateadd", "duckdb").transpiled
        'SELECT d + INTERVAL 1 DAY FROM t'
    """
    called = re.compile(rf"(?<![\w.]){re.escape(function)}\s*\(", re.I)
    if not called.search(sql) or nesting_depth(sql) > MAX_HINT_DEPTH:
        return None
    for dialect in OTHER_DIALECTS:
        if dialect == engine_dialect:
            continue
        tree = _parses(sql, dialect)
        if tree is None:
            continue
        transpiled = _transpile(tree, engine_dialect)
        if transpiled is not None and not called.search(transpiled):
            return ForeignMatch(dialect, transpiled)
    return None


def _parses(sql: str, dialect: str) -> exp.Expression | None:
    try:
        statements = sqlglot.parse(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    except SQLGLOT_FAILURES:  # the hint is best effort
        return None
    statements = [s for s in statements if s is not None]
    return statements[0] if len(statements) == 1 else None


def _transpile(tree: exp.Expression, dialect: str) -> str | None:
    """``tree`` written in ``dialect``, else in sqlglot's own dialect; None when sqlglot can
    write it in neither (a rewrite that does not exist is no evidence of a foreign construct).
    What it writes with an argument left out is returned as it is, without sqlglot's warning
    on the console."""
    for target in (dialect, None):
        try:
            return tree.sql(dialect=target, unsupported_level=sqlglot.ErrorLevel.IGNORE)
        except SQLGLOT_FAILURES:
            continue
    return None
