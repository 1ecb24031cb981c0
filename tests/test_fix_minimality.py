"""A fix changes only what its error needs: the overreach check on golden-style repairs, and
what the pipeline makes of an overreaching fix on the real shop demo (DuckDB and chDB)."""

from __future__ import annotations

import pytest

from sqlfix.errors import ErrorKind, ExecError
from sqlfix.fix import FixConfig, FixRequest, repair
from sqlfix.fix.minimality import overreach
from sqlfix.fix.records import Candidate
from sqlfix.fix.trust import REFUSED_WRITE, judge
from tests.fix_fixtures import shop_clickhouse, shop_duckdb  # noqa: F401 - fixtures

UNION_BROKEN = "SELECT 'users' AS source, count(*) FROM users UNION ALL SELECT count(*) FROM orders"
# Every fix of the union's width adds a select item (or drops one): no minimal fix exists.
WIDTH_BROKEN = "SELECT category, brand FROM products UNION SELECT category FROM products"
SET_OPERATION_ERROR = ExecError(ErrorKind.OTHER, "Set operations can only apply to expressions with the same number of result columns", "duckdb")


def _error(kind: ErrorKind, message: str = "", identifier: str | None = None, position: int | None = None) -> ExecError:
    return ExecError(kind, message, "duckdb", identifier=identifier, position=position)


@pytest.mark.parametrize(
    ("broken", "fixed", "error"),
    [
        ("SELECT fare_class, count(*) AS bookings avg(price) AS avg_price FROM bookings GROUP BY fare_class",
         "SELECT fare_class, count(*) AS bookings, avg(price) AS avg_price FROM bookings GROUP BY fare_class",
         _error(ErrorKind.SYNTAX, 'syntax error at or near "avg"', "avg", 40)),
        ("SELECT level, count() FROM employees GRUOP BY level", "SELECT level, count() FROM employees GROUP BY level",
         _error(ErrorKind.SYNTAX, 'syntax error at or near "BY"', "BY", 42)),
        ("SELECT count(*) FROM orders WHERE total > 100 AND AND currency = 'USD'", "SELECT count(*) FROM orders WHERE total > 100 AND currency = 'USD'",
         _error(ErrorKind.SYNTAX, 'syntax error at or near "AND"', "AND", 50)),
        ("SELECT user_id, count(*) FROM orders WHERE count(*) > 5 GROUP BY user_id",
         "SELECT user_id, count(*) FROM orders GROUP BY user_id HAVING count(*) > 5",
         _error(ErrorKind.GROUP_BY, "WHERE clause cannot contain aggregates!")),
        ("SELECT count(*) FROM orders WHERE created_at >= '2024-13-01'", "SELECT count(*) FROM orders WHERE created_at >= '2024-12-01'",
         _error(ErrorKind.TYPE_MISMATCH, "Conversion Error: date field value out of range")),
        ("SELECT flight_id, DATEADD(minute, 30, scheduled_arrival) AS buffer_end FROM flights",
         "SELECT flight_id, scheduled_arrival + INTERVAL 30 MINUTE AS buffer_end FROM flights",
         _error(ErrorKind.DIALECT, "Scalar Function with name dateadd does not exist!", "dateadd", 18)),
        ("SELECT o.order_id, sum(oi.qty * oi.unit_price) FROM orders o JOIN order_items oi ON oi.order_id = o.order_id GROUP BY o.order_id",
         "SELECT o.order_id, sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi ON oi.order_id = o.order_id GROUP BY o.order_id",
         _error(ErrorKind.UNKNOWN_COLUMN, 'Table "oi" does not have a column named "qty"', "oi", 23)),
        ("SELECT count(*) FROM orders WHERE user_id IN (SELECT user_id, email FROM users)",
         "SELECT count(*) FROM orders WHERE user_id IN (SELECT user_id FROM users)",
         _error(ErrorKind.OTHER, "Subquery returns 2 columns - expected 1")),
        ("SELECT country, count(*) FROM users", "SELECT country, count(*) FROM users GROUP BY country",
         _error(ErrorKind.GROUP_BY, 'column "country" must appear in the GROUP BY clause', "country")),
        ("SELECT category, round(avg(price), 2, 0) FROM products GROUP BY category", "SELECT category, round(avg(price), 2) FROM products GROUP BY category",
         _error(ErrorKind.WRONG_ARITY, "No function matches round(DOUBLE, INTEGER, INTEGER)", "round")),
        ("SELECT employee_id, max(salary) FROM salaries GROUP BY employee_id", "SELECT employee_id, max(salary) FROM salary_history GROUP BY employee_id",
         _error(ErrorKind.UNKNOWN_TABLE, "Table with name salaries does not exist!", "salaries")),
        ("SELECT u.email FROM users u JOIN orders o ON o.user_id = u.user_id WHERE o.country = 'DE'",
         "SELECT u.email FROM users u JOIN orders o ON o.user_id = u.user_id WHERE u.country = 'DE'",
         _error(ErrorKind.UNKNOWN_COLUMN, 'Table "o" does not have a column named "country"', "o")),
        ("COPY (SELECT status, count(*) FROM orders GROUP BY status) TO '/tmp/status.csv'", "SELECT status, count(*) FROM orders GROUP BY status",
         ExecError(ErrorKind.PERMISSION, "COPY is not allowed", "guard")),
        ("SELECT name FROM products WHERE rank() OVER (ORDER BY price DESC) <= 3", "SELECT name FROM products QUALIFY rank() OVER (ORDER BY price DESC) <= 3",
         _error(ErrorKind.OTHER, "WHERE clause cannot contain window functions!")),
        ("SELECT status, sum(total, 2) FROM orders GROUP BY status", "SELECT status, sum(total) FROM orders GROUP BY status",
         _error(ErrorKind.WRONG_ARITY, "No function matches sum(DECIMAL(12,2), INTEGER_LITERAL)", "sum")),
    ],
    ids=["comma", "keyword-typo", "doubled-and", "where-to-having", "bad-date", "dialect-operator", "typo", "subquery-column", "group-by",
         "surplus-argument", "related-table", "requalified", "copy-target", "where-to-qualify", "aggregate-kept"],
)
def test_minimal_fixes_have_no_overreach(broken: str, fixed: str, error: ExecError) -> None:
    assert overreach(broken, fixed, error, "duckdb") == ()


