"""read_schema on real DuckDB files and real chDB databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlfix.engines.clickhouse import ClickHouseEngine
from sqlfix.engines.duckdb import DuckDBEngine
from sqlfix.engines.introspect import read_schema
from sqlfix.engines.precheck import precheck
from sqlfix.schema.model import ForeignKey, Schema
from tests.engines_fixtures import chdb_path, clickhouse_engine, clickhouse_server_url, duckdb_engine, duckdb_path  # noqa: F401


def test_duckdb_tables_types_keys_and_samples(duckdb_engine: DuckDBEngine) -> None:
    schema = read_schema(duckdb_engine, "shop")
    assert schema.id == "shop" and schema.dialect == "duckdb"
    assert sorted(t.name for t in schema.tables) == ["events", "orders", "users"]
    users = schema.table("users")
    assert [(c.name, c.type) for c in users.columns] == [
        ("id", "INTEGER"), ("name", "VARCHAR"), ("country", "VARCHAR"), ("signup_date", "DATE"),
    ]
    assert users.primary_key == ["id"]
    assert users.column("name").nullable is False and users.column("country").nullable is True
    assert users.column("name").samples == ["Ada", "Linus", "Grace"]
    assert users.column("signup_date").samples[0] == "2023-01-05"
    orders = schema.table("orders")
    assert orders.foreign_keys == [ForeignKey(columns=["user_id"], ref_table="users", ref_columns=["id"])]
    assert orders.column("status").samples == ["paid", "refunded"]
    assert schema.table("events").column("info").type == "STRUCT(city VARCHAR, zip VARCHAR)"


def test_duckdb_comments_views_and_other_schemas(tmp_path: Path) -> None:
    writer = DuckDBEngine(tmp_path / "c.duckdb", read_only=False)
    for sql in (
        "CREATE TABLE items (sku VARCHAR PRIMARY KEY, price DECIMAL(8, 2))",
        "COMMENT ON TABLE items IS 'things we sell'",
        "COMMENT ON COLUMN items.price IS 'list price in EUR'",
        "INSERT INTO items VALUES ('a-1', 9.99), ('b-2', 19.5)",
        "CREATE VIEW cheap AS SELECT sku FROM items WHERE price < 10",
        "CREATE SCHEMA archive",
        "CREATE TABLE archive.items_2020 (sku VARCHAR, sold INTEGER)",
    ):
        assert not hasattr(writer.execute(sql, allow_write=True), "kind"), sql
    writer.close()
    engine = DuckDBEngine(tmp_path / "c.duckdb")
    try:
        schema = read_schema(engine, "catalog")
    finally:
        engine.close()
    assert sorted(t.name for t in schema.tables) == ["archive.items_2020", "cheap", "items"]
    items = schema.table("items")
    assert items.description == "things we sell"
    assert items.column("price").description == "list price in EUR"
    assert items.column("price").samples == [9.99, 19.5]
    assert schema.table("cheap").column("sku").samples == ["a-1"]
    assert "list price in EUR" in schema.to_prompt()
    assert Schema.from_dict(schema.to_dict()) == schema


def test_clickhouse_tables_types_keys_and_samples(clickhouse_engine: ClickHouseEngine) -> None:
    schema = read_schema(clickhouse_engine, "shop")
    assert schema.dialect == "clickhouse"
    assert sorted(t.name for t in schema.tables) == ["events", "orders", "users"]
    users = schema.table("users")
    assert [(c.name, c.type) for c in users.columns] == [
        ("id", "Int32"), ("name", "String"), ("country", "Nullable(String)"), ("signup_date", "Date"),
    ]
    assert users.primary_key == ["id"]
    assert users.column("country").nullable and not users.column("name").nullable
    assert users.column("name").samples == ["Ada", "Linus", "Grace"]
    assert schema.table("events").column("tags").samples[0] == str(["new", "promo"])


def test_introspected_schema_drives_the_precheck(duckdb_engine: DuckDBEngine, clickhouse_engine: ClickHouseEngine) -> None:
    for engine in (duckdb_engine, clickhouse_engine):
        schema = read_schema(engine, "shop", samples=0)
        assert all(not c.samples for t in schema.tables for c in t.columns)
        assert precheck("SELECT nme FROM users", schema, engine.dialect).hints == ("name",)


@pytest.mark.parametrize("samples", [1, 3])
def test_sample_count_is_respected(duckdb_engine: DuckDBEngine, samples: int) -> None:
    schema = read_schema(duckdb_engine, "shop", samples=samples)
    assert max(len(c.samples) for t in schema.tables for c in t.columns) == samples
