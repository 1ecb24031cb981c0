"""ClickHouse backend through clickhouse-connect: embedded chDB (``chdb://PATH``) or a server (``http(s)://``).

One code path serves both; where they differ it is because the engines differ:

* **Read-only.** A server gets ``readonly=2`` with every query (an HTTP request carries its own
  settings, nothing sticks). On chDB a ``readonly`` setting applied with ``SET`` stays on for the
  rest of that connection handle; clickhouse-connect gives every client its own chDB handle, so
  a read-only engine *wants* that: it runs ``SET readonly = 2`` once on its own handle and can
  never write again, while a writable engine on the same data path (another handle) is
  unaffected. ``readonly=2`` (not 1) so the engine can still change its own limits.
* **Limits.** ``max_execution_time`` (chDB honours it: a runaway query stops with
  TIMEOUT_EXCEEDED within about 0.1 s of the limit), ``max_result_rows`` = max_rows + 1 with
  ``result_overflow_mode='break'``, ``max_memory_usage``. A server gets them per query; on chDB
  they are applied with ``SET`` on the engine's handle when they change, because
  clickhouse-connect would otherwise append them as a ``SETTINGS`` clause that shows up in the
  user's error messages and positions.
* **Files and network.** ``readonly`` does not stop ``file()``, ``url()`` or ``INTO OUTFILE``
  (chDB reads and writes host files with it on). So besides the sqlglot guard every read runs a
  ClickHouse-parser check first (``EXPLAIN AST``, about 0.4 ms on chDB): only SELECT / set
  operations / EXPLAIN / SHOW / DESCRIBE / EXISTS roots pass, and no file/network function and
  no ``SETTINGS`` clause (which could lift the limits under ``readonly=2``) may appear anywhere
  in the tree. This holds for SQL sqlglot cannot parse. ``INTO OUTFILE`` is
  refused on the raw text, since it does not show in the AST. When the parser rejects the SQL,
  the error returned is ``formatQuery``'s: the statement as written, without the ``FORMAT``
  clause clickhouse-connect appends (which otherwise changes the error and its position).

Embedded chDB runs one data path per process: a second, different path is refused with a
clear :class:`SqlfixError` while engines on the first are open. ``database`` picks the
database (one per schema); a writable engine creates it when missing.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any, Sequence

import clickhouse_connect
from clickhouse_connect.driver.exceptions import ClickHouseError

from sqlfix.engines.base import ExecOutcome, Limits, ResultSet
from sqlfix.engines.classify_clickhouse import classify_clickhouse_error
from sqlfix.engines.guard import check_statement, is_refused_function
from sqlfix.errors import ErrorKind, ExecError, SqlfixError, UnsafeSQLError
from sqlfix.input_text import text_problem

_READ_ROOTS = re.compile(
    r"^(SelectWithUnionQuery|SelectIntersectExceptQuery|SelectQuery|Explain|ShowTables|ShowColumns|"
    r"ShowCreate\w*|DescribeQuery|ExistsTableQuery|ExistsDatabaseQuery)\b"
)
_AST_FUNCTION = re.compile(r"^\s*Function (\w+)", re.M)
_AST_SETTINGS = re.compile(r"^\s*Set\s*$", re.M)
_INTO_OUTFILE = re.compile(r"\bINTO\s+OUTFILE\b", re.I)

_embedded_lock = threading.Lock()
_embedded_path: str | None = None
_embedded_open = 0


class ClickHouseEngine:
    """Run SQL on embedded chDB or a ClickHouse server under :class:`Limits`.

    Open with :meth:`embedded` or :meth:`server` (or :func:`sqlfix.engines.open_engine`).
    """

    name = "clickhouse"
    dialect = "clickhouse"

    def __init__(self, client: Any, *, location: str, read_only: bool, limits: Limits | None, embedded: bool) -> None:
        """Wrap an open clickhouse-connect client; use :meth:`embedded` or :meth:`server` instead."""
        self.location = location
        self.read_only = read_only
        self.limits = limits or Limits()
        self.is_embedded = embedded
        self._client = client
        self._lock = threading.Lock()
        self._applied: dict[str, Any] = {}
        self._closed = False

    @classmethod
    def embedded(
        cls, path: str | Path, *, database: str = "default", read_only: bool = True, limits: Limits | None = None
    ) -> "ClickHouseEngine":
        """Open embedded ClickHouse (chDB) on data directory ``path``, database ``database``."""
        location = str(Path(path).expanduser().resolve())
        if read_only and not Path(location).is_dir():
            raise SqlfixError(f"chDB data path not found: {location}")
        _claim_embedded_path(location)
        try:
            client = clickhouse_connect.get_client(dsn=f"chdb://{location}")
            _use_database(client, database, create=not read_only)
            # chDB defaults to clickhouse-local's implicit SELECT ("SELEC 1" would run as an
            # expression); turn it off so typos are syntax errors, as on a server.
            client.command("SET implicit_select = 0")
            if read_only:
                client.command("SET readonly = 2")
        except ClickHouseError as exc:
            _release_embedded_path()
            raise SqlfixError(f"cannot open chDB at {location}: {classify_clickhouse_error(exc, '').message}") from None
        except SqlfixError:
            _release_embedded_path()
            raise
        return cls(client, location=f"chdb://{location}?database={database}", read_only=read_only, limits=limits, embedded=True)

    @classmethod
    def server(cls, url: str, *, read_only: bool = True, limits: Limits | None = None) -> "ClickHouseEngine":
        """Connect to a ClickHouse server at ``http(s)://user:password@host:port/database``."""
        try:
            client = clickhouse_connect.get_client(dsn=url)
        except Exception as exc:  # connection refused, bad credentials, TLS: all one clear line
            raise SqlfixError(f"cannot connect to ClickHouse at {_redact(url)}: {str(exc).splitlines()[0]}") from None
        return cls(client, location=_redact(url), read_only=read_only, limits=limits, embedded=False)

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
            if _INTO_OUTFILE.search(sql):
                raise UnsafeSQLError("refused: INTO OUTFILE writes a file")
        except UnsafeSQLError as refusal:
            return _refusal(str(refusal), "guard")
        with self._lock:
            if self._closed:
                raise SqlfixError(f"ClickHouse engine on {self.location} is closed")
            settings = self._settings_for(limits)
            if not allow_write:
                refused = self._check_with_clickhouse_parser(sql, settings)
                if refused is not None:
                    return refused
            return self._run(sql, limits, settings, allow_write)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Insert ``rows`` into ``table`` (``db.table`` allowed) on a writable engine; return the count."""
        if self.read_only:
            raise SqlfixError(f"cannot load rows into {table}: the ClickHouse engine on {self.location} is read-only")
        if not rows:
            return 0
        database, _, name = table.rpartition(".")
        with self._lock:
            try:
                self._client.insert(name, [list(r) for r in rows], column_names=list(columns), database=database or None)
            except ClickHouseError as exc:
                raise SqlfixError(f"loading rows into {table} failed: {classify_clickhouse_error(exc, '').message}") from None
        return len(rows)

    def close(self) -> None:
        """Close the client; for chDB, the data path is free again once every engine on it closed."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._client.close()
        if self.is_embedded:
            _release_embedded_path()

    def _settings_for(self, limits: Limits) -> dict[str, Any]:
        """Return the per-query settings; on chDB apply them to the handle instead (see module doc)."""
        wanted: dict[str, Any] = {
            "max_execution_time": limits.timeout_s,
            "max_result_rows": limits.max_rows + 1,
            "result_overflow_mode": "break",
            "max_memory_usage": int(limits.max_memory_mb) * 1024 * 1024,
        }
        if not self.is_embedded:
            return {**wanted, "readonly": 2} if self.read_only else wanted
        for key, value in wanted.items():
            if self._applied.get(key) != value:
                self._client.command(f"SET {key} = {value!r}")
                self._applied[key] = value
        return {}

    def _check_with_clickhouse_parser(self, sql: str, settings: dict[str, Any]) -> ExecError | None:
        try:
            # raw_query sends the text as written: query() would append FORMAT Native, which a
            # broken statement can swallow ("SELECT 1 +" parses as "SELECT 1 + FORMAT AS Native").
            ast_text = self._client.raw_query(f"EXPLAIN AST {sql}", settings=settings).decode("utf-8", "replace")
        except ClickHouseError as exc:
            return self._syntax_error(sql, settings, exc)
        root = ast_text.lstrip().split("\n", 1)[0].strip()
        if not _READ_ROOTS.match(root):
            return _refusal(f"refused: {root.split(' ')[0] or 'this'} statements are not allowed (read-only)", self.name)
        if _AST_SETTINGS.search(ast_text):
            return _refusal("refused: a SETTINGS clause would change the engine's limits", self.name)
        for function in _AST_FUNCTION.findall(ast_text):
            if is_refused_function(function):
                return _refusal(f"refused: function {function} reads files or the network", self.name)
        return None

    def _syntax_error(self, sql: str, settings: dict[str, Any], explain_error: ClickHouseError) -> ExecError:
        """Parse ``sql`` alone with ``formatQuery`` for the true syntax error and position.

        clickhouse-connect appends ``FORMAT Native`` to queries, which turns ``SELECT 1 +`` into
        ``SELECT 1 + FORMAT AS Native`` and moves positions; formatQuery sees the text as written.
        When the text parses but ``EXPLAIN AST`` still fails (a plain ``UNION`` with no
        ``union_default_mode``), that failure is the query's own error: it is returned
        classified, and the query is not run since its tree could not be checked.
        """
        try:
            self._client.query("SELECT formatQuery({sql:String})", parameters={"sql": sql}, settings=settings)
        except ClickHouseError as exc:
            return classify_clickhouse_error(exc, sql)
        return classify_clickhouse_error(explain_error, sql)

    def _run(self, sql: str, limits: Limits, settings: dict[str, Any], allow_write: bool) -> ExecOutcome:
        started = time.perf_counter()
        try:
            if allow_write and not _returns_rows(sql):
                self._client.command(sql, settings=settings)
                return ResultSet(columns=(), types=(), rows=[], elapsed_ms=(time.perf_counter() - started) * 1000)
            result = self._client.query(sql, settings=settings)
        except ClickHouseError as exc:
            return classify_clickhouse_error(exc, sql)
        rows = [tuple(r) for r in result.result_rows]
        return ResultSet(
            columns=tuple(result.column_names),
            types=tuple(t.name for t in result.column_types),
            rows=rows[: limits.max_rows],
            truncated=len(rows) > limits.max_rows,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )


