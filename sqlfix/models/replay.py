"""Record the requests a job makes of a model, answer them elsewhere, replay the answers here.

A 2-core machine cannot run a 1.5B model over a golden set in useful time; a GPU host can, but
has no databases to run the evaluation on (nor the golden set, nor the engines' classifiers). So the evaluation runs here twice: once with
:class:`RecordingModel` (every request the systems make is written down, the model answers
nothing), then, after a GPU host answered the requests in batches (:func:`answer_requests`),
with :class:`ReplayModel` serving those answers. The prompts, the pipeline and the scoring are the
ones a live model gets; only the generation happened on other hardware.

Requests and answers are JSONL rows keyed by :func:`request_key`; an answer row holds
``model``, ``key``, ``texts`` (n completions), token counts and the milliseconds per request where it was answered.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlfix.errors import InputFormatError, SqlfixError
from sqlfix.jsonl import read_jsonl
from sqlfix.models.answer import common_length
from sqlfix.models.base import Generation, Message


NO_ANSWER = "no recorded answer"  # begins the error of a request nobody answered; reports count it


def request_key(messages: list[Message], n: int, temperature: float, max_tokens: int) -> str:
    """A stable hash of one generation request."""
    body = {"messages": [[m.role, m.content] for m in messages], "n": n, "temperature": temperature, "max_tokens": max_tokens}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24]


class RecordingModel:
    """Writes down each distinct request it gets and answers none (see the module docstring).

    Args:
        name: the model spec the requests are for (the GPU host loads it to answer them).
        log: the shared list requests are appended to (one per distinct (model, key)).
    """

    def __init__(self, name: str, log: list[dict[str, Any]]) -> None:
        self.name = name
        self.log = log
        self._seen = {(row["model"], row["key"]) for row in log}

    def generate(self, messages: list[Message], *, n: int = 1, temperature: float = 0.0, max_tokens: int = 256) -> list[Generation]:
        """Record the request; return no completion."""
        key = request_key(messages, n, temperature, max_tokens)
        if (self.name, key) not in self._seen:
            self._seen.add((self.name, key))
            self.log.append({"model": self.name, "key": key, "messages": [[m.role, m.content] for m in messages],
                             "n": n, "temperature": temperature, "max_tokens": max_tokens})
        return []


class ReplayModel:
    """Serves recorded answers for one model spec; a request with no answer raises
    :class:`SqlfixError` (the system then reports a failure for that case)."""

    def __init__(self, name: str, answers: dict[str, dict[str, Any]]) -> None:
        self.name = name
        self.answers = answers

    def generate(self, messages: list[Message], *, n: int = 1, temperature: float = 0.0, max_tokens: int = 256) -> list[Generation]:
        """Return the recorded completions of this exact request."""
        row = self.answers.get(request_key(messages, n, temperature, max_tokens))
        if row is None:
            raise SqlfixError(f"{NO_ANSWER} of {self.name} for this request (record and answer it first)")
        return [Generation(text, row.get("prompt_tokens", 0), tokens) for text, tokens in zip(row["texts"], row["completion_tokens"])]


def replay_loader(path: Path) -> Callable[[str], ReplayModel]:
    """Return a model loader serving the answers in ``path`` by model spec; a spec the file
    holds no answers for raises :class:`SqlfixError` naming the specs it holds."""
    by_model: dict[str, dict[str, dict[str, Any]]] = {}
    for number, row in read_jsonl(path):
        if not {"model", "key", "texts", "completion_tokens"} <= row.keys():
            raise InputFormatError(f"{path}:{number}: an answer row needs model, key, texts and completion_tokens")
        by_model.setdefault(row["model"], {})[row["key"]] = row

    def load(spec: str) -> ReplayModel:
        if spec not in by_model:
            raise SqlfixError(f"{path} holds no answers of {spec!r}; it has {', '.join(sorted(by_model)) or 'none'}")
        return ReplayModel(spec, by_model[spec])

    return load


def write_requests(rows: list[dict[str, Any]], path: Path) -> None:
    """Write recorded requests as JSONL (gzip when the name ends in ``.gz``), creating its
    folder; a path that cannot be written raises :class:`InputFormatError`."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with opener(path, "wt", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row) + "\n")
    except OSError as exc:
        raise InputFormatError(f"cannot write {path}: {exc}") from None


