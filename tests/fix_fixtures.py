"""Fixtures for the fix/ask tests: the real demo databases on DuckDB and chDB."""

from __future__ import annotations

import pytest

from sqlfix.demo import demo_schema, open_demo
from sqlfix.fix.database import Database


@pytest.fixture(scope="session")
def shop_duckdb() -> Database:
    """The shop demo on DuckDB, read-only."""
    database = Database("demo://shop", open_demo("shop"), demo_schema("shop"))
    yield database
    database.close()


@pytest.fixture(scope="session")
def shop_clickhouse() -> Database:
    """The shop demo on embedded ClickHouse (chDB), read-only."""
    from sqlfix.fix.database import open_database

    database = open_database("demo+clickhouse://shop")
    yield database
    database.close()
