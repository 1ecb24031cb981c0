"""A schema too large for a prompt (520 tables in a real DuckDB file): ``ask`` and ``fix`` show
the model the tables the question or query is about, within the budget, and answer."""

from __future__ import annotations

import duckdb
import pytest

from sqlfix.fix import FixConfig, FixRequest, ask, repair
from sqlfix.fix.database import open_database
from sqlfix.fix.model_source import ask_schema_prompt, prompt_schema
from sqlfix.models import load_model
from sqlfix.schema.fit import PROMPT_SCHEMA_CHARS
from tests.fix_fixtures import openai_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("wide") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        for i in range(520):
            columns = ", ".join(f"metric_{j}_of_feed_{i} DOUBLE" for j in range(12))
            connection.execute(f"CREATE TABLE feed_{i} (id INTEGER PRIMARY KEY, {columns})")
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR)")
        connection.execute("CREATE TABLE orders (id INTEGER, customer_id INTEGER REFERENCES customers(id), status VARCHAR)")
        connection.execute("INSERT INTO customers VALUES (1, 'Ada')")
        connection.execute("INSERT INTO orders VALUES (1, 1, 'paid'), (2, 1, 'open'), (3, 1, 'paid')")
    database = open_database(str(path))
    yield database
    database.close()


def test_prompts_of_a_huge_schema_fit_the_budget_and_keep_what_the_text_names(warehouse) -> None:
    assert len(warehouse.schema.to_prompt()) > 10 * PROMPT_SCHEMA_CHARS  # far over the budget
    prompt = ask_schema_prompt(warehouse.schema, "How many orders are there per status?")
    assert len(prompt) <= PROMPT_SCHEMA_CHARS and "CREATE TABLE orders" in prompt
    assert "CREATE TABLE customers" in prompt  # the table orders' foreign key points to
    unfocused = prompt_schema(warehouse.schema, "SELEC 1", "focus")  # names no table: the focus is everything
    assert len(unfocused.to_prompt()) <= PROMPT_SCHEMA_CHARS


def test_ask_and_model_fix_on_a_huge_schema_answer_with_bounded_prompts(warehouse) -> None:
    def answer(prompt: str, n: int, temperature: float) -> list[str]:
        sql = "SELECT status, count(*) FROM orders GROUP BY status" if "Question:" in prompt and "Query:" not in prompt \
            else "SELECT status FROM orders"
        return [f"```sql\n{sql}\n```"] * n

    with openai_server(answer) as server:
        model = load_model("openai:scripted", base_url=server.url)
        result = ask("How many orders are there per status?", warehouse.engine, warehouse.schema, config=FixConfig(k=1), model=model)
        assert result.sql == "SELECT status, count(*) FROM orders GROUP BY status"
        fixed = repair(FixRequest(sql="SELECT stat FROM ordrs_x"), warehouse.engine, warehouse.schema,
                       config=FixConfig(k=1, output_formats=("full",)), model=model)
        assert fixed.fixed_sql is not None
        sizes = [sum(len(m["content"]) for m in body["messages"]) for body in server.requests]
        assert sizes and max(sizes) < PROMPT_SCHEMA_CHARS + 2_000
