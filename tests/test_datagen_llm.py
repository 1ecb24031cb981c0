"""The LLM generator against a real local HTTP server speaking the OpenAI protocol: good answers,
malformed answers, 429s, 500s and timeouts; the response cache; token accounting."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from datagen.config import DatagenConfig
from datagen.llm.client import CachedChatClient, ChatRequest
from datagen.llm.parse import json_items
from datagen.pipeline import run_datagen
from sqlfix.errors import EndpointError
from sqlfix.models.base import Message
from tests.datagen_fixtures import ScriptedOpenAI, build_tiny_duckdb, tiny_responder


def _request(text: str = "hi") -> ChatRequest:
    return ChatRequest([Message("user", text)], temperature=0.5)


# The client's limit on one answer: each scripted "timeout" costs this long, and every other answer
# of the local server must come back within it, also on a loaded machine.
CLIENT_TIMEOUT_S = 2.0


def _client(server: ScriptedOpenAI, tmp_path, **kwargs) -> CachedChatClient:
    options = {"max_retries": 3, "backoff_s": 0.01, "timeout_s": CLIENT_TIMEOUT_S, "concurrency": 1,
               "price_prompt_per_1k": 1.0, "price_completion_per_1k": 2.0, **kwargs}
    return CachedChatClient(base_url=server.url, model="scripted", cache_dir=tmp_path / "cache", **options)


@pytest.mark.parametrize("text, expected", [
    ('```json\n[{"a": "1"},]\n```', [{"a": "1"}]),
    ('prose {"a": "1"} more prose {"a": "2"} and {"a": "3', [{"a": "1"}, {"a": "2"}]),
    ('{"pairs": [{"a": "1"}, {"a": "2"}]}', [{"a": "1"}, {"a": "2"}]),
    ('no json at all', []),
    ('{"a": "brace } inside", "b": "x"}', [{"a": "brace } inside", "b": "x"}]),
])
def test_json_items_reads_messy_answers(text, expected):
    assert json_items(text) == expected


def test_client_retries_429_500_and_timeouts_then_succeeds(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with ScriptedOpenAI(lambda m: "answer", ["429", "500", "timeout"]) as server:
        client = _client(server, tmp_path)
        [answer] = client.complete_all([_request()])
    assert answer.text == "answer" and not answer.cached
    assert client.usage["http_429"] == 1 and client.usage["http_500"] == 1 and client.usage["timeouts"] == 1
    assert client.usage["retries"] == 3
    assert client.usage["prompt_tokens"] == 100 and client.usage["completion_tokens"] == 50
    assert client.usage["cost_usd_micro"] == 200_000  # 0.1k * $1 + 0.05k * $2


def test_client_gives_up_after_retries(tmp_path):
    with ScriptedOpenAI(lambda m: "answer", ["500"] * 10) as server:
        client = _client(server, tmp_path, max_retries=2)
        [answer] = client.complete_all([_request()])
        assert len(server.requests) == 3
    assert answer.text is None and "HTTP 500" in answer.error
    assert client.usage["failed_requests"] == 1


def test_cache_makes_a_rerun_free(tmp_path):
    with ScriptedOpenAI(lambda m: "cached answer") as server:
        first = _client(server, tmp_path).complete_all([_request("a"), _request("b")])
        second_client = _client(server, tmp_path)
        second = second_client.complete_all([_request("a"), _request("b")])
        assert len(server.requests) == 2
    assert [a.text for a in first] == [a.text for a in second] == ["cached answer"] * 2
    assert second_client.usage["cache_hits"] == 2 and second_client.usage["http_calls"] == 0


def test_concurrency_is_bounded(tmp_path):
    import threading

    active, peak, both_in = [0], [0], threading.Condition()

    def slow(messages):
        # Each answer waits until two requests have been in at once (or a guard runs out), so the
        # test sees the overlap however the machine schedules the client's threads.
        with both_in:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            both_in.notify_all()
            both_in.wait_for(lambda: peak[0] >= 2, timeout=20)
            active[0] -= 1
        return "ok"

    with ScriptedOpenAI(slow) as server:
        answers = _client(server, tmp_path, concurrency=2, timeout_s=60).complete_all(
            [_request(str(i)) for i in range(6)])
    assert all(a.text == "ok" for a in answers)
    assert peak[0] == 2


def _llm_config(tmp_path, db, url, **kwargs) -> DatagenConfig:
    options = dict(dbs=[f"duckdb://{db}"], offline=False, pairs_per_schema=40, batch_size=20, llm=True, base_url=url,
                   model="scripted", llm_requests_per_schema=3, llm_concurrency=2, llm_backoff_s=0.01,
                   llm_timeout_s=CLIENT_TIMEOUT_S, out_dir=str(tmp_path / "out"), progress=False, golden_dir=str(tmp_path / "none"),
                   max_edit_ratio=0.5)
    options.update(kwargs)
    return DatagenConfig(**options)


def test_llm_generator_end_to_end_with_failures_and_cache(tmp_path):
    db = build_tiny_duckdb(tmp_path / "tiny.duckdb")
    with ScriptedOpenAI(tiny_responder, ["429", "malformed", "500", "timeout"]) as server:
        config = _llm_config(tmp_path, db, server.url, max_rows=30)
        result = run_datagen(config, fresh=True)
        calls = len(server.requests)
        rerun = run_datagen(config, fresh=True)
        assert len(server.requests) == calls, "a re-run must be answered from the cache"
    manifest = result.manifest
    assert manifest["text2sql_by_generator"].get("llm", 0) >= 2
    assert manifest["repair_by_generator"].get("llm", 0) >= 1
    llm = manifest["llm"]
    assert llm["prompt_tokens"] > 0 and llm["completion_tokens"] > 0 and llm["retries"] >= 3
    assert llm["unparseable_answers"] == 1
    assert manifest["filters"]["too_many_rows"] >= 1  # "List every customer": 40 rows > max_rows 30
    assert rerun.manifest["totals"] == manifest["totals"]
    assert rerun.manifest["llm"]["cache_hits"] > 0 and rerun.manifest["llm"].get("http_calls", 0) == 0
    rows = [json.loads(line) for line in (tmp_path / "out" / "train" / "repair.jsonl").read_text().splitlines()]
    rows += [json.loads(line) for split in ("validation", "test")
             for line in (tmp_path / "out" / split / "repair.jsonl").read_text().splitlines()]
    llm_rows = [r for r in rows if r["generator"] == "llm"]
    assert llm_rows and all(r["error_kind"] == "syntax" and " FORM " in r["broken_sql"] for r in llm_rows)


def test_llm_generator_fails_clearly_when_the_endpoint_is_down(tmp_path):
    db = build_tiny_duckdb(tmp_path / "tiny.duckdb")
    with ScriptedOpenAI(tiny_responder, ["500"] * 100) as server:
        config = _llm_config(tmp_path, db, server.url, offline=False, llm_max_retries=1)
        with pytest.raises(EndpointError, match="HTTP 500"):
            run_datagen(config, fresh=True)


def test_usage_counter_is_shared_with_the_run(tmp_path):
    usage: Counter = Counter()
    with ScriptedOpenAI(lambda m: "x") as server:
        _client(server, tmp_path, usage=usage).complete_all([_request()])
    assert usage["answered"] == 1


def test_llm_generator_names_the_timeout_when_every_request_times_out(tmp_path):
    db = build_tiny_duckdb(tmp_path / "tiny.duckdb")
    with ScriptedOpenAI(tiny_responder, ["timeout"] * 100) as server:
        config = _llm_config(tmp_path, db, server.url, llm_max_retries=0, llm_timeout_s=0.2,
                             llm_requests_per_schema=1)
        with pytest.raises(EndpointError, match=r"timed out after 0.2 s\).*--llm-timeout 0.2 s"):
            run_datagen(config, fresh=True)
