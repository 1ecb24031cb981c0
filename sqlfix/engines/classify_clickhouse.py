"""Classify a ClickHouse error (chDB or server, through clickhouse-connect) into an :class:`ExecError`.

ClickHouse errors carry a numeric code and a symbolic name (``Code: 47. DB::Exception: ...
(UNKNOWN_IDENTIFIER)``); classification is by name, with the message read only for the
offending identifier, the "Maybe you meant" hints and the syntax-error position.

Dialect errors (see :mod:`sqlfix.engines.foreign_dialect`): a syntax error whose text another
dialect parses (DuckDB's ``SELECT * EXCLUDE (...)``, list comprehensions, ``TOP 5``...), and an
unknown function another dialect's parser knows (``strftime``, ``list_value``, ``DATEADD``...).
"""

from __future__ import annotations

import re

from sqlfix.engines.classify_duckdb import own_syntax_mistake
from sqlfix.engines.foreign_dialect import foreign_function, foreign_syntax
from sqlfix.errors import ErrorKind, ExecError

ENGINE = "clickhouse"
MAX_HINTS = 5
MAX_MESSAGE_CHARS = 600

_KIND_BY_NAME = {
    "SYNTAX_ERROR": ErrorKind.SYNTAX,
    # A bare UNION is standard SQL elsewhere; ClickHouse wants UNION ALL or UNION DISTINCT.
    "EXPECTED_ALL_OR_DISTINCT": ErrorKind.DIALECT,
    "UNKNOWN_IDENTIFIER": ErrorKind.UNKNOWN_COLUMN,
    "NO_SUCH_COLUMN_IN_TABLE": ErrorKind.UNKNOWN_COLUMN,
    "THERE_IS_NO_COLUMN": ErrorKind.UNKNOWN_COLUMN,
    "UNKNOWN_TABLE": ErrorKind.UNKNOWN_TABLE,
    "UNKNOWN_DATABASE": ErrorKind.UNKNOWN_TABLE,
    "UNKNOWN_FUNCTION": ErrorKind.UNKNOWN_FUNCTION,
    "UNKNOWN_AGGREGATE_FUNCTION": ErrorKind.UNKNOWN_FUNCTION,
    "AMBIGUOUS_COLUMN_NAME": ErrorKind.AMBIGUOUS_COLUMN,
    "AMBIGUOUS_IDENTIFIER": ErrorKind.AMBIGUOUS_COLUMN,
    "MULTIPLE_EXPRESSIONS_FOR_ALIAS": ErrorKind.AMBIGUOUS_COLUMN,
    "NOT_AN_AGGREGATE": ErrorKind.GROUP_BY,
    "ILLEGAL_AGGREGATION": ErrorKind.GROUP_BY,
    "NOT_FOUND_COLUMN_IN_BLOCK": ErrorKind.GROUP_BY,
    "ILLEGAL_TYPE_OF_ARGUMENT": ErrorKind.TYPE_MISMATCH,
    "TYPE_MISMATCH": ErrorKind.TYPE_MISMATCH,
    "NO_COMMON_TYPE": ErrorKind.TYPE_MISMATCH,
    "ILLEGAL_COLUMN": ErrorKind.TYPE_MISMATCH,
    "CANNOT_CONVERT_TYPE": ErrorKind.TYPE_MISMATCH,
    "CANNOT_PARSE_TEXT": ErrorKind.TYPE_MISMATCH,
    "CANNOT_PARSE_NUMBER": ErrorKind.TYPE_MISMATCH,
    "CANNOT_PARSE_DATE": ErrorKind.TYPE_MISMATCH,
    "CANNOT_PARSE_DATETIME": ErrorKind.TYPE_MISMATCH,
    "CANNOT_PARSE_INPUT_ASSERTION_FAILED": ErrorKind.TYPE_MISMATCH,
    "CANNOT_PARSE_BOOL": ErrorKind.TYPE_MISMATCH,
    "CANNOT_PARSE_UUID": ErrorKind.TYPE_MISMATCH,
    "NUMBER_OF_ARGUMENTS_DOESNT_MATCH": ErrorKind.WRONG_ARITY,
    "TOO_MANY_ARGUMENTS_FOR_FUNCTION": ErrorKind.WRONG_ARITY,
    "TOO_FEW_ARGUMENTS_FOR_FUNCTION": ErrorKind.WRONG_ARITY,
    "TIMEOUT_EXCEEDED": ErrorKind.TIMEOUT,
    "QUERY_WAS_CANCELLED": ErrorKind.TIMEOUT,
    "SOCKET_TIMEOUT": ErrorKind.TIMEOUT,
    "MEMORY_LIMIT_EXCEEDED": ErrorKind.RESOURCE_LIMIT,
    "TOO_MANY_ROWS": ErrorKind.RESOURCE_LIMIT,
    "TOO_MANY_BYTES": ErrorKind.RESOURCE_LIMIT,
    "TOO_MANY_ROWS_OR_BYTES": ErrorKind.RESOURCE_LIMIT,
    "TOO_SLOW": ErrorKind.RESOURCE_LIMIT,
    "TOO_MANY_SIMULTANEOUS_QUERIES": ErrorKind.RESOURCE_LIMIT,
    "QUOTA_EXCEEDED": ErrorKind.RESOURCE_LIMIT,
    "READONLY": ErrorKind.PERMISSION,
    "ACCESS_DENIED": ErrorKind.PERMISSION,
    "DATABASE_ACCESS_DENIED": ErrorKind.PERMISSION,
    "SETTING_CONSTRAINT_VIOLATION": ErrorKind.PERMISSION,
    "AUTHENTICATION_FAILED": ErrorKind.PERMISSION,
    "REQUIRED_PASSWORD": ErrorKind.PERMISSION,
}

