"""Interaction logs as a data source: editor event logs (``--from-log``) and a ClickHouse query
log (``--from-clickhouse-query-log``; chDB has no ``system.query_log``, so the test mines a
table of the same shape on chDB)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from datagen.config import DatagenConfig
from datagen.logs import read_events, repairs_from_events
from datagen.pipeline import run_datagen
from datagen.querylog import failure_fix_pairs, LoggedQuery
from tests.datagen_fixtures import build_tiny_duckdb

SQLFIX = [sys.executable, "-c", "from sqlfix.cli import main; main()"]


def _event(db: str, cell: str, event: str, sql: str, **extra) -> str:
    row = {"ts": "2026-11-23T12:00:00Z", "session": "s1", "cell": cell, "event": event, "db": db,
           "dialect": "duckdb", "sql": sql, **extra}
    return json.dumps(row)


def _write_log(path: Path, db: str) -> Path:
    error = {"kind": "unknown_column", "message": "x", "engine": "duckdb"}
    lines = [
        _event(db, "c1", "run", "SELECT nme FROM customers WHERE is_vip", ok=False, error=error),
        _event(db, "c1", "run", "SELECT name FROM customers WHERE is_vip", ok=True, error=None),
        "this line is not JSON",
        _event(db, "c2", "fix_shown", "SELECT city, COUNT(*) FROM customers", fixed_sql="x"),
        _event(db, "c2", "fix_accepted", "SELECT city, COUNT(*) FROM customers",
               fixed_sql="SELECT city, COUNT(*) FROM customers GROUP BY city", question="Customers per city?"),
        json.dumps({"ts": "t", "session": "s1", "event": "run"}),
        _event(db, "c3", "run", "SELECT name FROM customers", ok="yes"),
        _event(db, "c4", "run", "SELECT totl FROM orders", ok=False, error=error),
        _event(db, "c4", "run", "SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id ORDER BY n DESC "
                                "LIMIT 3", ok=True, error=None),
        _event(db, "c5", "run", "SELECT COUNT(*) FROM orders", ok=False, error=error),
        _event(db, "c5", "run", "SELECT COUNT(*) FROM orders o", ok=True, error=None),
        _event(db, "c6", "telemetry", "SELECT 1"),
        "",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_events_reports_bad_lines_by_number(tmp_path):
    log = _write_log(tmp_path / "events.jsonl", "duckdb:///nowhere.duckdb")
    events, problems = read_events(log)
    assert len(events) == 9
    assert [p.split(":")[1] for p in problems] == ["3", "6", "7"]
    assert "not JSON" in problems[0] and "missing" in problems[1] and "boolean 'ok'" in problems[2]
    repairs = repairs_from_events(events)
    assert [(r.origin, r.broken_sql.split()[1]) for r in repairs] == [
        ("next_success", "nme"), ("fix_accepted", "city,"), ("next_success", "totl"), ("next_success", "COUNT(*)")]


def test_from_log_cli_makes_verified_triples(tmp_path):
    db = build_tiny_duckdb(tmp_path / "tiny.duckdb")
    log = _write_log(tmp_path / "events.jsonl", f"duckdb://{db}")
    out = tmp_path / "out"
    done = subprocess.run([*SQLFIX, "datagen", "--from-log", str(log), "--out", str(out), "--no-progress"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    rows = [json.loads(line) for split in ("train", "validation", "test")
            for line in (out / split / "repair.jsonl").read_text().splitlines()]
    kept = {r["broken_sql"]: r for r in rows}
    assert set(kept) == {"SELECT nme FROM customers WHERE is_vip", "SELECT city, COUNT(*) FROM customers"}
    assert kept["SELECT nme FROM customers WHERE is_vip"]["error_kind"] == "unknown_column"
    assert kept["SELECT city, COUNT(*) FROM customers"]["error_kind"] == "group_by"
    assert kept["SELECT city, COUNT(*) FROM customers"]["question"] == "Customers per city?"
    assert manifest["filters"]["rewrite_not_edit"] == 1  # c4: a whole new query is not a fix
    assert manifest["filters"]["broken_runs"] == 1  # c5: the "failing" query runs
    assert manifest["logs"]["malformed_lines"] == 3
    assert len(manifest["sources_skipped"]) == 3 and "events.jsonl:3" in manifest["sources_skipped"][0]
    assert "events.jsonl:3" in (out / "report.md").read_text()


def test_from_log_missing_file_is_a_clear_error(tmp_path):
    done = subprocess.run([*SQLFIX, "datagen", "--from-log", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "nope.jsonl" in done.stderr and "Traceback" not in done.stderr


def test_failure_fix_pairs_by_user_window_and_similarity():
    t0 = dt.datetime(2026, 1, 1, 12, 0, 0)
    log = [
        LoggedQuery(t0, "ann", "SELECT nme FROM t", "ExceptionBeforeStart", "db"),
        LoggedQuery(t0 + dt.timedelta(seconds=5), "bob", "SELECT name FROM t", "QueryFinish", "db"),
        LoggedQuery(t0 + dt.timedelta(seconds=9), "ann", "SELECT name FROM t", "QueryFinish", "db"),
        LoggedQuery(t0 + dt.timedelta(seconds=20), "ann", "SELECT cnt FROM u", "ExceptionWhileProcessing", "db"),
        LoggedQuery(t0 + dt.timedelta(seconds=9000), "ann", "SELECT count FROM u", "QueryFinish", "db"),
        LoggedQuery(t0 + dt.timedelta(seconds=9001), "ann", "INSERT INTO u VALUES (1)", "ExceptionBeforeStart", "db"),
    ]
    pairs = failure_fix_pairs(log, window_s=600, min_similarity=60)
    assert [(a.query, b.query) for a, b in pairs] == [("SELECT nme FROM t", "SELECT name FROM t")]


@pytest.fixture()
def chdb_query_log():
    """A database on this process's chDB path with a small table and a query_log-shaped table."""
    from sqlfix.demo.clickhouse import chdb_path
    from sqlfix.engines import open_engine

    url = f"chdb://{chdb_path()}?database=qlog_test"
    writer = open_engine(url, read_only=False)
    for ddl in ("DROP TABLE IF EXISTS items", "DROP TABLE IF EXISTS query_log",
                "CREATE TABLE items (item_id UInt32, title String, price Float64) ENGINE = MergeTree ORDER BY item_id",
                "CREATE TABLE query_log (event_time DateTime, user String, query String, type String, "
                "exception String, exception_code Int32, current_database String) ENGINE = MergeTree ORDER BY event_time"):
        outcome = writer.execute(ddl, allow_write=True)
        assert not hasattr(outcome, "kind"), outcome
    writer.insert_rows("items", ["item_id", "title", "price"], [(1, "pen", 1.5), (2, "ink", 7.0), (3, "pad", 3.0)])
    t0 = dt.datetime(2026, 1, 1, 12, 0, 0)
    rows = [
        (t0, "ann", "SELECT titel, price FROM items WHERE price > 2", "ExceptionBeforeStart", "Unknown identifier", 47),
        (t0 + dt.timedelta(seconds=30), "ann", "SELECT title, price FROM items WHERE price > 2", "QueryFinish", "", 0),
        (t0 + dt.timedelta(seconds=40), "bob", "SELECT count() FROM itemz", "ExceptionBeforeStart", "Unknown table", 60),
        (t0 + dt.timedelta(seconds=45), "ann", "SELECT count() FROM items", "QueryFinish", "", 0),
        (t0 + dt.timedelta(seconds=50), "bob", "SELECT count() FROM items", "QueryFinish", "", 0),
    ]
    writer.insert_rows("query_log", ["event_time", "user", "query", "type", "exception", "exception_code",
                                     "current_database"], [(*r, "qlog_test") for r in rows])
    writer.close()
    return url


def test_query_log_mining_on_chdb(tmp_path, chdb_query_log):
    config = DatagenConfig(offline=False, query_log_url=chdb_query_log, query_log_table="qlog_test.query_log",
                           out_dir=str(tmp_path / "out"), progress=False, golden_dir=str(tmp_path / "none"))
    manifest = run_datagen(config, fresh=True).manifest
    rows = [json.loads(line) for split in ("train", "validation", "test")
            for line in (tmp_path / "out" / split / "repair.jsonl").read_text().splitlines()]
    found = {(r["broken_sql"], r["fixed_sql"], r["error_kind"]) for r in rows}
    assert found == {("SELECT titel, price FROM items WHERE price > 2", "SELECT title, price FROM items WHERE price > 2",
                      "unknown_column"),
                     ("SELECT count() FROM itemz", "SELECT count() FROM items", "unknown_table")}
    assert all(r["generator"] == "query_log" and r["dialect"] == "clickhouse" for r in rows)
    assert manifest["logs"]["query_log_pairs"] == 2
