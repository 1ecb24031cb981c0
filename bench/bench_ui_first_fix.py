"""The editor's first Fix right after page load, when the rules can fix the query.

Starts ``sqlfix ui`` on demo://shop with a model (default: this machine's default, ``auto``),
opens it in Debian's Chromium, runs a query with a misspelt column as soon as the page is up,
clicks Fix and times click -> proposal on screen (target: 1 s). Then, for the same model, the
time a model load takes in a fresh process (what a first Fix waited for before the model loaded
in the background). ``--model rules`` gives the rules-only baseline. ``--niceness 0 10`` runs the
servers in turn with the background load at those nice steps (``SQLFIX_LOAD_NICENESS``; 0 is the
path before the load ran at a lower priority) and prints each and their ratio.

    .venv/bin/python bench/bench_ui_first_fix.py
    .venv/bin/python bench/bench_ui_first_fix.py --model default --runs 3
    .venv/bin/python bench/bench_ui_first_fix.py --runs 3 --niceness 0 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ui_fixtures import CHROMIUM, CHROMIUM_ARGS, free_port, wait_http  # noqa: E402

console = Console()
BROKEN = "SELECT full_nme, country FROM users ORDER BY user_id LIMIT 3"
TARGET_S = 1.0


def first_fix_seconds(model: str, niceness: int | None = None) -> float:
    """Start the editor with ``model`` (its background load at ``niceness`` nice steps when given),
    fix a rules-fixable query at once; return click -> proposal seconds."""
    from playwright.sync_api import sync_playwright

    from sqlfix.models.lazy import NICENESS_VARIABLE

    port = free_port()
    env = {**os.environ, **({NICENESS_VARIABLE: str(niceness)} if niceness is not None else {})}
    with tempfile.TemporaryDirectory() as home:
        server = subprocess.Popen([sys.executable, "-m", "sqlfix", "ui", "--port", str(port), "--db", "demo://shop",
                                   "--model", model, "--no-log", "--plain-editor"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=home, env=env)
        try:
            wait_http(f"http://127.0.0.1:{port}/_stcore/health", 120)
            with sync_playwright() as playwright:
                context = playwright.chromium.launch_persistent_context(
                    str(Path(home) / "profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(120_000)
                page.goto(f"http://127.0.0.1:{port}")
                page.get_by_text("order_items (").wait_for()
                page.get_by_label("SQL", exact=True).fill(BROKEN)
                page.get_by_role("button", name="Run", exact=True).click()
                page.get_by_text("unknown_column").wait_for()
                started = time.perf_counter()
                page.get_by_role("button", name="Fix", exact=True).click()
                page.get_by_text("Proposed fix").wait_for()
                seconds = time.perf_counter() - started
                context.close()
                return seconds
        finally:
            server.terminate()
            server.wait(30)


def model_load_seconds(model: str) -> float | None:
    """Seconds a fresh process takes to load ``model`` as the editor would (None for ``rules``)."""
    if model == "rules":
        return None
    spec = "None" if model == "auto" else repr(model)
    code = ("import time; t = time.perf_counter(); from sqlfix.fix.model_choice import load_chosen; "
            f"m, w = load_chosen({spec}); print(time.perf_counter() - t, m.name if m else w)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    return float(done.stdout.split()[0]) if done.returncode == 0 and done.stdout else None


def main() -> None:
    """Print first-Fix latencies and the model load they no longer wait for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="auto")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--niceness", type=int, nargs="+", default=None,
                        help="nice steps of the background load to compare, servers taking turns")
    args = parser.parse_args()
    load = Path("/proc/loadavg").read_text().split()[:3]
    if args.niceness:
        compare_niceness(args.model, args.runs, args.niceness, load)
        return
    times = [first_fix_seconds(args.model) for _ in range(args.runs)]
    loaded = model_load_seconds(args.model)
    console.print(f"first Fix (rules-fixable) with --model {args.model}: click -> proposal "
                  f"p50 {statistics.median(times):.2f} s, max {max(times):.2f} s over {args.runs} fresh servers "
                  f"(target {TARGET_S:.0f} s: {statistics.median(times) / TARGET_S:.2f}); loadavg {' '.join(load)}")
    if loaded is not None:
        console.print(f"a model load in a fresh process, which the first Fix waited for before: {loaded:.1f} s "
                      f"({loaded / statistics.median(times):.1f}x the first Fix now)")


def compare_niceness(model: str, runs: int, steps: list[int], load: list[str]) -> None:
    """First Fix with the background load at each of ``steps`` nice steps, servers taking turns."""
    times: dict[int, list[float]] = {step: [] for step in steps}
    for _ in range(runs):
        for step in steps:
            times[step].append(first_fix_seconds(model, step))
    medians = {step: statistics.median(values) for step, values in times.items()}
    for step in steps:
        console.print(f"first Fix with --model {model}, background load at nice +{step}: p50 {medians[step]:.2f} s, "
                      f"max {max(times[step]):.2f} s over {runs} fresh servers (target {TARGET_S:.0f} s: "
                      f"{medians[step] / TARGET_S:.2f}); ratio to nice +{steps[0]}: {medians[step] / medians[steps[0]]:.2f}")
    console.print(f"loadavg at the start {' '.join(load)}")


if __name__ == "__main__":
    main()
