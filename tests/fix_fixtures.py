"""Fixtures for the fix/ask/API tests: the real demo databases on DuckDB and chDB, a local
OpenAI-protocol server, and the API served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

import pytest

from sqlfix.demo import demo_schema, open_demo
from sqlfix.fix.database import Database


@pytest.fixture(scope="session")
def shop_duckdb() -> Database:
    """The shop demo on DuckDB, read-only."""
    database = Database("demo://shop", open_demo("shop"), demo_schema("shop"))
    yield database
    database.close()


@pytest.fixture(scope="module")
def shop_clickhouse() -> Database:
    """The shop demo on embedded ClickHouse (chDB), read-only; closed after the module, since
    chDB allows one data path per process and other modules open their own."""
    from sqlfix.fix.database import open_database

    database = open_database("demo+clickhouse://shop")
    yield database
    database.close()


class ScriptedOpenAI(ThreadingHTTPServer):
    """A local server speaking the OpenAI chat protocol (the one allowed test double).

    ``answer(prompt, n, temperature)`` returns the completion texts, where ``prompt`` is every
    message's content joined by blank lines; every request body is kept in ``requests``.
    """

    def __init__(self, answer: Callable[[str, int, float], list[str]]) -> None:
        super().__init__(("127.0.0.1", 0), _OpenAIHandler)
        self.answer = answer
        self.requests: list[dict] = []

    def handle_error(self, request: object, client_address: object) -> None:
        pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _OpenAIHandler(BaseHTTPRequestHandler):
    server: ScriptedOpenAI

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        prompt = "\n\n".join(m["content"] for m in body["messages"])
        texts = self.server.answer(prompt, body.get("n", 1), body.get("temperature", 0.0))
        choices = [{"index": i, "finish_reason": "stop", "message": {"role": "assistant", "content": t}} for i, t in enumerate(texts)]
        payload = {"id": "c", "object": "chat.completion", "created": 0, "model": body["model"], "choices": choices,
                   "usage": {"prompt_tokens": 10, "completion_tokens": 5 * len(texts), "total_tokens": 10 + 5 * len(texts)}}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def openai_server(answer: Callable[[str, int, float], list[str]]) -> Iterator[ScriptedOpenAI]:
    """Run a :class:`ScriptedOpenAI` on a free port for the duration of the block."""
    server = ScriptedOpenAI(answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def api_server(settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` with uvicorn on a free 127.0.0.1 port; yield its base URL."""
    import uvicorn

    from sqlfix.api import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a guard against a hang: a loaded machine starts it late
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
