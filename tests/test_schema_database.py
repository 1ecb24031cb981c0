"""Schemas and data from live databases: a DuckDB file and a chDB database, through the engines."""

from __future__ import annotations

import pytest

from sqlfix.errors import SchemaLoadError
from sqlfix.schema import load_schema, materialize
from tests.schema_fixtures import PG_DUMP


@pytest.fixture
def duckdb_file(tmp_path):
    dump = tmp_path / "store.sql"
    dump.write_text(PG_DUMP, encoding="utf-8")
    path = tmp_path / "store.duckdb"
    materialize(str(dump), f"duckdb://{path}").close()
    return path


def test_duckdb_file_schema_has_types_keys_and_samples(duckdb_file):
    schema = load_schema(str(duckdb_file))
    assert schema.id == "store" and schema.dialect == "duckdb"
    customers = schema.table("customers")
    assert customers.primary_key == ["id"]
    assert customers.column("score").type == "DECIMAL(5,2)"
    assert customers.column("name").samples[:2] == ["Ann Lee", "Bob\tTab"]
    assert not customers.column("name").nullable


def test_duckdb_file_copies_into_chdb_and_back_into_duckdb(duckdb_file, tmp_path):
    house_url = f"chdb://{tmp_path / 'ch'}?database=store_copy"
    materialize(str(duckdb_file), house_url).close()
    house_schema = load_schema(house_url)
    assert house_schema.dialect == "clickhouse" and house_schema.id == "store_copy"
    assert house_schema.table("orders").column("note").type == "Nullable(String)"
    round_trip = materialize(house_url, f"duckdb://{tmp_path / 'back.duckdb'}")
    try:
        rows = round_trip.execute("SELECT id, paid, note FROM orders ORDER BY id").rows
        assert rows == [(10, True, "first order\nsecond line"), (11, False, None), (12, True, "back\\slash")]
    finally:
        round_trip.close()


def test_unreadable_databases_are_schema_load_errors(tmp_path):
    fake = tmp_path / "fake.duckdb"
    fake.write_text("not a database", encoding="utf-8")
    with pytest.raises(SchemaLoadError, match="not a valid DuckDB database"):
        load_schema(str(fake))
    with pytest.raises(SchemaLoadError, match="chDB data path not found"):
        load_schema(f"chdb://{tmp_path / 'absent'}?database=x")
