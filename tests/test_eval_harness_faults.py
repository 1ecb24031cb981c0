"""Known faults of public text-to-SQL harnesses, one test each: ours must not have them.
Every query runs on a real DuckDB database."""

from __future__ import annotations

from eval.equivalence import GoldAnswer, Verdict, compare_sql
from tests.eval_fixtures import staff_db  # noqa: F401  (fixture)


def check(pred: str, gold: str, engine) -> Verdict:
    return compare_sql(pred, [GoldAnswer(gold)], engine).verdict


def test_rows_are_not_compared_as_a_set(staff_db):
    # A missing DISTINCT returns the same *set* of rows with duplicates.
    assert check("SELECT dept_id FROM staff", "SELECT DISTINCT dept_id FROM staff", staff_db) is Verdict.MISMATCH
    # A fan-out join duplicates rows.
    fan_out = "SELECT d.name FROM dept d JOIN staff s ON s.dept_id = d.id"
    assert check(fan_out, "SELECT name FROM dept", staff_db) is Verdict.MISMATCH


def test_column_order_is_not_required(staff_db):
    assert check("SELECT salary, name FROM staff", "SELECT name, salary FROM staff", staff_db) is Verdict.EXACT


def test_distinct_is_not_stripped_before_comparing(staff_db):
    assert check("SELECT DISTINCT salary FROM staff", "SELECT salary FROM staff", staff_db) is Verdict.MISMATCH
    assert check("SELECT salary FROM staff", "SELECT DISTINCT salary FROM staff", staff_db) is Verdict.MISMATCH


def test_null_is_not_a_sentinel_number(staff_db):
    assert check("SELECT name, COALESCE(bonus, 0) FROM staff", "SELECT name, bonus FROM staff", staff_db) is Verdict.MISMATCH
    assert check("SELECT name, COALESCE(bonus, -1) FROM staff", "SELECT name, bonus FROM staff", staff_db) is Verdict.MISMATCH
    assert check("SELECT bonus, name FROM staff", "SELECT name, bonus FROM staff", staff_db) is Verdict.EXACT


def test_row_order_is_checked_not_just_the_presence_of_order_by(staff_db):
    gold = "SELECT name, salary FROM staff ORDER BY salary DESC"
    assert check("SELECT name, salary FROM staff ORDER BY salary ASC", gold, staff_db) is Verdict.MISMATCH
    assert check("SELECT name, salary FROM staff ORDER BY salary DESC, name DESC", gold, staff_db) is Verdict.EXACT


def test_floats_are_not_compared_exactly(staff_db):
    gold = "SELECT dept_id, AVG(salary) / 3 FROM staff GROUP BY dept_id"
    assert check("SELECT dept_id, ROUND(AVG(salary) / 3, 4) FROM staff GROUP BY dept_id", gold, staff_db) is Verdict.EXACT
    assert check("SELECT dept_id, SUM(salary) / COUNT(*) / 3.0 FROM staff GROUP BY dept_id", gold, staff_db) is Verdict.EXACT
    assert check("SELECT dept_id, ROUND(AVG(salary) / 3) FROM staff GROUP BY dept_id", gold, staff_db) is Verdict.MISMATCH


def test_predictions_are_paired_with_cases_by_id_not_position(tmp_path):
    import json

    from eval.config import EvalConfig
    from eval.runner import run_evaluation
    from tests.eval_fixtures import write_cases

    folder = write_cases(tmp_path / "golden")
    predictions = [  # reversed file order, and one case (t-2) missing
        {"id": "r-2", "sql": "SELECT name FROM departments"},
        {"id": "r-1", "sql": "SELECT count(*) FROM departments WHERE false"},
        {"id": "t-1", "sql": "SELECT count(*) FROM departments"},
    ]
    path = tmp_path / "predictions.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in predictions))
    run = run_evaluation(EvalConfig(cases=folder, systems=(f"file:{path}",), use_cache=False, progress=False))
    verdicts = {r.case_id: r.verdict for r in run.results}
    assert verdicts == {"t-1": "exact", "t-2": "predicted_error", "r-1": "mismatch", "r-2": "exact"}
