"""HTTP API throughput under concurrent clients.

Starts ``sqlfix serve`` (rules only unless ``--model``) in a subprocess on 127.0.0.1 with the
three DuckDB demos allowed, then 8 client threads post the golden DuckDB repair cases to
``/v1/fix`` for ``--seconds``; prints requests/s, latency p50/p95 and the error count.

    .venv/bin/python bench/bench_api.py --clients 8 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
console = Console()


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


def main() -> None:
    """Run the load test and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--model", default=None, help="model spec; omitted: --no-model")
    parser.add_argument("--golden", type=Path, default=ROOT / "golden" / "repair")
    args = parser.parse_args()

    port = free_port()
    command = [str(Path(sys.executable).with_name("sqlfix")), "serve", "--port", str(port), "--timeout", "30",
               "--db", "shop=demo://shop", "--db", "hr=demo://hr", "--db", "flights=demo://flights"]
    command += ["--model", args.model] if args.model else ["--no-model"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        bodies = load_bodies(args.golden)
        latencies: list[float] = []
        failures = [0]
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def client(offset: int) -> None:
            with httpx.Client(timeout=60) as session:
                index = offset
                while time.monotonic() < stop:
                    body = bodies[index % len(bodies)]
                    index += args.clients
                    started = time.perf_counter()
                    answer = session.post(f"{base}/v1/fix", json=body)
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        latencies.append(elapsed)
                        failures[0] += answer.status_code != 200

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    ordered = sorted(latencies)
    console.print(f"{len(latencies)} requests from {args.clients} clients in {wall:.1f} s: {len(latencies) / wall:.1f} req/s")
    console.print(f"latency p50 {ordered[len(ordered) // 2]:.1f} ms, p95 {ordered[int(len(ordered) * 0.95)]:.1f} ms, mean {statistics.mean(ordered):.1f} ms")
    console.print(f"non-200 answers: {failures[0]}")


def _wait_ready(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"sqlfix serve exited: {server.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit("sqlfix serve did not become ready in 120 s")


if __name__ == "__main__":
    main()
