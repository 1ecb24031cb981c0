"""Answer a planned run's rounds in this process: with an OpenAI-compatible endpoint (one
request at a time per worker, retried with backoff, a failure skipped and counted) or a local
model spec (batched). Answers go to ``RUN/answers/<prefix>-NNN.jsonl``; keys already answered
there (or in ``extra`` answer files) are not asked again, so a re-run resumes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datagen.teacher.answers import AnswerWriter, answer_batched, answer_live, read_answers
from datagen.teacher.finish import load_run
from datagen.teacher.rounds import answer_texts, round2_requests


def load_teacher(spec: str, *, base_url: str | None, timeout_s: float, device: str | None = None) -> Any:
    """The teacher model: an endpoint for ``openai:<model>`` (no client-side retries: the
    answering loop retries and counts), else a local model spec."""
    if spec.startswith("openai:"):
        from sqlfix.models.openai_chat import OpenAIChatModel

        return OpenAIChatModel(spec.removeprefix("openai:"), base_url=base_url, timeout_s=timeout_s, retries=0)
    from sqlfix.models import load_model

    return load_model(spec, device=device)


def answer_rounds(run: Path, model: Any, *, rounds: tuple[int, ...] = (1, 2), extra: list[Path] | None = None,
                  prefix: str = "live", concurrency: int = 4, retries: int = 2, backoff_s: float = 1.0,
                  timeout_s: float | None = None, batch_size: int = 16,
                  progress: Callable[[str, int], None] | None = None) -> Counter:
    """Answer the unanswered requests of ``rounds`` of ``run`` with ``model`` (round 2 built
    from every round-1 answer there is); return counts per round (``r1:answered``, ``r2:failed``...)."""
    plan, round1 = load_run(run)
    folder = run / "answers"
    writer = AnswerWriter(folder, prefix)
    totals: Counter = Counter()
    live = model.name.startswith("openai:") if hasattr(model, "name") else False
    try:
        for number in rounds:
            answered, _ = read_answers(list(extra or []) + ([folder] if folder.is_dir() else []))
            done = {row["key"] for row in answered}
            if number == 1:
                requests = round1
            else:
                requests, _ = round2_requests(plan, round1, answer_texts(answered), model=None)
            todo = [row for row in requests if row["key"] not in done]
            if progress is not None:
                progress(f"round {number}", len(todo))
            tick = (lambda count: progress("advance", count)) if progress is not None else None
            if live:
                counts = answer_live(todo, model, writer, concurrency=concurrency, retries=retries,
                                     backoff_s=backoff_s, timeout_s=timeout_s, progress=tick)
            else:
                counts = Counter(answered=answer_batched(todo, lambda _spec: model, writer, batch_size=batch_size,
                                                         progress=tick))
            totals.update({f"r{number}:{k}": v for k, v in counts.items()})
    finally:
        writer.close()
    return totals
