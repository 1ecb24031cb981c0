"""The HTTP API over real HTTP on 127.0.0.1 (uvicorn in a thread), on the real shop demo."""

from __future__ import annotations

import concurrent.futures
import json
from functools import partial
from pathlib import Path

import httpx
import pytest

from sqlfix.api import ApiSettings
from sqlfix.fix import FixConfig
from sqlfix.models import load_model
from tests.fix_fixtures import api_server, openai_server, shop_duckdb  # noqa: F401 - fixture

# Generous: CI machines are shared, and the first request of a server warms sqlglot up.
TIMEOUT = 60
post = partial(httpx.post, timeout=TIMEOUT)
get = partial(httpx.get, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def rules_api(shop_duckdb):
    # Queue waits as long as a request may take: these tests want every answer, whatever the load.
    settings = ApiSettings(databases={"shop": shop_duckdb}, fix_config=FixConfig(use_model=False, timeout_s=1.0), max_body_bytes=8 * 1024, db_queue_wait_s=TIMEOUT)
    with api_server(settings) as url:
        yield url


def test_healthz_and_openapi(rules_api):
    health = get(f"{rules_api}/healthz").json()
    assert health == {"status": "ok", "model": None, "model_health": None, "databases": ["shop"], "unavailable_databases": {}, "queued": {"shop": 0}}
    spec = get(f"{rules_api}/openapi.json").json()
    assert {"/v1/fix", "/v1/sql", "/healthz", "/v1/chat/completions", "/v1/models"} <= set(spec["paths"])
    assert "FixBody" in spec["components"]["schemas"] and "FixResponse" in spec["components"]["schemas"]


def test_fix_returns_verified_minimal_fix(rules_api):
    answer = post(f"{rules_api}/v1/fix", json={"sql": "SELECT emial FROM users WHERE plan = 'pro'", "db": "shop"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["fixed_sql"] == "SELECT email FROM users WHERE plan = 'pro'"
    assert body["edit"] == "- emial\n+ email"
    assert body["evidence"]["executed"] is True and body["evidence"]["columns"] == ["email"]
    assert body["error"]["kind"] == "unknown_column" and body["source"] == "rule:identifiers"
    sure = post(f"{rules_api}/v1/fix", json={"sql": "SELECT emial FROM users", "db": "shop"}).json()
    assert sure["unsure"] is False and sure["unsure_reasons"] == [] and sure["confidence"] >= 0.8


def test_fix_that_changes_more_than_the_error_needs_is_marked_unsure(rules_api):
    broken = "SELECT category, brand FROM products UNION SELECT category FROM products"  # every fix of the union's width adds or drops a column
    body = post(f"{rules_api}/v1/fix", json={"sql": broken, "db": "shop"}).json()
    assert body["fixed_sql"] and body["unsure"] is True and body["confidence"] <= 0.5
    assert body["unsure_reasons"] == ["it adds a select item"]
    assert body["candidates"][0]["overreach"] == ["adds a select item"]
    withheld = post(f"{rules_api}/v1/fix", json={"sql": broken, "db": "shop", "abstain": True}).json()
    assert withheld["fixed_sql"] is None and withheld["unsure"] is True and withheld["candidates"]


def test_fix_uses_the_error_the_client_sends(rules_api):
    error = {"kind": "group_by", "message": 'column "country" must appear in the GROUP BY clause', "engine": "duckdb"}
    body = post(f"{rules_api}/v1/fix", json={"sql": "SELECT country, count(*) FROM users", "error": error}).json()
    assert body["fixed_sql"] == "SELECT country, count(*) FROM users GROUP BY country"
    assert body["evidence"]["candidates_tried"] == 1  # only the fix ran, not the broken query


def test_concurrent_requests_all_answer_correctly(rules_api):
    cases = {
        "SELECT emial FROM users": "SELECT email FROM users",
        "SELECT country, count(*) FROM users": "SELECT country, count(*) FROM users GROUP BY country",
        "SELEC email FROM users": "SELECT email FROM users",
        "SELECT email FROM user": "SELECT email FROM users",
    }
    work = list(cases.items()) * 4

    def call(item):
        broken, fixed = item
        with httpx.Client(timeout=TIMEOUT) as client:
            return client.post(f"{rules_api}/v1/fix", json={"sql": broken}).json()["fixed_sql"], fixed

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, work))
    assert all(got == want for got, want in results)


@pytest.mark.parametrize(
    ("sql", "preview"),
    [
        ("DELETE FROM users WHERE plan = 'free'", "SELECT * FROM users WHERE plan = 'free'"),
        ("INSERT INTO users VALUES (1)", None),
        ("SELECT * FROM read_csv('/etc/passwd')", None),
        ("COPY users TO '/tmp/sqlfix-api-users.csv'", None),
    ],
)
def test_hostile_sql_is_never_run(rules_api, sql, preview):
    answer = post(f"{rules_api}/v1/fix", json={"sql": sql})
    assert answer.status_code == 200
    body = answer.json()
    assert body["error"]["kind"] == "permission" and body["fixed_sql"] == preview
    assert not Path("/tmp/sqlfix-api-users.csv").exists()
    assert post(f"{rules_api}/v1/fix", json={"sql": "SELECT count(*) FROM users"}).json()["evidence"]["row_count"] == 1


def test_query_that_runs_forever_hits_the_execution_limit(rules_api):
    sql = "SELECT count(*) FROM range(100000000000) a, range(1000) b"
    answer = post(f"{rules_api}/v1/fix", json={"sql": sql})
    assert answer.status_code == 200
    body = answer.json()
    assert body["fixed_sql"] is None and body["error"]["kind"] == "timeout"
    assert body["evidence"]["elapsed_ms"] < 10_000


def test_oversized_bodies_get_413(rules_api):
    big = json.dumps({"sql": "SELECT 1 -- " + "x" * 20_000})
    answer = post(f"{rules_api}/v1/fix", content=big, headers={"content-type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"]["type"] == "too_large"

    def chunks():
        for _ in range(20):
            yield b" " * 1024
        yield big.encode()

    streamed = post(f"{rules_api}/v1/fix", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    ("payload", "status", "kind"),
    [
        (b"{not json", 400, "invalid_json"),
        (b'{"db": "shop"}', 422, "invalid_request"),
        (b'{"sql": "SELECT 1", "surprise": 1}', 422, "invalid_request"),
        (b'{"sql": "SELECT 1", "k": 99}', 422, "invalid_request"),
        (b'{"sql": "SELECT 1", "db": "/etc/passwd"}', 404, "unknown_database"),
        (b'{"sql": "   "}', 400, "invalid_request"),
    ],
)
def test_bad_requests_get_clear_4xx(rules_api, payload, status, kind):
    answer = post(f"{rules_api}/v1/fix", content=payload, headers={"content-type": "application/json"})
    assert answer.status_code == status
    assert answer.json()["error"]["type"] == kind and answer.json()["error"]["message"]


def test_without_model_ask_and_chat_are_unavailable(rules_api):
    assert post(f"{rules_api}/v1/sql", json={"question": "how many users?"}).status_code == 503
    chat = post(f"{rules_api}/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert chat.status_code == 503 and chat.json()["error"]["type"] == "no_model"
    assert get(f"{rules_api}/v1/models").json() == {"object": "list", "data": []}


def test_request_timeout_gives_504(shop_duckdb):
    settings = ApiSettings(databases={"shop": shop_duckdb}, fix_config=FixConfig(use_model=False, timeout_s=5.0), request_timeout_s=0.5)
    with api_server(settings) as url:
        answer = post(f"{url}/v1/fix", json={"sql": "SELECT count(*) FROM range(100000000000) a, range(1000) b"})
    assert answer.status_code == 504 and answer.json()["error"]["type"] == "timeout"


def _answers(user: str, n: int, temperature: float) -> list[str]:
    if "Question: How many users are there?" in user:
        greedy, samples = "```sql\nSELECT count(*) AS n FROM users\n```", ["SELECT count(email) AS n FROM usr", "SELECT 1 FROM nowhere"]
        return [greedy] if temperature == 0 else samples[:n]
    return ["SELECT 42"] * n


def test_model_endpoints_share_one_model(shop_duckdb):
    with openai_server(_answers) as fake:
        model = load_model("openai:scripted", base_url=fake.url, api_key="test")
        settings = ApiSettings(databases={"shop": shop_duckdb}, model=model, fix_config=FixConfig(k=3))
        with api_server(settings) as url:
            assert get(f"{url}/v1/models").json()["data"] == [{"id": "openai:scripted", "object": "model", "owned_by": "sqlfix"}]
            asked = post(f"{url}/v1/sql", json={"question": "How many users are there?"}).json()
            chat = post(f"{url}/v1/chat/completions", json={"model": "x", "messages": [{"role": "user", "content": "hello"}], "n": 2}).json()
    assert asked["sql"] in ("SELECT count(*) AS n FROM users", "SELECT count(email) AS n FROM users")
    assert asked["evidence"]["executed"] and asked["evidence"]["row_count"] == 1
    assert any("+rule:identifiers" in c["source"] for c in asked["candidates"])  # the failing sample was repaired
    # Two queries agree on the count; a winner that a rule had to repair would be unsure.
    assert asked["unsure"] is ("+rule:" in asked["source"]) and asked["unsure"] == bool(asked["unsure_reasons"])
    assert [c["message"]["content"] for c in chat["choices"]] == ["SELECT 42", "SELECT 42"]
    assert chat["object"] == "chat.completion" and chat["usage"]["total_tokens"] > 0
