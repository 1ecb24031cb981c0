"""Fixtures for the datagen tests: a tiny real DuckDB database with keys, categories, numbers,
dates and booleans (plus two larger tables for cross-join blow-ups), and its schema profile."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb

from datagen.profile import SchemaProfile, profile_schema
from sqlfix.engines import open_engine
from sqlfix.engines.base import Engine
from sqlfix.schema.model import Column, ForeignKey, Schema, Table

CITIES = ("Oslo", "Rome", "Lima", "Kyiv", "Pune")
STATUSES = ("paid", "shipped", "pending", "cancelled")
CHANNELS = ("ads", "search", "direct")

DDL = """
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, city VARCHAR, signup_date DATE,
                        is_vip BOOLEAN NOT NULL);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (customer_id),
                     status VARCHAR NOT NULL, total DECIMAL(10, 2) NOT NULL, created_at TIMESTAMP NOT NULL);
CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, channel VARCHAR NOT NULL, pages INTEGER NOT NULL);
CREATE TABLE clicks (click_id INTEGER PRIMARY KEY, visit_id INTEGER REFERENCES visits (visit_id), target VARCHAR);
"""


def build_tiny_duckdb(path: Path) -> Path:
    """Write the tiny database to ``path`` (deterministic rows) and return the path."""
    rng = random.Random(7)
    con = duckdb.connect(str(path))
    con.execute(DDL)
    start = dt.date(2023, 1, 1)
    for cid in range(1, 41):
        con.execute("INSERT INTO customers VALUES (?, ?, ?, ?, ?)",
                    [cid, f"Customer {cid:02d}", CITIES[cid % len(CITIES)], start + dt.timedelta(days=cid * 17),
                     cid % 4 == 0])
    for oid in range(1, 201):
        created = dt.datetime(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 700), hours=rng.randrange(24))
        con.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?)",
                    [oid, rng.randrange(1, 41), STATUSES[min(oid % 7, 3)], rng.randrange(1, 30) * 10, created])
    con.execute(f"INSERT INTO visits SELECT range + 1, ['ads', 'search', 'direct'][range % 3 + 1], range % 9 + 1 "
                f"FROM range(6000)")
    con.execute("INSERT INTO clicks SELECT range + 1, range % 6000 + 1, 'btn' || (range % 13) FROM range(6000)")
    con.close()
    return path


def tiny_schema() -> Schema:
    """The tiny database's schema (with keys and a few descriptions)."""
    return Schema("tiny", "duckdb", [
        Table("customers", [Column("customer_id", "INTEGER"), Column("name", "VARCHAR", "Full name"),
                            Column("city", "VARCHAR", "Home city"), Column("signup_date", "DATE"),
                            Column("is_vip", "BOOLEAN")], ["customer_id"]),
        Table("orders", [Column("order_id", "INTEGER"), Column("customer_id", "INTEGER"), Column("status", "VARCHAR"),
                         Column("total", "DECIMAL(10,2)", "Order total in USD"), Column("created_at", "TIMESTAMP")],
              ["order_id"], [ForeignKey(["customer_id"], "customers", ["customer_id"])]),
        Table("visits", [Column("visit_id", "INTEGER"), Column("channel", "VARCHAR"), Column("pages", "INTEGER")],
              ["visit_id"]),
        Table("clicks", [Column("click_id", "INTEGER"), Column("visit_id", "INTEGER"), Column("target", "VARCHAR")],
              ["click_id"], [ForeignKey(["visit_id"], "visits", ["visit_id"])]),
    ])


def open_tiny(path: Path) -> tuple[Engine, SchemaProfile]:
    """Open the tiny database read-only through the real engine and profile it."""
    engine = open_engine(f"duckdb://{path}", read_only=True)
    return engine, profile_schema(tiny_schema(), engine)
