"""Bad input through every entry point: no crash, no hang, bounded time.

Generates ``--n`` distinct inputs from a seed: golden queries mutated (characters and tokens deleted,
doubled, swapped, punctuation and keywords inserted) and pathological kinds (100 KB queries,
500 nested parentheses open or closed, nested function calls left open, NUL bytes, invalid UTF-8 read leniently, comments and
string literals holding SQL keywords or unbalanced quotes). Each input goes through:

* ``run``: ``Engine.execute`` on DuckDB (every input) and chDB (every 4th);
* ``fix``: ``sqlfix.fix.repair`` with the rules only (every input, DuckDB; every 8th, chDB);
* ``ask``: ``sqlfix.fix.ask`` with the real OpenAI-protocol client talking to a local server
  that answers with the fuzzed text itself, so the pipeline also meets hostile model output
  (every 20th);
* the HTTP API: a real uvicorn server on 127.0.0.1 (``POST /v1/fix`` every 10th input, plus
  raw bodies: invalid JSON, invalid UTF-8, oversized);
* the CLI: ``sqlfix run`` / ``sqlfix fix`` as subprocesses, the input on stdin (``--cli`` inputs).

A crash is any exception that is not the project's typed one-line ``SqlfixError``, an HTTP 500
or a dropped connection, and a CLI exit status other than 0/1/2 or an "internal error" line.
A call over ``--hang-s`` counts as a hang; one that never returns stops the run with a
traceback (faulthandler). Prints crashes (target 0), hangs (target 0) and latency per surface.

    .venv/bin/python bench/bench_fuzz.py                  # 10,000 inputs, seed 0
    .venv/bin/python bench/bench_fuzz.py --n 500 --seed 3 --cli 4
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

import httpx
from rich.console import Console
from rich.progress import track
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlfix.demo import demo_schema, open_demo  # noqa: E402
from sqlfix.errors import SqlfixError  # noqa: E402
from sqlfix.fix import FixConfig, FixRequest, ask, repair  # noqa: E402
from sqlfix.fix.database import Database  # noqa: E402

console = Console(width=200)
RULES_ONLY = FixConfig(use_model=False)
ASK_CONFIG = FixConfig(k=2, output_formats=("full",), request_timeout_s=30.0)
KEYWORDS = ("SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "HAVING", "JOIN", "ON", "UNION", "AND", "OR", "NOT", "AS", "DISTINCT", "LIMIT", "(", ")", ",", "'", '"', "--", "/*", "*/", ";", "\x00")
HUGE = {"huge", "huge_string"}
MAX_HUGE = 12
CHARS = "()',\";.*=<>-/ \n\t\x00`$\\[]{}%é€"


def golden_queries() -> list[str]:
    """Broken, fixed and gold queries of the golden set (the fuzz seeds)."""
    queries = []
    for path in sorted((ROOT / "golden").glob("*/*.jsonl")):
        if path.parent.name not in {"repair", "text2sql"}:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                queries += [row[k] for k in ("broken_sql", "fixed_sql", "sql") if isinstance(row.get(k), str)]
    return queries


def mutate(rng: random.Random, sql: str) -> str:
    """One to four random edits of ``sql``: characters or words deleted, doubled, swapped or inserted."""
    for _ in range(rng.randint(1, 4)):
        if not sql:
            return rng.choice(KEYWORDS)
        at = rng.randrange(len(sql))
        operation = rng.randrange(6)
        if operation == 0:
            sql = sql[:at] + sql[at + rng.randint(1, 8) :]
        elif operation == 1:
            sql = sql[:at] + rng.choice(CHARS) + sql[at:]
        elif operation == 2:
            sql = sql[:at] + f" {rng.choice(KEYWORDS)} " + sql[at:]
        elif operation == 3:
            words = sql.split(" ")
            i, j = rng.randrange(len(words)), rng.randrange(len(words))
            words[i], words[j] = words[j], words[i]
            sql = " ".join(words)
        elif operation == 4:
            span = sql[at : at + rng.randint(1, 20)]
            sql = sql[:at] + span + span + sql[at:]
        else:
            words = sql.split(" ")
            del words[rng.randrange(len(words))]
            sql = " ".join(words)
    return sql


def pathological(rng: random.Random, seed_sql: str) -> tuple[str, str]:
    """``(kind, text)``: one of the pathological inputs the issue lists, built around ``seed_sql``."""
    kind = rng.choice(("huge", "huge_string", "nested", "nested_open", "nested_close", "nested_calls_open", "nul",
                       "invalid_utf8", "comment", "quotes"))
    if kind == "huge":
        terms = " + ".join(rng.choice(("total", "price", "1", "user_id")) for _ in range(12_000))
        return kind, f"SELECT {terms} FROM orders"
    if kind == "huge_string":
        return kind, f"SELECT '{'x' * 100_000}' AS s FROM users WHERE plan = 'pro'"
    if kind == "nested":
        return kind, "SELECT " + "(" * 500 + "1" + ")" * 500
    if kind == "nested_open":
        return kind, "SELECT count(*) FROM users WHERE " + "(" * 500 + "user_id = 1"
    if kind == "nested_close":
        return kind, seed_sql + ")" * 500
    if kind == "nested_calls_open":  # a small model's repetition loop, cut off by its token budget
        return kind, "SELECT DATE_TRUNC('MONTH', " + "YEAR(CAST(date_trunc('MONTH', " * rng.randint(10, 60)
    if kind == "nul":
        at = rng.randrange(len(seed_sql) + 1)
        return kind, seed_sql[:at] + "\x00" + seed_sql[at:]
    if kind == "invalid_utf8":
        raw = seed_sql.encode("utf-8")
        at = rng.randrange(len(raw) + 1)
        return kind, (raw[:at] + bytes([rng.choice((0xFF, 0xC3, 0x80, 0xED))]) + raw[at:]).decode("utf-8", "surrogateescape")
    if kind == "comment":
        comment = rng.choice(("-- SELECT * FROM users WHERE 'x", "/* GROUP BY ( ' \" */", "/* unterminated SELECT FROM", "-- ) ) ; DROP TABLE users"))
        at = rng.randrange(len(seed_sql) + 1)
        return kind, seed_sql[:at] + f" {comment}\n" + seed_sql[at:]
    literal = rng.choice(("'SELECT FROM WHERE (' ", "'it''s ", "'unbalanced ", "\"quoted FROM ", "'a'' OR ''1''=''1' ", "E'\\'' "))
    at = rng.randrange(len(seed_sql) + 1)
    return "quotes", seed_sql[:at] + literal + seed_sql[at:]


def inputs(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` distinct fuzz inputs ``(kind, text)`` from ``seed``: about 70% mutated golden
    queries, 30% pathological. The 100 KB kinds cost seconds each and vary little, so at most
    ``MAX_HUGE`` of each are kept."""
    rng = random.Random(seed)
    seeds = golden_queries()
    found: dict[str, str] = {}
    per_kind: Counter = Counter()
    while len(found) < n:
        base = rng.choice(seeds)
        kind, text = pathological(rng, base) if rng.random() < 0.3 else ("mutated", mutate(rng, base))
        if kind in HUGE and per_kind[kind] >= MAX_HUGE:
            continue
        if text not in found:
            found[text] = kind
            per_kind[kind] += 1
    return [(kind, text) for text, kind in found.items()]