def _returns_rows(sql: str) -> bool:
    head = sql.lstrip(" \t\n(").split(None, 1)
    return bool(head) and head[0].upper() in {"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "EXISTS", "FROM"}


def _use_database(client: Any, database: str, *, create: bool) -> None:
    found = client.query("SELECT count() FROM system.databases WHERE name = {db:String}", parameters={"db": database})
    if not found.result_rows[0][0]:
        if not create:
            client.close()
            raise SqlfixError(f"ClickHouse database {database!r} does not exist")
        client.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
    client.database = database


def _claim_embedded_path(location: str) -> None:
    global _embedded_path, _embedded_open
    with _embedded_lock:
        if _embedded_path is not None and _embedded_path != location and _embedded_open > 0:
            raise SqlfixError(
                f"chDB already runs on data path {_embedded_path} in this process and allows one data path "
                f"per process; cannot also open {location} (close the engines on the first path, or use one path "
                "with a database per schema: chdb:///path?database=NAME)"
            )
        _embedded_path = location
        _embedded_open += 1


def _release_embedded_path() -> None:
    global _embedded_open
    with _embedded_lock:
        _embedded_open = max(0, _embedded_open - 1)


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def _refusal(message: str, engine: str) -> ExecError:
    return ExecError(kind=ErrorKind.PERMISSION, message=message, engine=engine, name="REFUSED")
