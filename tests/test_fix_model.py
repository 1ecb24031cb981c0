"""Model candidates in the repair and ask pipelines, with a local OpenAI-protocol server as the
model (the one allowed test double) and the real shop demo in DuckDB for verification."""

from __future__ import annotations

from sqlfix.fix import FixConfig, FixRequest, ask, repair
from sqlfix.models import load_model
from sqlfix.models.openai_chat import OpenAIChatModel
from tests.fix_fixtures import openai_server, shop_duckdb  # noqa: F401 - fixture

SEMANTIC_QUESTION = "How many orders are cancelled or refunded, in USD?"
ECHOED_QUESTION = "How many USD orders are cancelled or refunded?"
PARENTHESISED = "SELECT count(*) FROM orders WHERE (status = 'cancelled' OR status = 'refunded') AND currency = 'USD'"


def _answers(user: str, n: int, temperature: float) -> list[str]:
    """A scripted model: answers keyed by the prompt, in both output formats."""
    edit_format = "minimal edit" in user
    if "SELECT emial" in user:
        return ["- emial\n+ email"] * n if edit_format else ["The column is called email.\n```sql\nSELECT email FROM users\n```"] * n
    if "SELECT full_nme, totl" in user:
        return ["SELECT full_name, totl FROM users u JOIN orders o ON o.user_id = u.user_id"] * n
    if ECHOED_QUESTION in user:  # greedy: the query again in other letters; samples: the fix, and a smaller change
        greedy = "select count(*) from orders where status = 'cancelled' or status = 'refunded' and currency = 'USD'"
        samples = [PARENTHESISED, PARENTHESISED, "SELECT count(*) FROM orders WHERE status = 'cancelled' OR status = 'refunded' AND currency = 'EUR'"]
        return [greedy] if temperature == 0 else samples[:n]
    if SEMANTIC_QUESTION in user:
        return ["The OR needs parentheses.\n```sql\nSELECT count(*) FROM orders WHERE (status = 'cancelled' OR status = 'refunded') AND currency = 'USD'\n```"] * n
    if "UNION SELECT category FROM products" in user:
        return ["- category FROM\n+ category, NULL AS brand FROM"] * n if edit_format else ["SELECT category, brand FROM products UNION SELECT category, NULL AS brand FROM products"] * n
    if "Question: How many users per plan?" in user:  # every sample reads the question differently
        readings = ["SELECT plan, count(*) FROM users GROUP BY plan", "SELECT count(DISTINCT plan) FROM users",
                    "SELECT plan, count(*) FROM users WHERE country = 'US' GROUP BY plan", "SELECT count(*) FROM users"]
        return readings[:1] if temperature == 0 else readings[1:1 + n]
    if "Question: Which users are on the gold plan?" in user:  # agreed, but no such plan: no rows
        return ["SELECT user_id FROM users WHERE plan = 'gold'"] * n
    if "Question: How many plus users are there?" in user:  # runs only once a rule repairs the table name
        return ["SELECT count(*) FROM usres WHERE plan = 'plus'"] * n
    if "Question: How many premium users are there?" in user:
        greedy = "SELECT count(*) FROM users WHERE plan = 'premium'"
        return [greedy] if temperature == 0 else ["SELECT count(*) FROM usres WHERE plan = 'premium'", "SELECT count(*) FROM users WHERE plan = 'free'"][:n]
    return ["SELECT 1"] * n


def _model(server):
    return load_model("openai:scripted", base_url=server.url, api_key="test")


def test_model_and_rules_candidates_are_verified_and_ranked(shop_duckdb):
    with openai_server(_answers) as server:
        result = repair(FixRequest("SELECT emial FROM users"), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=2, model_when="always"), model=_model(server))
        requests = list(server.requests)
    assert result.fixed_sql == "SELECT email FROM users"
    sources = {c.source for c in result.candidates}
    assert len(result.candidates) == 1 and result.candidates[0].votes >= 3  # rule, full and edit agree: one deduplicated candidate
    assert sources <= {"rule:identifiers", "model:full", "model:edit"}
    systems = [r["messages"][0]["content"] for r in requests]
    assert any("minimal edit" in s for s in systems) and any("corrected query only" in s for s in systems)
    assert {r["temperature"] for r in requests} == {0.0, 0.7}  # greedy first, then sampled (best-of-k)
    assert result.explanation == "Column `emial` does not exist; the schema has `email`."


