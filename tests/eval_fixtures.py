"""Shared fixtures of the eval tests: a real in-memory DuckDB with a small HR-like table set,
and a helper to build result sets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlfix.engines import open_engine
from sqlfix.engines.base import Engine, ResultSet

STAFF_SQL = """
CREATE TABLE dept (id INTEGER PRIMARY KEY, name VARCHAR);
CREATE TABLE staff (id INTEGER PRIMARY KEY, name VARCHAR, dept_id INTEGER REFERENCES dept(id),
                    salary DOUBLE, hired DATE, bonus INTEGER);
INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'sales');
INSERT INTO staff VALUES
  (1, 'ann', 1, 100.0, DATE '2020-01-05', NULL),
  (2, 'bob', 1, 90.0,  DATE '2021-03-01', 0),
  (3, 'cyd', 2, 90.0,  DATE '2019-07-15', 5),
  (4, 'dan', 2, 70.0,  DATE '2022-11-30', NULL),
  (5, 'eve', 3, 70.0,  DATE '2018-02-01', 10),
  (6, 'fay', 3, 60.0,  DATE '2023-06-10', 0);
"""


def result(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> ResultSet:
    """A result set with the given columns and rows (types left generic)."""
    return ResultSet(columns=columns, types=tuple("ANY" for _ in columns), rows=rows)


@pytest.fixture
def staff_db() -> Iterator[Engine]:
    """A real in-memory DuckDB holding the `dept` and `staff` tables."""
    engine = open_engine("duckdb://:memory:", read_only=False)
    for statement in STAFF_SQL.split(";"):
        if statement.strip():
            outcome = engine.execute(statement, allow_write=True)
            assert isinstance(outcome, ResultSet), outcome
    yield engine
    engine.close()


class ScriptedEndpoint:
    """A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol.

    ``reply(messages) -> str`` writes each answer; returning None answers HTTP 500 (a failing
    endpoint). Every request's messages are kept in ``requests``.
    """

    def __init__(self, reply) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        endpoint = self
        self.reply = reply
        self.requests: list[list[dict]] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                endpoint.requests.append(body["messages"])
                text = endpoint.reply(body["messages"])
                if text is None:
                    payload, status = {"error": {"message": "scripted failure"}}, 500
                else:
                    choices = [
                        {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                        for i in range(body.get("n") or 1)
                    ]
                    payload = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                               "choices": choices, "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                    status = 200
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop the server."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted_endpoint(monkeypatch):
    """Start a :class:`ScriptedEndpoint` (set ``.reply``) and point OPENAI_BASE_URL at it."""
    endpoint = ScriptedEndpoint(lambda messages: "SELECT 1")
    monkeypatch.setenv("OPENAI_BASE_URL", endpoint.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    yield endpoint
    endpoint.close()


HR_CASES = [
    {"id": "t-1", "schema": "hr", "dialect": "duckdb", "task": "text2sql", "category": "aggregate", "difficulty": "easy",
     "question": "How many departments are there?", "sql": "SELECT count(*) FROM departments"},
    {"id": "t-2", "schema": "hr", "dialect": "duckdb", "task": "text2sql", "category": "single_table", "difficulty": "easy",
     "question": "List the names of departments sorted by name.", "sql": "SELECT name FROM departments ORDER BY name"},
    {"id": "r-1", "schema": "hr", "dialect": "duckdb", "task": "repair", "category": "typo", "difficulty": "easy",
     "broken_sql": "SELECT count(*) FORM departments", "error_kind": "syntax",
     "fixed_sql": "SELECT count(*) FROM departments"},
    {"id": "r-2", "schema": "hr", "dialect": "duckdb", "task": "repair", "category": "wrong_name", "difficulty": "easy",
     "broken_sql": "SELECT nme FROM departments", "error_kind": "unknown_column",
     "fixed_sql": "SELECT name FROM departments"},
]


def write_cases(folder, rows=HR_CASES):
    """Write golden rows as JSONL files under ``folder`` (one per task) and return it."""
    import json
    from pathlib import Path

    folder = Path(folder)
    for task in ("text2sql", "repair"):
        (folder / task).mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(r) for r in rows if r["task"] == task]
        (folder / task / "hr_duckdb.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "VERSION").write_text("9.9.9\n")
    return folder
