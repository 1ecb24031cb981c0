"""The one protocol every execution backend implements, and the records it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from sqlfix.errors import ExecError


@dataclass(frozen=True)
class Limits:
    """Per-query limits. Every execution of model-written SQL runs under these.

    Attributes:
        timeout_s: wall-clock limit; the query is interrupted and a TIMEOUT error returned.
        max_rows: rows fetched at most; more rows set ``ResultSet.truncated``.
        max_memory_mb: memory the engine may use for the query.
    """

    timeout_s: float = 10.0
    max_rows: int = 1000
    max_memory_mb: int = 2048


@dataclass(frozen=True)
class ResultSet:
    """A successful query result.

    Attributes:
        columns: output column names, in order.
        types: engine type names, parallel to ``columns``.
        rows: the rows as tuples of Python values (at most ``Limits.max_rows``).
        truncated: True when the query produced more rows than were fetched.
        elapsed_ms: execution time as measured around the engine call.
    """

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    truncated: bool = False
    elapsed_ms: float = 0.0


ExecOutcome = ResultSet | ExecError


@runtime_checkable
class Engine(Protocol):
    """An execution backend (DuckDB, ClickHouse through clickhouse-connect, ...).

    ``execute`` never raises for a failing query: it returns an :class:`ExecError`.
    Unless ``allow_write`` is True the statement guard runs first and refusals come back
    as ``ExecError(kind=PERMISSION, engine="guard")``.
    """

    name: str  # "duckdb" | "clickhouse"
    dialect: str  # the sqlglot dialect name of the SQL it runs

    def execute(self, sql: str, limits: Limits | None = None, *, allow_write: bool = False) -> ExecOutcome:
        """Run one statement under limits and return a result or a classified error."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
