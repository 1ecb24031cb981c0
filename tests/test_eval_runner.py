"""Side-by-side runs on a real demo database: report files, per-case results, the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from eval.config import EvalConfig
from eval.metrics import summarise
from eval.report import write_report
from eval.runner import run_evaluation
from tests.eval_fixtures import scripted_endpoint, write_cases  # noqa: F401  (fixture)

ANSWERS = {
    "How many departments are there?": "SELECT count(*) FROM departments",
    "List the names of departments sorted by name.": "SELECT name FROM departments ORDER BY name DESC",
}


def reply(messages):
    user = messages[-1]["content"]
    for question, sql in ANSWERS.items():
        if question in user:
            return sql
    return "SELECT name FROM departments" if "nme" in user else "SELECT count(*) FROM departments"


def test_two_systems_side_by_side_with_report_and_cache(tmp_path, scripted_endpoint):
    scripted_endpoint.reply = reply
    config = EvalConfig(
        cases=write_cases(tmp_path / "golden"), systems=("model:openai:m", "rules"),
        out=tmp_path / "out", cache_dir=tmp_path / "cache", progress=False,
    )
    run = run_evaluation(config)
    verdicts = {(r.system, r.case_id): r.verdict for r in run.results}
    assert verdicts[("model:openai:m", "t-1")] == "exact"
    assert verdicts[("model:openai:m", "t-2")] == "mismatch"  # right rows, wrong order
    assert verdicts[("model:openai:m", "r-2")] == "exact"
    assert ("rules", "t-1") not in verdicts and verdicts[("rules", "r-2")] == "exact"
    assert len(scripted_endpoint.requests) == 4

    summaries = write_report(run, config.out)
    model_t2s = next(s for s in summaries if s.system == "model:openai:m" and s.task == "text2sql")
    assert (model_t2s.accuracy.hits, model_t2s.accuracy.total) == (1, 2)
    assert model_t2s.valid_sql.value == 1.0 and model_t2s.exact_match.hits == 1
    assert {"syntax", "unknown_column"} <= set(next(s for s in summaries if s.system == "rules").per_error_kind)
    html = (config.out / "report.html").read_text()
    assert "data:image/png;base64," in html and "model:openai:m" in html and "9.9.9" in html
    assert (config.out / "accuracy.png").read_bytes()[:4] == b"\x89PNG"
    report_md = (config.out / "report.md").read_text()
    assert "| rules | repair |" in report_md and "## Repair rate per error kind" in report_md
    assert "## Text-to-SQL accuracy per difficulty" in report_md and "| easy | 50.0% (1/2) |" in report_md
    saved = json.loads((config.out / "results.json").read_text())
    assert {r["case_id"] for r in saved["results"]} == {"t-1", "t-2", "r-1", "r-2"}
    assert saved["unseen_schemas"] == [] and "## Seen vs unseen schemas" not in report_md
    assert {s["split"] for s in saved["split_summaries"]} == {"seen"}

    again = run_evaluation(config)
    assert len(scripted_endpoint.requests) == 4  # nothing asked again
    assert all(r.cached for r in again.results)
    assert [r.verdict for r in again.results] == [r.verdict for r in run.results]


def test_unseen_schemas_get_their_own_table_in_the_report(tmp_path):
    folder = write_cases(tmp_path / "golden")
    (folder / "splits.json").write_text('{"unseen": ["hr"]}')
    config = EvalConfig(cases=folder, systems=("gold",), out=tmp_path / "out", progress=False, use_cache=False)
    run = run_evaluation(config)
    assert run.unseen_schemas == {"hr"}
    write_report(run, config.out)
    report_md = (config.out / "report.md").read_text()
    assert "## Seen vs unseen schemas" in report_md and "| gold | repair | unseen | 100.0% (2/2) |" in report_md
    saved = json.loads((config.out / "results.json").read_text())
    assert saved["unseen_schemas"] == ["hr"] and {s["split"] for s in saved["split_summaries"]} == {"unseen"}
    assert "Seen vs unseen schemas" in (config.out / "report.html").read_text()


def test_base_url_points_model_systems_at_an_endpoint(tmp_path, scripted_endpoint, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL")
    scripted_endpoint.reply = reply
    config = EvalConfig(cases=write_cases(tmp_path / "golden"), task="text2sql", systems=("model:openai:m",),
                        base_url=scripted_endpoint.base_url, use_cache=False, progress=False)
    assert [r.verdict for r in run_evaluation(config).results] == ["exact", "mismatch"]


def test_changed_case_is_asked_again(tmp_path, scripted_endpoint):
    scripted_endpoint.reply = reply
    folder = write_cases(tmp_path / "golden")
    config = EvalConfig(cases=folder, task="text2sql", systems=("model:openai:m",), cache_dir=tmp_path / "c", progress=False)
    run_evaluation(config)
    path = folder / "text2sql" / "hr_duckdb.jsonl"
    path.write_text(path.read_text().replace("sorted by name", "sorted by name, A to Z"))
    second = run_evaluation(config)
    assert [r.cached for r in second.results] == [True, False]


def test_limit_and_test_suite_mode(tmp_path):
    config = EvalConfig(cases=write_cases(tmp_path / "golden"), systems=("gold",), limit=1, perturbed_copies=1,
                        progress=False, use_cache=False)
    run = run_evaluation(config)
    assert [r.case_id for r in run.results] == ["t-1", "r-1"]
    assert all(r.correct for r in run.results)
    assert summarise(run.results)[0].accuracy.value == 1.0


def run_cli(*args: str) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "sqlfix"), "eval", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


CLICKHOUSE_CASE = {
    "id": "ch-1", "schema": "shop", "dialect": "clickhouse", "task": "text2sql", "category": "aggregate",
    "difficulty": "easy", "question": "How many orders per status?",
    "sql": "SELECT status, count() AS n FROM orders GROUP BY status",
}


def test_cli_writes_a_report_and_names_bad_input(tmp_path):
    folder = write_cases(tmp_path / "golden")
    (folder / "text2sql" / "shop_clickhouse.jsonl").write_text(json.dumps(CLICKHOUSE_CASE) + "\n")
    done = run_cli("--system", "gold", "--cases", str(folder), "--out", str(tmp_path / "out"), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "accuracy 100.0% (3/3)" in done.stdout  # two DuckDB cases and one run on chDB
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {r["dialect"] for r in saved["results"] if r["verdict"] == "exact"} == {"duckdb", "clickhouse"}
    assert (tmp_path / "out" / "report.html").exists()
    (folder / "repair" / "hr_duckdb.jsonl").write_text('{"id": "x"\n')
    failed = run_cli("--cases", str(folder), "--quiet")
    assert failed.returncode == 2
    assert "hr_duckdb.jsonl:1: not valid JSON" in failed.stderr and "Traceback" not in failed.stderr
