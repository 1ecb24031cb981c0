"""CSV/Parquet folders as schemas: DuckDB-inferred types, samples, data into DuckDB and chDB."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from sqlfix.errors import SchemaLoadError
from sqlfix.schema import load_schema, materialize
from tests.schema_fixtures import fresh_chdb_url


@pytest.fixture
def data_folder(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "daily sales.csv").write_text(
        "day,store,units,revenue,note\n"
        "2024-03-01,Berlin,12,250.5,\n"
        "2024-03-01,Paris,7,99.0,\"promo, weekend\"\n"
        "2024-03-02,Berlin,15,310.25,restock\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT range AS store_id, 'store ' || range AS name, range % 2 = 0 AS open_sunday "
        f"FROM range(1, 51)) TO '{folder / 'stores.parquet'}' (FORMAT parquet)"
    )
    con.close()
    (folder / "README.txt").write_text("not data", encoding="utf-8")
    return folder


def test_folder_gives_one_table_per_file_with_inferred_types_and_samples(data_folder):
    schema = load_schema(str(data_folder))
    assert schema.id == "exports" and schema.dialect == "duckdb"
    sales, stores = schema.tables
    assert sales.name == "daily_sales"
    assert [(c.name, c.type) for c in sales.columns] == [
        ("day", "DATE"), ("store", "VARCHAR"), ("units", "BIGINT"), ("revenue", "DOUBLE"), ("note", "VARCHAR")
    ]
    assert sales.column("store").samples == ["Berlin", "Paris"]
    assert sales.column("day").samples == ["2024-03-01", "2024-03-02"]
    assert sales.column("note").samples == ["promo, weekend", "restock"]
    assert stores.column("open_sunday").type == "BOOLEAN" and stores.column("name").samples == ["store 1", "store 2", "store 3"]


def test_single_csv_file_is_a_one_table_schema(data_folder):
    schema = load_schema(str(data_folder / "daily sales.csv"))
    assert [t.name for t in schema.tables] == ["daily_sales"]


@pytest.mark.parametrize("target", ["duckdb", "chdb"])
def test_materialized_rows_query_back(data_folder, tmp_path, target):
    url = f"duckdb://{tmp_path / 'x.duckdb'}" if target == "duckdb" else fresh_chdb_url("exports")
    engine = materialize(str(data_folder), url)
    try:
        totals = engine.execute("SELECT store, sum(units), round(sum(revenue), 2) FROM daily_sales GROUP BY store ORDER BY store")
        assert [tuple(r) for r in totals.rows] == [("Berlin", 27, 560.75), ("Paris", 7, 99.0)]
        assert engine.execute("SELECT count(*) FROM stores WHERE open_sunday").rows[0][0] == 25
        days = engine.execute("SELECT DISTINCT day FROM daily_sales ORDER BY day").rows
        assert days == [(date(2024, 3, 1),), (date(2024, 3, 2),)]
    finally:
        engine.close()


def test_empty_folder_and_malformed_csv_are_clear_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SchemaLoadError, match="no .csv, .tsv or .parquet files"):
        load_schema(str(empty))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(SchemaLoadError, match=r"bad.parquet: cannot read"):
        load_schema(str(broken))
