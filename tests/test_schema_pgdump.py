"""pg_dump plain-format files: tables, keys from ALTER TABLE, comments, COPY data; broken dumps."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from sqlfix.errors import SchemaLoadError
from sqlfix.schema import load_schema, materialize
from sqlfix.schema.loader import read_source
from tests.schema_fixtures import PG_DUMP, PG_DUMP_FEATURES, fresh_chdb_url

CUSTOMERS = [
    (1, "Ann Lee", "ann@example.com", datetime(2024, 1, 5, 10, 0, tzinfo=timezone.utc), "happy", Decimal("9.50")),
    (2, "Bob\tTab", None, datetime(2024, 2, 11, 8, 30, 0, 123456, tzinfo=timezone.utc), None, None),
    (3, "Cé \"Quote\" O'Neil", "c@example.com", datetime(2024, 3, 1, tzinfo=timezone.utc), "sad", Decimal("4.25")),
]
ORDERS = [
    (10, 1, date(2024, 1, 6), True, "first order\nsecond line"),
    (11, 1, date(2024, 1, 7), False, None),
    (12, 3, date(2024, 3, 2), True, "back\\slash"),
]


@pytest.fixture
def dump_path(tmp_path):
    path = tmp_path / "store.sql"
    path.write_text(PG_DUMP, encoding="utf-8")
    return path


def test_schema_from_dump_has_tables_keys_comments(dump_path):
    schema = load_schema(str(dump_path))
    assert schema.id == "store" and schema.dialect == "postgres"
    customers, orders = schema.tables
    assert customers.primary_key == ["id"] and orders.primary_key == ["id"]
    assert [(fk.columns, fk.ref_table, fk.ref_columns) for fk in orders.foreign_keys] == [(["customer_id"], "customers", ["id"])]
    assert customers.description == "People who buy things"
    assert customers.column("email").description == "Contact address"
    assert customers.column("email").type == "VARCHAR(255)"
    assert not customers.column("created_at").nullable and customers.column("score").nullable


def test_copy_blocks_decode_nulls_escapes_and_types(dump_path):
    loaded = read_source(str(dump_path))
    rows = {name: [r for batch in data.batches() for r in batch] for name, data in loaded.data.items()}
    assert rows == {"customers": CUSTOMERS, "orders": ORDERS}


def test_materialize_into_duckdb_and_query_back(dump_path, tmp_path):
    engine = materialize(str(dump_path), f"duckdb://{tmp_path / 'store.duckdb'}")
    try:
        result = engine.execute("SELECT id, name, email, score FROM customers ORDER BY id")
        assert result.rows == [(r[0], r[1], r[2], r[5]) for r in CUSTOMERS]
        joined = engine.execute("SELECT c.name, count(*) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY 1 ORDER BY 1")
        assert joined.rows == [("Ann Lee", 2), ("Cé \"Quote\" O'Neil", 1)]
        assert engine.execute("SELECT note FROM orders WHERE id = 10").rows == [("first order\nsecond line",)]
    finally:
        engine.close()


def test_materialize_into_chdb_and_query_back(dump_path, tmp_path):
    engine = materialize(str(dump_path), fresh_chdb_url("store"))
    try:
        result = engine.execute("SELECT id, name, email, toString(score), placed FROM customers "
                                "LEFT JOIN (SELECT customer_id, count() AS placed FROM orders GROUP BY customer_id) o "
                                "ON o.customer_id = customers.id ORDER BY id")
        assert result.rows == [(1, "Ann Lee", "ann@example.com", "9.5", 2), (2, "Bob\tTab", None, None, 0),
                               (3, "Cé \"Quote\" O'Neil", "c@example.com", "4.25", 1)]
        micro = engine.execute("SELECT toUnixTimestamp64Micro(created_at) FROM customers WHERE id = 2").rows[0][0]
        assert micro == int(CUSTOMERS[1][3].timestamp() * 1_000_000)
    finally:
        engine.close()


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("mangle", "line_of", "expected"),
    [
        (lambda t: t.replace("\\.\n\nCOPY public.orders", "\nCOPY public.orders", 1), "\nCOPY public.orders", "1 fields for 6 columns"),
        (lambda t: t.replace("2\tBob\\tTab", "2\tBob\tTab"), "2\tBob", "7 fields for 6 columns"),
        (lambda t: t.replace("11\t1\t2024-01-07\tf", "11\t1\t2024-01-07\tmaybe"), "11\t1\t", "bad value for public.orders (not a boolean: 'maybe')"),
        (lambda t: t.replace("COPY public.orders", "COPY public.invoices"), "COPY public.invoices", "COPY into public.invoices, which no CREATE TABLE"),
        (lambda t: t.replace("    placed_on date NOT NULL,", "    placed_on date NOT NULL"), "    paid boolean", "cannot parse statement"),
    ],
)
def test_broken_dumps_name_the_file_line_and_problem(tmp_path, mangle, line_of, expected):
    path = tmp_path / "broken_dump.sql"
    mangled = mangle(PG_DUMP)
    assert mangled != PG_DUMP
    path.write_text(mangled, encoding="utf-8")
    with pytest.raises(SchemaLoadError) as caught:
        read_source(str(path))
    assert f"broken_dump.sql, line {_line_of(mangled, line_of)}: {expected}" in str(caught.value)


def test_unterminated_copy_block_is_reported(tmp_path):
    path = tmp_path / "cut.sql"
    path.write_text(PG_DUMP[: PG_DUMP.index("12\t3\t")], encoding="utf-8")
    with pytest.raises(SchemaLoadError, match=r"cut.sql: COPY data for public.orders starting at line \d+ never ends"):
        read_source(str(path))


def test_custom_format_archive_gets_a_conversion_hint(tmp_path):
    path = tmp_path / "store.dump"
    path.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01\x01\x01\x00\x00\x00\x00\xff")
    with pytest.raises(SchemaLoadError, match="custom-format pg_dump archive.*pg_restore"):
        read_source(str(path))


def test_partitioned_identity_array_and_json_columns_load(tmp_path):
    path = tmp_path / "metrics.sql"
    path.write_text(PG_DUMP_FEATURES, encoding="utf-8")
    schema = load_schema(str(path))
    assert [t.name for t in schema.tables] == ["measurements", "cache"]
    assert schema.table("measurements").primary_key == ["id", "logdate"]
    engine = materialize(str(path), f"duckdb://{tmp_path / 'metrics.duckdb'}")
    try:
        row = engine.execute("SELECT tags, payload->>'x', peaktemp FROM measurements").rows
        assert row == [(["a", "b"], "1", 31)]
    finally:
        engine.close()


def test_failed_load_into_a_new_file_leaves_no_file(tmp_path):
    path = tmp_path / "orphans.sql"
    path.write_text(PG_DUMP.replace("12\t3\t2024-03-02", "12\t99\t2024-03-02"), encoding="utf-8")
    target = tmp_path / "orphans.duckdb"
    with pytest.raises(SchemaLoadError, match="loading rows into orders failed.*foreign key"):
        materialize(str(path), f"duckdb://{target}")
    assert not target.exists()