_CODE = re.compile(r"Code:\s*(\d+)")
_NAME = re.compile(r"\(([A-Z][A-Z0-9_]+)\)\s*(?:\(version [^)]*\))?\s*\.?\s*$")
_SYNTAX_POSITION = re.compile(r"failed at position (\d+)")
_MAYBE = re.compile(r"Maybe you meant:?\s*\[([^\]]*)\]")
_BACKTICKED = re.compile(r"`([^`]+)`")
_QUOTED = re.compile(r"'([^']+)'")
_MISSING_TABLE = re.compile(r"Table (\S+) does not exist|Database (\S+) does not exist")
# What clickhouse-connect appends to a query (a FORMAT clause, a SETTINGS clause) and what the
# server adds after the message; neither is the user's.
_APPENDED = re.compile(
    r"\s*SETTINGS (?:\w+ = '[^']*'(?:, )?)+|\s*FORMAT Native|\s*\(version [\d.]+[^)]*\)|\s*\(line \d+, col \d+\)"
    r"|:?\s*In scope SELECT formatQuery\(.*\)\.(?=\s*\([A-Z_]+\)\s*$)",
    re.S,
)
_FUNCTION_NAME = re.compile(r"function (\w+)")
_ALIAS_NAME = re.compile(r"(?:for|same) alias (\w+)")
_EXPECTED = re.compile(r"Expected one of: (.*?)(?:\. \(|$)", re.S)


