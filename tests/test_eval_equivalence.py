"""Unit tests for each comparison rule of the execution-equivalence evaluator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from eval.equivalence import GoldAnswer, Verdict, compare_on_databases, compare_results, compare_sql
from eval.ordering import order_keys, resolve_order
from tests.eval_fixtures import result, staff_db  # noqa: F401  (fixture)


def verdict(pred, gold, **kwargs) -> str:
    return compare_results(pred, gold, **kwargs).verdict.value


def test_duplicates_count():
    gold = result(("a",), [(1,), (1,), (2,)])
    assert verdict(result(("a",), [(1,), (2,), (2,)]), gold) == "mismatch"
    assert verdict(result(("a",), [(2,), (1,), (1,)]), gold) == "exact"


def test_row_count_differs_is_mismatch_with_reason():
    comparison = compare_results(result(("a",), [(1,)]), result(("a",), [(1,), (1,)]))
    assert comparison.verdict is Verdict.MISMATCH
    assert "row count 1 vs gold 2" in comparison.detail


def test_nulls_equal_nulls_but_not_zero_or_empty_text():
    gold = result(("a", "b"), [(None, "x"), (1, None)])
    assert verdict(result(("a", "b"), [(1, None), (None, "x")]), gold) == "exact"
    assert verdict(result(("a", "b"), [(0, "x"), (1, None)]), gold) == "mismatch"
    assert verdict(result(("a", "b"), [(None, "x"), (1, "")]), gold) == "mismatch"


def test_numeric_types_coerced():
    gold = result(("n",), [(1,), (2,)])
    assert verdict(result(("n",), [(1.0,), (Decimal("2"),)]), gold) == "exact"
    assert verdict(result(("n",), [(True,), (2,)]), gold) == "exact"
    assert verdict(result(("n",), [("1",), ("2",)]), gold) == "mismatch"


def test_float_noise_within_relative_tolerance():
    gold = result(("avg",), [(0.1 + 0.2,), (1e6 / 3,)])
    assert verdict(result(("avg",), [(0.3,), (333333.33334,)]), gold) == "exact"
    assert verdict(result(("avg",), [(0.31,), (333333.33334,)]), gold) == "mismatch"


def test_rounded_value_matches_at_its_precision():
    gold = result(("ratio",), [(1 / 3,), (2 / 3,)])
    assert verdict(result(("ratio",), [(0.33,), (0.67,)]), gold) == "exact"
    assert verdict(result(("ratio",), [(Decimal("0.3333"),), (Decimal("0.6667"),)]), gold) == "exact"
    assert verdict(result(("ratio",), [(0.34,), (0.67,)]), gold) == "mismatch"


def test_integer_division_is_not_a_rounded_ratio():
    gold = result(("ratio",), [(0.4,)])
    assert verdict(result(("ratio",), [(0,)]), gold) == "mismatch"
    assert verdict(result(("ratio",), [(1.0,)]), result(("ratio",), [(1.4,)])) == "mismatch"


def test_dates_and_timestamps_normalised():
    gold = result(("d", "t"), [(dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 10, 30))])
    pred = result(
        ("d", "t"),
        [(dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 2, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))],
    )
    assert verdict(pred, gold) == "exact"
    assert verdict(result(("d", "t"), [("2024-01-02", "2024-01-02 10:30:00")]), gold) == "exact"
    assert verdict(result(("d", "t"), [(dt.date(2024, 1, 3), dt.datetime(2024, 1, 2, 10, 30))]), gold) == "mismatch"


def test_columns_matched_by_values_not_names_or_positions():
    gold = result(("name", "total"), [("a", 10), ("b", 20)])
    assert verdict(result(("s", "who"), [(20, "b"), (10, "a")]), gold) == "exact"


def test_columns_with_equal_value_sets_are_paired_by_rows():
    gold = result(("x", "y"), [(1, 2), (2, 1)])
    assert verdict(result(("y", "x"), [(2, 1), (1, 2)]), gold) == "exact"
    gold = result(("x", "y"), [(1, 2), (2, 1), (1, 1)])
    assert verdict(result(("x", "y"), [(1, 2), (2, 1), (2, 2)]), gold) == "mismatch"


def test_extra_columns_are_a_superset():
    gold = result(("name",), [("a",), ("b",)])
    comparison = compare_results(result(("id", "name"), [(1, "a"), (2, "b")]), gold)
    assert comparison.verdict is Verdict.SUPERSET
    assert not comparison.correct
    assert verdict(result(("id",), [(1,), (2,)]), gold) == "mismatch"


def test_missing_column_is_mismatch():
    gold = result(("name", "n"), [("a", 1)])
    assert verdict(result(("name",), [("a",)]), gold) == "mismatch"


def test_any_non_empty_subset_of_optional_columns():
    gold = result(("id", "name", "n"), [(1, "a", 5), (2, "b", 7)])
    optional = [0, 1]
    assert verdict(result(("name", "n"), [("a", 5), ("b", 7)]), gold, column_sets=[optional]) == "exact"
    assert verdict(result(("n", "id"), [(7, 2), (5, 1)]), gold, column_sets=[optional]) == "exact"
    assert verdict(result(("id", "name", "n"), [(1, "a", 5), (2, "b", 7)]), gold, column_sets=[optional]) == "exact"
    assert verdict(result(("n",), [(5,), (7,)]), gold, column_sets=[optional]) == "mismatch"
    assert verdict(result(("id", "n", "z"), [(1, 5, 0), (2, 7, 0)]), gold, column_sets=[optional]) == "superset"


def test_order_matters_only_on_ordered_columns_and_ties_may_permute():
    gold = result(("name", "salary"), [("ann", 100), ("bob", 90), ("cyd", 90), ("dan", 70)])
    order = (1,)
    tie_swapped = result(("name", "salary"), [("ann", 100), ("cyd", 90), ("bob", 90), ("dan", 70)])
    reversed_rows = result(("name", "salary"), list(reversed(gold.rows)))
    assert verdict(tie_swapped, gold, order=order) == "exact"
    assert compare_results(reversed_rows, gold, order=order).detail == "same rows in a different order"
    assert verdict(reversed_rows, gold) == "exact"


def test_each_column_group_needs_one_member():
    gold = result(("cid", "cname", "pid", "pname"), [(1, "a", 10, "x"), (2, "b", 20, "y")])
    groups = [[0, 1], [2, 3]]
    assert verdict(result(("cname", "pid"), [("a", 10), ("b", 20)]), gold, column_sets=groups) == "exact"
    assert verdict(result(("cid", "cname"), [(1, "a"), (2, "b")]), gold, column_sets=groups) == "mismatch"


def test_order_on_column_missing_from_prediction_needs_the_exact_sequence():
    gold = result(("id", "name"), [(1, "a"), (2, "b")])
    assert verdict(result(("name",), [("a",), ("b",)]), gold, order=(0,), column_sets=[[0, 1]]) == "exact"
    assert verdict(result(("name",), [("b",), ("a",)]), gold, order=(0,), column_sets=[[0, 1]]) == "mismatch"


def test_empty_results():
    gold = result(("a", "b"), [])
    assert verdict(result(("x", "y"), []), gold) == "exact"
    assert verdict(result(("x", "y", "z"), []), gold) == "superset"
    assert verdict(result(("x",), []), gold) == "mismatch"


@pytest.mark.parametrize(
    ("sql", "keys"),
    [
        ("SELECT name, salary FROM staff ORDER BY salary DESC", (1,)),
        ("SELECT name, salary AS s FROM staff ORDER BY s, 1", (1, 0)),
        ("SELECT dept_id, COUNT(*) FROM staff GROUP BY dept_id ORDER BY COUNT(*) DESC", (1,)),
        ("SELECT name FROM staff ORDER BY salary", (None,)),
        ("SELECT * FROM staff ORDER BY salary", ("salary",)),
        ("SELECT name FROM staff UNION SELECT name FROM dept ORDER BY 1", (0,)),
        ("SELECT * FROM (SELECT name FROM staff ORDER BY name LIMIT 2)", None),
        ("WITH s AS (SELECT name FROM staff ORDER BY name) SELECT name FROM s", None),
        ("SELECT name FROM staff", None),
    ],
)
def test_order_keys_from_gold_sql(sql, keys):
    assert order_keys(sql, "duckdb") == keys


def test_resolve_order_falls_back_to_all_columns_for_hidden_keys():
    assert resolve_order(("salary",), ("id", "name", "salary")) == (2,)
    assert resolve_order((None, 0), ("a", "b")) == (0, 1)
    assert resolve_order(None, ("a",)) is None


def test_compare_sql_on_real_duckdb(staff_db):
    gold = [GoldAnswer("SELECT d.name, AVG(s.salary) FROM staff s JOIN dept d ON s.dept_id = d.id GROUP BY d.name")]
    pred = "SELECT ROUND(AVG(salary), 2) AS avg_sal, (SELECT name FROM dept WHERE id = dept_id) FROM staff GROUP BY dept_id"
    assert compare_sql(pred, gold, staff_db).verdict is Verdict.EXACT
    assert compare_sql("SELECT name FROM dept", gold, staff_db).verdict is Verdict.MISMATCH


def test_compare_sql_errors_and_timeouts(staff_db):
    gold = [GoldAnswer("SELECT name FROM staff")]
    failed = compare_sql("SELECT nme FROM staff", gold, staff_db)
    assert (failed.verdict, failed.error_kind) == (Verdict.PREDICTED_ERROR, "unknown_column")
    assert compare_sql("", gold, staff_db).verdict is Verdict.PREDICTED_ERROR
    assert compare_sql(None, gold, staff_db).error_kind == "syntax"
    broken_gold = compare_sql("SELECT name FROM staff", [GoldAnswer("SELECT nope FROM staff")], staff_db)
    assert broken_gold.verdict is Verdict.GOLD_ERROR and "nope" in broken_gold.detail
    from sqlfix.engines.base import Limits

    slow = "SELECT COUNT(*) FROM range(100000000) a, range(1000) b WHERE a.range % 7 = b.range"
    timed = compare_sql(slow, gold, staff_db, limits=Limits(timeout_s=0.3, max_rows=100))
    assert timed.verdict is Verdict.TIMEOUT and timed.error_kind == "timeout"


def test_a_cut_off_gold_result_is_not_compared(staff_db):
    from sqlfix.engines.base import Limits

    cut = compare_sql("SELECT name FROM staff", [GoldAnswer("SELECT name FROM staff")], staff_db, limits=Limits(max_rows=3))
    assert cut.verdict is Verdict.GOLD_ERROR and "more than 3 rows" in cut.detail
    gold = [GoldAnswer("SELECT name FROM staff LIMIT 3")]
    longer = compare_sql("SELECT name FROM staff", gold, staff_db, limits=Limits(max_rows=3))
    assert longer.verdict is Verdict.MISMATCH and "more than 3 rows" in longer.detail


def test_any_alternative_counts(staff_db):
    answers = [
        GoldAnswer("SELECT name FROM staff WHERE salary > 80"),
        GoldAnswer("SELECT name FROM staff WHERE salary >= 90 OR bonus = 10"),
    ]
    pred = "SELECT name FROM staff WHERE salary >= 90 OR name = 'eve'"
    comparison = compare_sql(pred, answers, staff_db)
    assert comparison.verdict is Verdict.EXACT
    assert comparison.gold_sql == answers[1].sql


def test_alternative_column_sets_by_name(staff_db):
    answers = [GoldAnswer("SELECT id, name, salary FROM staff WHERE dept_id = 1", column_sets=(("id", "name"),))]
    assert compare_sql("SELECT salary, id FROM staff WHERE dept_id = 1", answers, staff_db).correct
    assert not compare_sql("SELECT salary FROM staff WHERE dept_id = 1", answers, staff_db).correct


def test_test_suite_mode_catches_a_lucky_match(staff_db):
    from sqlfix.engines import open_engine

    other = open_engine("duckdb://:memory:", read_only=False)
    other.execute("CREATE TABLE staff AS SELECT 1 AS id, 'zed' AS name, 50.0 AS salary", allow_write=True)
    other.execute("INSERT INTO staff VALUES (2, 'ann', 150.0)", allow_write=True)
    answers = [GoldAnswer("SELECT name FROM staff WHERE salary >= 100")]
    lucky = "SELECT name FROM staff WHERE name = 'ann'"
    assert compare_sql(lucky, answers, staff_db).verdict is Verdict.EXACT
    assert compare_on_databases(lucky, answers, [staff_db, other]).verdict is Verdict.EXACT
    lucky = "SELECT name FROM staff WHERE id = 1"
    caught = compare_on_databases(lucky, answers, [staff_db, other])
    assert caught.verdict is Verdict.MISMATCH and "perturbed database 1" in caught.detail
    assert compare_on_databases("SELECT name FROM staff WHERE salary > 99", answers, [staff_db, other]).correct
    other.close()


def test_perturbed_demo_copies_catch_a_hard_coded_answer():
    from eval.databases import EnginePool

    pool = EnginePool(perturbed_copies=2, seed=7)
    try:
        original, *copies = pool.engines("hr", "duckdb")
        assert len(copies) == 2
        gold = [GoldAnswer("SELECT employee_id FROM employees WHERE salary > 150000")]
        ids = [row[0] for row in original.execute(gold[0].sql).rows]
        lucky = f"SELECT employee_id FROM employees WHERE employee_id IN ({', '.join(map(str, ids))})"
        assert compare_sql(lucky, gold, original).correct
        caught = compare_on_databases(lucky, gold, [original, *copies])
        assert caught.verdict is Verdict.MISMATCH and "perturbed database" in caught.detail
        honest = "SELECT employee_id FROM employees WHERE NOT salary <= 150000"
        assert compare_on_databases(honest, gold, [original, *copies]).correct
        counts = [e.execute("SELECT count(*), count(DISTINCT department_id) FROM employees").rows for e in (original, *copies)]
        assert counts[0] == counts[1] == counts[2]
    finally:
        pool.close()