def test_by_default_the_model_is_asked_only_when_the_rules_find_nothing_or_are_unsure(shop_duckdb):
    with openai_server(_answers) as server:
        fixed_by_rules = repair(FixRequest("SELECT emial FROM users"), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1), model=_model(server))
        assert fixed_by_rules.source == "rule:identifiers" and server.requests == []
        rules_cannot = repair(FixRequest("SELECT zzzqqq FROM users"), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1), model=_model(server))
        assert len(server.requests) == 2  # greedy answers in both output formats
    assert rules_cannot.fixed_sql == "SELECT 1" and rules_cannot.source == "model:full"


def test_an_unsure_rule_fix_asks_the_model_for_a_second_opinion(shop_duckdb):
    broken = "SELECT category, brand FROM products UNION SELECT category FROM products"
    rules_only = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(use_model=False))
    assert rules_only.unsure and rules_only.candidates[0].overreach  # every fix of the width adds a column: unsure
    with openai_server(_answers) as server:
        fallback = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1, model_when="fallback"), model=_model(server))
        assert server.requests == [] and fallback.fixed_sql == rules_only.fixed_sql  # "fallback": a rule fix runs, no model
        result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1), model=_model(server))
        assert len(server.requests) == 2  # the default asks when the rules are unsure: greedy, both output formats
    sources = {c.source.split(":")[0] for c in result.candidates}
    assert sources == {"rule", "model"} and result.unsure  # both offered; neither is minimal, so still unsure


def test_a_failing_model_leaves_the_rules_unsure_fix_standing(shop_duckdb):
    def fail(user: str, n: int, temperature: float) -> list[str]:
        raise RuntimeError("the endpoint breaks the connection")

    broken = "SELECT category, brand FROM products UNION SELECT category FROM products"
    with openai_server(fail) as server:
        model = OpenAIChatModel("scripted", base_url=server.url, api_key="test", retries=0)
        result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1), model=model)
        assert server.requests  # the model was asked, and failed
    assert result.fixed_sql is not None and result.unsure and result.source.startswith("rule:")


def test_failing_model_candidate_is_repaired_by_the_rules(shop_duckdb):
    broken = "SELECT full_nme, totl FROM users u JOIN orders o ON o.user_id = u.user_id"
    with openai_server(_answers) as server:
        result = repair(FixRequest(broken), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1, use_rules=False), model=_model(server))
    assert result.fixed_sql == "SELECT full_name, total FROM users u JOIN orders o ON o.user_id = u.user_id"
    assert result.source.startswith("model:") and "+rule:identifiers" in result.source


def test_semantic_repair_with_a_question(shop_duckdb):
    broken = "SELECT count(*) FROM orders WHERE status = 'cancelled' OR status = 'refunded' AND currency = 'USD'"
    with openai_server(_answers) as server:
        result = repair(FixRequest(broken, question=SEMANTIC_QUESTION), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1), model=_model(server))
    assert result.error is None
    assert result.fixed_sql == "SELECT count(*) FROM orders WHERE (status = 'cancelled' OR status = 'refunded') AND currency = 'USD'"
    assert result.explanation == "The OR needs parentheses."
    assert result.source == "model:full" and result.evidence.executed


def test_semantic_repair_never_returns_the_query_itself_and_lets_the_samples_vote(shop_duckdb):
    broken = "SELECT count(*) FROM orders WHERE status = 'cancelled' OR status = 'refunded' AND currency = 'USD'"
    with openai_server(_answers) as server:
        result = repair(FixRequest(broken, question=ECHOED_QUESTION), shop_duckdb.engine, shop_duckdb.schema,
                        config=FixConfig(k=4, output_formats=("full",)), model=_model(server))
    assert result.fixed_sql == PARENTHESISED  # two votes beat the one-word change closest to the query
    assert all(c.sql.lower() != broken.lower() for c in result.candidates)
    assert result.candidates[0].votes == 2


