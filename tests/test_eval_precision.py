"""Precision in the eval: what answers to failing queries amount to (fixed-correct,
fixed-wrong, unsure, no fix), the calibration table and plot, and the gate on fixed-wrong;
the end-to-end part runs the rules on a real DuckDB demo."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from eval.cli import app
from eval.config import EvalConfig
from eval.gate import Baseline, check_gate
from eval.metrics import calibration, summarise
from eval.report import write_report
from eval.runner import CaseResult, run_evaluation
from tests.eval_fixtures import HR_CASES, write_cases

# A union whose branches differ in width: the rules' only fix drops count(*) (unsure).
UNION_CASE = {"id": "r-3", "schema": "hr", "dialect": "duckdb", "task": "repair", "category": "set_operation", "difficulty": "medium",
              "broken_sql": "SELECT name, budget FROM departments UNION ALL SELECT name FROM projects",
              "error_kind": "other",  # the rules copy budget into the second branch: a guess, flagged unsure
              "fixed_sql": "SELECT name, budget FROM departments UNION ALL SELECT name, NULL FROM projects"}


def case_result(verdict: str, *, confidence: float | None = None, unsure: bool = False, error_kind: str | None = "syntax",
                sql: str | None = "SELECT 1", unchanged: bool = False, number: int = 0) -> CaseResult:
    valid = sql is not None and verdict in ("exact", "superset", "mismatch")
    return CaseResult("rules", f"c{number}", "repair", "typo", "easy", "hr", "duckdb", error_kind, error_kind is None, sql, 1.0,
                      False, verdict, None, "", False, valid, confidence=confidence, unsure=unsure, unchanged=unchanged)


def test_outcomes_split_wrong_fixes_from_unsure_ones_and_no_fix() -> None:
    results = [
        case_result("exact", confidence=0.95, number=1),
        case_result("mismatch", confidence=0.9, number=2),
        case_result("mismatch", confidence=0.4, unsure=True, number=3),
        case_result("exact", confidence=0.5, unsure=True, number=4),
        case_result("predicted_error", sql=None, number=5),
        case_result("mismatch", error_kind=None, unchanged=True, confidence=1.0, number=6),  # semantic case, query returned as is
    ]
    assert [r.outcome for r in results] == ["fixed_correct", "fixed_wrong", "unsure_wrong", "unsure_correct", "no_fix", "no_fix"]
    summary = summarise(results)[0]
    assert summary.outcomes == {"fixed_correct": 1, "fixed_wrong": 1, "unsure_correct": 1, "unsure_wrong": 1, "no_fix": 1}
    assert (summary.fixed_wrong.hits, summary.fixed_wrong.total) == (1, 5)  # of the failing queries: semantic left out
    assert summary.outcomes_per_error_kind["semantic"]["no_fix"] == 1
    assert (summary.confident.hits, summary.confident.total) == (1, 2)


def test_calibration_buckets_count_answers_by_confidence() -> None:
    results = [case_result("exact", confidence=c, number=i) for i, c in enumerate((0.1, 0.85, 0.9, 1.0, 1.0))]
    results.append(case_result("mismatch", confidence=0.95, number=9))
    buckets = {(b.low, b.high): b.correct for b in calibration(results)}
    assert (buckets[(0.0, 0.2)].hits, buckets[(0.0, 0.2)].total) == (1, 1)
    assert (buckets[(0.8, 0.9)].hits, buckets[(0.8, 0.9)].total) == (1, 1)
    assert (buckets[(0.9, 1.0)].hits, buckets[(0.9, 1.0)].total) == (3, 4)  # 1.0 falls in the last bucket
    assert buckets[(0.4, 0.6)].total == 0


def test_gate_fails_when_fixed_wrong_rises_above_the_baseline() -> None:
    summaries = summarise([case_result("exact", confidence=0.9, number=1), case_result("mismatch", confidence=0.9, number=2)])
    assert check_gate(summaries, Baseline("rules", "repair", 0.5, 2, fixed_wrong=1)).passed
    failed = check_gate(summaries, Baseline("rules", "repair", 0.5, 2, fixed_wrong=0))
    assert not failed.passed and "more wrong fixes that run" in failed.message and "fixed-wrong 50.0% (1/2)" in failed.message
    assert check_gate(summaries, Baseline("rules", "repair", 0.5, 2)).passed  # an older baseline checks accuracy only


def test_rules_on_a_real_database_report_precision_and_calibration(tmp_path) -> None:
    folder = write_cases(tmp_path / "golden", [*HR_CASES, UNION_CASE])
    config = EvalConfig(cases=folder, task="repair", systems=("rules",), out=tmp_path / "out", use_cache=False, progress=False)
    run = run_evaluation(config)
    by_id = {r.case_id: r for r in run.results}
    assert by_id["r-2"].outcome == "fixed_correct" and by_id["r-2"].confidence >= 0.8
    assert by_id["r-3"].unsure and by_id["r-3"].outcome == "unsure_wrong" and by_id["r-3"].confidence <= 0.5
    summary = write_report(run, config.out)[0]
    assert summary.outcomes["fixed_wrong"] == 0 and summary.outcomes["unsure_wrong"] == 1
    report = (config.out / "report.md").read_text()
    assert "## Precision (failing queries" in report and "## Precision per error kind (repair)" in report
    assert "## Calibration (share correct per confidence bucket)" in report and "![calibration](calibration.png)" in report
    assert (config.out / "calibration.png").read_bytes()[:4] == b"\x89PNG"
    saved = json.loads((config.out / "results.json").read_text())
    assert saved["summaries"][0]["fixed_wrong"]["hits"] == 0 and saved["summaries"][0]["calibration"][-1]["total"] >= 1
    assert {r["case_id"]: r["unsure"] for r in saved["results"]}["r-3"] is True


def test_cli_gate_records_and_checks_fixed_wrong(tmp_path) -> None:
    folder = write_cases(tmp_path / "golden", [*HR_CASES, UNION_CASE])
    baseline = tmp_path / "baseline.json"
    args = ["--gate", "--cases", str(folder), "--baseline", str(baseline), "--out", str(tmp_path / "out"), "--quiet"]
    runner = CliRunner()
    recorded = runner.invoke(app, [*args, "--update-baseline"])
    assert recorded.exit_code == 0, recorded.output
    assert json.loads(baseline.read_text())["fixed_wrong"] == 0 and "0 fixed-wrong" in " ".join(recorded.output.split())
    passed = runner.invoke(app, args)
    assert passed.exit_code == 0 and "fixed-wrong 0.0% (0/3)" in " ".join(passed.output.split())
    baseline.write_text(json.dumps(dict(json.loads(baseline.read_text()), fixed_wrong=-1)))
    failed = runner.invoke(app, args)
    assert failed.exit_code == 1 and "more wrong fixes that run" in " ".join(failed.output.split())
