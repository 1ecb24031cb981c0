"""Answer files of the teacher rounds: read them (gzip or not, a cut last line or gzip stream
tolerated), write them in parts below the size a device call brings back, and answer requests
with a live model (an endpoint: retried with backoff, a failed request skipped and counted).

Imports no engine: the GPU host writes its answers with :class:`AnswerWriter`.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlfix.errors import EndpointError, InputFormatError
from sqlfix.models.base import Message
from sqlfix.models.replay import answer_requests

PART_BYTES = 12 * 1024 * 1024  # a returned file holds at most 16 MiB


def answer_paths(paths: Iterable[Path]) -> list[Path]:
    """The answer files named by ``paths``: files as given, folders by their ``*.jsonl[.gz]``, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))
        elif path.is_file():
            found.append(path)
        else:
            raise InputFormatError(f"answer file {path} does not exist")
    return found


def read_answers(paths: Iterable[Path]) -> tuple[list[dict[str, Any]], Counter]:
    """Every answer row in ``paths`` (files or folders), the first of each key kept, and counts
    of what was skipped: ``cut_lines`` (a last line a stopped call left half written),
    ``cut_gzip`` (a gzip stream that ends early: its complete lines are kept), ``bad_rows``."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    skipped: Counter = Counter()
    for path in answer_paths(paths):
        for line in _lines(path, skipped):
            try:
                row = json.loads(line)
            except ValueError:
                skipped["cut_lines"] += 1
                continue
            if not isinstance(row, dict) or not isinstance(row.get("key"), str) or not isinstance(row.get("texts"), list):
                skipped["bad_rows"] += 1
                continue
            if row["key"] not in seen:
                seen.add(row["key"])
                rows.append(row)
    return rows, skipped


def _lines(path: Path, skipped: Counter) -> list[str]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            text = inflater.decompress(data)
        except zlib.error:
            text = b""
        if not inflater.eof:
            skipped["cut_gzip"] += 1
        data = text
    return [line for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]


class AnswerWriter:
    """Appends answer rows to ``<folder>/<prefix>-NNN.jsonl`` files, a new part before one would
    pass ``part_bytes``; :meth:`flush` after each batch keeps a stopped run's answers."""

    def __init__(self, folder: Path, prefix: str, part_bytes: int = PART_BYTES) -> None:
        self.folder = folder
        self.prefix = prefix
        self.part_bytes = part_bytes
        self.written = 0
        folder.mkdir(parents=True, exist_ok=True)
        self._number = len(list(folder.glob(f"{prefix}-*.jsonl")))
        self._handle = None
        self._size = 0

    def write(self, row: dict[str, Any]) -> None:
        """Append one answer row."""
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        if self._handle is None or self._size + len(line) > self.part_bytes:
            self._open_next()
        assert self._handle is not None
        self._handle.write(line)
        self._size += len(line)
        self.written += 1

    def flush(self) -> None:
        """Push what was written to disk."""
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        """Flush and close the current part."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _open_next(self) -> None:
        self.close()
        path = self.folder / f"{self.prefix}-{self._number:03d}.jsonl"
        self._number += 1
        self._handle = path.open("ab")
        self._size = path.stat().st_size


def answer_batched(requests: list[dict[str, Any]], load: Callable[[str], Any], writer: AnswerWriter, *,
                   batch_size: int, deadline: float | None = None,
                   progress: Callable[[int], None] | None = None) -> int:
    """Answer ``requests`` with a local model in batches (:func:`sqlfix.models.replay.answer_requests`)
    into ``writer``, flushed per batch; no batch starts after ``deadline``; return how many were answered."""
    before = writer.written

    def finished(count: int) -> None:
        writer.flush()
        if progress is not None:
            progress(count)

    for row in answer_requests(requests, load, batch_size=batch_size, deadline=deadline, progress=finished):
        writer.write(row)
    writer.flush()
    return writer.written - before


def answer_live(requests: list[dict[str, Any]], model: Any, writer: AnswerWriter, *, concurrency: int = 4,
                retries: int = 2, backoff_s: float = 1.0, timeout_s: float | None = None,
                progress: Callable[[int], None] | None = None) -> Counter:
    """Answer ``requests`` one by one with a live ``model`` (an endpoint), ``concurrency`` at a
    time, into ``writer``. A failed request (timeout, 5xx, refused...) is tried ``retries`` more
    times with exponential backoff from ``backoff_s``, then skipped: it is not written, so a later
    run asks it again. Returns counts: ``answered``, ``failed``, ``retries`` and
    ``failed:<reason>``; when every request failed, raises :class:`EndpointError` with the last
    error and, for a timeout, the ``--teacher-timeout`` that ran out."""
    counts: Counter = Counter()

    def one(row: dict[str, Any]) -> dict[str, Any] | None:
        messages = [Message(role, content) for role, content in row["messages"]]
        error = ""
        for attempt in range(retries + 1):
            if attempt:
                counts["retries"] += 1
                time.sleep(backoff_s * 2 ** (attempt - 1))
            started = time.perf_counter()
            try:
                generations = model.generate(messages, n=row["n"], temperature=row["temperature"],
                                             max_tokens=row["max_tokens"])
            except EndpointError as exc:
                error = str(exc)
                continue
            ms = (time.perf_counter() - started) * 1000
            return {"model": row["model"], "key": row["key"], "texts": [g.text for g in generations],
                    "prompt_tokens": generations[0].prompt_tokens if generations else 0,
                    "completion_tokens": [g.completion_tokens for g in generations], "ms": round(ms, 2),
                    "answered_by": getattr(model, "name", row["model"])}
        counts[f"failed:{_reason(error)}"] += 1
        counts["failed"] += 1
        last_error[0] = error
        return None

    last_error = [""]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for answer in pool.map(one, requests):
            if answer is not None:
                writer.write(answer)
                writer.flush()
                counts["answered"] += 1
            if progress is not None:
                progress(1)
    if requests and not counts["answered"]:
        hint = (f" (each request may take up to --teacher-timeout {timeout_s:g} s; a slow teacher needs more)"
                if timeout_s is not None and _reason(last_error[0]) == "timeout" else "")
        raise EndpointError(f"every teacher request failed: {last_error[0]}{hint}")
    return counts


def _reason(error: str) -> str:
    lowered = error.lower()
    if "timed out" in lowered:
        return "timeout"
    if "http 5" in lowered:
        return "http_5xx"
    if "http 429" in lowered:
        return "http_429"
    if "cannot reach" in lowered:
        return "connection"
    return "other"


def write_gz_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write ``rows`` to a gzipped JSONL file (byte-identical for identical rows); return the count."""
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n" if lines else "").encode("utf-8"), mtime=0))
    return len(lines)
