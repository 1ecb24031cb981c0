"""Read datagen's split files (``<run>/<split>/{text2sql,repair}.jsonl[.gz]``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from sqlfix.errors import InputFormatError
from sqlfix.jsonl import read_jsonl

TASK_FILES = ("text2sql", "repair")
REQUIRED_FIELDS = {
    "text2sql": ("schema_id", "dialect", "question", "sql"),
    "repair": ("schema_id", "dialect", "broken_sql", "fixed_sql"),
}


def split_file(data_dir: Path, split: str, task: str) -> Path | None:
    """Return the file of ``task`` rows in ``split`` (plain or gzipped), or None if absent."""
    for suffix in (".jsonl", ".jsonl.gz"):
        candidate = data_dir / split / f"{task}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def read_split(data_dir: Path, split: str) -> list[dict[str, Any]]:
    """Return every row of ``split`` (both tasks), each with its ``task`` field set.

    Raises :class:`InputFormatError` when the folder has no file for the split or a line is
    not a JSON object with the task's required fields (naming file and line).
    """
    if not data_dir.is_dir():
        raise InputFormatError(f"dataset folder {data_dir} does not exist")
    files = [(task, split_file(data_dir, split, task)) for task in TASK_FILES]
    if all(path is None for _, path in files):
        raise InputFormatError(f"{data_dir}/{split} holds no text2sql.jsonl or repair.jsonl (a datagen run folder?)")
    rows = []
    for task, path in files:
        if path is not None:
            rows += [{**row, "task": task} for row in read_rows(path, REQUIRED_FIELDS[task])]
    return rows


def read_rows(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSONL file (gzip when named ``*.gz``), checking ``required``."""
    for number, row in read_jsonl(path):
        missing = [name for name in required if not row.get(name)]
        if missing:
            raise InputFormatError(f"{path}:{number}: missing {', '.join(missing)}")
        yield row