@pytest.mark.parametrize(
    ("broken", "fixed", "error", "reason"),
    [
        ("SELECT airline_id, round(avg(distance_km), 1 AS avg_km FROM flights GROUP BY airline_id",
         "SELECT airline_id, round(avg(distance_km)), 1 AS avg_km FROM flights GROUP BY airline_id",
         _error(ErrorKind.SYNTAX, 'syntax error at or near "AS"', "AS", 45), "adds a select item"),
        ("SELECT flight_id, timestamp_diff('minute', scheduled_departure, actual_departure) AS delay FROM flights",
         "SELECT flight_id timestamp_diff,('minute', scheduled_departure, actual_departure) AS delay FROM flights",
         _error(ErrorKind.DIALECT, "Scalar Function with name timestamp_diff does not exist!", "timestamp_diff", 18),
         "turns the call timestamp_diff into a name"),
        ("SELECT category, count_if(in_stock) AS in_stock FROM products GROUP BY category",
         "SELECT category count_if,(in_stock) AS in_stock FROM products GROUP BY category, (in_stock)",
         _error(ErrorKind.DIALECT, "Function with name count_if does not exist", "count_if", 17), "adds a GROUP BY item"),
        ("SELECT DISTINCT country FROM users WHERE plan = 'premium' AND signup_date > 2024",
         "SELECT country FROM users WHERE plan = 'premium'",
         _error(ErrorKind.TYPE_MISMATCH, "Cannot compare DATE and INTEGER"), "drops DISTINCT"),
        ("SELECT DISTINCT country FROM users WHERE plan = 'premium' AND signup_date > 2024",
         "SELECT DISTINCT country FROM users WHERE plan = 'premium'",
         _error(ErrorKind.TYPE_MISMATCH, "Cannot compare DATE and INTEGER"), "drops a condition"),
        ("SELECT airport_code, round(latitude, longitude, 2) FROM airports", "SELECT airport_code, round(latitude) FROM airports",
         _error(ErrorKind.WRONG_ARITY, "No function matches round(DOUBLE, DOUBLE, INTEGER)", "round"), "drops the column longitude"),
        ("SELECT employee_id, date_diff(hire_date, termination_date) AS days FROM employees",
         "SELECT employee_id, DATE_DIFF('DAY', termination_date, hire_date) AS days FROM employees",
         _error(ErrorKind.WRONG_ARITY, "No function matches date_diff(DATE, DATE)", "date_diff"), "reorders columns"),
        ("SELECT category, countif(in_stock) FROM products GROUP BY category", "SELECT category, count(in_stock) FROM products GROUP BY category",
         _error(ErrorKind.UNKNOWN_FUNCTION, "Function with name countif does not exist", "countif"), "renames countif to count, dropping 'if'"),
        ("SELECT ISNULL(coupon_code, 'none') AS coupon, count(*) FROM orders GROUP BY 1",
         "SELECT (coupon_code IS NULL) AS coupon, count(*) FROM orders GROUP BY 1",
         _error(ErrorKind.DIALECT, "isnull does not take 2 arguments", "ISNULL"), "drops the value none"),
        (UNION_BROKEN, "SELECT 'users' AS source FROM users UNION ALL SELECT count(*) FROM orders", SET_OPERATION_ERROR, "drops the column count"),
        (UNION_BROKEN, "SELECT 'users' AS source, count(*) FROM users UNION ALL SELECT count(*), count(*) FROM orders", SET_OPERATION_ERROR,
         "adds a select item"),
        ("SELECT ISNULL(coupon_code, 'none') AS coupon FROM orders", "SELECT(coupon_code, 'none') AS coupon FROM orders",
         _error(ErrorKind.DIALECT, "isnull does not take 2 arguments", "ISNULL"), "leaves a bare list of values (a call's arguments without the call)"),
        ("SELECT category, round(avg(price), 2, 0) FROM products GROUP BY category", "SELECT category, round(avg(price)) FROM products GROUP BY category",
         _error(ErrorKind.WRONG_ARITY, "No function matches round(DOUBLE, INTEGER, INTEGER)", "round"), "drops the value 0, 2"),
        ("SELECT fare_class, avg(fare) FROM bookings GROUP BY fare_class", "SELECT fare_class, avg(passenger_id) FROM bookings GROUP BY fare_class",
         _error(ErrorKind.UNKNOWN_COLUMN, 'Referenced column "fare" not found', "fare"), "replaces fare with the unrelated name passenger_id"),
        ("SELECT p.name FROM projects p JOIN project_members m ON m.project_id = p.project_id",
         "SELECT p.name FROM projects p JOIN projects m ON m.project_id = p.project_id",
         _error(ErrorKind.UNKNOWN_TABLE, "Table with name project_members does not exist!", "project_members"), "reads projects twice (a self-join)"),
        ("SELECT * FROM url('https://example.com/export/orders.csv', 'CSVWithNames') LIMIT 10", "SELECT * FROM orders LIMIT 10",
         ExecError(ErrorKind.PERMISSION, "url() reads outside the database", "guard"), "reads a table instead of url(...)"),
        ("SELECT status, sum(total, 2) FROM orders GROUP BY status", "SELECT status, coalesce(total, 2) FROM orders GROUP BY status, coalesce(total, 2)",
         _error(ErrorKind.WRONG_ARITY, "No function matches sum(DECIMAL(12,2), INTEGER_LITERAL)", "sum"), "no longer aggregates with sum"),
    ],
    ids=["paren-moves-comma", "comma-splits-call", "bogus-group-item", "distinct", "condition", "arguments", "argument-order",
         "function-qualifier", "value", "union-column", "union-filler", "bare-arguments", "two-surplus-arguments", "unrelated-name",
         "self-join", "remote-source-guessed", "aggregate-lost"],
)
def test_overreaching_fixes_are_named(broken: str, fixed: str, error: ExecError, reason: str) -> None:
    assert reason in overreach(broken, fixed, error, "duckdb")


