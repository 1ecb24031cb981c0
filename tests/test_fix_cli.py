"""``sqlfix fix`` as a user runs it, on the real shop demo: the console script once in a
subprocess, the other cases through the same entry point (``sqlfix.cli.main``) in-process."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.cli_fixtures import SQLFIX, sqlfix  # noqa: F401 - fixture


def test_console_script_fixes_a_query():
    done = subprocess.run([SQLFIX, "fix", "SELECT emial FROM users", "--no-model"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "SELECT email FROM users" in done.stdout


def test_fix_from_argument_prints_fix_diff_and_why(sqlfix):
    done = sqlfix("fix", "SELECT emial FROM users", "--no-model")
    assert done.returncode == 0, done.stderr
    assert "SELECT email FROM users" in done.stdout
    assert "-SELECT emial FROM users" in done.stdout and "+SELECT email FROM users" in done.stdout
    assert "why:" in done.stdout and "confidence" in done.stdout


def test_long_fixes_wrap_instead_of_being_cut_off(sqlfix):
    """The console is 80 columns when not a terminal: the end of a long fixed line must still show."""
    done = sqlfix("fix", "SELECT country, count(*) AS users FROM users GROUP BY contry ORDER BY users DESC", "--no-model")
    assert done.returncode == 0, done.stderr
    assert "".join(done.stdout.split()).count("ORDERBYusersDESC") >= 2


def test_fix_from_stdin_as_json(sqlfix):
    done = sqlfix("fix", "--no-model", "--json", stdin="SELECT country, count(*) FROM users\n")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["fixed_sql"] == "SELECT country, count(*) FROM users GROUP BY country"
    assert body["edit"] and body["evidence"]["executed"] is True and body["source"] == "rule:group_by"


def test_fix_from_file_on_clickhouse(sqlfix, tmp_path):
    query = tmp_path / "q.sql"
    query.write_text("SELECT Email FROM users LIMIT 3\n")
    done = sqlfix("fix", "--file", str(query), "--db", "demo+clickhouse://shop", "--no-model", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["fixed_sql"] == "SELECT email FROM users LIMIT 3"


def test_unsure_fix_says_so_and_exits_3_or_is_withheld(sqlfix):
    broken = "SELECT category, brand FROM products UNION SELECT category FROM products"  # every fix of the union's width adds or drops a column
    done = sqlfix("fix", broken, "--no-model")
    assert done.returncode == 3, done.stderr
    assert "unsure:" in done.stdout and "adds a select item" in done.stdout
    withheld = sqlfix("fix", broken, "--no-model", "--abstain")
    assert withheld.returncode == 1 and "withheld as unsure" in " ".join(withheld.stdout.split())


def test_a_model_that_does_not_load_is_named_once_and_the_rules_answer(sqlfix, tmp_path):
    """The rules' fix is unsure, so the model is asked: a model folder whose config.json is broken
    does not load, and stderr says so in one line (not the load warning, a log line and the
    notice, each with the same reason)."""
    folder = tmp_path / "broken-model"
    folder.mkdir()
    (folder / "config.json").write_text("not json")
    broken = "SELECT category, brand FROM products UNION SELECT category FROM products"
    done = sqlfix("fix", broken, "--model", str(folder))
    assert done.returncode == 3, done.stderr
    assert "SELECT category, brand FROM products UNION SELECT category, brand FROM products" in done.stdout
    assert "unsure:" in done.stdout
    mentions = [line for line in done.stderr.splitlines() if str(folder) in line]
    assert len(mentions) == 1 and done.stderr.count(str(folder / "config.json")) == 1, done.stderr
    assert mentions[0].startswith(f"warning: answered without the model: the model did not load: cannot load model '{folder}'")


def test_unfixable_query_exits_1(sqlfix):
    done = sqlfix("fix", "SELECT zzzqqq FROM users", "--no-model")
    assert done.returncode == 1 and "no fix" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fix", "--no-model"), "no query given"),
        (("fix", "SELECT 1", "--no-model", "--db", "demo://nope"), "unknown demo database"),
        (("fix", "SELECT 1", "--no-model", "--db", "postgres://x"), "unknown engine URL scheme"),
        (("fix", "SELECT 1", "--model", "openai:", "--base-url", "http://127.0.0.1:9/v1"), "needs a model name"),
        (("fix", "--file", "/nonexistent/q.sql", "--no-model"), "cannot read"),
        (("fix", "SELECT 1", "--file", "/nonexistent/q.sql", "--no-model"), "not both"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(sqlfix, args, message):
    done = sqlfix(*args, stdin="")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_ask_past_its_budget_names_the_option(sqlfix, tmp_path):
    from tests.fix_fixtures import openai_server

    with openai_server(lambda user, n, temperature: ["SELECT 1"] * n) as server:
        server.gate.clear()  # the endpoint holds every answer: the model is slower than any budget
        done = sqlfix("ask", "How many users are there?", "--model", "openai:slow", "--base-url", server.url, "--budget", "1")
    assert done.returncode == 2
    assert "did not answer within the time budget (1 s; --budget sets it)" in " ".join(done.stderr.split())


def test_ask_exits_3_with_the_reasons_when_unsure(sqlfix):
    from tests.fix_fixtures import openai_server

    def answers(user: str, n: int, temperature: float) -> list[str]:
        return ["SELECT user_id FROM users WHERE plan = 'gold'"] * n if "gold" in user else ["SELECT count(*) FROM users"] * n

    with openai_server(answers) as server:
        unsure = sqlfix("ask", "Which users are on the gold plan?", "--model", "openai:m", "--base-url", server.url, "--db", "demo://shop")
        sure = sqlfix("ask", "How many users are there?", "--model", "openai:m", "--base-url", server.url, "--db", "demo://shop", "--json")
    assert unsure.returncode == 3, unsure.stderr
    assert "unsure:" in unsure.stdout and "returns no rows" in " ".join(unsure.stdout.split())
    assert sure.returncode == 0, sure.stderr
    assert json.loads(sure.stdout)["unsure"] is False
