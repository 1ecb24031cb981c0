"""Real databases for the engine tests: a DuckDB file per test, one chDB data path per process.

Both hold the same small tables so one list of failing queries serves both engines::

    users(id, name, country, signup_date)
    orders(id, user_id, amount, status, created_at)
    events(id, user_id, tags list/array, info struct/tuple(city, zip))
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from sqlfix.demo.clickhouse import chdb_path as demo_chdb_path
from sqlfix.engines.clickhouse import ClickHouseEngine
from sqlfix.engines.duckdb import DuckDBEngine

USERS = [
    (1, "Ada", "UK", dt.date(2023, 1, 5)),
    (2, "Linus", "FI", dt.date(2023, 2, 11)),
    (3, "Grace", "US", dt.date(2023, 3, 20)),
]
ORDERS = [
    (1, 1, 10.5, "paid", dt.datetime(2023, 4, 1, 10, 0)),
    (2, 1, 99.0, "refunded", dt.datetime(2023, 4, 2, 11, 30)),
    (3, 2, 5.25, "paid", dt.datetime(2023, 4, 3, 9, 15)),
    (4, 3, 42.0, "paid", dt.datetime(2023, 4, 4, 18, 45)),
]
EVENTS = [
    (1, 1, ["new", "promo"], {"city": "London", "zip": "N1"}),
    (2, 2, [], {"city": "Helsinki", "zip": "00100"}),
]
USER_COLUMNS = ("id", "name", "country", "signup_date")
EVENT_COLUMNS = ("id", "user_id", "tags", "info")
ORDER_COLUMNS = ("id", "user_id", "amount", "status", "created_at")

DUCKDB_DDL = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, country VARCHAR, signup_date DATE)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), amount DOUBLE,"
    " status VARCHAR, created_at TIMESTAMP)",
    "CREATE TABLE events (id INTEGER, user_id INTEGER, tags VARCHAR[], info STRUCT(city VARCHAR, zip VARCHAR))",
)
CLICKHOUSE_DDL = (
    "CREATE TABLE {db}.users (id Int32, name String, country Nullable(String), signup_date Date)"
    " ENGINE = MergeTree ORDER BY id",
    "CREATE TABLE {db}.orders (id Int32, user_id Int32, amount Float64, status String, created_at DateTime)"
    " ENGINE = MergeTree ORDER BY id",
    "CREATE TABLE {db}.events (id Int32, user_id Int32, tags Array(String), info Tuple(city String, zip String))"
    " ENGINE = MergeTree ORDER BY id",
)

SERVER_URL_VARIABLE = "SQLFIX_CLICKHOUSE_URL"

# chDB allows one data path per process, so these tests use the process's demo path (each
# pytest-xdist worker has its own) with a database of their own next to the demo databases.
CHDB_DATABASE = "engines_test"


def build_duckdb(path: Path) -> Path:
    """Create the two test tables with rows in a new DuckDB file at ``path``."""
    engine = DuckDBEngine(path, read_only=False)
    try:
        for ddl in DUCKDB_DDL:
            outcome = engine.execute(ddl, allow_write=True)
            assert not hasattr(outcome, "kind"), outcome
        engine.insert_rows("users", USER_COLUMNS, USERS)
        engine.insert_rows("orders", ORDER_COLUMNS, ORDERS)
        engine.insert_rows("events", EVENT_COLUMNS, EVENTS)
    finally:
        engine.close()
    return path


@pytest.fixture(scope="session")
def duckdb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with the test tables, built once per process; open it read-only only."""
    return build_duckdb(tmp_path_factory.mktemp("duckdb") / "shop.duckdb")


@pytest.fixture
def duckdb_engine(duckdb_path: Path) -> Iterator[DuckDBEngine]:
    """A read-only DuckDB engine on the test file."""
    engine = DuckDBEngine(duckdb_path)
    yield engine
    engine.close()


def build_clickhouse(engine: ClickHouseEngine, database: str) -> None:
    """Create ``database`` with the test tables and rows through a writable engine."""
    for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
        outcome = engine.execute(sql, allow_write=True)
        assert not hasattr(outcome, "kind"), outcome
    for ddl in CLICKHOUSE_DDL:
        outcome = engine.execute(ddl.format(db=database), allow_write=True)
        assert not hasattr(outcome, "kind"), outcome
    engine.insert_rows(f"{database}.users", USER_COLUMNS, USERS)
    engine.insert_rows(f"{database}.orders", ORDER_COLUMNS, ORDERS)
    engine.insert_rows(f"{database}.events", EVENT_COLUMNS, EVENTS)


def server_url_for(database: str) -> str | None:
    """``SQLFIX_CLICKHOUSE_URL`` pointed at ``database``, or None when no server is configured."""
    url = os.environ.get(SERVER_URL_VARIABLE)
    if not url:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


@pytest.fixture(scope="session")
def clickhouse_server_url() -> str:
    """A database on the real server named by ``SQLFIX_CLICKHOUSE_URL`` with the test tables (else skip)."""
    database = f"sqlfix_engine_tests_{os.getpid()}"
    url = server_url_for("default")
    if url is None:
        pytest.skip(f"set {SERVER_URL_VARIABLE}=http://user:password@host:8123 to run against a ClickHouse server")
    writer = ClickHouseEngine.server(url, read_only=False)
    build_clickhouse(writer, database)
    writer.close()
    return server_url_for(database)


@pytest.fixture(scope="session", params=["chdb", pytest.param("server", marks=pytest.mark.clickhouse_server)])
def clickhouse_engine(request: pytest.FixtureRequest) -> Iterator[ClickHouseEngine]:
    """A read-only engine on the test tables: embedded chDB, and the real server when configured.

    Shared by the tests of a process: a read-only engine keeps no state between queries."""
    if request.param == "chdb":
        engine = ClickHouseEngine.embedded(str(request.getfixturevalue("chdb_path")), database=CHDB_DATABASE)
    else:
        engine = ClickHouseEngine.server(request.getfixturevalue("clickhouse_server_url"))
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def chdb_path() -> Path:
    """This process's one chDB data path, with database ``engines_test`` holding the test tables."""
    path = demo_chdb_path()
    writer = ClickHouseEngine.embedded(str(path), read_only=False)
    build_clickhouse(writer, CHDB_DATABASE)
    writer.close()
    return path


