"""The databases a server allows, each behind its own bounded queue, reopened when its engine
breaks: a DuckDB file moved or replaced under the server, an engine that raises (a chDB error,
a closed connection). A request that meets a broken engine runs once more on a reopened one;
when reopening fails too, the answer is a clear 503 naming the database and the cause."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Callable, TypeVar

from fastapi.concurrency import run_in_threadpool

from sqlfix.api.admission import Admission
from sqlfix.engines.base import Engine, ExecOutcome, Limits
from sqlfix.errors import DatabaseUnavailableError, SqlfixError, failure_line
from sqlfix.fix.database import Database, open_database
from sqlfix.schema.model import Schema

log = logging.getLogger("sqlfix.api")
T = TypeVar("T")


class EngineBroke(Exception):
    """An engine raised instead of returning a result or an ``ExecError`` (the protocol's promise)."""

    def __init__(self, engine: Engine, cause: BaseException) -> None:
        super().__init__(failure_line(cause))
        self.engine = engine


class _Reporting:
    """An engine that turns any exception of ``execute`` into :class:`EngineBroke`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.name = engine.name
        self.dialect = engine.dialect

    def execute(self, sql: str, limits: Limits | None = None, *, allow_write: bool = False) -> ExecOutcome:
        """Run ``sql`` on the wrapped engine; a raised exception means the engine broke."""
        try:
            return self._engine.execute(sql, limits, allow_write=allow_write)
        except Exception as exc:
            raise EngineBroke(self._engine, exc) from None

    def close(self) -> None:
        """Nothing: the served database owns the engine."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


class ServedDatabase:
    """One allowed database: its engine (reopened when broken), schema and request queue."""

    def __init__(self, name: str, database: Database, *, running: int = 2, waiting: int = 16, max_wait_s: float = 60.0) -> None:
        """Serve ``database`` as ``name``; at most ``running`` requests at once and ``waiting``
        queued, each for ``max_wait_s`` at most."""
        self.name = name
        self.url = database.url
        self.queue = Admission(name, running=running, waiting=waiting, max_wait_s=max_wait_s)
        self._database: Database | None = database
        self._given = database  # the caller's: closed by the caller, not here
        self._identity = _file_identity(database.engine)
        self._error: str | None = None
        self._lock = threading.Lock()

    @property
    def error(self) -> str | None:
        """Why the database is unavailable now (None when it is open)."""
        return self._error

    async def call(self, work: Callable[[Engine, Schema], T]) -> T:
        """Run blocking ``work(engine, schema)`` in a worker thread; when the engine breaks
        under it, reopen the database and run it once more.

        Raises:
            DatabaseUnavailableError: the database cannot be (re)opened, or broke again.
        """
        for attempt in (1, 2):
            database = await run_in_threadpool(self._current)
            try:
                return await run_in_threadpool(work, _Reporting(database.engine), database.schema)
            except EngineBroke as broke:
                if attempt == 2:
                    raise DatabaseUnavailableError(f"database {self.name} failed again after reopening: {broke}") from None
                log.warning("database %s: engine broke (%s); reopening", self.name, broke)
                await run_in_threadpool(self._reopen, broke.engine)
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the engine this object opened itself (on a reopen); the one it was given
        belongs to the caller."""
        with self._lock:
            if self._database is not None and self._database is not self._given:
                self._database.close()
            self._database = None

    def _current(self) -> Database:
        """The open database; reopened first when its file was moved or replaced."""
        with self._lock:
            if self._database is not None and _file_identity(self._database.engine) == self._identity:
                return self._database
            if self._database is not None:
                log.warning("database %s: its file was moved or replaced; reopening", self.name)
            return self._open_locked()

    def _reopen(self, broken: Engine) -> None:
        """Reopen unless another request already replaced ``broken``."""
        with self._lock:
            if self._database is not None and self._database.engine is not broken:
                return
            self._open_locked()

    def _open_locked(self) -> Database:
        if self._database is not None:
            try:
                self._database.close()  # the caller's too: it is broken or stale, and replaced
            except Exception as exc:  # a broken engine may fail to close; it is replaced anyway
                log.warning("database %s: closing the broken engine failed (%s)", self.name, exc)
            self._database = None
        try:
            database = open_database(self.url)
        except SqlfixError as exc:
            self._error = str(exc)
            raise DatabaseUnavailableError(f"database {self.name} is unavailable: {exc}") from None
        self._database, self._identity, self._error = database, _file_identity(database.engine), None
        return database


def _file_identity(engine: Engine) -> tuple[int, int] | None:
    """The (device, inode) of the engine's DuckDB file, None when it has none or it is gone:
    a change means the file was replaced (or moved away) since the engine opened it."""
    path = getattr(engine, "path", None)
    if not path or not Path(path).is_absolute():
        return None
    try:
        status = os.stat(path)
    except OSError:
        return (-1, -1)
    return (status.st_dev, status.st_ino)
