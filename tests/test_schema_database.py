"""Schemas and data from live databases: a DuckDB file and a chDB database, through the engines."""

from __future__ import annotations

import pytest

from sqlfix.errors import SchemaLoadError
from sqlfix.schema import load_schema, materialize
from tests.schema_fixtures import PG_DUMP, fresh_chdb_url


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
    house_url = fresh_chdb_url("store_copy")
    materialize(str(duckdb_file), house_url).close()
    house_schema = load_schema(house_url)
    assert house_schema.dialect == "clickhouse" and house_schema.id.startswith("store_copy_")
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


def test_materialized_duckdb_keeps_foreign_keys_and_descriptions(tmp_path):
    path = tmp_path / "hr.duckdb"
    engine = materialize("demo://hr", f"duckdb://{path}")
    engine.close()
    schema = load_schema(str(path))
    employees = schema.table("employees")
    assert {(tuple(fk.columns), fk.ref_table) for fk in employees.foreign_keys} == {
        (("department_id",), "departments"), (("manager_id",), "employees")
    }
    assert employees.description == "Everyone who works or has worked at the company"
    assert employees.column("manager_id").description.startswith("Direct manager")


def test_materialized_chdb_keeps_descriptions_and_sorting_keys(tmp_path):
    url = fresh_chdb_url("hr_copy")
    materialize("demo://hr", url).close()
    schema = load_schema(url)
    assignments = schema.table("assignments")
    assert assignments.description == "Who works on which project"
    assert assignments.column("role").description.startswith("Role on the project")
    assert assignments.primary_key == ["employee_id", "project_id"]


def test_in_memory_target_loads_through_the_engine(tmp_path):
    dump = tmp_path / "store.sql"
    dump.write_text(PG_DUMP, encoding="utf-8")
    engine = materialize(str(dump), "duckdb://:memory:")
    try:
        assert engine.execute("SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id").rows == [(3,)]
    finally:
        engine.close()
