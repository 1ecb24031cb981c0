"""Fixtures of the UI tests: a real DuckDB file, a scripted OpenAI-protocol server (the one
allowed test double), the real `sqlfix ui` server, and a real Chromium through Playwright."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SHOTS = REPO / "artifacts" / "ui"
# How long a browser wait may take before the test fails: a guard against a hang, generous for a
# loaded 2-core CI machine, never a speed target.
BROWSER_WAIT_MS = 120_000
SERVER_START_S = 300


def make_shop_duckdb(path: Path) -> Path:
    """Write a small two-table DuckDB file (customers, orders) and return its path."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR, country VARCHAR)")
    con.execute("INSERT INTO customers VALUES (1, 'Ada', 'UK'), (2, 'Bo', 'SE'), (3, 'Cy', 'UK')")
    con.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, amount DOUBLE)")
    con.execute("INSERT INTO orders VALUES (10, 1, 9.5), (11, 1, 20.0), (12, 2, 5.0), (13, 3, 7.25)")
    con.close()
    return path


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    """A fresh DuckDB file with customers and orders."""
    return make_shop_duckdb(tmp_path / "shop.duckdb")


@dataclass
class ScriptedEndpoint:
    """An OpenAI-protocol chat server on 127.0.0.1 that answers by rule: the first rule whose
    key occurs in the last user message gives the reply text (else ``fallback``)."""

    rules: dict[str, str]
    fallback: str = "SELECT 1"
    requests: list[dict] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL clients use."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply(self, body: dict) -> dict:
        """The chat completion for one request body."""
        self.requests.append(body)
        last = next((m["content"] for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
        question = last.rsplit("Question:", 1)[-1]
        text = next((answer for key, answer in self.rules.items() if key in question), self.fallback)
        n = int(body.get("n") or 1)
        return {
            "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "m"),
            "choices": [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"} for i in range(n)],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }

    def start(self) -> "ScriptedEndpoint":
        """Serve in a daemon thread."""
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                payload = json.dumps(endpoint.reply(body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def scripted_endpoint() -> Iterator[ScriptedEndpoint]:
    """A scripted endpoint that knows one question about the demo shop database."""
    endpoint = ScriptedEndpoint(
        rules={"users per country": "SELECT country, count(*) AS n FROM users GROUP BY country ORDER BY country",
               "gold plan": "SELECT user_id FROM users WHERE plan = 'gold'"}
    ).start()
    yield endpoint
    endpoint.stop()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout_s: float) -> None:
    """Wait until ``url`` answers 200, or fail the test."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not come up in {timeout_s:.0f} s")


@pytest.fixture
def ui_server_factory(tmp_path: Path) -> Iterator:
    """Start `sqlfix ui` as a real process: ``start(*cli_args, env=...)`` returns its base URL;
    its output goes to ``artifacts/ui/server-<port>.log``."""
    processes: list[subprocess.Popen] = []

    def start(*args: str, env: dict[str, str] | None = None) -> str:
        port = free_port()
        SHOTS.mkdir(parents=True, exist_ok=True)
        log = (SHOTS / f"server-{port}.log").open("w")
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("sqlfix")), "ui", "--port", str(port), *args],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=tmp_path,
        )
        processes.append(process)
        wait_http(f"http://127.0.0.1:{port}/_stcore/health", SERVER_START_S)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def chromium_page(tmp_path: Path) -> Iterator:
    """A page of Debian's Chromium driven by Playwright (fresh user-data-dir, no download); the
    page as the test left it is saved as ``artifacts/ui/last.png``."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `bash scripts/setup_browser.sh`")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_WAIT_MS)

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1400, "height": 1700},
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(BROWSER_WAIT_MS)
        yield page
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / "last.png", full_page=True)
        context.close()
