"""The CI gate: passes at or above the recorded baseline, fails below it; the real gate runs
on the repository's golden set with the recorded baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sqlfix.errors import InputFormatError

from eval.cli import app
from eval.gate import BASELINE_PATH, Baseline, check_gate, read_baseline
from eval.metrics import summarise, summarise_splits
from eval.runner import CaseResult
from tests.eval_fixtures import HR_CASES, write_cases

ROOT = Path(__file__).resolve().parent.parent


def results(verdicts: list[str], schema: str = "hr") -> list[CaseResult]:
    return [
        CaseResult("rules", f"{schema}{i}", "repair", "typo", "easy", schema, "duckdb", "syntax", False, "SELECT 1", 1.0,
                   False, verdict, None, "", False, True)
        for i, verdict in enumerate(verdicts)
    ]


def test_check_gate_compares_with_the_floor():
    summaries = summarise(results(["exact", "exact", "mismatch", "exact"]))
    assert check_gate(summaries, Baseline("rules", "repair", 0.75, 4)).passed
    assert check_gate(summaries, Baseline("rules", "repair", 0.80, 4, tolerance=0.05)).passed
    failed = check_gate(summaries, Baseline("rules", "repair", 0.80, 4))
    assert not failed.passed and "FAIL" in failed.message and "75.0%" in failed.message
    assert "case count changed 5 -> 4" in check_gate(summaries, Baseline("rules", "repair", 0.5, 5)).message
    assert not check_gate(summaries, Baseline("rules", "text2sql", 0.1, 4)).passed


def test_unseen_cases_are_summarised_apart_and_do_not_move_a_seen_gate():
    mixed = results(["exact", "exact", "mismatch", "exact"]) + results(["mismatch", "mismatch"], schema="billing")
    splits = summarise_splits(mixed, {"billing"})
    assert [(s.split, s.accuracy.hits, s.accuracy.total) for s in splits] == [("seen", 3, 4), ("unseen", 0, 2)]
    assert splits[0].to_dict()["split"] == "seen" and summarise(mixed)[0].split == "all"
    both = summarise(mixed) + splits
    assert check_gate(both, Baseline("rules", "repair", 0.75, 4, split="seen")).passed
    on_all = check_gate(both, Baseline("rules", "repair", 0.75, 4))
    assert not on_all.passed and "50.0%" in on_all.message
    assert "(seen schemas)" in check_gate(both, Baseline("rules", "repair", 0.75, 4, split="seen")).message
    assert not check_gate(both, Baseline("rules", "repair", 0.1, 4, split="nope")).passed
    assert [s.split for s in summarise_splits(results(["exact"]), set())] == ["seen"]


def test_the_recorded_baseline_counts_the_seen_schemas():
    baseline = read_baseline(BASELINE_PATH)
    assert baseline.split == "seen" and baseline.golden_version == "3.0.0"


def test_malformed_baseline_is_named(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text('{"system": "rules"}')
    with pytest.raises(InputFormatError, match="not a valid baseline"):
        read_baseline(path)


def test_gate_fails_below_and_passes_at_the_baseline(tmp_path):
    unfixable = dict(HR_CASES[3], id="r-3", broken_sql="SELECT zzzzzz FROM qqqqqq", error_kind="unknown_table")
    folder = write_cases(tmp_path / "golden", [*HR_CASES, unfixable])
    baseline = tmp_path / "baseline.json"
    runner = CliRunner()
    args = ["--gate", "--cases", str(folder), "--baseline", str(baseline), "--out", str(tmp_path / "out"), "--quiet"]
    recorded = runner.invoke(app, [*args, "--update-baseline"])
    assert recorded.exit_code == 0, recorded.output
    data = json.loads(baseline.read_text())
    assert (data["system"], data["task"], data["cases"], data["split"]) == ("rules", "repair", 3, "seen")
    assert 0 < data["accuracy"] < 1
    passed = runner.invoke(app, args)
    assert passed.exit_code == 0 and "PASS" in passed.output
    baseline.write_text(json.dumps(dict(data, accuracy=1.0)))
    failed = runner.invoke(app, args)
    assert failed.exit_code == 1 and "FAIL" in failed.output


@pytest.mark.slow
def test_ci_gate_on_the_golden_set_passes(tmp_path):
    baseline = read_baseline(BASELINE_PATH)
    command = [str(Path(sys.executable).parent / "sqlfix"), "eval", "--gate", "--quiet", "--out", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS" in done.stdout
    summary = json.loads((tmp_path / "results.json").read_text())["summaries"][0]
    assert summary["system"] == baseline.system and summary["accuracy"]["total"] >= 1
