"""HTTP API under 8, 32 and 64 concurrent clients, rules only and with the default model.

For each model setting starts ``sqlfix serve`` in a subprocess on 127.0.0.1 with the three
DuckDB demos allowed, then for each client count posts the golden DuckDB repair cases to
``/v1/fix`` for ``--seconds``. A client that gets 429/503 waits the ``Retry-After`` it was
given (as a well-behaved client does) before its next request. Prints per run: answered
requests per second, latency p50/p95 of the answered ones, p95 of those the rules alone can
answer (found by running the rules in this process first), and the count of answers by status.

    .venv/bin/python bench/bench_api.py --seconds 10
    .venv/bin/python bench/bench_api.py --clients 64 --model default --seconds 20
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
DATABASES = ("shop", "hr", "flights", "billing")  # the DuckDB demos the golden repair cases use
# Wide enough for the table when printed to a file or a pipe.
console = Console() if sys.stdout.isatty() else Console(width=160)


@dataclass
class Run:
    """What one load run saw."""

    mode: str
    clients: int
    wall_s: float = 0.0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    latencies_ms: list[float] = field(default_factory=list)  # answered (2xx) requests
    rules_latencies_ms: list[float] = field(default_factory=list)  # answered, and the rules alone can answer them
    load: float = 0.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load_bodies(folder: Path) -> list[dict]:
    """``/v1/fix`` request bodies from the golden DuckDB repair cases."""
    bodies = []
    for path in sorted(folder.glob("*_duckdb.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                bodies.append({"sql": case["broken_sql"], "db": case["schema"], "error": case.get("exec_error"), "question": case.get("question")})
    return bodies


def rules_answer(bodies: list[dict], exec_timeout: float) -> list[bool]:
    """Whether the rules alone find a verified fix for each body (run here, as the server would)."""
    from sqlfix.errors import ExecError
    from sqlfix.fix import FixConfig, FixRequest, repair
    from sqlfix.fix.database import open_database

    databases = {name: open_database(f"demo://{name}") for name in DATABASES}
    config = FixConfig(use_model=False, timeout_s=exec_timeout)
    answered = []
    for body in bodies:
        database = databases[body["db"]]
        error = ExecError.from_dict(body["error"]) if body["error"] else None
        result = repair(FixRequest(sql=body["sql"], error=error, question=body["question"]), database.engine, database.schema, config=config)
        answered.append(result.fixed_sql is not None)
    for database in databases.values():
        database.close()
    return answered


def load(base: str, bodies: list[dict], by_rules: list[bool], run: Run, seconds: float) -> None:
    """Run ``run.clients`` client threads against ``base`` for ``seconds``; fill ``run``."""
    lock = threading.Lock()
    # Clients are made before the clock starts: making 64 (an SSL context each) takes seconds
    # on a loaded CPU, and would count as the server's time.
    sessions = [httpx.Client(timeout=120) for _ in range(run.clients)]
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        with sessions[offset] as session:
            index = offset
            while time.monotonic() < stop:
                case = index % len(bodies)
                index += run.clients
                started = time.perf_counter()
                try:
                    answer = session.post(f"{base}/v1/fix", json=bodies[case])
                    status, wait = str(answer.status_code), float(answer.headers.get("retry-after", 0))
                except httpx.HTTPError as exc:
                    status, wait = type(exc).__name__, 1.0
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    run.statuses[status] += 1
                    if status.startswith("2"):
                        run.latencies_ms.append(elapsed)
                        if by_rules[case]:
                            run.rules_latencies_ms.append(elapsed)
                if wait:
                    time.sleep(max(0.0, min(wait, stop - time.monotonic())))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(run.clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.wall_s = time.monotonic() - began
    run.load = os.getloadavg()[0]


def serve(model: str | None, timeout: float, log: Path, options: list[str]) -> tuple[subprocess.Popen, str]:
    """Start ``sqlfix serve`` with ``options`` on a free port (stderr to ``log``); return it and its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "sqlfix", "serve", "--port", str(port), "--timeout", str(timeout), *options]
    for name in DATABASES:
        command += ["--db", f"{name}=demo://{name}"]
    command += ["--model", model] if model else ["--no-model"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"sqlfix serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("sqlfix serve did not become ready in 300 s")


def percentile(values: list[float], share: float) -> str:
    """The ``share`` percentile of ``values`` in ms, or a dash when there are none."""
    if not values:
        return "–"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * share))]:.0f}"


def main() -> None:
    """Run the load tests and print their numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--model", action="append", help="model spec ('rules': none); default: rules, then default")
    parser.add_argument("--timeout", type=float, default=10.0, help="the server's time budget per request")
    parser.add_argument("--golden", type=Path, default=ROOT / "golden" / "repair")
    parser.add_argument("--serve-options", default="", help="more options for sqlfix serve, as one string ('--db-running 1')")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the server started below is stopped too

    bodies = load_bodies(args.golden)
    with console.status("Running the rules on every case…"):
        by_rules = rules_answer(bodies, exec_timeout=2.0)
    console.print(f"{len(bodies)} golden DuckDB repair cases, {sum(by_rules)} answered by the rules alone")
    runs: list[Run] = []
    for mode in args.model or ["rules", "default"]:
        with tempfile.TemporaryDirectory() as scratch:
            log = Path(scratch) / "serve.log"
            with console.status(f"Starting sqlfix serve ({mode})…"):
                server, base = serve(None if mode == "rules" else mode, args.timeout, log, args.serve_options.split())
            try:
                for clients in args.clients:
                    run = Run(mode, clients)
                    with console.status(f"{mode}: {clients} clients for {args.seconds:g} s…"):
                        load(base, bodies, by_rules, run, args.seconds)
                    runs.append(run)
                    _print_run(run)
            finally:
                server.terminate()
                server.wait(timeout=60)
    _print_table(runs)


def _print_run(run: Run) -> None:
    answered = sum(n for status, n in run.statuses.items() if status.startswith("2"))
    console.print(f"{run.mode}, {run.clients} clients: {answered / run.wall_s:.1f} answered/s, p95 {percentile(run.latencies_ms, 0.95)} ms, "
                  f"statuses {dict(run.statuses)}, load {run.load:.1f}")


def _print_table(runs: list[Run]) -> None:
    table = Table(title="sqlfix serve under load (POST /v1/fix, golden DuckDB repair cases)")
    for column in ("model", "clients", "answered/s", "p50 ms", "p95 ms", "p95 ms, rules-answerable", "non-2xx by status", "load (1 min)"):
        table.add_column(column, justify="left" if column in ("model", "non-2xx by status") else "right")
    for run in runs:
        answered = sum(n for status, n in run.statuses.items() if status.startswith("2"))
        failures = ", ".join(f"{status}: {n}" for status, n in sorted(run.statuses.items()) if not status.startswith("2")) or "none"
        table.add_row(run.mode, str(run.clients), f"{answered / run.wall_s:.1f}", percentile(run.latencies_ms, 0.5), percentile(run.latencies_ms, 0.95),
                      percentile(run.rules_latencies_ms, 0.95), failures, f"{run.load:.1f}")
    console.print(table)


if __name__ == "__main__":
    main()