class _ParrotHandler(BaseHTTPRequestHandler):
    """OpenAI chat protocol; every completion is the text the bench put in ``server.answer``."""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        text = self.server.answer
        choices = [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"} for i in range(body.get("n") or 1)]
        payload = json.dumps({"id": "fuzz", "object": "chat.completion", "created": 0, "model": "parrot", "choices": choices,
                              "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def parrot_endpoint() -> Iterator[ThreadingHTTPServer]:
    """A local OpenAI-protocol server answering with ``server.answer`` (set per input)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ParrotHandler)
    server.answer = "SELECT 1"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def api_server(databases: dict[str, Database], model) -> Iterator[str]:
    """The real HTTP API on a free 127.0.0.1 port (uvicorn in a thread); yields its base URL."""
    import uvicorn

    from sqlfix.api import create_app
    from sqlfix.api.app import ApiSettings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = ApiSettings(databases=databases, model=model, fix_config=RULES_ONLY)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the API server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Tally:
    """Latencies, crashes and hangs per surface."""

    def __init__(self, hang_s: float) -> None:
        self.hang_s = hang_s
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.crashes: list[tuple[str, str, str]] = []
        self.hangs: list[tuple[str, str, float]] = []
        self.outcomes: dict[str, Counter] = defaultdict(Counter)

    def call(self, surface: str, kind: str, text: str, function: Callable[[], str]) -> None:
        """Time ``function`` (which returns an outcome label); record a crash for any exception
        other than ``SqlfixError``."""
        faulthandler.dump_traceback_later(self.hang_s * 10, exit=True)
        started = time.perf_counter()
        try:
            outcome = function()
        except SqlfixError as exc:
            outcome = "typed error"
            if "\n" in str(exc):
                self.crashes.append((surface, kind, f"multi-line SqlfixError: {str(exc)[:200]!r}"))
        except Exception as exc:  # noqa: BLE001 - counting them is the point
            outcome = "crash"
            self.crashes.append((surface, kind, f"{type(exc).__name__}: {str(exc)[:200]} | {text[:120]!r}\n{traceback.format_exc(limit=4)}"))
        finally:
            faulthandler.cancel_dump_traceback_later()
        elapsed = time.perf_counter() - started
        self.latency[surface].append(elapsed * 1000)
        self.outcomes[surface][outcome] += 1
        if elapsed > self.hang_s:
            self.hangs.append((surface, kind, elapsed))


def _label(result) -> str:
    from sqlfix.engines.base import ResultSet

    if isinstance(result, ResultSet):
        return "rows"
    if hasattr(result, "fixed_sql"):
        return "fixed" if result.fixed_sql else "no fix"
    if hasattr(result, "kind"):
        return f"error:{result.kind.value}"
    return "answered" if getattr(result, "sql", None) else "no answer"


def _http_fix(client: httpx.Client, base: str, body: dict | bytes) -> str:
    try:
        if isinstance(body, bytes):
            response = client.post(f"{base}/v1/fix", content=body, headers={"Content-Type": "application/json"})
        else:
            response = client.post(f"{base}/v1/fix", json=body)
    except httpx.HTTPError as exc:
        raise RuntimeError(f"connection failed: {exc}") from None
    if response.status_code >= 500 and response.status_code != 504:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    if response.status_code != 200 and "error" not in response.json():
        raise RuntimeError(f"HTTP {response.status_code} without an error body")
    return f"http {response.status_code}"


def _json_body(text: str) -> dict | bytes:
    """A /v1/fix body for ``text``; lone surrogates go as JSON ``\\udcxx`` escapes (valid JSON)."""
    return json.dumps({"sql": text or " ", "db": "shop", "use_model": False}).encode("ascii")


def _cli(args: list[str], text: str) -> str:
    """Run the CLI with ``text`` on stdin, as raw bytes (an argument cannot hold a NUL byte)."""
    raw = text.encode("utf-8", "surrogateescape")
    done = subprocess.run([sys.executable, "-m", "sqlfix", *args], input=raw, capture_output=True, timeout=300, cwd=ROOT)
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode not in (0, 1, 2) or "internal error" in stderr or "Traceback" in stderr:
        raise RuntimeError(f"exit {done.returncode}: {stderr[-300:]}")
    return f"exit {done.returncode}"


def main() -> None:
    """Run the fuzz inputs through every surface and print crashes, hangs and latency."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="generated inputs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cli", type=int, default=10, help="inputs also run through the CLI (subprocesses, slow)")
    parser.add_argument("--hang-s", type=float, default=20.0, help="a call slower than this counts as a hang")
    parser.add_argument("--no-clickhouse", action="store_true")
    args = parser.parse_args()

    cases = inputs(args.n, args.seed)
    console.print(f"{len(cases)} inputs, seed {args.seed}: {dict(Counter(kind for kind, _ in cases))}")
    duck = Database("demo://shop", open_demo("shop"), demo_schema("shop"))
    house = None if args.no_clickhouse else Database("demo+clickhouse://shop", open_demo("shop", engine="clickhouse"), demo_schema("shop"))
    tally = Tally(args.hang_s)
    from sqlfix.models.openai_chat import OpenAIChatModel

    with parrot_endpoint() as parrot:
        model = OpenAIChatModel("parrot", base_url=f"http://127.0.0.1:{parrot.server_address[1]}/v1", timeout_s=10.0, retries=0)
        databases = {"shop": duck, **({"shop_ch": house} if house else {})}
        with api_server(databases, model) as base, httpx.Client(timeout=120.0) as client:
            started = time.perf_counter()
            for index, (kind, text) in enumerate(track(cases, description="fuzzing", console=console)):
                tally.call("run duckdb", kind, text, lambda: _label(duck.engine.execute(text)))
                tally.call("fix duckdb (rules)", kind, text, lambda: _label(repair(FixRequest(text), duck.engine, duck.schema, config=RULES_ONLY)))
                if house and index % 4 == 0:
                    tally.call("run chdb", kind, text, lambda: _label(house.engine.execute(text)))
                if house and index % 8 == 0:
                    tally.call("fix chdb (rules)", kind, text, lambda: _label(repair(FixRequest(text), house.engine, house.schema, config=RULES_ONLY)))
                if index % 20 == 0:
                    parrot.answer = text
                    tally.call("ask (model = local endpoint echoing the input)", kind, text, lambda: _label(ask(text, duck.engine, duck.schema, config=ASK_CONFIG, model=model)))
                if index % 10 == 0:
                    tally.call("HTTP POST /v1/fix", kind, text, lambda: _http_fix(client, base, _json_body(text)))
            for raw in (b"{not json", b'{"sql": "SELECT \xff"}', b'{"sql": "' + b"x" * 200_000 + b'"}', b"\x00\x00", b'{"sql": 5}'):
                tally.call("HTTP POST /v1/fix", "raw body", raw[:40].decode("latin-1"), lambda: _http_fix(client, base, raw))
            elapsed = time.perf_counter() - started
    for number, (kind, text) in enumerate(random.Random(args.seed).sample(cases, min(args.cli, len(cases)))):
        command = ["run", "--db", "demo://shop"] if number % 2 else ["fix", "--db", "demo://shop", "--no-model"]
        tally.call("CLI (subprocess)", kind, text, lambda: _cli(command, text))
    duck.close()
    if house:
        house.close()
    _report(tally, elapsed, len(cases))


def _report(tally: Tally, elapsed: float, n: int) -> None:
    grid = Table(title=f"bench_fuzz: {n} inputs in {elapsed:.0f} s")
    for column in ("surface", "calls", "crashes", "hangs", "p50 ms", "p99 ms", "max ms", "outcomes"):
        grid.add_column(column)
    for surface, values in tally.latency.items():
        ordered = sorted(values)
        crashes = sum(1 for s, _, _ in tally.crashes if s == surface)
        hangs = sum(1 for s, _, _ in tally.hangs if s == surface)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        outcomes = ", ".join(f"{k} {v}" for k, v in tally.outcomes[surface].most_common(4))
        grid.add_row(surface, str(len(values)), str(crashes), str(hangs), f"{statistics.median(values):.1f}", f"{p99:.1f}", f"{ordered[-1]:.0f}", outcomes)
    console.print(grid)
    for surface, kind, detail in tally.crashes[:20]:
        console.print(f"[red]crash[/] {surface} ({kind}): {detail}", markup=False)
    for surface, kind, seconds in tally.hangs[:20]:
        console.print(f"[yellow]slow[/] {surface} ({kind}): {seconds:.1f} s")
    console.print(f"crashes: {len(tally.crashes)} (target 0)   hangs over {tally.hang_s:g} s: {len(tally.hangs)} (target 0)")
    sys.exit(1 if tally.crashes or tally.hangs else 0)


if __name__ == "__main__":
    main()
