"""Execution engines behind one protocol, opened from a URL.

URL forms accepted by :func:`open_engine`:

* ``duckdb:///abs/path.duckdb``, a bare ``*.duckdb`` / ``*.db`` path, ``duckdb://:memory:``;
* ``chdb:///abs/path`` (embedded ClickHouse; one data path per process), optionally
  ``?database=NAME`` to run against a database other than ``default``;
* ``http(s)://user:password@host:port/database`` (a ClickHouse server).

The demo databases' URLs (``demo://NAME``) are not the engines' business: open them with
:func:`sqlfix.demo.open_url`, which takes these URLs too.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlfix.engines.base import Engine, ExecOutcome, Limits, ResultSet
from sqlfix.errors import SqlfixError

__all__ = ["Engine", "ExecOutcome", "Limits", "ResultSet", "open_engine"]

_DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")


def open_engine(url: str, *, read_only: bool = True, limits: Limits | None = None) -> Engine:
    """Open the engine a URL names.

    Example:
        >>> open_engine("duckdb://:memory:", read_only=False).execute("SELECT 1 AS one").rows
        [(1,)]

    Args:
        url: one of the forms in this module's docstring.
        read_only: open without write access (the default for model-written SQL).
        limits: default limits for queries run without explicit ones.

    Raises:
        SqlfixError: an unknown scheme or a path that cannot be opened.
    """
    text = url.strip()
    scheme, separator, rest = text.partition("://")
    if not separator:
        return _open_bare_path(text, read_only=read_only, limits=limits)
    scheme = scheme.lower()
    if scheme == "duckdb":
        from sqlfix.engines.duckdb import MEMORY, DuckDBEngine

        return DuckDBEngine(rest or MEMORY, read_only=read_only, limits=limits)
    if scheme == "chdb":
        from sqlfix.engines.clickhouse import ClickHouseEngine

        parts = urlsplit(text)
        database = (parse_qs(parts.query).get("database") or ["default"])[0]
        return ClickHouseEngine.embedded(parts.netloc + parts.path, database=database, read_only=read_only, limits=limits)
    if scheme in ("http", "https"):
        from sqlfix.engines.clickhouse import ClickHouseEngine

        return ClickHouseEngine.server(text, read_only=read_only, limits=limits)
    raise SqlfixError(
        f"unknown engine URL scheme {scheme!r} in {url!r}; use duckdb://, chdb://, http(s)://, demo:// or a .duckdb path"
    )


def _open_bare_path(text: str, *, read_only: bool, limits: Limits | None) -> Engine:
    from sqlfix.engines.duckdb import MEMORY, DuckDBEngine

    if text == MEMORY or Path(text).suffix.lower() in _DUCKDB_SUFFIXES:
        return DuckDBEngine(text, read_only=read_only, limits=limits)
    raise SqlfixError(f"cannot tell which engine {text!r} is for; use a .duckdb path or a duckdb://, chdb:// or http(s):// URL")
