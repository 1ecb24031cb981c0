"""The demos on embedded ClickHouse hold the same rows as on DuckDB, and their schemas load in both."""

from __future__ import annotations

import pytest

from sqlfix.demo import DEMO_NAMES, demo_rows, demo_schema, open_demo
from sqlfix.schema import load_schema

# One aggregate per demo that touches decimals, timestamps, NULLs and joins; both engines must agree.
CHECKS = {
    "shop": "SELECT count(*), sum(total), max(created_at), count(coupon_code) FROM orders",
    "hr": "SELECT count(*), sum(e.salary), min(e.hire_date), count(e.termination_date) "
          "FROM employees e JOIN departments d ON d.department_id = e.department_id",
    "flights": "SELECT count(*), sum(b.price), max(f.actual_arrival), count(b.seat) "
               "FROM bookings b JOIN flights f ON f.flight_id = b.flight_id",
    "billing": "SELECT count(*), sum(i.total), max(i.paid_at), count(s.discount_pct) "
               "FROM invoices i JOIN subscriptions s ON s.subscription_id = i.subscription_id",
    "observability": "SELECT count(*), sum(s.duration_ms), max(s.start_time), count(s.http_status) "
                     "FROM spans s JOIN hosts h ON h.host_id = s.host_id",
}


@pytest.fixture(scope="module")
def engines():
    opened = {name: (open_demo(name, "duckdb"), open_demo(name, "clickhouse")) for name in DEMO_NAMES}
    yield opened
    for pair in opened.values():
        for engine in pair:
            engine.close()


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_both_engines_hold_identical_row_counts(engines, name):
    duck, house = engines[name]
    for table, rows in demo_rows(name).items():
        counts = [engine.execute(f"SELECT count(*) FROM {table}").rows[0][0] for engine in (duck, house)]
        assert counts == [len(rows), len(rows)], table


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_both_engines_agree_on_an_aggregate_over_every_value_kind(engines, name):
    duck, house = engines[name]
    duck_row, house_row = (engine.execute(CHECKS[name]).rows[0] for engine in (duck, house))
    assert duck_row[0] == house_row[0] and duck_row[3] == house_row[3]
    assert float(duck_row[1]) == pytest.approx(float(house_row[1]))
    assert str(duck_row[2])[:19] == str(house_row[2])[:19]


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_clickhouse_schema_has_the_same_tables_with_clickhouse_types(name):
    duck, house = demo_schema(name), demo_schema(name, "clickhouse")
    assert house.dialect == "clickhouse"
    assert [t.name for t in house.tables] == [t.name for t in duck.tables]
    assert [c.description for t in house.tables for c in t.columns] == [c.description for t in duck.tables for c in t.columns]
    types = {c.type for t in house.tables for c in t.columns}
    assert {"String", "Nullable(String)"} & types and not {"VARCHAR", "INTEGER"} & types


def test_demo_url_loads_the_demo_schema():
    assert load_schema("demo://flights").to_dict() == demo_schema("flights").to_dict()


def test_demo_clickhouse_url_loads_the_clickhouse_typed_schema():
    assert load_schema("demo+clickhouse://hr").to_dict() == demo_schema("hr", "clickhouse").to_dict()


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_clickhouse_schema_types_are_what_the_built_database_reports(engines, name):
    from sqlfix.engines.introspect import read_schema

    built = read_schema(engines[name][1], name)
    documented = demo_schema(name, "clickhouse")
    assert {(t.name, c.name): c.type for t in built.tables for c in t.columns} == {
        (t.name, c.name): c.type for t in documented.tables for c in t.columns
    }
    assert {t.name: t.description for t in built.tables} == {t.name: t.description for t in documented.tables}
