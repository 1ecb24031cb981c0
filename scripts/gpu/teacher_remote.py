"""The GPU side of a teacher run (started by ``run_remote.sh teacher``): load the base model
once, answer round 1 of a planned run, build round 2 from every round-1 answer there is (the
pure :func:`datagen.teacher.rounds.round2_requests`: no DuckDB here) and answer it, in large
batches, into ``--out`` (``teacher-rN-<stamp>-NNN.jsonl`` parts under 12 MiB, flushed per batch).

Keys answered in the carried answer files (``--answers``: what earlier calls brought back) or by
an earlier call on this warm host (``--work``/answered/) are not asked again, so a cut call
costs only its unflushed batch; answers of an earlier call on this host that the carried files
lack (its files did not come back) are written again into ``--out``
(``teacher-recovered-*.jsonl``). No batch starts after ``--minutes`` from the start.

    python3 scripts/gpu/teacher_remote.py --run RUN --manifest B/run/manifest.json --pieces STAGE \\
        --out $OUT --answers RUN/answers --minutes 8
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from datagen.teacher.answers import AnswerWriter, answer_batched, read_answers  # noqa: E402
from datagen.teacher.rounds import answer_texts, round2_requests  # noqa: E402
from sqlfix.jsonl import read_jsonl  # noqa: E402

BATCH = 256


def main() -> None:
    """Prepare the base (when a manifest is given), load it once, answer both rounds."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="planned run folder (plan.json, round1.requests.jsonl.gz)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--answers", type=Path, action="append", default=[], help="answers brought back before")
    parser.add_argument("--manifest", type=Path, help="a bundle's run/manifest.json: reassemble and convert its base")
    parser.add_argument("--pieces", type=Path, help="where the staged pieces of the base are")
    parser.add_argument("--model", help="model spec to load (default: the plan's teacher)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sqlfix_teacher"))
    parser.add_argument("--minutes", type=float, default=8.0, help="no batch starts this many minutes after the start")
    parser.add_argument("--batch-size", type=int, default=BATCH, help="sequences per batch (prompts x n)")
    parser.add_argument("--chunk", type=int, default=0,
                        help="round-1 requests answered before their round 2 is (0: all of round 1 first)")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    started = time.perf_counter()
    if args.manifest is not None:
        from scripts.gpu.train_remote import prepare_base

        prepare_base(json.loads(args.manifest.read_text()), args.pieces, args.work)
    plan = json.loads((args.run / "plan.json").read_text())
    spec = args.model or plan["teacher"]
    from sqlfix.models import load_model

    model = load_model(spec, device=args.device)
    print("loaded", spec, round(time.perf_counter() - started, 1), "s", flush=True)
    result = answer_run(args.run, lambda _spec: model, args.out, carried=args.answers, work=args.work,
                        deadline=deadline, batch_size=args.batch_size, chunk=args.chunk)
    result["total_s"] = round(time.perf_counter() - started, 1)
    (args.out / "teacher_results.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result), flush=True)


def answer_run(run: Path, load: Callable[[str], Any], out: Path, *, carried: list[Path], work: Path,
               deadline: float | None, batch_size: int, stamp: str | None = None, chunk: int = 0) -> dict[str, Any]:
    """Answer what is left of ``run`` into ``out`` and return counts per phase: first round 2
    of the round-1 answers already made (they are ready), then round 1 in chunks of ``chunk``
    requests (0: all at once), each followed by the round 2 it makes, so a call that runs out of
    time brings back finished pairs and not only questions. One file series per round (the
    host returns at most 8 files)."""
    stamp = stamp or time.strftime("%H%M%S")
    round1 = [row for _, row in read_jsonl(run / "round1.requests.jsonl.gz")]
    plan = json.loads((run / "plan.json").read_text())
    log = work / "answered"
    work.mkdir(parents=True, exist_ok=True)
    counts: dict[str, Any] = {"recovered": recover(carried, log, out, stamp)}
    writers = {number: _Tee(AnswerWriter(out, f"teacher-r{number}-{stamp}"),
                            AnswerWriter(log, f"answered-r{number}-{stamp}"))  # the host's copy survives a lost $OUT
               for number in (1, 2)}

    def phase(name: str, number: int, limit: int = 0) -> int:
        answers, _ = read_answers([p for p in [*carried, log, out] if p.exists()])
        done = {row["key"] for row in answers}
        if number == 1:
            todo = [row for row in round1 if row["key"] not in done]
        else:
            requests, outcomes = round2_requests(plan, round1, answer_texts(answers))
            todo = [row for row in requests if row["key"] not in done]
            counts[f"{name}_question_outcomes"] = dict(outcomes)
        entry = counts.setdefault(name, {"todo": len(todo), "answered": 0, "seconds": 0.0,
                                         "answered_before": len(done)})
        clock = time.perf_counter()
        made = answer_batched(todo[:limit] if limit else todo, load, writers[number], batch_size=batch_size,
                              deadline=deadline)
        entry["answered"] += made
        entry["seconds"] = round(entry["seconds"] + time.perf_counter() - clock, 1)
        print(name, json.dumps(entry), flush=True)
        return made

    try:
        phase("r2-ready", 2)
        while phase("r1", 1, chunk) and (deadline is None or time.monotonic() < deadline):
            phase("r2", 2)
        phase("r2", 2)
    finally:
        for writer in writers.values():
            writer.close()
    return counts


def recover(carried: list[Path], log: Path, out: Path, stamp: str) -> int:
    """Write into ``out`` the answers an earlier call on this warm host made (``log``) that the
    carried answer files lack (that call's files did not come back); return how many."""
    if not log.exists():
        return 0
    have, _ = read_answers([p for p in carried if p.exists()])
    keys = {row["key"] for row in have}
    made, _ = read_answers([log])
    writer = AnswerWriter(out, f"teacher-recovered-{stamp}")
    try:
        for row in made:
            if row["key"] not in keys:
                writer.write(row)
    finally:
        writer.close()
    return writer.written


class _Tee:
    """Writes each answer row to two writers (``$OUT`` and the host's own log)."""

    def __init__(self, *writers: AnswerWriter) -> None:
        self.writers = writers

    @property
    def written(self) -> int:
        return self.writers[0].written

    def write(self, row: dict[str, Any]) -> None:
        for writer in self.writers:
            writer.write(row)

    def flush(self) -> None:
        for writer in self.writers:
            writer.flush()

    def close(self) -> None:
        for writer in self.writers:
            writer.close()


if __name__ == "__main__":
    main()
