"""DuckDB backend: a database file or an in-memory database, locked down for model-written SQL.

Protections, outermost first:

1. the sqlglot statement guard (:mod:`sqlfix.engines.guard`) unless ``allow_write``;
2. DuckDB's own parser (``extract_statements``): exactly one statement, and for reads only
   ``SELECT`` (which covers WITH, set operations, DESCRIBE, SHOW, SUMMARIZE, FROM-first) or
   ``EXPLAIN``; this holds for SQL sqlglot could not parse, so ``SET``, ``PRAGMA``, ``ATTACH``,
   ``COPY``, ``INSTALL`` never run however they are spelled;
3. the database opened with ``read_only=True`` for files, ``enable_external_access=false``
   (no file, URL, extension or ATTACH access; DuckDB refuses to turn it back on while running),
   extension autoload/autoinstall off.

``lock_configuration`` is not set on purpose: the per-query memory cap is applied with ``SET
memory_limit`` by this module, and SQL can never issue ``SET`` (rule 2), so locking would only
take the cap away from the caller.

Limits: the timeout is a timer calling ``interrupt()`` (DuckDB has no statement timeout; the
connection stays usable), the row cap fetches ``max_rows + 1`` rows from a streaming result, the
memory cap is ``memory_limit``.

DuckDB refuses a second database instance on one file with a different configuration, so
instances are cached per process and per path: engines on one file share it, each with its own
connection (``cursor()``). A read-only engine asked for while the file is open writable in this
process shares the writable instance; it stays read-only through rules 1 and 2.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import duckdb
from sqlglot import exp

from sqlfix.engines.base import ExecOutcome, Limits, ResultSet
from sqlfix.engines.classify_duckdb import classify_duckdb_error
from sqlfix.engines.guard import check_statement
from sqlfix.errors import ErrorKind, ExecError, SqlfixError, UnsafeSQLError
from sqlfix.input_text import text_problem

MEMORY = ":memory:"
_READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN"})
_LOCKED_DOWN = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


@dataclass
class _Instance:
    """One DuckDB database in this process, shared by the engines opened on its path."""

    connection: duckdb.DuckDBPyConnection
    read_only: bool
    users: int = 0
    memory_limit_mb: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_INSTANCES: dict[str, _Instance] = {}
_INSTANCES_LOCK = threading.Lock()
_OPEN_ENGINES: "weakref.WeakSet[DuckDBEngine]" = weakref.WeakSet()


class DuckDBEngine:
    """Run SQL on a DuckDB file or in-memory database under :class:`Limits`.

    Example:
        >>> engine = DuckDBEngine(MEMORY, read_only=False)
        >>> engine.execute("SELECT 42 AS answer").rows
        [(42,)]
        >>> engine.execute("SELECT * FROM read_csv('/etc/passwd')").kind.value
        'permission'
    """

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, path: str | Path = MEMORY, *, read_only: bool = True, limits: Limits | None = None) -> None:
        """Open ``path`` (a ``.duckdb`` file or ``:memory:``); files must exist when read-only."""
        self.path = str(path) if str(path) == MEMORY else str(Path(path).expanduser().resolve())
        self.read_only = read_only
        self.limits = limits or Limits()
        self._instance = _acquire(self.path, read_only, self.limits.max_memory_mb)
        self._connection = self._instance.connection.cursor()
        self._connection.execute("SET errors_as_json=true")
        self._closed = False
        _OPEN_ENGINES.add(self)

    def execute(self, sql: str, limits: Limits | None = None, *, allow_write: bool = False) -> ExecOutcome:
        """Run one statement and return its rows or a classified error (never raises for SQL)."""
        limits = limits or self.limits
        if allow_write and self.read_only:
            return _refusal("this engine was opened read-only; writes are not allowed", self.name)
        problem = text_problem(sql)
        if problem is not None:
            return ExecError(ErrorKind.SYNTAX, f"the query contains {problem}", "input")
        try:
            check_statement(sql, self.dialect, allow_write=allow_write)
        except UnsafeSQLError as refusal:
            return _refusal(str(refusal), "guard")
        with self._instance.lock:
            if self._closed:
                raise SqlfixError(f"DuckDB engine on {self.path} is closed")
            statement = self._parse_one(sql, allow_write)
            if isinstance(statement, ExecError):
                return statement
            self._apply_memory_limit(limits.max_memory_mb)
            return self._run(statement, sql, limits)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Insert ``rows`` into ``table`` (engine opened with ``read_only=False``); return the count."""
        if self.read_only:
            raise SqlfixError(f"cannot load rows into {table}: the DuckDB engine on {self.path} is read-only")
        if not rows:
            return 0
        target = exp.to_table(table).sql(self.dialect)
        names = ", ".join(exp.to_identifier(c, quoted=True).sql(self.dialect) for c in columns)
        marks = ", ".join("?" for _ in columns)
        with self._instance.lock:
            try:
                self._connection.executemany(f"INSERT INTO {target} ({names}) VALUES ({marks})", [tuple(r) for r in rows])
            except duckdb.Error as exc:
                raise SqlfixError(f"loading rows into {table} failed: {classify_duckdb_error(exc, '').message}") from None
        return len(rows)

    def close(self) -> None:
        """Close this engine's connection; the database closes with its last engine."""
        with self._instance.lock:
            if self._closed:
                return
            self._closed = True
            self._connection.close()
        _release(self.path, self._instance)

    def _parse_one(self, sql: str, allow_write: bool) -> duckdb.Statement | ExecError:
        """Parse with DuckDB's own parser; the statement object returned is what runs."""
        try:
            statements = self._connection.extract_statements(sql)
        except duckdb.Error as exc:
            return classify_duckdb_error(exc, sql)
        if len(statements) != 1:
            return _refusal(f"refused: {len(statements)} statements; send exactly one", self.name)
        kind = statements[0].type.name
        if not allow_write and kind not in _READ_STATEMENTS:
            return _refusal(f"refused: {kind} statements are not allowed (read-only)", self.name)
        return statements[0]

    def _apply_memory_limit(self, megabytes: int) -> None:
        if self._instance.memory_limit_mb != megabytes:
            self._connection.execute(f"SET memory_limit='{int(megabytes)}MB'")
            self._instance.memory_limit_mb = megabytes

    def _run(self, statement: duckdb.Statement, sql: str, limits: Limits) -> ExecOutcome:
        watchdog = _Watchdog(self._connection, limits.timeout_s)
        started = time.perf_counter()
        try:
            with watchdog:
                result = self._connection.execute(statement)
                description = result.description or []
                rows = result.fetchmany(limits.max_rows + 1) if description else []
        except duckdb.Error as exc:
            if watchdog.fired:
                return ExecError(
                    kind=ErrorKind.TIMEOUT,
                    message=f"query interrupted after the {limits.timeout_s:g} s time limit",
                    engine=self.name,
                    name="INTERRUPT",
                )
            return classify_duckdb_error(exc, sql)
        elapsed_ms = (time.perf_counter() - started) * 1000
        return ResultSet(
            columns=tuple(d[0] for d in description),
            types=tuple(str(d[1]) for d in description),
            rows=rows[: limits.max_rows],
            truncated=len(rows) > limits.max_rows,
            elapsed_ms=elapsed_ms,
        )


