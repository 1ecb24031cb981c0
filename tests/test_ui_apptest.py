"""The Streamlit app's logic through Streamlit's AppTest (no browser): run, errors, Fix with
the rules pipeline, Accept / Reject, write refusal, history, Ask with a scripted endpoint,
Compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sqlfix.models.specs import RULES_CANNOT_ASK
from tests.ui_fixtures import REPO, ScriptedEndpoint, scripted_endpoint  # noqa: F401 - fixtures
from ui.config import ENV_VAR, UIConfig

APP = str(REPO / "ui" / "app.py")
REPORTS_TAB = ":material/bar_chart: Eval reports"
BROKEN = "SELECT full_nme, country FROM users ORDER BY user_id LIMIT 3"
FIXED = "SELECT full_name, country FROM users ORDER BY user_id LIMIT 3"
USERS_PER_COUNTRY = "SELECT country, count(*) AS n FROM users GROUP BY country ORDER BY country"


def start_app(monkeypatch: pytest.MonkeyPatch, log: Path, db: str = "demo://shop", **config: object) -> AppTest:
    settings = UIConfig(db=db, model="rules", editor="text", log_file=str(log), **config)
    monkeypatch.setenv(ENV_VAR, settings.to_env()[ENV_VAR])
    # The limit on one script run: a guard against a hang, generous for a loaded 2-core machine.
    app = AppTest.from_file(APP, default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    return app


def open_reports(app: AppTest) -> None:
    """Switch to the Eval reports tab (it renders only while open)."""
    app.session_state["tab"] = REPORTS_TAB
    app.run()
    assert not app.exception, app.exception


def type_and_run(app: AppTest, sql: str) -> None:
    editor = next(t for t in app.text_area if t.key.startswith("sql_text_"))
    editor.input(sql)
    app.button(key="run").click()
    app.run()
    assert not app.exception, app.exception


def test_run_shows_table_with_row_count(monkeypatch, tmp_path) -> None:
    app = start_app(monkeypatch, tmp_path / "log.jsonl")
    assert any(e.label.startswith("users (") for e in app.sidebar.expander)
    type_and_run(app, "SELECT user_id, country FROM users ORDER BY user_id LIMIT 4")
    frame = app.dataframe[0].value
    assert list(frame.columns) == ["user_id", "country"] and list(frame["user_id"]) == [1, 2, 3, 4]
    assert any(c.value.startswith("4 rows in") for c in app.caption)


def test_error_fix_accept_runs_the_fix_and_logs(monkeypatch, tmp_path) -> None:
    log = tmp_path / "log.jsonl"
    app = start_app(monkeypatch, log)
    type_and_run(app, BROKEN)
    assert "unknown_column" in app.error[0].value and "full_nme" in app.error[0].value
    app.button(key="fix").click()
    app.run()
    assert not app.exception, app.exception
    assert any(c.value == FIXED for c in app.code)
    assert any(c.value.startswith("-SELECT full_nme") for c in app.code)
    assert any("Evidence: ran" in c.value and "3 rows" in c.value for c in app.caption)
    app.button(key="accept").click()
    app.run()
    assert not app.error
    assert list(app.dataframe[0].value.columns) == ["full_name", "country"]
    editor = next(t for t in app.text_area if t.key.startswith("sql_text_"))
    assert editor.value == FIXED
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["event"] for e in events] == ["run", "fix_shown", "fix_accepted", "run"]
    assert events[0]["sql"] == BROKEN and events[0]["error"]["kind"] == "unknown_column"
    assert events[2]["fixed_sql"] == FIXED and events[3] | {"ts": None} == events[3] | {
        "ts": None, "event": "run", "sql": FIXED, "ok": True, "error": None, "db": "demo://shop", "dialect": "duckdb"}


def test_alternatives_can_be_browsed_and_reject_keeps_the_original(monkeypatch, tmp_path) -> None:
    log = tmp_path / "log.jsonl"
    ambiguous = "SELECT user_id, total FROM users u JOIN orders o ON u.user_id = o.user_id ORDER BY total DESC LIMIT 3"
    app = start_app(monkeypatch, log)
    type_and_run(app, ambiguous)
    app.button(key="fix").click()
    app.run()
    alternatives = app.radio(key="fix_choice")
    assert len(alternatives.options) >= 2  # u.user_id or o.user_id
    first = [c.value for c in app.code if c.language == "sql"][1]
    alternatives.set_value(1)
    app.run()
    second = [c.value for c in app.code if c.language == "sql"][1]
    assert second != first and second.startswith("SELECT ") and "SELECT user_id" not in second
    app.button(key="reject").click()
    app.run()
    editor = next(t for t in app.text_area if t.key.startswith("sql_text_"))
    assert editor.value == ambiguous
    assert not any(b.key == "accept" for b in app.button)
    assert [json.loads(x)["event"] for x in log.read_text().splitlines()][-1] == "fix_rejected"


def test_unsure_fix_shows_a_badge_and_why(monkeypatch, tmp_path) -> None:
    app = start_app(monkeypatch, tmp_path / "log.jsonl")
    type_and_run(app, "SELECT category, brand FROM products UNION SELECT category FROM products")
    app.button(key="fix").click()
    app.run()
    assert not app.exception, app.exception
    assert any("Unsure" in m.value and "badge" in m.value for m in app.markdown)
    assert any("adds a select item" in w.value for w in app.warning)


def test_sure_fix_has_no_unsure_badge(monkeypatch, tmp_path) -> None:
    app = start_app(monkeypatch, tmp_path / "log.jsonl")
    type_and_run(app, BROKEN)
    app.button(key="fix").click()
    app.run()
    assert any(c.value == FIXED for c in app.code)
    assert not any("Unsure" in m.value for m in app.markdown) and not app.warning


def test_write_statement_is_refused_and_history_records_it(monkeypatch, tmp_path) -> None:
    app = start_app(monkeypatch, tmp_path / "log.jsonl")
    type_and_run(app, "DELETE FROM users")
    assert "permission" in app.error[0].value
    type_and_run(app, "SELECT count(*) AS n FROM users")
    assert app.dataframe[0].value["n"].tolist()[0] > 0
    history = next(d.value for d in app.dataframe if "sql" in d.value.columns)
    assert history["sql"].tolist() == ["SELECT count(*) AS n FROM users", "DELETE FROM users"]
    assert history["status"].tolist() == ["ok", "permission"]


def start_with_endpoint(monkeypatch: pytest.MonkeyPatch, log: Path, endpoint: ScriptedEndpoint) -> AppTest:
    """The app with the scripted endpoint as its model, chosen in Settings."""
    app = start_app(monkeypatch, log)
    app.text_input(key="set_model").input("openai:scripted")
    app.text_input(key="set_base_url").input(endpoint.base_url)
    app.run()
    return app


def ask_in_app(app: AppTest, question: str) -> None:
    """Type ``question`` into the Ask box and submit it."""
    app.text_input(key="question").input(question)
    app.button(key="FormSubmitter:ask-Ask").click()
    app.run()


def test_ask_writes_sql_into_the_editor_and_runs_it(monkeypatch, tmp_path, scripted_endpoint: ScriptedEndpoint) -> None:
    app = start_with_endpoint(monkeypatch, tmp_path / "log.jsonl", scripted_endpoint)
    ask_in_app(app, "How many users per country?")
    assert not app.exception, app.exception
    editor = next(t for t in app.text_area if t.key.startswith("sql_text_"))
    assert editor.value == USERS_PER_COUNTRY
    frame = app.dataframe[0].value
    assert list(frame.columns) == ["country", "n"] and len(frame) > 1
    assert any("users per country" in str(r["messages"]) for r in scripted_endpoint.requests)


def test_an_unsure_answer_shows_why_until_the_query_changes(monkeypatch, tmp_path, scripted_endpoint: ScriptedEndpoint) -> None:
    app = start_with_endpoint(monkeypatch, tmp_path / "log.jsonl", scripted_endpoint)
    ask_in_app(app, "How many users per country?")
    assert not app.warning  # every sample agrees and rows come back: sure
    ask_in_app(app, "Which users are on the gold plan?")
    assert not app.exception, app.exception
    warnings = [w.value for w in app.warning]
    assert len(warnings) == 1 and "returns no rows" in warnings[0] and warnings[0].startswith("Check this query")
    type_and_run(app, "SELECT count(*) AS n FROM users")
    assert not app.warning


def test_ask_without_a_model_says_so(monkeypatch, tmp_path) -> None:
    app = start_app(monkeypatch, tmp_path / "log.jsonl")
    ask_in_app(app, "How many users?")
    assert any(i.value.startswith(RULES_CANNOT_ASK) for i in app.info)  # the words every surface uses


def test_bad_database_is_one_clear_error(monkeypatch, tmp_path) -> None:
    app = start_app(monkeypatch, tmp_path / "log.jsonl", db=str(tmp_path / "missing.sql"))
    assert app.sidebar.error and "missing.sql" in app.sidebar.error[0].value


def test_compare_runs_systems_side_by_side_with_verdicts(monkeypatch, tmp_path, scripted_endpoint: ScriptedEndpoint) -> None:
    app = start_app(monkeypatch, tmp_path / "log.jsonl", base_url=scripted_endpoint.base_url)
    app.text_area(key="cmp_task").input("How many users per country?")
    app.text_input(key="cmp_systems").input("rules, openai:scripted")
    app.text_area(key="cmp_reference").input("SELECT country, count(user_id) FROM users GROUP BY 1")
    app.button(key="FormSubmitter:compare-Compare").click()
    app.run()
    assert not app.exception, app.exception
    assert any(w.value == RULES_CANNOT_ASK for w in app.warning)
    assert any(c.value == USERS_PER_COUNTRY for c in app.code)
    assert any(":green-badge[exact]" in m.value for m in app.markdown)


def test_compare_repairs_a_broken_query_with_rules(monkeypatch, tmp_path) -> None:
    app = start_app(monkeypatch, tmp_path / "log.jsonl")
    app.radio(key="cmp_mode").set_value("Broken query")
    app.text_area(key="cmp_task").input(BROKEN)
    app.text_input(key="cmp_systems").input("rules")
    app.text_area(key="cmp_reference").input("SELECT full_name, country FROM users WHERE user_id <= 3")
    app.button(key="FormSubmitter:compare-Compare").click()
    app.run()
    assert not app.exception, app.exception
    assert any(c.value == FIXED for c in app.code)
    assert any(":green-badge[exact]" in m.value for m in app.markdown)


def test_saved_eval_reports_are_browsable(monkeypatch, tmp_path) -> None:
    report = tmp_path / "runs" / "eval-demo"
    report.mkdir(parents=True)
    (report / "report.md").write_text("# Eval report\n\nexecution accuracy 0.62\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.bar(["a", "b"], [1, 2])
    plt.savefig(report / "accuracy.png")
    plt.close()
    app = start_app(monkeypatch, tmp_path / "log.jsonl", reports_dir=str(tmp_path / "runs"))
    open_reports(app)
    assert any("execution accuracy 0.62" in m.value for m in app.markdown)
    images = app.get("image")
    assert len(images) == 1 and "accuracy.png" in str(images[0].proto)
    # The shipped results come after the local runs.
    assert app.selectbox(key="report_pick").options == [str(report), "Shipped results (docs/results)"]


def test_a_fresh_install_shows_the_shipped_results(monkeypatch, tmp_path) -> None:
    app = start_app(monkeypatch, tmp_path / "log.jsonl", reports_dir=str(tmp_path / "no-runs-yet"))
    assert not app.get("image") and not any(m.value.startswith("# sqlfix eval report") for m in app.markdown)  # until opened
    open_reports(app)
    assert not any("No saved reports" in i.value for i in app.info)
    assert app.selectbox(key="report_pick").value.title == "Shipped results (docs/results)"
    texts = [m.value.strip() for m in app.markdown]
    table = (REPO / "docs" / "results" / "table.md").read_text(encoding="utf-8").strip()
    assert table in texts  # the summary table, as shipped
    assert any(t.startswith("# sqlfix eval report") and "## Repair rate per error kind" in t for t in texts)
    images = " ".join(str(image.proto) for image in app.get("image"))
    assert "accuracy.png" in images and "learning_curve.png" in images
