"""The HTTP service degrades instead of failing or piling up, over real HTTP on 127.0.0.1: a
model that fails, hangs or dies mid-request (the local OpenAI-protocol server), full queues,
broken database engines (a real DuckDB file moved, replaced, closed), graceful shutdown and
bad request bodies. Every wait is on state (a request arrived, a socket answered), not on time."""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import socket
import time
from functools import partial

import signal

import duckdb
import httpx
import pytest

from sqlfix.api import ApiSettings
from sqlfix.demo import demo_path
from sqlfix.fix import FixConfig
from sqlfix.fix.database import open_database
from sqlfix.models.openai_chat import OpenAIChatModel
from sqlfix.models.process import ModelProcess
from tests.fix_fixtures import api_server, openai_server, running_api, shop_duckdb  # noqa: F401 - fixture

TIMEOUT = 60
post = partial(httpx.post, timeout=TIMEOUT)
get = partial(httpx.get, timeout=TIMEOUT)

RULES_FIXABLE, RULES_FIX = "SELECT emial FROM users", "SELECT email FROM users"
UNFIXABLE = "SELECT wibble FROM users"  # no rule finds a column like it: only the model can answer
MODEL_FIX = "SELECT plan FROM users"
# The model asked next to the rules (so there is a rules' answer to fall back on), or only when they find nothing.
ALWAYS = FixConfig(model_when="always", k=1, output_formats=("full",), timeout_s=2.0)
FALLBACK = FixConfig(model_when="fallback", k=1, output_formats=("full",), timeout_s=2.0)


def _model(fake) -> OpenAIChatModel:
    return OpenAIChatModel("scripted", base_url=fake.url, api_key="test", retries=0)


def _answers(prompt: str, n: int, temperature: float) -> list[str]:
    return [f"```sql\n{MODEL_FIX}\n```"] * n


