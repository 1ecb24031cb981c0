"""Answer recorded model requests (``sqlfix eval --record``) with local models, on this machine.

    .venv/bin/python scripts/answer_requests.py runs/results/requests.jsonl.gz runs/results/answers-cpu.jsonl \\
        --model smollm2-135m+sqlfix/adapters/smollm2-135m-sqlfix --device cpu --batch-size 8

Answers already in the output file are kept and not asked again (a stopped run resumes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.progress import Progress

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlfix.errors import SqlfixError  # noqa: E402
from sqlfix.jsonl import read_jsonl  # noqa: E402
from sqlfix.models import load_model  # noqa: E402
from sqlfix.models.replay import append_answers  # noqa: E402


def main() -> None:
    """Parse the arguments, answer the requests still unanswered, append them to the output."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("requests", type=Path)
    parser.add_argument("out", type=Path, help="answers JSONL (appended to)")
    parser.add_argument("--model", action="append", default=[], help="answer only this model spec (repeatable)")
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    done = {(row["model"], row["key"]) for _, row in read_jsonl(args.out)} if args.out.is_file() else set()
    todo = [row for _, row in read_jsonl(args.requests)
            if (not args.model or row["model"] in args.model) and (row["model"], row["key"]) not in done]
    with Progress() as progress:
        bar = progress.add_task("answering", total=len(todo))
        append_answers(todo, lambda spec: load_model(spec, device=args.device), args.out, batch_size=args.batch_size,
                       progress=lambda count: progress.advance(bar, count))


if __name__ == "__main__":
    try:
        main()
    except SqlfixError as exc:  # bad input: one line naming it, no traceback
        sys.exit(f"error: {exc}")
