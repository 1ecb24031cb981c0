"""DDL loading in several dialects, and clear errors for broken files and unknown dialects."""

from __future__ import annotations

import pytest

from sqlfix.errors import DialectError, SchemaLoadError
from sqlfix.schema import load_schema
from tests.schema_fixtures import CLICKHOUSE_DDL, MYSQL_DDL


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_duckdb_ddl_with_inline_keys_and_comment_on(tmp_path):
    source = _write(tmp_path, "crm.sql", """
        CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, region VARCHAR);
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            account_id INTEGER REFERENCES accounts (id),
            email VARCHAR
        );
        COMMENT ON TABLE accounts IS 'Customer companies';
        COMMENT ON COLUMN contacts.email IS 'Work e-mail';
    """)
    schema = load_schema(source)
    assert schema.id == "crm" and schema.dialect == "duckdb"
    accounts, contacts = schema.tables
    assert accounts.description == "Customer companies"
    assert [(c.name, c.nullable) for c in accounts.columns] == [("id", False), ("name", False), ("region", True)]
    assert contacts.primary_key == ["id"]
    assert [(fk.columns, fk.ref_table, fk.ref_columns) for fk in contacts.foreign_keys] == [(["account_id"], "accounts", ["id"])]
    assert contacts.column("email").description == "Work e-mail"
    assert "REFERENCES accounts(id)" in schema.to_prompt()


def test_postgres_table_level_constraints_and_skipped_statements(tmp_path):
    source = _write(tmp_path, "app.sql", """
        CREATE EXTENSION IF NOT EXISTS pgcrypto;
        CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
        CREATE TABLE public.items (
            sku text NOT NULL,
            store_id integer NOT NULL,
            qty integer DEFAULT 0,
            CONSTRAINT items_pk PRIMARY KEY (sku, store_id),
            CONSTRAINT items_store_fk FOREIGN KEY (store_id) REFERENCES public.stores (id)
        );
        CREATE INDEX items_qty ON public.items USING btree (qty);
        GRANT SELECT ON public.items TO reader;
    """)
    schema = load_schema(source, dialect="postgres")
    (items,) = schema.tables
    assert items.name == "items" and items.primary_key == ["sku", "store_id"]
    assert items.foreign_keys[0].ref_table == "stores" and items.foreign_keys[0].ref_columns == ["id"]
    assert items.column("sku").type == "TEXT"


def test_clickhouse_ddl_engine_clauses_nullable_and_sorting_key(tmp_path):
    schema = load_schema(_write(tmp_path, "events.sql", CLICKHOUSE_DDL))
    assert schema.dialect == "clickhouse"
    hits, users = schema.tables
    assert (hits.name, users.name) == ("hits", "users")
    assert hits.primary_key == ["user_id", "event_date"] and users.primary_key == ["user_id"]
    assert hits.description == "Raw page hits"
    assert hits.column("event_date").description == "day of the hit"
    assert hits.column("referrer").nullable and not hits.column("url").nullable
    assert hits.column("device").type == "LowCardinality(String)"


def test_mysql_inline_comments_table_comment_and_named_foreign_key(tmp_path):
    schema = load_schema(_write(tmp_path, "shop.sql", MYSQL_DDL), dialect="mysql")
    customers, orders = schema.tables
    assert customers.description == "shop customers"
    assert customers.column("email").description == "login address"
    assert orders.foreign_keys[0].ref_table == "customers"


def test_broken_ddl_names_file_and_line(tmp_path):
    source = _write(tmp_path, "broken.sql", "CREATE TABLE ok (id INT);\n\nCREATE TABLE bad (id INT name TEXT);\n")
    with pytest.raises(SchemaLoadError) as caught:
        load_schema(source)
    assert "broken.sql, line 3" in str(caught.value)


def test_file_without_tables_missing_file_and_unknown_dialect(tmp_path):
    with pytest.raises(SchemaLoadError, match="no CREATE TABLE"):
        load_schema(_write(tmp_path, "empty.sql", "SELECT 1;"))
    with pytest.raises(SchemaLoadError, match="no such file"):
        load_schema(str(tmp_path / "absent.sql"))
    with pytest.raises(DialectError, match="unknown SQL dialect 'postgress'"):
        load_schema(_write(tmp_path, "t.sql", "CREATE TABLE t (a INT);"), dialect="postgress")


def test_binary_file_is_a_clear_error(tmp_path):
    path = tmp_path / "blob.sql"
    path.write_bytes(b"\xff\xfe\x00CREATE")
    with pytest.raises(SchemaLoadError, match="blob.sql: cannot read"):
        load_schema(str(path))