def test_a_query_that_runs_or_a_refused_statement_is_not_checked() -> None:
    assert overreach("SELECT DISTINCT a FROM t", "SELECT a FROM t", None, "duckdb") == ()
    refused = ExecError(ErrorKind.PERMISSION, "writes are not allowed", "guard")
    assert overreach("DELETE FROM t WHERE a = 1", "SELECT * FROM t WHERE a = 1", refused, "duckdb") == ()


def test_overreaching_rule_fix_is_unsure_on_duckdb(shop_duckdb) -> None:
    result = repair(FixRequest(WIDTH_BROKEN), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(use_model=False))
    assert result.error is not None and result.error.kind == ErrorKind.OTHER
    assert result.fixed_sql is not None and result.unsure and result.unsure_reasons == ["it adds a select item"]
    assert result.confidence <= FixConfig.unsure_confidence < (result.candidates[0].score or 0)  # capped below the ranker's score
    assert result.candidates[0].overreach == ("adds a select item",)


def test_union_width_fix_never_ranks_a_dropped_column_first(shop_duckdb) -> None:
    result = repair(FixRequest(UNION_BROKEN), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(use_model=False))
    dropping = [c for c in result.candidates if "drops the column count" in c.overreach]
    # The rules no longer drop the column (a width fix copies, never cuts, the first branch's
    # shape): what they offer, if anything, is unsure, and a dropping fix would rank last.
    assert all(result.candidates[-1] is d for d in dropping[-1:]) and (result.unsure or not result.candidates)


