"""Model-written SQL that breaks sqlglot itself (not with its own ParseError but ValueError or
AttributeError from inside its parser or generator) must not escape the helpers that promise a
best effort: the engines' foreign-dialect hints and the normaliser."""

from __future__ import annotations

import pytest

from sqlfix.engines import open_engine
from sqlfix.engines.base import ResultSet
from sqlfix.engines.foreign_dialect import MAX_HINT_DEPTH, foreign_function, foreign_syntax, nesting_depth
from sqlfix.errors import ExecError
from sqlfix.normalize import normalize_sql, sql_template

# Each broke sqlglot 30.30 (seen in the 135M model's answers to the golden set).
ODD = [
    "SELECT DATEDIFF(DISTINCT, actual, scheduled_departure) AS avg_del_minutes",  # T-SQL parser: ValueError
    "SELECT DATEADD(current_date, 1, current_date) AS d FROM employees",  # T-SQL parser: ValueError
    "SELECT AVG(x) FROM e WHERE h > datetime(2024-10-09) OR h > datetime(2024-08-26)",  # DuckDB generator: AttributeError
]


@pytest.mark.parametrize("sql", ODD)
def test_helpers_give_their_fallback_instead_of_raising(sql):
    for dialect in ("duckdb", "clickhouse"):
        foreign_syntax(sql, dialect)
        foreign_function(sql, "datediff", dialect)
        assert normalize_sql(sql, dialect) and sql_template(sql, dialect)


@pytest.mark.parametrize("sql", ODD)
def test_the_engine_classifies_them_instead_of_raising(sql):
    engine = open_engine("duckdb://:memory:")
    try:
        outcome = engine.execute(sql)
    finally:
        engine.close()
    assert isinstance(outcome, (ExecError, ResultSet))


def test_sql_nested_too_deep_gets_no_dialect_hint():
    """sqlglot's MySQL parser backtracks through nested calls left open in exponential time: the
    hints stop at MAX_HINT_DEPTH levels (a 135M model's repetition loop, 63 deep, took an
    evaluation past 20 GB)."""
    shallow = "SELECT TOP 5 " + "abs(" * 3 + "a" + ")" * 3 + " FROM t"
    deep = "SELECT TOP 5 " + "abs(" * (MAX_HINT_DEPTH + 1) + "a" + ")" * (MAX_HINT_DEPTH + 1) + " FROM t"
    assert foreign_syntax(shallow, "duckdb").dialect == "tsql"
    assert nesting_depth(deep) == MAX_HINT_DEPTH + 1
    assert foreign_syntax(deep, "duckdb") is None
    assert foreign_function("SELECT " + "DATEADD(day, 1, " * 13 + "d", "dateadd", "duckdb") is None
    assert nesting_depth("SELECT f(g(x), '((' /* ( */) FROM t") == 2
