"""Canonical SQL forms used for dedup, leakage checks and exact match."""

from sqlfix.normalize import normalize_sql, sql_template


def test_normalize_ignores_case_and_whitespace_of_unquoted_names() -> None:
    assert normalize_sql("select  A\nfrom T where x=1", "duckdb") == normalize_sql("SELECT a FROM t WHERE x = 1", "duckdb")


def test_normalize_keeps_quoted_identifiers_and_literals_apart() -> None:
    assert normalize_sql('SELECT "A" FROM t', "duckdb") != normalize_sql("SELECT a FROM t", "duckdb")
    assert normalize_sql("SELECT 'A' FROM t", "duckdb") != normalize_sql("SELECT 'a' FROM t", "duckdb")


def test_template_masks_literals_so_shapes_compare_equal() -> None:
    assert sql_template("SELECT a FROM t WHERE age > 30", "duckdb") == sql_template("select a from t where age > 31", "duckdb")
    assert sql_template("SELECT a FROM t WHERE age > 30", "duckdb") != sql_template("SELECT a FROM t WHERE age < 30", "duckdb")


def test_unparseable_sql_never_raises() -> None:
    assert normalize_sql("SELEC  a FROM", "duckdb") == "selec a from"
    assert sql_template("SELECT (((", "clickhouse") == "select ((("
