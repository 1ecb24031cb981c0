"""OpenAIChatModel against a real local HTTP server speaking the OpenAI chat protocol."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sqlfix.errors import EndpointError, SqlfixError
from sqlfix.models import Message, load_model
from sqlfix.models.openai_chat import OpenAIChatModel

MESSAGES = [Message("system", "You fix SQL."), Message("user", "SELEC 1")]


class FakeOpenAI(ThreadingHTTPServer):
    """Answers /v1/chat/completions from a script of behaviours, one per request."""

    def __init__(self, script: list[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = list(script)
        self.requests: list[dict] = []
        # A "slow" answer waits for this (set when the test ends): slower than any client timeout,
        # however loaded the machine is.
        self.release = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on a slow answer closes its socket: expected here

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: FakeOpenAI

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        behaviour = self.server.script.pop(0) if self.server.script else "ok"
        if behaviour == "slow":
            self.server.release.wait(600)
        if behaviour == "500":
            return self._send(500, {"error": {"message": "model crashed", "type": "server_error"}})
        choices = [] if behaviour == "empty" else [
            {"index": i, "finish_reason": "stop", "message": {"role": "assistant", "content": f" SELECT {i + 1} "}}
            for i in range(1 if behaviour == "one" else body.get("n", 1))
        ]
        usage = {"prompt_tokens": 12, "completion_tokens": 3 * max(len(choices), 1), "total_tokens": 15}
        self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"], "choices": choices, "usage": usage})

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def serve():
    servers: list[FakeOpenAI] = []

    def start(*script: str) -> FakeOpenAI:
        server = FakeOpenAI(list(script))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


def test_generate_returns_n_choices_and_sends_the_chat(serve) -> None:
    server = serve("ok")
    model = load_model("openai:tiny-sql", base_url=server.url)
    generations = model.generate(MESSAGES, n=2, temperature=0.7, max_tokens=17)
    assert [g.text for g in generations] == ["SELECT 1", "SELECT 2"]
    assert generations[0].prompt_tokens == 12
    sent = server.requests[0]
    assert sent["model"] == "tiny-sql" and sent["n"] == 2 and sent["max_tokens"] == 17
    assert sent["messages"] == [{"role": "system", "content": "You fix SQL."}, {"role": "user", "content": "SELEC 1"}]


def test_a_server_giving_fewer_choices_is_asked_again(serve) -> None:
    server = serve("one", "one", "one")
    generations = OpenAIChatModel("m", base_url=server.url).generate(MESSAGES, n=3)
    assert len(generations) == 3 and len(server.requests) == 3


def test_server_error_is_retried_then_succeeds(serve) -> None:
    server = serve("500", "ok")
    generations = OpenAIChatModel("m", base_url=server.url, retries=1).generate(MESSAGES)
    assert generations[0].text == "SELECT 1" and len(server.requests) == 2


def test_persistent_server_error_raises_endpoint_error(serve) -> None:
    server = serve("500", "500")
    with pytest.raises(EndpointError, match="HTTP 500"):
        OpenAIChatModel("m", base_url=server.url, retries=1).generate(MESSAGES)
    assert len(server.requests) == 2


def test_timeout_raises_endpoint_error(serve) -> None:
    server = serve("slow")
    with pytest.raises(EndpointError, match="timed out"):
        OpenAIChatModel("m", base_url=server.url, timeout_s=0.3, retries=0).generate(MESSAGES)


def test_answer_without_choices_raises_endpoint_error(serve) -> None:
    server = serve("empty")
    with pytest.raises(EndpointError, match="no choices"):
        OpenAIChatModel("m", base_url=server.url, retries=0).generate(MESSAGES)


def test_refused_connection_raises_endpoint_error() -> None:
    with pytest.raises(EndpointError, match="cannot reach"):
        OpenAIChatModel("m", base_url="http://127.0.0.1:9/v1", retries=0).generate(MESSAGES)


def test_openai_spec_needs_a_model_name() -> None:
    with pytest.raises(SqlfixError, match="needs a model name"):
        load_model("openai:")
