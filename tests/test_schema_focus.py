"""The schema a repair prompt shows: the tables a failing query is about, on the demo schemas."""

from __future__ import annotations

import duckdb
import pytest

from sqlfix.demo import DEMO_NAMES, demo_schema
from sqlfix.schema.focus import focus_schema


def names(sql: str, schema: str = "shop") -> list[str]:
    return [t.name for t in focus_schema(demo_schema(schema), sql).tables]


def test_the_tables_a_query_names_and_no_others():
    assert names("SELECT o.order_id FROM orders o JOIN users u ON u.user_id = o.user_id") == ["users", "orders"]


def test_a_misspelled_table_brings_the_table_it_means():
    assert "orders" in names("SELECT order_id FROM orderz")
    assert "products" in names("SELECT name FROM prodcts WHERE price > 10")


def test_a_column_from_another_table_brings_that_table():
    focused = names("SELECT email, coupon_code FROM users")  # coupon_code lives in orders
    assert "users" in focused and "orders" in focused


def test_a_query_naming_no_table_gets_the_whole_schema():
    assert names("SELECT 1 + 1") == [t.name for t in demo_schema("shop").tables]


@pytest.mark.parametrize("schema", DEMO_NAMES)
def test_prompts_are_valid_ddl_and_the_focus_is_shorter(schema):
    whole = demo_schema(schema)
    duckdb.connect().execute(whole.to_prompt())  # commas before comments: DuckDB reads it as DDL
    first = whole.tables[0].name
    assert len(focus_schema(whole, f"SELECT * FROM {first}").to_prompt()) < len(whole.to_prompt()) / 2