def test_model_prompt_shows_only_the_tables_the_query_names(shop_duckdb):
    with openai_server(_answers) as server:
        repair(FixRequest("SELECT emial FROM users"), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1, model_when="always"), model=_model(server))
        prompt = server.requests[0]["messages"][1]["content"]
    assert "CREATE TABLE users" in prompt and "CREATE TABLE orders" not in prompt


def test_ask_votes_over_sampled_queries_and_repairs_failures(shop_duckdb):
    with openai_server(_answers) as server:
        result = ask("How many premium users are there?", shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=3), model=_model(server))
    assert result.sql == "SELECT count(*) FROM users WHERE plan = 'premium'"
    assert result.evidence.executed and result.evidence.row_count == 1
    assert result.candidates[0].votes == 2  # the greedy answer and the repaired "usres" sample agree
    assert [c.sql for c in result.candidates][1:] == ["SELECT count(*) FROM users WHERE plan = 'free'"]
    assert 0 < result.confidence <= 1
    assert not result.unsure and result.to_dict()["unsure"] is False  # two of three samples agree


def test_an_answer_no_other_sample_agrees_with_is_unsure(shop_duckdb):
    with openai_server(_answers) as server:
        model = _model(server)
        voted = ask("How many users per plan?", shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=4), model=model)
        greedy_only = ask("How many users per plan?", shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1), model=model)
    assert voted.sql is not None and len(voted.candidates) == 4
    assert voted.unsure and voted.unsure_reasons == ["no other of the 4 sampled queries returns the same rows"]
    assert voted.confidence <= FixConfig().unsure_confidence
    assert voted.to_dict()["unsure_reasons"] == voted.unsure_reasons
    # One query sampled: no vote to lose, so no doubt from agreement.
    assert greedy_only.sql == "SELECT plan, count(*) FROM users GROUP BY plan" and not greedy_only.unsure


def test_an_answer_with_no_rows_or_made_to_run_by_a_rule_is_unsure(shop_duckdb):
    with openai_server(_answers) as server:
        model = _model(server)
        empty = ask("Which users are on the gold plan?", shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=3), model=model)
        repaired = ask("How many plus users are there?", shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=3), model=model)
    assert empty.evidence.row_count == 0 and empty.unsure_reasons == ["it returns no rows (check its filters)"]
    assert repaired.sql == "SELECT count(*) FROM users WHERE plan = 'plus'" and "+rule:" in repaired.source
    assert repaired.unsure_reasons == ["the model's query failed and a repair rule made it run, which may change what it asks"]


def test_a_failing_model_leaves_the_rules_answering(shop_duckdb):
    # The path the CLI and the editor take (no ModelGuard): the endpoint answers 500.
    with openai_server(_answers) as server:
        server.status = 500
        model = OpenAIChatModel("scripted", base_url=server.url, api_key="test", retries=0)
        fixed = repair(FixRequest("SELECT emial FROM users"), shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1, model_when="always"), model=model)
        asked = ask("How many premium users are there?", shop_duckdb.engine, shop_duckdb.schema, config=FixConfig(k=1), model=model)
    assert fixed.fixed_sql == "SELECT email FROM users" and fixed.source.startswith("rule:")
    assert fixed.sources.model_status == "unavailable" and fixed.sources.partial and "HTTP 500" in fixed.sources.notice
    assert asked.sql is None and asked.sources.model_status == "unavailable" and "HTTP 500" in asked.sources.notice


def test_model_candidates_verified_before_the_budget_ran_out_count(shop_duckdb):
    # The full-query format answers; the edit format hangs past the request's budget.
    with openai_server(_answers) as server:
        def hang_on_edits(user: str, n: int, temperature: float) -> list[str]:
            if "minimal edit" in user:
                server.gate.clear()
                server.gate.wait()  # until the server is shut down
            return _answers(user, n, temperature)

        server.answer = hang_on_edits
        model = OpenAIChatModel("scripted", base_url=server.url, api_key="test", retries=0)
        config = FixConfig(k=1, use_rules=False, request_timeout_s=3.0)
        result = repair(FixRequest("SELECT emial FROM users"), shop_duckdb.engine, shop_duckdb.schema, config=config, model=model)
    assert result.fixed_sql == "SELECT email FROM users" and result.source == "model:full"
    assert result.sources.model_status == "timeout" and result.sources.partial
