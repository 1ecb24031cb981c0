"""Record → answer → replay: an evaluation whose model answers were made elsewhere scores the same
as a live one (the model here is a real OpenAI-protocol HTTP server on 127.0.0.1)."""

from __future__ import annotations

import pytest

from sqlfix.errors import InputFormatError
from sqlfix.jsonl import read_jsonl
from sqlfix.models import load_model
from sqlfix.models.replay import append_answers, head_batches

from eval.config import EvalConfig
from eval.runner import run_evaluation
from tests.eval_fixtures import scripted_endpoint, write_cases  # noqa: F401  (fixture)

SYSTEMS = ("model:openai:test-model", "model-edit:openai:test-model", "pipeline:openai:test-model")


def reply(messages: list[dict]) -> str:
    """Answers that depend on the prompt, as a model's do."""
    user, edit = messages[-1]["content"], "minimal edit" in messages[0]["content"]
    if "FORM" in user:
        return "- FORM\n+ FROM" if edit else "SELECT count(*) FROM departments"
    if "nme" in user:
        return "- nme\n+ name" if edit else "```sql\nSELECT name FROM departments\n```"
    return "SELECT count(*) FROM departments" if "How many" in user else "SELECT name FROM departments ORDER BY name"


def evaluate(cases, tmp_path, **options):
    config = EvalConfig(cases=cases, systems=SYSTEMS, use_cache=False, progress=False, out=tmp_path / "report", **options)
    return {(r.system, r.case_id): (r.predicted_sql, r.verdict) for r in run_evaluation(config).results}


def write_answers(requests_path, target, drop: int = 0):
    requests = [row for _, row in read_jsonl(requests_path)]
    append_answers(requests[drop:], load_model, target, batch_size=4)
    return requests


def test_replayed_answers_score_like_the_live_model(tmp_path, scripted_endpoint):
    scripted_endpoint.reply = reply
    cases = write_cases(tmp_path / "cases")
    live = evaluate(cases, tmp_path)
    assert sum(verdict == "exact" for _, verdict in live.values()) >= 6

    asked = len(scripted_endpoint.requests)
    recorded = evaluate(cases, tmp_path, record=tmp_path / "requests.jsonl.gz")
    assert len(scripted_endpoint.requests) == asked  # recording asks no model
    assert all(sql is None or "FROM departments" in sql for sql, _ in recorded.values())
    requests = write_answers(tmp_path / "requests.jsonl.gz", tmp_path / "answers.jsonl")
    assert {r["model"] for r in requests} == {"openai:test-model"}
    assert {(r["n"], r["temperature"]) for r in requests} >= {(1, 0.0), (3, 0.7)}  # greedy + best-of-k samples

    asked = len(scripted_endpoint.requests)
    replayed = evaluate(cases, tmp_path, replay=tmp_path / "answers.jsonl")
    assert len(scripted_endpoint.requests) == asked
    assert replayed == live


def test_a_request_without_an_answer_fails_that_case_only(tmp_path, scripted_endpoint):
    scripted_endpoint.reply = reply
    cases = write_cases(tmp_path / "cases")
    evaluate(cases, tmp_path, record=tmp_path / "requests.jsonl.gz")
    write_answers(tmp_path / "requests.jsonl.gz", tmp_path / "answers.jsonl", drop=1)
    config = EvalConfig(cases=cases, systems=SYSTEMS, progress=False, out=tmp_path / "r", replay=tmp_path / "answers.jsonl")
    results = run_evaluation(config).results
    missing = [r for r in results if "no recorded answer" in r.detail]
    assert len(missing) == 1 and sum(r.verdict == "exact" for r in results) >= 5


def test_a_malformed_answers_file_names_file_and_line(tmp_path):
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"model": "m", "key": "k", "texts": ["SELECT 1"], "completion_tokens": [1]}\n{"model": "m"}\n')
    config = EvalConfig(cases=write_cases(tmp_path / "cases"), systems=SYSTEMS, progress=False, replay=answers)
    with pytest.raises(InputFormatError, match=r"answers.jsonl:2"):
        run_evaluation(config)


def test_unreadable_answers_and_unwritable_requests_are_named_before_any_work(tmp_path):
    cases = write_cases(tmp_path / "cases")
    truncated = tmp_path / "answers.jsonl.gz"
    truncated.write_bytes(b"\x1f\x8b\x08\x00")  # a gzip header and nothing more
    for option, message in (({"replay": tmp_path / "missing.jsonl"}, "cannot read"), ({"replay": truncated}, "cannot read"),
                            ({"record": tmp_path / "a-file" / "requests.jsonl"}, "cannot write")):
        (tmp_path / "a-file").write_text("not a folder")
        config = EvalConfig(cases=cases, systems=SYSTEMS, progress=False, out=tmp_path / "r", **option)
        with pytest.raises(InputFormatError, match=message):
            run_evaluation(config)


def _request(system: str, user: str) -> dict:
    return {"model": "m", "key": user, "n": 1, "temperature": 0.0, "max_tokens": 8,
            "messages": [["system", system], ["user", user]]}


def test_answer_batches_end_where_one_schema_gives_way_to_the_next():
    schema = {name: f"Schema {name}:\n" + f"CREATE TABLE {name} (id INTEGER);\n" * 40 for name in ("hr", "shop")}
    requests = sorted((_request("You write SQL.", f"{schema[name]}\nQuestion: q{i}") for name in schema
                       for i in range(7)), key=lambda r: r["messages"])
    batches = list(head_batches(requests, 4))
    assert [row for batch in batches for row in batch] == requests  # every request once, in order
    assert all(len(batch) <= 4 for batch in batches)
    assert all(len({row["messages"][1][1].split(":")[0] for row in batch}) == 1 for batch in batches)
    assert [len(batch) for batch in batches] == [4, 3, 4, 3]
    # Prompts that differ early (retrieved examples before the schema) still fill whole batches.
    varied = sorted((_request("You write SQL.", f"Example {i}: ...\n{schema['hr']}") for i in range(10)),
                    key=lambda r: r["messages"])
    assert [len(batch) for batch in head_batches(varied, 4)] == [4, 4, 2]