def test_abstain_withholds_an_unsure_fix_but_keeps_the_candidates(shop_duckdb) -> None:
    result = repair(FixRequest(WIDTH_BROKEN), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(use_model=False, abstain=True))
    assert result.fixed_sql is None and result.unsure and result.candidates
    assert result.explanation.startswith("A fix was found but withheld as unsure")


def test_minimal_fix_is_sure_and_ranks_above_an_overreaching_one(shop_duckdb) -> None:
    result = repair(FixRequest("SELECT emial FROM users"), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(use_model=False))
    assert result.fixed_sql == "SELECT email FROM users"
    assert not result.unsure and result.unsure_reasons == [] and result.confidence >= FixConfig.sure_confidence


def test_comma_that_splits_a_call_is_unsure_on_clickhouse(shop_clickhouse) -> None:
    broken = "SELECT category, count_if(in_stock) AS in_stock FROM products GROUP BY category"
    result = repair(FixRequest(broken), shop_clickhouse.engine, shop_clickhouse.schema, config=FixConfig(use_model=False))
    assert result.error is not None and result.error.kind == ErrorKind.DIALECT
    split = [c for c in result.candidates if "turns the call count_if into a name" in c.overreach]
    minimal = [c for c in result.candidates if not c.overreach]
    # Today the rules only find the comma fix; a rule that renames count_if to countIf would
    # add a minimal fix, which must then rank first and be sure.
    assert split or minimal
    if minimal:
        assert result.candidates[0] is minimal[0] and all(result.candidates.index(c) > 0 for c in split)
    else:
        assert result.unsure and result.confidence <= FixConfig.unsure_confidence
        assert "it turns the call count_if into a name" in result.unsure_reasons


def test_a_chained_repair_may_change_what_each_error_it_met_needs() -> None:
    broken = "SELEC country, count(*) AS users FROM users GROUP BY contry"
    fixed = "SELECT country, count(*) AS users FROM users GROUP BY country"
    first = _error(ErrorKind.SYNTAX, 'syntax error at or near "SELEC"', "SELEC", 0)
    second = _error(ErrorKind.UNKNOWN_COLUMN, 'Referenced column "contry" not found in FROM clause!', "contry")
    assert overreach(broken, fixed, first, "duckdb") == ("drops the column contry",)
    assert overreach(broken, fixed, first, "duckdb", later=(second,)) == ()


def test_chained_rule_fix_on_duckdb_is_sure(shop_duckdb) -> None:
    result = repair(FixRequest("SELEC country, count(*) AS users FROM users GROUP BY contry ORDER BY users DESC"), shop_duckdb.engine,
                    shop_duckdb.schema, config=FixConfig(use_model=False))
    assert result.fixed_sql == "SELECT country, count(*) AS users FROM users GROUP BY country ORDER BY users DESC"
    winner = result.candidates[0]
    assert winner.depth == 2 and [e.kind for e in winner.chain_errors] == [ErrorKind.UNKNOWN_COLUMN]
    assert winner.overreach == () and not result.unsure


