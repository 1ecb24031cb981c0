"""The shared prompt builders and the compact edit format."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqlfix.errors import SqlfixError
from sqlfix.prompts import apply_edit, ask_messages, extract_sql, make_edit, parse_edit, repair_messages

PAIRS = [
    ("SELEC name FROM users", "SELECT name FROM users"),
    ("SELECT name, count(*) FROM t", "SELECT name, count(*) FROM t GROUP BY name"),
    ("SELECT a FROM t WHERE a = 1 AND b = 1", "SELECT a FROM t WHERE a = 2 AND b = 1"),
    ("SELECT x\nFROM t\nWHERE y=1", "SELECT x\nFROM t\nGROUP BY x\nWHERE y=1"),
    ("SELECT a,, b FROM t", "SELECT a, b FROM t"),
    ('SELECT "a b" FROM t', 'SELECT "a c" FROM t'),
    ("select (a+b from t", "select (a+b) from t"),
    ("SELECT a, b FROM t", "SELECT a FROM t"),
    ("SELECT 'x\\ny' FROM t", "SELECT 'x\\nz' FROM t"),
]


@pytest.mark.parametrize(("broken", "fixed"), PAIRS)
def test_edit_round_trips(broken: str, fixed: str) -> None:
    edit = make_edit(broken, fixed)
    assert edit.startswith("- ")
    assert apply_edit(broken, edit) == fixed


def test_edit_is_smaller_than_the_query() -> None:
    broken = "SELECT u.name, count(*) AS n FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.nme"
    fixed = broken.replace("u.nme", "u.name")
    edit = make_edit(broken, fixed)
    assert len(edit) < len(fixed) / 2


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["SELECT", "a", "b", ",", "(", ")", " ", "\n", "FROM", "t", "'x'", "1", "="]), min_size=1, max_size=20),
    st.lists(st.sampled_from(["SELECT", "a", "c", ",", "(", ")", " ", "\n", "FROM", "u", "'y'", "2", "="]), min_size=1, max_size=20),
)
def test_edit_round_trips_on_arbitrary_token_strings(left: list[str], right: list[str]) -> None:
    broken, fixed = "".join(left), "".join(right)
    if broken == fixed:
        assert make_edit(broken, fixed) == ""
        return
    assert apply_edit(broken, make_edit(broken, fixed)) == fixed


def test_apply_edit_refuses_text_that_is_not_in_the_query() -> None:
    with pytest.raises(SqlfixError, match="does not occur"):
        apply_edit("SELECT a FROM t", "- SELCT\n+ SELECT")
    with pytest.raises(SqlfixError, match="no '- old'"):
        apply_edit("SELECT a FROM t", "SELECT a FROM t")


def test_parse_edit_reads_fenced_answers_and_deletions() -> None:
    assert parse_edit("```\n- ,,\n+ ,\n```") == [(",,", ",")]
    assert parse_edit("- , b") == [(", b", "")]


def test_extract_sql_prefers_the_fenced_block() -> None:
    assert extract_sql("The fix:\n```sql\nSELECT 1;\n```\nDone.") == "SELECT 1"
    assert extract_sql("  SELECT 2 ;  ") == "SELECT 2"


def test_repair_prompt_carries_schema_error_question_and_format() -> None:
    full = repair_messages("CREATE TABLE t (a INT);", "SELEC a FROM t", "syntax error", "duckdb", question="all a")
    edit = repair_messages("CREATE TABLE t (a INT);", "SELEC a FROM t", None, "duckdb", output="edit")
    assert [m.role for m in full] == ["system", "user"]
    assert "CREATE TABLE t" in full[1].content and "syntax error" in full[1].content
    assert "Question: all a" in full[1].content
    assert "minimal edit" in edit[0].content and "Error: none" in edit[1].content
    ask = ask_messages("CREATE TABLE t (a INT);", "How many rows?", "clickhouse")
    assert "Dialect: clickhouse" in ask[1].content and ask[1].content.endswith("How many rows?")


def test_a_failure_makes_the_same_prompt_on_every_run() -> None:
    from sqlfix.prompts import repair_messages

    def prompt(elapsed: str, would_use: str) -> list:
        timeout = f"Timeout exceeded: elapsed {elapsed} ms, maximum: 1000.000 ms. (TIMEOUT_EXCEEDED)"
        memory = (f"Query memory limit exceeded: would use {would_use} MiB (attempt to allocate chunk of 4.00 MiB), "
                  "maximum: 64.00 MiB: While executing AggregatingTransform. (MEMORY_LIMIT_EXCEEDED)")
        return [repair_messages("CREATE TABLE t (a INT);", "SELECT a FROM t, t AS u", error, "clickhouse")
                for error in (timeout, memory)]

    first, second = prompt("1004.695", "64.73"), prompt("1000.273", "69.82")
    assert first == second
    user = first[0][-1].content
    assert "Error: Timeout exceeded: maximum: 1000.000 ms. (TIMEOUT_EXCEEDED)" in user and "elapsed" not in user
    assert "maximum: 64.00 MiB" in first[1][-1].content and "would use" not in first[1][-1].content
    duckdb = [repair_messages("CREATE TABLE t (a INT);", "SELECT a FROM t, t AS u",
                              f"Out of Memory Error: failed to allocate data of size 16.0 MiB ({used} MiB/61.0 MiB used)",
                              "duckdb") for used in ("50.6", "48.8")]
    assert duckdb[0] == duckdb[1] and "failed to allocate data of size 16.0 MiB\n" in duckdb[0][-1].content + "\n"
