"""The demo databases on embedded ClickHouse (chDB): one database per demo, in this process's
chDB data path, filled with the same rows as the DuckDB build.

chDB allows one data path per process and locks it against other processes, so the path is
``$SQLFIX_CHDB_PATH`` when set (builds persist there) or a private temporary directory per
process (removed at exit; building all three demos takes a few seconds). Each demo database
carries its build hash as its comment, so an outdated build is replaced.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

from sqlfix.demo.build import check_demo_name, content_hash
from sqlfix.engines import open_engine
from sqlfix.engines.base import Engine, ResultSet
from sqlfix.errors import ExecError, SqlfixError

_lock = threading.Lock()
_private_path: Path | None = None
_built: set[tuple[str, str]] = set()


def chdb_path() -> Path:
    """Return this process's chDB data path for demos (see the module docstring)."""
    global _private_path
    configured = os.environ.get("SQLFIX_CHDB_PATH")
    if configured:
        return Path(configured).expanduser().resolve()
    if _private_path is None:
        _private_path = Path(tempfile.mkdtemp(prefix="sqlfix-chdb-"))
        atexit.register(shutil.rmtree, _private_path, True)
    return _private_path


def demo_url(name: str, path: Path | None = None) -> str:
    """Return the ``chdb://`` URL of demo ``name`` in ``path`` (default: :func:`chdb_path`)."""
    return f"chdb://{path or chdb_path()}?database={check_demo_name(name)}"


def open_clickhouse_demo(name: str, path: Path | None = None) -> Engine:
    """Open demo ``name`` read-only on chDB, building its database first when missing or outdated."""
    url = demo_url(name, path)
    with _lock:
        if (url, content_hash(name)) not in _built:
            _ensure_built(name, url)
            _built.add((url, content_hash(name)))
    return open_engine(url, read_only=True)


def _ensure_built(name: str, url: str) -> None:
    from sqlfix.schema.loader import read_source
    from sqlfix.schema.materialize import materialize

    wanted = content_hash(name)
    engine = open_engine(url, read_only=False)
    try:
        comment = _rows(engine, "SELECT comment FROM system.databases WHERE name = currentDatabase()")
        if comment == [(wanted,)]:
            return
        for (table,) in _rows(engine, "SELECT name FROM system.tables WHERE database = currentDatabase()"):
            _rows(engine, f"DROP TABLE `{table}`", write=True)
        materialize(read_source(f"demo://{name}"), url).close()
        _rows(engine, f"ALTER DATABASE `{name}` MODIFY COMMENT '{wanted}'", write=True)
    finally:
        engine.close()


def _rows(engine: Engine, sql: str, *, write: bool = False) -> list[tuple]:
    outcome = engine.execute(sql, allow_write=write)
    if isinstance(outcome, ExecError):
        raise SqlfixError(f"building the ClickHouse demo failed: {outcome.message}")
    assert isinstance(outcome, ResultSet)
    return outcome.rows
