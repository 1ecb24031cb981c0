"""The editor's logic without a browser: sources, write mode, runs, the interaction log,
fix/accept/reject with the real rules pipeline, compare, saved reports, config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sqlfix.engines.base import ResultSet
from sqlfix.errors import ErrorKind, ExecError, InputFormatError, SqlfixError
from tests.ui_fixtures import REPO, shop_db  # noqa: F401 - pytest fixture
from ui.config import ENV_VAR, UIConfig
from ui.interaction_log import InteractionLog
from ui.proposals import unified_diff
from ui.reports import find_reports
from ui.settings import Settings
from ui.sources import DatabaseChoice, open_database, parse_choice
from ui.state import EditorSession
from ui.workspace import Workspace

REQUIRED = {"ts", "session", "cell", "event", "db", "dialect", "sql"}


def workspace(choice: DatabaseChoice, log_path: Path, *, write_mode: bool = False, log_enabled: bool = True) -> Workspace:
    settings = Settings.from_config(UIConfig(model="rules", log_file=str(log_path), log_enabled=log_enabled))
    db = open_database(choice, write_mode=write_mode)
    return Workspace(db=db, limits=settings.limits(), fix_config=settings.fix_config(), log=settings.interaction_log())


def demo_workspace(log_path: Path, *, log_enabled: bool = True) -> Workspace:
    return workspace(DatabaseChoice("demo", "shop"), log_path, log_enabled=log_enabled)


def file_workspace(db_path: Path, log_path: Path, *, write_mode: bool = False) -> Workspace:
    return workspace(DatabaseChoice("duckdb", str(db_path)), log_path, write_mode=write_mode)


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_parse_choice_covers_every_source_kind(tmp_path: Path) -> None:
    assert parse_choice("demo://flights") == DatabaseChoice("demo", "flights", "duckdb")
    assert parse_choice("demo+clickhouse://hr") == DatabaseChoice("demo", "hr", "clickhouse")
    assert parse_choice(f"{tmp_path}/x.duckdb").kind == "duckdb"
    assert parse_choice(f"duckdb://{tmp_path}/x.duckdb").url() == f"duckdb://{tmp_path}/x.duckdb"
    assert parse_choice("chdb:///var/ch").url() == "chdb:///var/ch"
    server = parse_choice("http://bob:secret@db.local:8123/sales")
    assert server.kind == "clickhouse" and server.url() == "http://bob:secret@db.local:8123/sales"
    assert "secret" not in server.label()
    assert parse_choice("schema.sql").kind == "schema_file"
    with pytest.raises(SqlfixError):
        parse_choice("  ")


def test_runs_show_rows_and_classified_errors(shop_db: Path, tmp_path: Path) -> None:
    ws = file_workspace(shop_db, tmp_path / "log.jsonl")
    assert [t.name for t in ws.db.schema.tables] == ["customers", "orders"]
    session = EditorSession(sql="SELECT name FROM customers ORDER BY id")
    outcome = session.run(ws)
    assert isinstance(outcome, ResultSet) and [r[0] for r in outcome.rows] == ["Ada", "Bo", "Cy"]
    session.edit("SELECT nme FROM customers")
    outcome = session.run(ws)
    assert isinstance(outcome, ExecError) and outcome.kind is ErrorKind.UNKNOWN_COLUMN
    assert [h.ok for h in session.history] == [True, False]
    assert session.history[1].error_kind == "unknown_column"


def test_row_limit_truncates(tmp_path: Path) -> None:
    ws = demo_workspace(tmp_path / "log.jsonl")
    ws.limits = Settings.from_config(UIConfig(row_limit=2)).limits()
    outcome = EditorSession(sql="SELECT * FROM orders").run(ws)
    assert isinstance(outcome, ResultSet) and len(outcome.rows) == 2 and outcome.truncated


@pytest.mark.parametrize("statement", [
    "DELETE FROM customers",
    "INSERT INTO customers VALUES (9, 'Eve', 'FR')",
    "DROP TABLE orders",
    "UPDATE customers SET name = 'x'",
])
def test_writes_are_refused_without_write_mode(shop_db: Path, tmp_path: Path, statement: str) -> None:
    ws = file_workspace(shop_db, tmp_path / "log.jsonl")
    outcome = EditorSession(sql=statement).run(ws)
    assert isinstance(outcome, ExecError) and outcome.kind is ErrorKind.PERMISSION
    ws.db.engine.close()
    con = duckdb.connect(str(shop_db), read_only=True)
    assert con.execute("SELECT count(*) FROM customers").fetchone() == (3,)
    assert con.execute("SELECT count(*) FROM orders").fetchone() == (4,)
    con.close()


def test_write_mode_allows_writes_on_a_local_file_only(shop_db: Path, tmp_path: Path) -> None:
    ws = file_workspace(shop_db, tmp_path / "log.jsonl", write_mode=True)
    assert ws.db.allow_write
    outcome = EditorSession(sql="INSERT INTO customers VALUES (9, 'Eve', 'FR')").run(ws)
    assert not isinstance(outcome, ExecError), outcome
    counted = EditorSession(sql="SELECT count(*) FROM customers").run(ws)
    assert counted.rows == [(4,)]
    assert not DatabaseChoice("demo", "shop").can_write
    assert not DatabaseChoice("clickhouse", "http://h:8123/db").can_write
    assert not DatabaseChoice("schema_file", "s.sql").can_write


def test_log_has_failing_run_and_next_success_only(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    ws = demo_workspace(log)
    session = EditorSession(sql="SELECT 1")
    session.run(ws)
    assert read_log(log) == []
    session.edit("SELECT emial FROM users")
    session.run(ws)
    session.edit("SELECT email FROM users")
    session.run(ws)
    session.edit("SELECT 2")
    session.run(ws)
    events = read_log(log)
    assert [(e["event"], e["ok"], e["sql"]) for e in events] == [
        ("run", False, "SELECT emial FROM users"),
        ("run", True, "SELECT email FROM users"),
    ]
    assert all(REQUIRED <= set(e) for e in events)
    assert events[0]["error"]["kind"] == "unknown_column" and events[1]["error"] is None
    assert events[0]["db"] == "demo://shop" and events[0]["dialect"] == "duckdb"
    assert events[0]["ts"].endswith("Z") and events[0]["session"] == session.session_id
    assert events[0]["cell"] == events[1]["cell"]


def test_fix_accept_reject_are_logged_with_the_fix(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    ws = demo_workspace(log)
    session = EditorSession(sql="SELECT emial FROM users LIMIT 2")
    session.run(ws)
    proposal = session.fix(ws, None)
    assert proposal is not None and proposal.current.sql == "SELECT email FROM users LIMIT 2"
    assert proposal.current.ran and proposal.current.rows == 2 and 0 < proposal.current.confidence <= 1
    assert proposal.current.diff.splitlines() == ["-SELECT emial FROM users LIMIT 2", "+SELECT email FROM users LIMIT 2"]
    session.reject(ws)
    assert session.sql == "SELECT emial FROM users LIMIT 2" and session.proposal is None
    session.fix(ws, None)
    outcome = session.accept(ws)
    assert isinstance(outcome, ResultSet) and session.sql == "SELECT email FROM users LIMIT 2"
    assert [(e["event"], e.get("fixed_sql")) for e in read_log(log)] == [
        ("run", None),
        ("fix_shown", "SELECT email FROM users LIMIT 2"),
        ("fix_rejected", "SELECT email FROM users LIMIT 2"),
        ("fix_shown", "SELECT email FROM users LIMIT 2"),
        ("fix_accepted", "SELECT email FROM users LIMIT 2"),
        ("run", None),
    ]
    assert [h.origin for h in session.history] == ["typed", "fix"]


def test_fix_needs_a_failing_run(tmp_path: Path) -> None:
    ws = demo_workspace(tmp_path / "log.jsonl")
    session = EditorSession(sql="SELECT 1")
    session.run(ws)
    assert session.fix(ws, None) is None and "failing" in session.notice


def test_logging_off_writes_nothing(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    ws = demo_workspace(log, log_enabled=False)
    EditorSession(sql="SELECT emial FROM users").run(ws)
    assert not log.exists()


def test_unwritable_log_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SqlfixError, match="interaction log"):
        InteractionLog(blocker / "log.jsonl").append({"event": "run"})


def test_unified_diff_marks_changed_lines() -> None:
    assert unified_diff("SELECT nme\nFROM t", "SELECT name\nFROM t").splitlines() == ["-SELECT nme", "+SELECT name", " FROM t"]


def test_find_reports_lists_markdown_and_plots(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "eval-1"
    (run / "plots").mkdir(parents=True)
    (run / "report.md").write_text("# Eval\n")
    (run / "plots" / "accuracy.png").write_bytes(b"\x89PNG")
    (tmp_path / "runs" / "other").mkdir()
    reports = find_reports(tmp_path / "runs", shipped=None)
    assert [r.folder for r in reports] == [run]
    assert reports[0].markdown == run / "report.md" and reports[0].plots == (run / "plots" / "accuracy.png",)
    assert find_reports(tmp_path / "missing", shipped=None) == []


def test_find_reports_adds_the_shipped_results_after_the_local_runs(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "eval-1"
    run.mkdir(parents=True)
    (run / "report.md").write_text("# Eval\n")
    shipped = find_reports(tmp_path / "missing")
    assert [r.title for r in shipped] == ["Shipped results (docs/results)"]
    results = REPO / "docs" / "results"
    assert shipped[0].folder == results and shipped[0].markdown == results / "report.md"
    # Every shipped markdown file beside the report is listed (the model table among them).
    assert results / "table.md" in shipped[0].tables and len(shipped[0].tables) > 1
    assert set(shipped[0].tables) == {p for p in results.glob("*.md") if p.name != "report.md"}
    assert {p.name for p in shipped[0].plots} == {"accuracy.png", "learning_curve.png"}
    assert "](accuracy.png)" in (results / "report.md").read_text() and "](accuracy.png)" not in shipped[0].markdown_text()
    assert [r.folder for r in find_reports(tmp_path / "runs")] == [run, results]
    # A reports folder that holds docs/results itself lists it once.
    assert [r.title for r in find_reports(REPO / "docs")] == ["Shipped results (docs/results)"]


def test_config_round_trips_through_the_environment() -> None:
    config = UIConfig(db="demo://hr", model="rules", k=2, editor="text", log_enabled=False)
    assert UIConfig.from_env(config.to_env()) == config
    assert UIConfig.from_env({}) == UIConfig()
    with pytest.raises(InputFormatError):
        UIConfig.from_env({ENV_VAR: "{not json"})
    with pytest.raises(InputFormatError, match="bogus"):
        UIConfig.from_env({ENV_VAR: json.dumps({"bogus": 1})})


def test_schema_file_is_materialized_read_only(tmp_path: Path) -> None:
    ddl = tmp_path / "league.sql"
    ddl.write_text(
        "CREATE TABLE teams (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);\n"
        "CREATE TABLE players (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams(id), goals INTEGER);\n"
    )
    ws = workspace(parse_choice(str(ddl)), tmp_path / "log.jsonl", write_mode=True)
    assert [t.name for t in ws.db.schema.tables] == ["teams", "players"]
    assert ws.db.schema.dialect == "duckdb" and ws.db.url.startswith("duckdb://") and not ws.db.allow_write
    assert EditorSession(sql="SELECT count(*) FROM players").run(ws).rows == [(0,)]
    refused = EditorSession(sql="INSERT INTO teams VALUES (1, 'x')").run(ws)
    assert isinstance(refused, ExecError) and refused.kind is ErrorKind.PERMISSION


def test_broken_schema_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sql"
    broken.write_text("CREATE TABLE (((;")
    with pytest.raises(SqlfixError, match="broken.sql"):
        open_database(parse_choice(str(broken)))
    with pytest.raises(SqlfixError, match="missing.sql"):
        open_database(parse_choice(str(tmp_path / "missing.sql")))


def test_the_log_feeds_sqlfix_datagen_from_log(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    ws = demo_workspace(log)
    session = EditorSession(sql="SELECT country, count(*) AS n FROM users GROUP BY contry")
    session.run(ws)
    session.fix(ws, None)
    session.accept(ws)
    session.edit("SELECT plan, avg(birth_yer) FROM users GROUP BY plan")
    session.run(ws)
    session.edit("SELECT plan, avg(birth_year) FROM users GROUP BY plan")
    session.run(ws)
    out = tmp_path / "data"
    done = subprocess.run([str(Path(sys.executable).with_name("sqlfix")), "datagen", "--from-log", str(log), "--out", str(out)],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for path in sorted(out.glob("*/repair.jsonl")) for line in path.read_text().splitlines()]
    assert sorted((r["broken_sql"], r["fixed_sql"]) for r in rows) == [
        ("SELECT country, count(*) AS n FROM users GROUP BY contry", "SELECT country, count(*) AS n FROM users GROUP BY country"),
        ("SELECT plan, avg(birth_yer) FROM users GROUP BY plan", "SELECT plan, avg(birth_year) FROM users GROUP BY plan"),
    ]
    assert {r["generator"] for r in rows} == {"log"} and {r["error_kind"] for r in rows} == {"unknown_column"}
