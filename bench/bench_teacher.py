"""Teacher throughput and acceptance of a finished teacher run (``sqlfix datagen teacher finish``).

GPU seconds come from the answer files' own timings (``ms`` per request: a batch's time shared by
its requests), so the figures are the host's, not this machine's:

    .venv/bin/python bench/bench_teacher.py runs/teacher1 [--answers MORE_ANSWERS ...]

Prints, per recipe and in total: requests answered, sequences generated, GPU seconds, rows kept,
verified rows per GPU second, sequences per GPU second, and the acceptance rate (rows kept per
round-1 request, and per question asked in round 2). The total's rows kept include the
``sample_mistake`` repairs, mined from the samples of kept questions at no GPU cost of their own.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from datagen.teacher.answers import read_answers  # noqa: E402
from datagen.teacher.finish import load_run  # noqa: E402
from datagen.teacher.rounds import RECIPES, answer_texts, round2_requests  # noqa: E402
from sqlfix.errors import SqlfixError  # noqa: E402


def measure(run: Path, extra: list[Path]) -> dict[str, dict[str, float]]:
    """Per recipe (and ``total``): answered requests, sequences, GPU seconds, kept rows and the rates."""
    plan, round1 = load_run(run)
    manifest_path = run / "manifest.json"
    if not manifest_path.is_file():
        raise SqlfixError(f"{run} has no manifest.json: run 'sqlfix datagen teacher finish {run}' first")
    teacher = json.loads(manifest_path.read_text(encoding="utf-8")).get("teacher")
    if teacher is None:
        raise SqlfixError(f"{manifest_path} is not a teacher run's manifest")
    answers, _ = read_answers(extra + ([run / "answers"] if (run / "answers").is_dir() else []))
    by_key = {row["key"]: row for row in answers}
    round2, _ = round2_requests(plan, round1, answer_texts(answers))
    recipe_of = {row["key"]: row["meta"]["recipe"] for row in round1 + round2}
    sums: dict[str, Counter] = {name: Counter() for name in (*RECIPES, "total")}
    for key, row in by_key.items():
        recipe = recipe_of.get(key)
        if recipe is None:
            continue
        for name in (recipe, "total"):
            sums[name]["answered"] += 1
            sums[name]["sequences"] += len(row.get("texts") or [])
            sums[name]["gpu_s"] += float(row.get("ms") or 0) / 1000
    figures: dict[str, dict[str, float]] = {}
    for name in (*RECIPES, "total"):
        counts = teacher["recipes"] if name != "total" else {}
        kept = counts.get(name, {}).get("accepted", 0) if name != "total" else \
            sum(c.get("accepted", 0) for c in teacher["recipes"].values())
        requests = counts.get(name, {}).get("round1_requests", 0) if name != "total" else len(round1)
        questions = counts.get(name, {}).get("round2_requests", 0) if name != "total" else len(round2)
        gpu_s = sums[name]["gpu_s"]
        figures[name] = {
            "answered": sums[name]["answered"], "sequences": sums[name]["sequences"], "gpu_s": round(gpu_s, 1),
            "kept": kept, "kept_per_gpu_s": round(kept / gpu_s, 3) if gpu_s else 0.0,
            "sequences_per_gpu_s": round(sums[name]["sequences"] / gpu_s, 1) if gpu_s else 0.0,
            "kept_per_round1_request": round(kept / requests, 3) if requests else 0.0,
            "kept_per_round2_question": round(kept / questions, 3) if questions else 0.0,
        }
    return figures


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--answers", type=Path, action="append", default=[])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    figures = measure(args.run, args.answers)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    table = Table(title=f"teacher throughput and acceptance: {args.run}")
    table.add_column("figure")
    for name in figures:
        table.add_column(name, justify="right")
    for metric in next(iter(figures.values())):
        table.add_row(metric, *(f"{values[metric]:g}" for values in figures.values()))
    Console().print(table)


if __name__ == "__main__":
    try:
        main()
    except SqlfixError as exc:
        sys.exit(f"error: {exc}")
