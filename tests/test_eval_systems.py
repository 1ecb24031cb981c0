"""Systems on real demo databases: the rules, a model behind a real OpenAI-protocol HTTP
server, the pipeline, in-context learning with retrieved examples, and failures as data."""

from __future__ import annotations

import json

import pytest

from sqlfix.demo import demo_schema, open_demo
from sqlfix.errors import SqlfixError

from eval.golden import load_golden
from eval.systems import ExampleIndex, build_system, predict
from tests.eval_fixtures import scripted_endpoint, write_cases  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def hr():
    engine = open_demo("hr")
    yield engine, demo_schema("hr")
    engine.close()


@pytest.fixture
def cases(tmp_path):
    return {c.id: c for c in load_golden(write_cases(tmp_path))}


def test_rules_repair_a_typo_and_skip_questions(hr, cases):
    system = build_system("rules")
    assert system.tasks == frozenset({"repair"})
    prediction = predict(system, cases["r-1"], *hr)
    assert prediction.sql and "FROM departments" in prediction.sql and prediction.error is None
    assert prediction.latency_ms > 0


def test_model_system_asks_the_endpoint_with_the_shared_prompts(hr, cases, scripted_endpoint):
    scripted_endpoint.reply = lambda messages: "```sql\nSELECT count(*) FROM departments\n```"
    system = build_system("model:openai:test-model")
    prediction = predict(system, cases["t-1"], *hr)
    assert prediction.sql == "SELECT count(*) FROM departments"
    (request,) = scripted_endpoint.requests
    assert "How many departments are there?" in request[-1]["content"]
    assert "departments" in request[-1]["content"]
    predict(system, cases["r-2"], *hr)
    assert "SELECT nme FROM departments" in scripted_endpoint.requests[-1][-1]["content"]
    assert "nme" in scripted_endpoint.requests[-1][-1]["content"].split("Error:")[1]


def test_endpoint_failure_becomes_a_prediction_error(hr, cases, scripted_endpoint, monkeypatch):
    scripted_endpoint.reply = lambda messages: None
    prediction = predict(build_system("model:openai:test-model"), cases["t-1"], *hr)
    assert prediction.sql is None and "EndpointError" in prediction.error


def test_pipeline_answers_a_question_through_ask(hr, cases, scripted_endpoint):
    scripted_endpoint.reply = lambda messages: "SELECT name FROM departments ORDER BY name"
    prediction = predict(build_system("pipeline:openai:test-model"), cases["t-2"], *hr)
    assert prediction.sql is not None and "ORDER BY name" in prediction.sql


def test_pipeline_always_asks_the_model_where_a_rule_fix_runs(hr, cases, scripted_endpoint):
    scripted_endpoint.reply = lambda messages: "SELECT name FROM departments"
    fallback = predict(build_system("pipeline:openai:test-model"), cases["r-2"], *hr)
    assert fallback.sql == "SELECT name FROM departments" and not scripted_endpoint.requests  # the rules fixed it alone
    always = build_system("pipeline-always:openai:test-model")
    assert always.tasks == frozenset({"repair"})
    assert predict(always, cases["r-2"], *hr).sql == "SELECT name FROM departments"
    assert scripted_endpoint.requests and all("SELECT nme FROM departments" in chat[-1]["content"] for chat in scripted_endpoint.requests)


def test_icl_puts_the_most_similar_examples_in_the_chat(hr, cases, scripted_endpoint, tmp_path):
    rows = [{"schema_id": "hr", "dialect": "duckdb", "question": f"How many projects have status {i}?",
             "sql": f"SELECT count(*) FROM projects WHERE status = '{i}'"} for i in range(8)]
    rows.append({"schema_id": "hr", "dialect": "duckdb", "question": "How many departments exist in total?",
                 "sql": "SELECT count(*) AS n FROM departments"})
    rows.append({"schema_id": "shop", "dialect": "duckdb", "question": "How many departments are there?",
                 "sql": "SELECT 0"})
    dataset = tmp_path / "data" / "train"
    dataset.mkdir(parents=True)
    (dataset / "text2sql.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    scripted_endpoint.reply = lambda messages: "SELECT count(*) FROM departments"
    system = build_system(f"icl:openai:test-model@{tmp_path / 'data'}")
    assert predict(system, cases["t-1"], *hr).sql == "SELECT count(*) FROM departments"
    chat = scripted_endpoint.requests[-1]
    shots = [m["content"] for m in chat if m["role"] == "assistant"]
    assert len(shots) == 5
    assert "SELECT count(*) AS n FROM departments" in shots and "SELECT 0" not in shots
    assert chat[0]["role"] == "system" and "How many departments are there?" in chat[-1]["content"]


def test_index_reads_repair_rows_too(tmp_path, cases):
    path = tmp_path / "repair.jsonl"
    path.write_text(json.dumps({"schema_id": "hr", "broken_sql": "SELECT nam FROM departments", "error": "x",
                                "fixed_sql": "SELECT name FROM departments"}))
    turns = ExampleIndex.from_path(str(path)).nearest(cases["r-2"], 5)
    assert [assistant.content for _, assistant in turns] == ["SELECT name FROM departments"]


@pytest.mark.parametrize("spec", ["model:", "icl:openai:x", "file:"])
def test_unknown_system_specs_are_refused(spec):
    with pytest.raises(SqlfixError, match="unknown system"):
        build_system(spec)


def test_model_specs_mean_what_they_mean_in_sqlfix_fix():
    assert build_system("pipeline:rules").tasks == build_system("rules").tasks == frozenset({"repair"})
    bare = build_system("openai:test-model")
    assert bare.spec == "openai:test-model" and bare.model_spec == "openai:test-model" and bare.model_when is None  # FixConfig's default, as in sqlfix fix
    with pytest.raises(SqlfixError, match=r"^unknown model 'magic': use rules, auto, default,"):
        build_system("magic")
    with pytest.raises(SqlfixError, match=r"^unknown model 'magic': use rules, auto, default,"):
        build_system("model:magic")
    with pytest.raises(SqlfixError, match="'rules' names no model for the system 'model:rules'"):
        build_system("model:rules")
