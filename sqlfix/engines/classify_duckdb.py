"""Classify a DuckDB error into an :class:`ExecError`.

The engine runs with ``SET errors_as_json=true``, so an exception's text is ``"<Kind> Error:
{json}"`` with ``exception_type``, ``exception_message``, ``error_subtype``, ``name``,
``candidates`` and ``position``. Classification reads those fields first and the message text
only where DuckDB gives no subtype (ambiguous columns, GROUP BY misuse, type conflicts).

Dialect errors (see :mod:`sqlfix.engines.foreign_dialect`): a parser error whose text another
dialect parses (``TOP 5``, backticks in some positions), a missing function that another
dialect's parser knows (``DATEADD``, ``ISNULL``...), and the arrow lambda ``x -> ...`` that
DuckDB 2 refuses (older DuckDB and ClickHouse write it; the hint is the ``lambda x: ...`` form).
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlglot
from sqlglot import exp

from sqlfix.engines.foreign_dialect import foreign_function, foreign_syntax, rewrite_for
from sqlfix.errors import SQLGLOT_FAILURES, ErrorKind, ExecError

ENGINE = "duckdb"
MAX_HINTS = 5
MAX_MESSAGE_CHARS = 600

_GROUP_BY_TEXT = (
    "must appear in the GROUP BY clause",
    "aggregate function calls cannot be nested",
    "aggregates are not allowed",
    "WHERE clause cannot contain aggregates",
    "cannot contain aggregates",
    "window functions are not allowed",
    "GROUP BY clause cannot contain",
    "GROUP BY term out of range",
    "ORDER BY term out of range",
    "HAVING clause cannot contain window functions",
)
_TYPE_TEXT = (
    "Could not choose a best candidate function",
    "Cannot compare values of type",
    "Cannot mix values of type",
    "Cannot mix types",
    "cannot be implicitly cast",
    "Unimplemented type for cast",
    "Could not convert",
    "Type mismatch",
)
_HINT_LINE = re.compile(r"(?:Candidate bindings|Candidate tables|Did you mean)[:\s]*(.*)")
_QUOTED = re.compile(r'"([^"]+)"')
_ARG_TYPES = re.compile(r"argument types '([^']*)'")
_COMMA_AFTER_WHERE = re.compile(r"\bWHERE\b.*,", re.I | re.S)


def classify_duckdb_error(exc: BaseException, sql: str) -> ExecError:
    """Turn a DuckDB exception raised while running ``sql`` into a classified error.

    Example:
        >>> import duckdb
        >>> con = duckdb.connect(); _ = con.execute("SET errors_as_json=true")
        >>> try:
        ...     con.execute("SELECT nope")
        ... except duckdb.Error as e:
        ...     classify_duckdb_error(e, "SELECT nope").kind.value
        'unknown_column'
    """
    fields = _json_fields(str(exc))
    message = _trim(fields.get("exception_message") or _plain_message(str(exc)))
    exception_type = fields.get("exception_type") or type(exc).__name__.removesuffix("Exception")
    subtype = fields.get("error_subtype")
    name = fields.get("name")
    hints = _candidates(fields.get("candidates")) or _message_hints(message)
    position = _int_or_none(fields.get("position"))
    kind = _kind(exception_type, subtype, fields, message)
    identifier = name or _first_quoted(message)

    if kind is ErrorKind.SYNTAX:
        match = foreign_syntax(sql, ENGINE)
        if match is not None and not own_syntax_mistake(sql, match.transpiled, ENGINE):
            kind = ErrorKind.DIALECT
            hints = (match.transpiled,)
    elif kind is ErrorKind.UNKNOWN_FUNCTION and name:
        match = foreign_function(sql, name, ENGINE)
        if match is not None:
            kind = ErrorKind.DIALECT
            hints = (match.transpiled, *hints)
    elif kind is ErrorKind.DIALECT:
        rewritten = rewrite_for(sql, ENGINE)
        hints = (rewritten,) if rewritten else ()
    elif kind is ErrorKind.WRONG_ARITY or kind is ErrorKind.TYPE_MISMATCH:
        hints = ()  # DuckDB's candidates here are full signatures; the message keeps the first few.

    return ExecError(
        kind=kind,
        message=message,
        engine=ENGINE,
        code=None,
        name=subtype or exception_type,
        identifier=identifier,
        hints=hints[:MAX_HINTS],
        position=position,
    )


def own_syntax_mistake(sql: str, rewrite: str, dialect: str) -> bool:
    """Whether sqlglot's reading of SQL the engine rejected only papers over the user's own slip.

    sqlglot is more lenient than the engines: it closes a parenthesis left open, reads
    ``BETWEEN 1 5`` as ``BETWEEN 1 AND 5`` and ``('a' 'b')`` as a concatenation, and takes a
    comma after WHERE for a join. A rewrite that only adds tokens to what was written, or a
    comma standing for AND, is a syntax error of the user's, not a construct of another dialect.

    Example:
        >>> own_syntax_mistake("SELECT MAX(x AS m FROM t", "SELECT MAX(x) AS m FROM t", "duckdb")
        True
        >>> own_syntax_mistake("SELECT * EXCLUDE (a) FROM t", "SELECT * EXCEPT (a) FROM t", "clickhouse")
        False
    """
    return _only_adds_tokens(sql, rewrite, dialect) or comma_after_where(sql, dialect)


def _only_adds_tokens(sql: str, rewrite: str, dialect: str) -> bool:
    try:
        written = [(t.token_type, t.text.upper()) for t in sqlglot.tokenize(sql, read=dialect)]
        rewritten = [(t.token_type, t.text.upper()) for t in sqlglot.tokenize(rewrite, read=dialect)]
    except SQLGLOT_FAILURES:
        return False
    remaining = iter(rewritten)
    return len(rewritten) > len(written) and all(token in remaining for token in written)


def comma_after_where(sql: str, dialect: str) -> bool:
    """Whether sqlglot reads ``sql`` only by taking a comma after WHERE for a join.

    sqlglot accepts joins after WHERE, so ``WHERE a = 1, b IN (2, 3)`` (a comma for AND) parses
    there and its rewrite moves ``b`` into FROM; no dialect writes that, so the engine's syntax
    error is the user's own and not a construct from elsewhere.

    Example:
        >>> comma_after_where("SELECT a FROM t WHERE x = 1, y IN (2, 3)", "duckdb")
        True
        >>> comma_after_where("SELECT a FROM t, u WHERE x = 1", "duckdb")
        False
    """
    if not _COMMA_AFTER_WHERE.search(sql):
        return False
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SQLGLOT_FAILURES:
        return False
    for select in tree.find_all(exp.Select):
        where = select.args.get("where")
        start = _start(where)
        if start is not None and any((_start(join) or -1) > start for join in select.args.get("joins") or []):
            return True
    return False


def _start(node: exp.Expression | None) -> int | None:
    """Character offset of the first identifier under ``node`` (None when it has none)."""
    first = node.find(exp.Identifier) if node is not None else None
    return first.meta.get("start") if first is not None else None


def _kind(exception_type: str, subtype: str | None, fields: dict[str, Any], message: str) -> ErrorKind:
    if exception_type == "Parser" or subtype == "SYNTAX_ERROR":
        return ErrorKind.SYNTAX
    if "Deprecated lambda arrow" in message:
        return ErrorKind.DIALECT  # `x -> ...` from older DuckDB and ClickHouse; DuckDB 2 wants `lambda x: ...`
    if exception_type.lower() == "interrupt":
        return ErrorKind.TIMEOUT
    if exception_type in ("Out of Memory", "OutOfMemory") or "Out of Memory Error" in message:
        return ErrorKind.RESOURCE_LIMIT
    if exception_type == "Permission" or "read-only mode" in message or "is attached in read-only" in message:
        return ErrorKind.PERMISSION
    if subtype == "COLUMN_NOT_FOUND":
        return ErrorKind.UNKNOWN_COLUMN
    if subtype == "MISSING_ENTRY":
        entry = (fields.get("type") or "").lower()
        return ErrorKind.UNKNOWN_FUNCTION if "function" in entry or "macro" in entry else ErrorKind.UNKNOWN_TABLE
    if subtype == "NO_MATCHING_FUNCTION":
        return _arity_or_type(fields, message)
    if "does not have a column named" in message:
        return ErrorKind.UNKNOWN_COLUMN
    if message.startswith("Table with name") or ("Referenced table" in message and "not found" in message):
        return ErrorKind.UNKNOWN_TABLE
    if message.startswith("Ambiguous reference"):
        return ErrorKind.AMBIGUOUS_COLUMN
    if any(text in message for text in _GROUP_BY_TEXT):
        return ErrorKind.GROUP_BY
    if exception_type == "Conversion" or any(text in message for text in _TYPE_TEXT):
        return ErrorKind.TYPE_MISMATCH
    return ErrorKind.OTHER


def _arity_or_type(fields: dict[str, Any], message: str) -> ErrorKind:
    """NO_MATCHING_FUNCTION covers both: wrong arity when no candidate takes as many arguments."""
    call = fields.get("call") or ""
    args = _ARG_TYPES.search(message)
    written = args.group(1) if args else call
    call_arity = _arity(written)
    candidate_text = fields.get("candidates") or ""
    candidate_arities = {_arity(sig.split("->")[0]) for sig in _split_top_level(candidate_text)}
    if call_arity is not None and candidate_arities and call_arity not in candidate_arities:
        return ErrorKind.WRONG_ARITY
    return ErrorKind.TYPE_MISMATCH


def _arity(signature: str) -> int | None:
    """Count top-level arguments in ``name(a, b(c, d), ...)``; None when no parentheses."""
    start = signature.find("(")
    end = signature.rfind(")")
    if start < 0 or end < start:
        return None
    inner = signature[start + 1 : end].strip()
    if not inner:
        return 0
    params = [p.strip() for p in _split_top_level(inner)]
    return sum(1 for p in params if p and p != "/" and not p.startswith("..."))


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def _json_fields(text: str) -> dict[str, Any]:
    start = text.find("{")
    if start < 0:
        return {}
    try:
        data = json.loads(text[start:])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _plain_message(text: str) -> str:
    return text.split("\n\nLINE ")[0]


def _trim(message: str) -> str:
    """Drop DuckDB's long candidate-function listings and stack traces, keep a few lines."""
    lines = [line for line in message.splitlines() if line.strip()]
    kept: list[str] = []
    listed = 0
    for line in lines:
        if line.startswith("\t") and not line.strip().endswith(":"):
            listed += 1
            if listed > MAX_HINTS:
                continue
        if line.startswith("Stack Trace") or line.startswith("==="):
            break
        kept.append(line.strip())
    if listed > MAX_HINTS:
        kept.append(f"... ({listed - MAX_HINTS} more)")
    text = "\n".join(kept)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def _candidates(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(c.strip().strip('"') for c in _split_top_level(raw) if c.strip())


def _message_hints(message: str) -> tuple[str, ...]:
    found = _HINT_LINE.search(message)
    return tuple(_QUOTED.findall(found.group(1))) if found else ()


def _first_quoted(message: str) -> str | None:
    found = _QUOTED.search(message)
    return found.group(1) if found else None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