def answer_requests(
    requests: list[dict[str, Any]], load: Callable[[str], Any], *, batch_size: int = 64,
    progress: Callable[[int], None] | None = None, deadline: float | None = None,
) -> Iterator[dict[str, Any]]:
    """Answer recorded requests, one model at a time; yield one answer row per request.

    ``load`` maps a spec to a chat model: an :class:`~sqlfix.models.hf.HFChatModel` answers
    ``batch_size`` completions per call; with ``batch_size`` 1, and for other models, requests
    go one at a time. Either way they go in prompt order, so the heads neighbours share (one
    schema's system prompt and schema text) are encoded once, and a batch does not span two
    schemas (:func:`head_batches`). Models are
    taken in the order they first appear in ``requests``. ``progress`` is called with the number of requests each batch finished; no batch starts
    after ``deadline`` (a ``time.monotonic()`` value), so a time-boxed host ends cleanly with
    the answers made so far.
    """
    by_model: dict[str, list[dict[str, Any]]] = {}
    for row in requests:
        by_model.setdefault(row["model"], []).append(row)
    for spec, rows in by_model.items():
        model = load(spec)
        groups: dict[tuple[int, float], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault((row["n"], row["temperature"]), []).append(row)
        for (n, temperature), group in groups.items():
            # Neighbours share prompt heads (system prompt, schema), which generate()'s prefix cache and
            # generate_batch()'s shared head encode once; only the tails are padded.
            group.sort(key=lambda r: r["messages"])
            for batch in head_batches(group, max(1, batch_size // n)):
                if deadline is not None and time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                chats = [[Message(role, content) for role, content in r["messages"]] for r in batch]
                budgets = [r["max_tokens"] for r in batch]
                if hasattr(model, "generate_batch") and batch_size > 1:
                    outputs = model.generate_batch(chats, n=n, temperature=temperature, max_tokens=budgets)
                else:
                    outputs = [model.generate(c, n=n, temperature=temperature, max_tokens=b) for c, b in zip(chats, budgets)]
                ms = (time.perf_counter() - started) * 1000 / len(batch)
                for row, generations in zip(batch, outputs):
                    yield {"model": spec, "key": row["key"], "texts": [g.text for g in generations],
                           "prompt_tokens": generations[0].prompt_tokens if generations else 0,
                           "completion_tokens": [g.completion_tokens for g in generations], "ms": round(ms, 2)}
                if progress is not None:
                    progress(len(batch))
        del model  # frees its memory before the next model loads


def head_batches(requests: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Consecutive batches of at most ``size`` of ``requests`` (sorted by prompt); a batch also
    ends before a request that shares less than half as much of its head with the batch's first
    request as the batch's first two share with each other: where one schema's prompts give way
    to the next, so a batch never pads every row's whole schema as its tail."""
    batch: list[dict[str, Any]] = []
    head = first = ""
    for row in requests:
        text = _prompt_text(row)
        if batch and (len(batch) >= size or (len(batch) > 1 and 2 * common_length(first, text) < head)):
            yield batch
            batch = []
        if not batch:
            first = text
        elif len(batch) == 1:
            head = common_length(first, text)
        batch.append(row)
    if batch:
        yield batch


def _prompt_text(row: dict[str, Any]) -> str:
    return "\x00".join(f"{role}\x00{content}" for role, content in row["messages"])


def append_answers(
    requests: list[dict[str, Any]], load: Callable[[str], Any], target: Path, *, batch_size: int = 64,
    deadline: float | None = None, progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Answer ``requests`` (:func:`answer_requests`) and append the answer rows to the JSONL file
    ``target``, flushed after every batch, so a run that is stopped keeps what it made; return
    how many answers each model gave."""
    answered: dict[str, int] = {}

    def finished(count: int) -> None:
        out.flush()
        if progress is not None:
            progress(count)

    with target.open("a", encoding="utf-8") as out:
        for row in answer_requests(requests, load, batch_size=batch_size, deadline=deadline, progress=finished):
            out.write(json.dumps(row) + "\n")
            answered[row["model"]] = answered.get(row["model"], 0) + 1
    return answered
