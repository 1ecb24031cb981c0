"""Fixtures for the datagen tests: a tiny real DuckDB database with keys, categories, numbers,
dates and booleans (plus two larger tables for cross-join blow-ups), and its schema profile."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb

from datagen.profile import SchemaProfile, profile_schema
from sqlfix.engines import open_engine
from sqlfix.engines.base import Engine
from sqlfix.schema.model import Column, ForeignKey, Schema, Table

CITIES = ("Oslo", "Rome", "Lima", "Kyiv", "Pune")
STATUSES = ("paid", "shipped", "pending", "cancelled")
CHANNELS = ("ads", "search", "direct")

DDL = """
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, city VARCHAR, signup_date DATE,
                        is_vip BOOLEAN NOT NULL);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (customer_id),
                     status VARCHAR NOT NULL, total DECIMAL(10, 2) NOT NULL, created_at TIMESTAMP NOT NULL);
CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, channel VARCHAR NOT NULL, pages INTEGER NOT NULL);
CREATE TABLE clicks (click_id INTEGER PRIMARY KEY, visit_id INTEGER REFERENCES visits (visit_id), target VARCHAR);
"""


def build_tiny_duckdb(path: Path, *, big_tables: bool = True) -> Path:
    """Write the tiny database to ``path`` (deterministic rows) and return the path; without
    ``big_tables`` the 6000-row visits/clicks tables (for cross-join blow-ups) stay empty."""
    rng = random.Random(7)
    con = duckdb.connect(str(path))
    con.execute(DDL)
    start = dt.date(2023, 1, 1)
    for cid in range(1, 41):
        con.execute("INSERT INTO customers VALUES (?, ?, ?, ?, ?)",
                    [cid, f"Customer {cid:02d}", CITIES[cid % len(CITIES)], start + dt.timedelta(days=cid * 17),
                     cid % 4 == 0])
    for oid in range(1, 201):
        created = dt.datetime(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 700), hours=rng.randrange(24))
        con.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?)",
                    [oid, rng.randrange(1, 41), STATUSES[min(oid % 7, 3)], rng.randrange(1, 30) * 10, created])
    size = 6000 if big_tables else 0
    con.execute(f"INSERT INTO visits SELECT range + 1, ['ads', 'search', 'direct'][range % 3 + 1], range % 9 + 1 "
                f"FROM range({size})")
    con.execute(f"INSERT INTO clicks SELECT range + 1, range % {size or 1} + 1, 'btn' || (range % 13) FROM range({size})")
    con.close()
    return path


def tiny_schema() -> Schema:
    """The tiny database's schema (with keys and a few descriptions)."""
    return Schema("tiny", "duckdb", [
        Table("customers", [Column("customer_id", "INTEGER"), Column("name", "VARCHAR", "Full name"),
                            Column("city", "VARCHAR", "Home city"), Column("signup_date", "DATE"),
                            Column("is_vip", "BOOLEAN")], ["customer_id"]),
        Table("orders", [Column("order_id", "INTEGER"), Column("customer_id", "INTEGER"), Column("status", "VARCHAR"),
                         Column("total", "DECIMAL(10,2)", "Order total in USD"), Column("created_at", "TIMESTAMP")],
              ["order_id"], [ForeignKey(["customer_id"], "customers", ["customer_id"])]),
        Table("visits", [Column("visit_id", "INTEGER"), Column("channel", "VARCHAR"), Column("pages", "INTEGER")],
              ["visit_id"]),
        Table("clicks", [Column("click_id", "INTEGER"), Column("visit_id", "INTEGER"), Column("target", "VARCHAR")],
              ["click_id"], [ForeignKey(["visit_id"], "visits", ["visit_id"])]),
    ])


def open_tiny(path: Path) -> tuple[Engine, SchemaProfile]:
    """Open the tiny database read-only through the real engine and profile it."""
    engine = open_engine(f"duckdb://{path}", read_only=True)
    return engine, profile_schema(tiny_schema(), engine)


class ScriptedOpenAI:
    """A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol.

    ``script`` is consumed one entry per request: ``"429"``, ``"500"``, ``"timeout"`` (holds the
    answer until the server stops, past any client limit), ``"malformed"`` (prose with broken JSON) or ``"good"``; when it is empty
    every request is answered ``"good"`` by ``responder(messages) -> str``.
    """

    def __init__(self, responder, script: list[str] | None = None) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.responder = responder
        self.script = list(script or [])
        self.release = threading.Event()
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                return

            def do_POST(self):  # noqa: N802 - http.server's naming
                import json as _json

                body = _json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests.append(body)
                    step = server.script.pop(0) if server.script else "good"
                if step in ("429", "500"):
                    self._send(int(step), {"error": {"message": f"scripted {step}", "type": "server_error"}})
                    return
                if step == "timeout":
                    server.release.wait(600)
                text = "Sure! Here you go: [{\"question\": \"broken" if step == "malformed" else \
                    server.responder(body["messages"])
                # A request for n completions gets n choices (the responder is asked once per choice).
                texts = [text] + [server.responder(body["messages"]) for _ in range(int(body.get("n") or 1) - 1)]
                self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                                 "choices": [{"index": i, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": t}} for i, t in enumerate(texts)],
                                 "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}})

            def _send(self, status, payload):
                import json as _json

                data = _json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:<port>/v1``)."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ScriptedOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


TINY_PAIRS = [
    {"question": "How many customers live in Oslo?", "sql": "SELECT COUNT(*) FROM customers WHERE city = 'Oslo'"},
    {"question": "What is the average order total per status?",
     "sql": "SELECT status, AVG(total) AS avg_total FROM orders GROUP BY status"},
    {"question": "Which VIP customers signed up first?",
     "sql": "SELECT name FROM customers WHERE is_vip ORDER BY signup_date LIMIT 3"},
    {"question": "List every customer", "sql": "SELECT name FROM customers"},
    {"question": "Total of shipped orders", "sql": "SELECT SUM(total) FROM orders WHERE status = 'shipped'"},
]


def tiny_responder(messages: list[dict]) -> str:
    """Good answers for the tiny database: pairs in a fenced JSON block (one with a trailing comma
    and one returning too many rows), repairs made by misspelling FROM in each correct query."""
    import json as _json

    user = messages[-1]["content"]
    if "Correct queries:" in user:
        listed = user.split("Correct queries:\n", 1)[1].split("\n\n", 1)[0]
        items = [{"broken_sql": line[2:].replace(" FROM ", " FORM ", 1), "fixed_sql": line[2:], "mistake": "keyword typo"}
                 for line in listed.splitlines() if line.startswith("- ")]
        return "```json\n" + _json.dumps(items) + "\n```"
    return "Here are pairs:\n```json\n" + _json.dumps(TINY_PAIRS)[:-1] + ",]\n```\nEnjoy!"