def classify_clickhouse_error(exc: BaseException, sql: str) -> ExecError:
    """Turn a clickhouse-connect exception raised while running ``sql`` into a classified error.

    Example:
        >>> class Err(Exception): pass
        >>> e = classify_clickhouse_error(Err(
        ...     "Code: 47. DB::Exception: Unknown expression identifier `aa`. Maybe you meant: ['a']."
        ...     " In scope SELECT aa FROM t. (UNKNOWN_IDENTIFIER)"), "SELECT aa FROM t")
        >>> e.kind.value, e.identifier, e.hints, e.position
        ('unknown_column', 'aa', ('a',), 7)
    """
    raw = str(exc)
    start = raw.find("Code:")
    text = raw[start:] if start >= 0 else raw
    text = text.split("Stack trace:")[0]
    name = getattr(exc, "name", None) or _match(_NAME, text)
    code = getattr(exc, "code", None) or _int(_match(_CODE, text))
    message = _trim(text)
    kind = _KIND_BY_NAME.get(name or "", ErrorKind.OTHER)
    hints = tuple(h.strip().strip("'") for h in (_match(_MAYBE, message) or "").split(",") if h.strip())
    identifier = _identifier(kind, message)
    position = _position(kind, text, sql, identifier)

    if kind is ErrorKind.SYNTAX:
        match = foreign_syntax(sql, ENGINE)
        if match is not None and not own_syntax_mistake(sql, match.transpiled, ENGINE):
            kind = ErrorKind.DIALECT
            hints = (match.transpiled,)
    elif kind is ErrorKind.UNKNOWN_FUNCTION and identifier:
        match = foreign_function(sql, identifier, ENGINE)
        if match is not None:
            kind = ErrorKind.DIALECT
            hints = (match.transpiled, *hints)

    return ExecError(
        kind=kind,
        message=message,
        engine=ENGINE,
        code=int(code) if code is not None else None,
        name=name,
        identifier=identifier,
        hints=hints[:MAX_HINTS],
        position=position,
    )


def _identifier(kind: ErrorKind, message: str) -> str | None:
    if kind is ErrorKind.UNKNOWN_TABLE:
        missing = _MISSING_TABLE.search(message)
        if missing:
            return missing.group(1) or missing.group(2)
    if kind is ErrorKind.AMBIGUOUS_COLUMN:
        found = _ALIAS_NAME.search(message) or _BACKTICKED.search(message)
    elif kind in (ErrorKind.WRONG_ARITY, ErrorKind.TYPE_MISMATCH):
        found = _BACKTICKED.search(message) or _FUNCTION_NAME.search(message) or _QUOTED.search(message)
    else:
        found = _BACKTICKED.search(message) or _QUOTED.search(message)
    if not found:
        return None
    # NOT_AN_AGGREGATE names the column fully qualified (db.table.column); the user wrote the column.
    return found.group(1).rsplit(".", 1)[-1] if kind is ErrorKind.GROUP_BY else found.group(1)


def _position(kind: ErrorKind, text: str, sql: str, identifier: str | None) -> int | None:
    """ClickHouse gives a 1-based position for syntax errors only; else locate the identifier."""
    if kind is ErrorKind.SYNTAX:
        found = _SYNTAX_POSITION.search(text)
        return min(int(found.group(1)) - 1, len(sql)) if found else None
    if identifier:
        at = re.search(rf"(?<![\w.]){re.escape(identifier)}(?![\w])", sql)
        return at.start() if at else None
    return None


def _trim(text: str) -> str:
    message = re.sub(r"^Code:\s*\d+\.\s*(DB::Exception:\s*)?", "", text.strip())
    message = re.sub(r"^Code:\s*\d+\.\s*(DB::Exception:\s*)?", "", message)
    message = _APPENDED.sub("", message)
    message = _EXPECTED.sub(_shorten_expected, message)
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE_CHARS else message[: MAX_MESSAGE_CHARS - 3] + "..."


def _shorten_expected(found: re.Match) -> str:
    options = [o.strip() for o in found.group(1).split(",") if o.strip()]
    shown = ", ".join(options[:MAX_HINTS])
    more = f", ... ({len(options) - MAX_HINTS} more)" if len(options) > MAX_HINTS else ""
    tail = ". (" if found.group(0).endswith(". (") else ""
    return f"Expected one of: {shown}{more}{tail}"


def _match(pattern: re.Pattern, text: str) -> str | None:
    found = pattern.search(text)
    return found.group(1) if found else None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None
