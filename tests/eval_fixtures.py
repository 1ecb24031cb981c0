"""Shared fixtures of the eval tests: a real in-memory DuckDB with a small HR-like table set,
and a helper to build result sets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlfix.engines import open_engine
from sqlfix.engines.base import Engine, ResultSet

STAFF_SQL = """
CREATE TABLE dept (id INTEGER PRIMARY KEY, name VARCHAR);
CREATE TABLE staff (id INTEGER PRIMARY KEY, name VARCHAR, dept_id INTEGER REFERENCES dept(id),
                    salary DOUBLE, hired DATE, bonus INTEGER);
INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'sales');
INSERT INTO staff VALUES
  (1, 'ann', 1, 100.0, DATE '2020-01-05', NULL),
  (2, 'bob', 1, 90.0,  DATE '2021-03-01', 0),
  (3, 'cyd', 2, 90.0,  DATE '2019-07-15', 5),
  (4, 'dan', 2, 70.0,  DATE '2022-11-30', NULL),
  (5, 'eve', 3, 70.0,  DATE '2018-02-01', 10),
  (6, 'fay', 3, 60.0,  DATE '2023-06-10', 0);
"""


def result(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> ResultSet:
    """A result set with the given columns and rows (types left generic)."""
    return ResultSet(columns=columns, types=tuple("ANY" for _ in columns), rows=rows)


@pytest.fixture
def staff_db() -> Iterator[Engine]:
    """A real in-memory DuckDB holding the `dept` and `staff` tables."""
    engine = open_engine("duckdb://:memory:", read_only=False)
    for statement in STAFF_SQL.split(";"):
        if statement.strip():
            outcome = engine.execute(statement, allow_write=True)
            assert isinstance(outcome, ResultSet), outcome
    yield engine
    engine.close()