def test_a_join_key_renamed_to_the_other_side_is_unsure_on_duckdb(shop_duckdb) -> None:
    # orders has no product_id; renaming o.product_id to p.product_id runs, but joins every row
    # to every order: the fix must not come back sure.
    broken = "SELECT p.name, o.status FROM products p JOIN orders o ON p.product_id = o.product_id"
    result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(use_model=False))
    tautologies = [c for c in result.candidates if any("with itself" in reason for reason in c.overreach)]
    assert tautologies and (result.fixed_sql is None or result.unsure)
    assert overreach("SELECT 1 FROM a p JOIN b o ON p.id = p.id", "SELECT 1 FROM a p JOIN b o ON p.id = p.id",
                     _error(ErrorKind.UNKNOWN_COLUMN, "", "id"), "duckdb") == ()  # already in the input: not the fix's doing


def test_a_chained_group_by_may_add_what_the_user_wrote_but_not_a_name_an_earlier_step_made() -> None:
    grouping = _error(ErrorKind.GROUP_BY, 'column "price" must appear in the GROUP BY clause', "price")
    lost_max = "SELECT category, MAXprice) AS top FROM products GROUP BY category"
    assert overreach(lost_max, "SELECT category, price AS top FROM products GROUP BY category, price",
                     _error(ErrorKind.SYNTAX, 'syntax error at or near ")"', ")", 24), "duckdb",
                     later=(grouping,)) == ("groups by price, which the query did not name",)
    typo = _error(ErrorKind.UNKNOWN_COLUMN, 'Referenced column "totl" not found', "totl")
    assert overreach("SELECT user_id, sum(totl) FROM orders", "SELECT user_id, sum(total) FROM orders GROUP BY user_id", typo, "duckdb",
                     later=(_error(ErrorKind.GROUP_BY, 'column "user_id" must appear in the GROUP BY clause', "user_id"),)) == ()


def test_a_preview_of_a_refused_write_is_unsure_and_below_the_calibrated_confidence(shop_duckdb) -> None:
    result = repair(FixRequest("UPDATE products SET price = 0 WHERE category = 'Books'"), shop_duckdb.engine, shop_duckdb.schema,
                    config=FixConfig(use_model=False))
    assert result.source == "rule:read_only" and result.unsure
    assert result.unsure_reasons == [REFUSED_WRITE]
    assert result.confidence <= FixConfig.unsure_confidence < FixConfig.sure_confidence
    withheld = repair(FixRequest("UPDATE products SET price = 0 WHERE category = 'Books'"), shop_duckdb.engine,
                      shop_duckdb.schema, config=FixConfig(use_model=False, abstain=True))
    assert withheld.fixed_sql is None and withheld.unsure


def test_any_preview_of_a_refused_write_is_unsure_the_models_too() -> None:
    refused = ExecError(kind=ErrorKind.PERMISSION, message="refused: UPDATE statements are not allowed (read-only)",
                        engine="guard", name="REFUSED")
    preview = Candidate("SELECT price * 1.1 FROM products WHERE category = 'Books'", "model:full", executed=True,
                        row_count=3, columns=["price * 1.1"], result_key="r1", votes=4)
    judged = judge("UPDATE products SET price = price * 1.1 WHERE category = 'Books'", refused, [preview], FixConfig(),
                   "duckdb")
    assert judged.unsure and REFUSED_WRITE in judged.unsure_reasons
    assert judged.confidence <= FixConfig.unsure_confidence


def test_a_read_refused_for_its_settings_is_fixed_surely(shop_clickhouse) -> None:
    result = repair(FixRequest("SELECT count() FROM orders SETTINGS max_threads = 1"), shop_clickhouse.engine,
                    shop_clickhouse.schema, config=FixConfig(use_model=False))
    assert result.error is not None and result.error.kind is ErrorKind.PERMISSION
    assert result.fixed_sql is not None and "SETTINGS" not in result.fixed_sql.upper()
    assert not result.unsure and REFUSED_WRITE not in result.unsure_reasons
