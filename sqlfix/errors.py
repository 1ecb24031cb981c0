"""The error taxonomy shared by every stage, and the user-facing exception types.

Two different things live here:

* :class:`ExecError` is *data*: what an engine said when a query failed, classified into one
  :class:`ErrorKind`, with the engine's own hints kept as fields. Datagen, the repairers, the
  ranker and the evaluator all read it.
* :class:`SqlfixError` and its subclasses are *exceptions* for bad input or refused work. The
  CLI, the HTTP API and the UI show their message as one clear line, never a traceback.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlglot.errors import SqlglotError


class ErrorKind(str, enum.Enum):
    """The fixed set of failure kinds every engine error is classified into."""

    SYNTAX = "syntax"
    UNKNOWN_COLUMN = "unknown_column"
    UNKNOWN_TABLE = "unknown_table"
    UNKNOWN_FUNCTION = "unknown_function"
    AMBIGUOUS_COLUMN = "ambiguous_column"
    GROUP_BY = "group_by"
    TYPE_MISMATCH = "type_mismatch"
    WRONG_ARITY = "wrong_arity"
    DIALECT = "dialect"
    TIMEOUT = "timeout"
    RESOURCE_LIMIT = "resource_limit"
    PERMISSION = "permission"
    OTHER = "other"


# The kinds that say the query ran out of time or memory, not that it is wrong as written.
LIMIT_KINDS = frozenset({ErrorKind.TIMEOUT, ErrorKind.RESOURCE_LIMIT})


@dataclass(frozen=True)
class ExecError:
    """A classified execution failure.

    Attributes:
        kind: the taxonomy class.
        message: the engine's message, trimmed (no stack trace, long candidate lists cut).
        engine: ``"duckdb"`` or ``"clickhouse"`` (or ``"guard"`` for a refusal before execution).
        code: the engine's numeric code where it has one (ClickHouse), else None.
        name: the engine's symbolic name or subtype (``UNKNOWN_IDENTIFIER``, ``COLUMN_NOT_FOUND``).
        identifier: the offending name when the engine says which (``aa`` in "column aa not found").
        hints: the engine's own suggestions, best first ("Candidate bindings", "Did you mean",
            "Maybe you meant").
        position: 0-based character offset into the SQL where the engine located the error.
    """

    kind: ErrorKind
    message: str
    engine: str
    code: int | None = None
    name: str | None = None
    identifier: str | None = None
    hints: tuple[str, ...] = field(default_factory=tuple)
    position: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the kind as its string value)."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["hints"] = list(self.hints)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ExecError":
        """Rebuild an error from :meth:`to_dict` output."""
        return cls(
            kind=ErrorKind(data["kind"]),
            message=data["message"],
            engine=data["engine"],
            code=data.get("code"),
            name=data.get("name"),
            identifier=data.get("identifier"),
            hints=tuple(data.get("hints") or ()),
            position=data.get("position"),
        )


class SqlfixError(Exception):
    """Bad input or refused work; its message is shown to the user as one line."""


class UnsafeSQLError(SqlfixError):
    """The statement guard refused a statement (a write, DDL, file access...)."""


class SchemaLoadError(SqlfixError):
    """A schema source could not be read or parsed."""


class DialectError(SqlfixError):
    """An unknown or unsupported SQL dialect was named."""


class InputFormatError(SqlfixError):
    """A data file (JSONL, TOML, CSV) is malformed; the message names file and line."""


class EndpointError(SqlfixError):
    """A model endpoint failed (timeout, refused, bad answer) after the allowed retries."""


class ModelUnavailableError(SqlfixError):
    """The model cannot answer now: it failed (an exception, out of memory, an endpoint down)
    and is resting before the next try, or too many requests already wait for it.

    Attributes:
        retry_after_s: seconds after which asking again may succeed.
    """

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ModelBusyError(ModelUnavailableError):
    """The model's queue is full: as many requests as allowed already wait for it."""


class DatabaseUnavailableError(SqlfixError):
    """A database's engine broke (its file moved or replaced, a chDB error) and reopening it failed."""


# What sqlglot raises on input it cannot handle: its own errors, and internal ones that odd
# (often model-written) SQL provokes in its parser or generator (seen: ValueError "Cannot convert
# empty name into var", AttributeError in DATE_DIFF generation). Callers that only want a
# best-effort parse or rewrite catch all of these.
SQLGLOT_FAILURES: tuple[type[BaseException], ...] = (
    SqlglotError, ValueError, AttributeError, TypeError, KeyError, IndexError, RecursionError,
)


def failure_line(exc: BaseException) -> str:
    """``exc`` as one line for a log or a response: its type, then its message with the
    whitespace squashed, cut at 300 characters (the type alone when it has none)."""
    line = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message (its type when the message is empty)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
