"""The golden loader: reads the real golden set, and names file and line for bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqlfix.errors import InputFormatError

from eval.golden import golden_unseen_schemas, golden_version, load_golden
from tests.eval_fixtures import HR_CASES, write_cases

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def test_real_golden_set_loads_with_unique_ids_and_both_tasks():
    cases = load_golden(GOLDEN)
    assert len({c.id for c in cases}) == len(cases)
    assert {c.task for c in cases} == {"text2sql", "repair"}
    assert all(c.gold_sql and c.source for c in cases)
    assert golden_version(GOLDEN)
    repair = load_golden(GOLDEN, task="repair")
    assert repair and all(c.task == "repair" and c.broken_sql for c in repair)


def test_answers_carry_alternatives_and_column_sets(tmp_path):
    row = dict(HR_CASES[0], alternatives=["SELECT count(department_id) FROM departments"], column_sets=[["a", "b"]])
    folder = write_cases(tmp_path, [row])
    (case,) = load_golden(folder)
    assert [a.sql for a in case.answers()] == [row["sql"], row["alternatives"][0]]
    assert case.answers()[1].column_sets == (("a", "b"),)


def bad_file(tmp_path, lines: list[str]) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ("{not json", "cases.jsonl:2: not valid JSON"),
        ("[1, 2]", "cases.jsonl:2: a row must be a JSON object"),
        (json.dumps({k: v for k, v in HR_CASES[1].items() if k != "question"}), "cases.jsonl:2: "),
        (json.dumps(dict(HR_CASES[1], dialect="oracle")), "cases.jsonl:2: dialect"),
        (json.dumps(dict(HR_CASES[1], colour="red")), "cases.jsonl:2: colour"),
        (json.dumps(dict(HR_CASES[1], id="t-1")), "cases.jsonl:2: id 't-1' already used at"),
        (json.dumps(dict(HR_CASES[2], error_kind="nonsense")), "cases.jsonl:2: error_kind"),
        (json.dumps(dict(HR_CASES[2], fixed_sql="  ")), "cases.jsonl:2: "),
        (json.dumps(dict(HR_CASES[2], limits={"speed": 1})), "cases.jsonl:2: limits"),
    ],
)
def test_malformed_rows_name_file_and_line(tmp_path, second_line, message):
    path = bad_file(tmp_path, [json.dumps(HR_CASES[0]), second_line])
    with pytest.raises(InputFormatError) as caught:
        load_golden(path)
    assert message in str(caught.value)


def test_missing_question_is_named(tmp_path):
    path = bad_file(tmp_path, [json.dumps({k: v for k, v in HR_CASES[1].items() if k != "question"})])
    with pytest.raises(InputFormatError, match="question"):
        load_golden(path)


def test_missing_path_and_unknown_task(tmp_path):
    with pytest.raises(InputFormatError, match="neither a file nor a folder"):
        load_golden(tmp_path / "nowhere")
    with pytest.raises(InputFormatError, match="unknown task"):
        load_golden(write_cases(tmp_path), task="sql")


def test_unseen_schemas_come_from_splits_json_next_to_or_above_the_cases(tmp_path):
    assert golden_unseen_schemas(GOLDEN) == {"billing", "observability"}
    assert golden_unseen_schemas(GOLDEN / "repair" / "billing_duckdb.jsonl") == {"billing", "observability"}
    folder = write_cases(tmp_path / "golden")
    assert golden_unseen_schemas(folder) == frozenset()
    (folder / "splits.json").write_text('{"unseen": ["hr"]}')
    assert golden_unseen_schemas(folder / "text2sql") == {"hr"}
    (folder / "splits.json").write_text('{"unseen": "hr"}')
    with pytest.raises(InputFormatError, match="must be a list of schema names"):
        golden_unseen_schemas(folder)
    (folder / "splits.json").write_text("{not json")
    with pytest.raises(InputFormatError, match="splits.json: expected"):
        golden_unseen_schemas(folder)