def _wait_until(condition, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting until {what}"
        time.sleep(0.05)


def test_failing_model_leaves_the_rules_answering_and_rests(shop_duckdb):
    with openai_server(_answers) as fake:
        fake.status = 500
        settings = ApiSettings(databases={"shop": shop_duckdb}, model=_model(fake), fix_config=ALWAYS, model_backoff_s=600)
        with api_server(settings) as url:
            body = post(f"{url}/v1/fix", json={"sql": RULES_FIXABLE}).json()
            health = get(f"{url}/healthz").json()
            calls = len(fake.requests)
            again = post(f"{url}/v1/fix", json={"sql": RULES_FIXABLE}).json()
            asked = post(f"{url}/v1/sql", json={"question": "How many users are there?"})
    assert body["fixed_sql"] == RULES_FIX and body["source"].startswith("rule:")
    assert body["model_status"] == "unavailable" and body["partial"] and "HTTP 500" in body["notice"]
    assert health["status"] == "degraded" and health["model_health"]["state"] == "down"
    assert "HTTP 500" in health["model_health"]["error"] and health["model_health"]["retry_in_s"] > 0
    # While it rests the model is not called at all, and the rules still answer.
    assert len(fake.requests) == calls
    assert again["fixed_sql"] == RULES_FIX and again["model_status"] == "unavailable" and again["retry_after_s"] > 0
    # Text-to-SQL needs the model: 503 with Retry-After.
    assert asked.status_code == 503 and asked.json()["error"]["type"] == "model_unavailable"
    assert int(asked.headers["retry-after"]) >= 1


def test_model_is_tried_again_after_its_rest_and_recovers(shop_duckdb):
    with openai_server(_answers) as fake:
        fake.status = 503
        settings = ApiSettings(databases={"shop": shop_duckdb}, model=_model(fake), fix_config=FALLBACK, model_backoff_s=0.2)
        with api_server(settings) as url:
            first = post(f"{url}/v1/fix", json={"sql": UNFIXABLE}).json()
            fake.status = 200
            _wait_until(lambda: get(f"{url}/healthz").json()["model_health"]["retry_in_s"] == 0, "the model's rest is over")
            second = post(f"{url}/v1/fix", json={"sql": UNFIXABLE}).json()
            health = get(f"{url}/healthz").json()
    assert first["fixed_sql"] is None and first["model_status"] == "unavailable"
    assert second["fixed_sql"] == MODEL_FIX and second["model_status"] == "ok" and not second["partial"]
    assert health["status"] == "ok" and health["model_health"] == {"state": "ok", "error": None, "failures": 0, "retry_in_s": 0.0, "waiting": 0}


def test_model_killed_mid_request_still_gets_the_rules_answer(shop_duckdb):
    with openai_server(_answers) as fake:
        fake.gate.clear()  # the model holds the request until it is killed
        settings = ApiSettings(databases={"shop": shop_duckdb}, model=_model(fake), fix_config=ALWAYS)
        with api_server(settings) as url, concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(post, f"{url}/v1/fix", json={"sql": RULES_FIXABLE})
            fake.wait_for_requests(1)
            fake.kill()
            answer = pending.result()
            health = get(f"{url}/healthz").json()
    body = answer.json()
    assert answer.status_code == 200 and body["fixed_sql"] == RULES_FIX
    assert body["model_status"] == "unavailable" and body["partial"]
    assert health["model_health"]["state"] == "down"


def test_local_model_process_killed_mid_request_still_gets_the_rules_answer(shop_duckdb, tmp_path):
    # The way serve runs a local model: in a child process (sqlfix.models.process), killed here
    # while it generates, as the kernel's out-of-memory killer would.
    from tests.model_fixtures import marking, wait_for_pid

    marker = tmp_path / "generating"
    model, _ = ModelProcess.launch(partial(marking, str(marker), True), name="local")
    try:
        settings = ApiSettings(databases={"shop": shop_duckdb}, model=model, fix_config=ALWAYS)
        with api_server(settings) as url, concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(post, f"{url}/v1/fix", json={"sql": RULES_FIXABLE})
            os.kill(wait_for_pid(marker), signal.SIGKILL)
            answer = pending.result()
            health = get(f"{url}/healthz").json()
    finally:
        model.close()
    body = answer.json()
    assert answer.status_code == 200 and body["fixed_sql"] == RULES_FIX and body["source"].startswith("rule:")
    assert body["model_status"] == "unavailable" and body["partial"] and "killed by signal 9" in body["notice"]
    assert health["model_health"]["state"] == "down" and "killed by signal 9" in health["model_health"]["error"]


def test_hanging_model_gives_the_best_answer_so_far_when_the_budget_runs_out(shop_duckdb):
    with openai_server(_answers) as fake:
        fake.gate.clear()  # the model never answers
        settings = ApiSettings(databases={"shop": shop_duckdb}, model=_model(fake), fix_config=ALWAYS, request_timeout_s=3.0)
        with api_server(settings) as url:
            partial_answer = post(f"{url}/v1/fix", json={"sql": RULES_FIXABLE})
            settings.fix_config = FALLBACK
        with api_server(settings) as url:
            nothing = post(f"{url}/v1/fix", json={"sql": UNFIXABLE})
    body = partial_answer.json()
    assert partial_answer.status_code == 200 and body["fixed_sql"] == RULES_FIX
    assert body["partial"] and body["model_status"] == "timeout" and "time budget" in body["notice"]
    assert nothing.status_code == 503 and nothing.json()["error"]["type"] == "timeout" and "retry-after" in nothing.headers


def test_full_queues_answer_429_with_retry_after(shop_duckdb):
    with openai_server(_answers) as fake:
        fake.gate.clear()
        databases = {"shop": shop_duckdb, "shop2": shop_duckdb}  # one engine, two queues
        settings = ApiSettings(databases=databases, model=_model(fake), fix_config=ALWAYS, db_running=1, db_waiting=0, model_waiting=0)
        with api_server(settings) as url, concurrent.futures.ThreadPoolExecutor(1) as pool:
            holding = pool.submit(post, f"{url}/v1/fix", json={"sql": RULES_FIXABLE, "db": "shop"})
            fake.wait_for_requests(1)  # it holds shop's only place and the model
            database_full = post(f"{url}/v1/fix", json={"sql": RULES_FIXABLE, "db": "shop"})
            model_full = post(f"{url}/v1/fix", json={"sql": UNFIXABLE, "db": "shop2"})
            rules_answer = post(f"{url}/v1/fix", json={"sql": RULES_FIXABLE, "db": "shop2"})
            chat = post(f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
            health = get(f"{url}/healthz").json()
            fake.gate.set()
            held = holding.result()
    assert database_full.status_code == 429 and database_full.json()["error"]["type"] == "busy"
    assert int(database_full.headers["retry-after"]) >= 1
    assert model_full.status_code == 429 and model_full.json()["error"]["type"] == "model_busy" and "retry-after" in model_full.headers
    assert chat.status_code == 429 and chat.json()["error"]["type"] == "model_busy"
    # The rules still answer what they can while the model is busy, marked partial.
    rules_body = rules_answer.json()
    assert rules_answer.status_code == 200 and rules_body["fixed_sql"] == RULES_FIX and rules_body["model_status"] == "busy" and rules_body["partial"]
    assert health["queued"] == {"shop": 1, "shop2": 0} and health["model_health"]["waiting"] == 0
    assert held.status_code == 200 and held.json()["fixed_sql"] == RULES_FIX and held.json()["model_status"] == "ok"


def test_rules_keep_answering_while_a_request_waits_for_the_model(shop_duckdb):
    with openai_server(_answers) as fake:
        fake.gate.clear()
        settings = ApiSettings(databases={"shop": shop_duckdb}, model=_model(fake), fix_config=FALLBACK, db_running=1, db_waiting=0)
        with api_server(settings) as url, concurrent.futures.ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(post, f"{url}/v1/fix", json={"sql": UNFIXABLE})
            fake.wait_for_requests(1)  # the rules found nothing: it waits for the model, outside the database's queue
            rules_answer = post(f"{url}/v1/fix", json={"sql": RULES_FIXABLE})
            fake.gate.set()
            model_answer = waiting.result()
    assert rules_answer.status_code == 200 and rules_answer.json()["fixed_sql"] == RULES_FIX and rules_answer.json()["model_status"] is None
    assert model_answer.status_code == 200 and model_answer.json()["fixed_sql"] == MODEL_FIX and model_answer.json()["source"] == "model:full"


def test_graceful_shutdown_lets_the_request_in_flight_finish(shop_duckdb):
    with openai_server(_answers) as fake:
        fake.gate.clear()
        settings = ApiSettings(databases={"shop": shop_duckdb}, model=_model(fake), fix_config=FALLBACK)
        with running_api(settings, timeout_graceful_shutdown=30) as (url, server), concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(post, f"{url}/v1/fix", json={"sql": UNFIXABLE})
            fake.wait_for_requests(1)
            server.should_exit = True
            _wait_until(lambda: _refused(url), "the server stops taking connections")
            fake.gate.set()
            answer = pending.result()
    assert answer.status_code == 200 and answer.json()["fixed_sql"] == MODEL_FIX


def _refused(url: str) -> bool:
    try:
        get(f"{url}/healthz", timeout=5)
    except httpx.TransportError:
        return True
    return False


def test_broken_engine_is_reopened_and_a_missing_file_is_a_clear_503(tmp_path):
    path = tmp_path / "shop.duckdb"
    shutil.copy(demo_path("shop"), path)
    database = open_database(str(path))
    settings = ApiSettings(databases={"shop": database}, fix_config=FixConfig(use_model=False, timeout_s=2.0))
    count = {"sql": "SELECT count(*) AS n FROM users"}
    try:
        with api_server(settings) as url:
            assert post(f"{url}/v1/fix", json=count).json()["evidence"]["executed"]
            database.engine.close()  # the connection breaks under the server
            after_break = post(f"{url}/v1/fix", json=count)
            replacement = tmp_path / "new.duckdb"
            with duckdb.connect(str(replacement)) as writer:
                writer.execute("CREATE TABLE visitors AS SELECT range AS id FROM range(3)")
            os.replace(replacement, path)  # the file is replaced by another database
            after_replace = post(f"{url}/v1/fix", json={"sql": "SELECT count(*) AS n FROM visitors"})
            os.rename(path, tmp_path / "moved.duckdb")
            moved = post(f"{url}/v1/fix", json=count)
            health = get(f"{url}/healthz").json()
            os.rename(tmp_path / "moved.duckdb", path)
            back = post(f"{url}/v1/fix", json={"sql": "SELECT count(*) AS n FROM visitors"})
    finally:
        database.close()
    assert after_break.status_code == 200 and after_break.json()["evidence"]["executed"]
    replaced = after_replace.json()
    assert after_replace.status_code == 200 and replaced["error"] is None and replaced["evidence"]["executed"]
    assert moved.status_code == 503 and moved.json()["error"]["type"] == "database_unavailable"
    assert "not found" in moved.json()["error"]["message"] and "retry-after" in moved.headers
    assert health["status"] == "degraded" and "shop" in health["unavailable_databases"]
    assert back.status_code == 200 and back.json()["evidence"]["executed"]


@pytest.fixture
def strict_api(shop_duckdb):
    settings = ApiSettings(databases={"shop": shop_duckdb}, fix_config=FixConfig(use_model=False, timeout_s=1.0), max_body_bytes=8 * 1024, body_timeout_s=1.0)
    with api_server(settings) as url:
        yield url


def _raw_request(url: str, head_body: bytes, *, trickle: bool = False, close_write: bool = False) -> bytes:
    """Send ``head_body`` on a raw socket; with ``trickle`` then one more body byte each time
    the server has not answered yet; return what the server sent back before closing."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(head_body)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        sock.settimeout(0.5 if trickle else TIMEOUT)
        received = b""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                sock.sendall(b" ")  # the slow client's next byte
                continue
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        return received


def _head(length: int) -> bytes:
    return f"POST /v1/fix HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode()


def test_slow_and_cut_off_bodies_get_408_and_leave_no_worker_stuck(strict_api, caplog):
    slow = _raw_request(strict_api, _head(4000) + b"{", trickle=True)
    stalled = _raw_request(strict_api, _head(100) + b'{"sql": "SEL')
    gone = _raw_request(strict_api, _head(100) + b'{"sql": "SEL', close_write=True)
    assert slow.startswith(b"HTTP/1.1 408") and b'"body_timeout"' in slow
    assert stalled.startswith(b"HTTP/1.1 408")
    assert gone == b"" or gone.startswith(b"HTTP/1.1 4")
    # The server is free: a normal request answers and nothing is queued.
    assert post(f"{strict_api}/v1/fix", json={"sql": RULES_FIXABLE}).json()["fixed_sql"] == RULES_FIX
    assert get(f"{strict_api}/healthz").json()["queued"] == {"shop": 0}
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


@pytest.mark.parametrize(
    ("payload", "status"),
    [(b'{"sql": 5}', 422), (b"[1, 2]", 422), (b'{"sql": "SELECT 1", "k": "many"}', 422), (b'{"sql": "SELECT 1", "use_model": "perhaps"}', 422),
     (b'{"sql": "SELECT 1"', 400), (b"\xff\xfe", 400), (b'{"sql": "' + b"x" * 9000 + b'"}', 413)],
)
def test_wrong_types_cut_off_json_and_huge_bodies_get_clear_4xx(strict_api, caplog, payload, status):
    answer = post(f"{strict_api}/v1/fix", content=payload, headers={"content-type": "application/json"})
    assert answer.status_code == status and answer.json()["error"]["message"]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
