"""`sqlfix schema show|load` and `sqlfix run`: through typer's CliRunner, and as a real process for
exit statuses and the no-traceback guarantee."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sqlfix.cli import run as run_cli
from sqlfix.cli import schema as schema_cli
from sqlfix.errors import DialectError, SchemaLoadError, SqlfixError
from tests.schema_fixtures import PG_DUMP

SQLFIX = str(Path(sys.executable).parent / "sqlfix")


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(schema_cli.app, name="schema")
    root.command("run")(run_cli.run)
    return root


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def dump_file(tmp_path) -> Path:
    path = tmp_path / "store.sql"
    path.write_text(PG_DUMP, encoding="utf-8")
    return path


def _sqlfix(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SQLFIX, *args], input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_schema_show_formats(cli, runner, dump_file):
    as_json = runner.invoke(cli, ["schema", "show", str(dump_file), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert [t["name"] for t in json.loads(as_json.output)["tables"]] == ["customers", "orders"]
    prompt = runner.invoke(cli, ["schema", "show", str(dump_file), "--format", "prompt"])
    assert "FOREIGN KEY (customer_id) REFERENCES customers(id)" in prompt.output
    table = runner.invoke(cli, ["schema", "show", "demo://hr", "--format", "table"])
    assert table.exit_code == 0
    assert "PK" in table.output and "→" in table.output and "Engineering" in table.output


def test_schema_show_bad_inputs_raise_typed_errors(cli, runner, dump_file, tmp_path):
    assert isinstance(runner.invoke(cli, ["schema", "show", str(tmp_path / "none.sql")]).exception, SchemaLoadError)
    assert isinstance(runner.invoke(cli, ["schema", "show", str(dump_file), "--dialect", "psql"]).exception, DialectError)
    assert runner.invoke(cli, ["schema", "show", str(dump_file), "--format", "xml"]).exit_code == 2


def test_schema_load_then_run_on_the_loaded_database(cli, runner, dump_file, tmp_path):
    url = f"duckdb://{tmp_path / 'store.duckdb'}"
    loaded = runner.invoke(cli, ["schema", "load", str(dump_file), "--to", url])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 2 tables and 6 rows" in loaded.output
    again = runner.invoke(cli, ["schema", "load", str(dump_file), "--to", url])
    assert isinstance(again.exception, SchemaLoadError) and "already exists" in str(again.exception)
    assert runner.invoke(cli, ["schema", "load", str(dump_file), "--to", url, "--replace"]).exit_code == 0
    result = runner.invoke(cli, ["run", "--db", url, "--json", "SELECT name FROM customers WHERE email IS NULL"])
    assert result.exit_code == 0 and json.loads(result.output)["rows"] == [["Bob\tTab"]]


def test_run_prints_a_table_reads_stdin_and_files(cli, runner, tmp_path):
    table = runner.invoke(cli, ["run", "--db", "demo://hr", "SELECT name FROM departments ORDER BY department_id LIMIT 2"])
    assert table.exit_code == 0
    assert "Engineering" in table.output and "Sales" in table.output and "2 rows" in table.output
    piped = runner.invoke(cli, ["run", "--db", "demo://hr", "--json"], input="SELECT count(*) AS n FROM projects\n")
    assert json.loads(piped.output)["rows"] == [[80]]
    query = tmp_path / "q.sql"
    query.write_text("SELECT department_id FROM departments ORDER BY 1", encoding="utf-8")
    capped = runner.invoke(cli, ["run", "--db", "demo://hr", "--file", str(query), "--max-rows", "3", "--json"])
    body = json.loads(capped.output)
    assert body["rows"] == [[1], [2], [3]] and body["truncated"] is True


def test_run_shows_the_classified_error_and_exits_1(cli, runner):
    failed = runner.invoke(cli, ["run", "--db", "demo://shop", "SELECT statuz FROM orders"])
    assert failed.exit_code == 1
    assert "unknown_column" in failed.output and "hint: status" in failed.output
    as_json = runner.invoke(cli, ["run", "--db", "demo://shop", "--json", "SELECT count(*) FROM orderz"])
    assert as_json.exit_code == 1 and json.loads(as_json.output)["error"]["kind"] == "unknown_table"
    refused = runner.invoke(cli, ["run", "--db", "demo://shop", "DELETE FROM orders"])
    assert refused.exit_code == 1 and "permission" in refused.output


def test_run_timeout_is_a_classified_error(cli, runner):
    slow = "SELECT sum(a.range * b.range) FROM range(100000) a, range(100000) b"
    timed_out = runner.invoke(cli, ["run", "--db", "demo://hr", "--timeout", "0.3", "--json", slow])
    assert timed_out.exit_code == 1 and json.loads(timed_out.output)["error"]["kind"] == "timeout"


def test_run_without_sql_or_with_both_sources_is_bad_input(cli, runner, tmp_path):
    assert isinstance(runner.invoke(cli, ["run", "--db", "demo://hr"], input="").exception, SqlfixError)
    query = tmp_path / "q.sql"
    query.write_text("SELECT 1", encoding="utf-8")
    both = runner.invoke(cli, ["run", "SELECT 2", "--file", str(query)])
    assert isinstance(both.exception, SqlfixError) and "not both" in str(both.exception)


def test_real_process_bad_input_is_one_line_exit_2(tmp_path):
    broken = tmp_path / "broken.sql"
    broken.write_text("CREATE TABLE a (id INT);\nCREATE TABLE b (id INT name TEXT);\n", encoding="utf-8")
    for args in (["schema", "show", str(broken)], ["run", "--db", "nosuch://x", "SELECT 1"],
                 ["schema", "show", str(broken), "--dialect", "nodialect"]):
        done = _sqlfix(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout
        assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("error:")
    assert "broken.sql, line 2" in _sqlfix("schema", "show", str(broken)).stderr


def test_fixed_sql_and_its_diff_are_never_broken_over_lines_in_a_narrow_console():
    broken = "SELEC country, count(*) AS users FROM users GROUP BY contry ORDER BY users DESC"
    fixed = "SELECT country, count(*) AS users FROM users GROUP BY country ORDER BY users DESC"
    done = _sqlfix("fix", "--db", "demo://shop", "--no-model", broken, env={"COLUMNS": "40"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert fixed in lines and f"-{broken}" in lines and f"+{fixed}" in lines, done.stdout


def test_real_process_query_error_exits_1_and_stdin_query_runs():
    failed = _sqlfix("run", "--db", "demo://flights", "SELECT count(*) FROM flights GROUP BY carrier")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr + failed.stdout
    assert "unknown_column" in failed.stdout
    piped = _sqlfix("run", "--db", "demo+clickhouse://flights", "--json", stdin="SELECT count() FROM airlines")
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["rows"] == [[14]]
