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
    """A local server speaking the OpenAI chat protocol (the one allowed test double), failures
    included.

    ``answer(prompt, n, temperature)`` returns the completion texts, where ``prompt`` is every
    message's content joined by blank lines; every request body is kept in ``requests``.
    Failures: ``status`` other than 200 answers every request with that HTTP error; clearing
    ``gate`` makes requests hang until it is set again; :meth:`kill` drops the requests in
    flight and stops listening, as a crashed server would. :meth:`wait_for_requests` waits
    until that many requests have arrived.
    """

    def __init__(self, answer: Callable[[str, int, float], list[str]]) -> None:
        super().__init__(("127.0.0.1", 0), _OpenAIHandler)
        self.answer = answer
        self.requests: list[dict] = []
        self.status = 200
        self.gate = threading.Event()
        self.gate.set()
        self._arrived = threading.Condition()
        self._open: set[socket.socket] = set()

    def handle_error(self, request: object, client_address: object) -> None:
        pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def wait_for_requests(self, count: int, timeout: float = 60.0) -> None:
        """Block until ``count`` requests have arrived (fail the test after ``timeout``)."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)
        assert arrived, f"only {len(self.requests)} of {count} model requests arrived"

    def kill(self) -> None:
        """Stop listening and cut every connection in flight (the clients see a reset)."""
        self.shutdown()
        self.server_close()
        with self._arrived:
            connections, self._open = list(self._open), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.gate.set()

    def arrive(self, body: dict, connection: socket.socket) -> None:
        """Record a request (its handler calls this)."""
        with self._arrived:
            self.requests.append(body)
            self._open.add(connection)
            self._arrived.notify_all()

    def leave(self, connection: socket.socket) -> None:
        """Forget a connection whose request was answered."""
        with self._arrived:
            self._open.discard(connection)


class _OpenAIHandler(BaseHTTPRequestHandler):
    server: ScriptedOpenAI

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.arrive(body, self.connection)
        try:
            self.server.gate.wait()
            if self.server.status != 200:
                self._send(self.server.status, {"error": {"message": f"scripted {self.server.status}", "type": "server_error"}})
                return
            prompt = "\n\n".join(m["content"] for m in body["messages"])
            texts = self.server.answer(prompt, body.get("n", 1), body.get("temperature", 0.0))
            choices = [{"index": i, "finish_reason": "stop", "message": {"role": "assistant", "content": t}} for i, t in enumerate(texts)]
            self._send(200, {"id": "c", "object": "chat.completion", "created": 0, "model": body["model"], "choices": choices,
                             "usage": {"prompt_tokens": 10, "completion_tokens": 5 * len(texts), "total_tokens": 10 + 5 * len(texts)}})
        finally:
            self.server.leave(self.connection)

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
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
        server.gate.set()  # let requests a test left hanging end
        server.shutdown()
        server.server_close()


@contextmanager
def running_api(settings, **uvicorn_options) -> Iterator[tuple[str, "uvicorn.Server"]]:
    """Serve ``create_app(settings)`` with uvicorn on a free 127.0.0.1 port; yield its base URL
    and the server (set ``should_exit`` to shut it down gracefully). Logging is left to the
    root logger, so ``caplog`` sees uvicorn's records."""
    import uvicorn

    from sqlfix.api import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", log_config=None, **uvicorn_options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a guard against a hang: a loaded machine starts it late
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def api_server(settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` with uvicorn on a free 127.0.0.1 port; yield its base URL."""
    with running_api(settings) as (url, _):
        yield url
