"""Type transpilation between dialects and the CREATE TABLE statements built from it."""

from __future__ import annotations

import pytest

from sqlfix.schema.create import create_table_sql
from sqlfix.schema.model import Column, Schema, Table
from sqlfix.schema.types import transpile_schema, transpile_type


@pytest.mark.parametrize(
    ("type_name", "source", "duckdb", "clickhouse"),
    [
        ("character varying(40)", "postgres", "TEXT(40)", "Nullable(String)"),
        ("numeric", "postgres", "DECIMAL(38, 9)", "Nullable(Decimal(38, 9))"),
        ("bigserial", "postgres", "BIGINT", "Nullable(Int64)"),
        ("mood", "postgres", "TEXT", "Nullable(String)"),
        ("timestamp with time zone", "postgres", "TIMESTAMPTZ", "Nullable(DateTime64(6))"),
        ("date", "postgres", "DATE", "Nullable(Date32)"),
        ("integer[]", "postgres", "INT[]", "Array(Nullable(Int32))"),
        ("LowCardinality(String)", "clickhouse", "TEXT", "Nullable(String)"),
        ("Enum8('a' = 1, 'b' = 2)", "clickhouse", "TEXT", "Nullable(String)"),
        ("DateTime64(3)", "clickhouse", "TIMESTAMP", "Nullable(DateTime64(6))"),
        ("UInt16", "clickhouse", "USMALLINT", "Nullable(UInt16)"),
        ("not a type at all (", "duckdb", "TEXT", "Nullable(String)"),
    ],
)
def test_transpile_type(type_name, source, duckdb, clickhouse):
    assert transpile_type(type_name, source, "duckdb") == duckdb
    assert transpile_type(type_name, source, "clickhouse") == clickhouse


def test_key_columns_are_never_nullable_and_duckdb_keeps_not_null():
    schema = Schema("s", "postgres", [Table("t", [Column("id", "integer"), Column("v", "text", nullable=False),
                                                  Column("w", "real")], primary_key=["id"])])
    duck = transpile_schema(schema, "duckdb").tables[0]
    assert create_table_sql(duck, "duckdb") == 'CREATE TABLE "t" ("id" INT NOT NULL, "v" TEXT NOT NULL, "w" REAL, PRIMARY KEY ("id"))'
    house = transpile_schema(schema, "clickhouse").tables[0]
    assert create_table_sql(house, "clickhouse") == (
        'CREATE TABLE "t" ("id" Int32, "v" String, "w" Nullable(Float32)) ENGINE = MergeTree ORDER BY ("id")'
    )
    assert schema.tables[0].columns[0].type == "integer"