class _Watchdog:
    """Interrupt a connection after ``timeout_s`` unless the block ended first."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, timeout_s: float) -> None:
        self._connection = connection
        self._timer = threading.Timer(timeout_s, self._fire)
        self._timer.daemon = True
        self._state = threading.Lock()
        self._done = False
        self.fired = False

    def __enter__(self) -> "_Watchdog":
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._state:
            self._done = True
        self._timer.cancel()

    def _fire(self) -> None:
        # Holding the state lock means a late timer can never interrupt the next query.
        with self._state:
            if self._done:
                return
            self.fired = True
            self._connection.interrupt()


@atexit.register
def _close_open_engines() -> None:
    # Connections left open at interpreter exit make the duckdb bindings print leak reports.
    for engine in list(_OPEN_ENGINES):
        engine.close()


def _acquire(path: str, read_only: bool, memory_limit_mb: int) -> _Instance:
    if path != MEMORY and read_only and not Path(path).exists():
        raise SqlfixError(f"DuckDB file not found: {path}")
    if path == MEMORY:
        instance = _Instance(_connect(path, False, memory_limit_mb), read_only=False, memory_limit_mb=memory_limit_mb)
        instance.users = 1
        return instance
    with _INSTANCES_LOCK:
        instance = _INSTANCES.get(path)
        if instance is not None and instance.read_only and not read_only:
            raise SqlfixError(
                f"DuckDB file {path} is already open read-only in this process; "
                "close those engines before opening it for writing"
            )
        if instance is None:
            connection = _connect(path, read_only, memory_limit_mb)
            instance = _Instance(connection, read_only=read_only, memory_limit_mb=memory_limit_mb)
            _INSTANCES[path] = instance
        instance.users += 1
        return instance


def _release(path: str, instance: _Instance) -> None:
    with _INSTANCES_LOCK:
        instance.users -= 1
        if instance.users > 0:
            return
        if _INSTANCES.get(path) is instance:
            del _INSTANCES[path]
        instance.connection.close()


def _connect(path: str, read_only: bool, memory_limit_mb: int) -> duckdb.DuckDBPyConnection:
    config = {**_LOCKED_DOWN, "memory_limit": f"{int(memory_limit_mb)}MB"}
    try:
        return duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.Error as exc:
        raise SqlfixError(f"cannot open DuckDB database {path}: {str(exc).splitlines()[0]}") from None


def _refusal(message: str, engine: str) -> ExecError:
    return ExecError(kind=ErrorKind.PERMISSION, message=message, engine=engine, name="REFUSED")
