"""Load golden cases from ``golden/**/*.jsonl`` into typed, validated records.

The row format is documented in ``golden/README.md``. A malformed row raises
:class:`~sqlfix.errors.InputFormatError` naming the file, the line and the field.

Example:
    >>> case = parse_case({"id": "hr-t2s-001", "schema": "hr", "dialect": "duckdb",
    ...     "category": "join", "question": "q?", "sql": "SELECT 1"}, "x.jsonl:1")
    >>> case.task, [a.sql for a in case.answers()]
    ('text2sql', ['SELECT 1'])
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from sqlfix.engines.base import Limits
from sqlfix.errors import ErrorKind, ExecError, InputFormatError
from sqlfix.jsonl import read_jsonl

from eval.equivalence import GoldAnswer

Task = Literal["text2sql", "repair"]
TASKS: tuple[str, ...] = ("text2sql", "repair")


class GoldenCase(BaseModel):
    """One golden case: a text-to-SQL question with its gold query, or a broken query with
    its minimal fix. ``source`` is where it was read (``file:line``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    schema_name: str
    dialect: Literal["duckdb", "clickhouse"]
    task: Task
    category: str
    difficulty: str | None = None
    question: str | None = None
    sql: str | None = None
    alternatives: tuple[str, ...] = ()
    column_sets: tuple[tuple[str, ...], ...] = ()
    broken_sql: str | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None
    exec_error: dict[str, Any] | None = None
    fixed_sql: str | None = None
    semantic: bool = False
    limits: dict[str, float] | None = None
    note: str | None = None
    source: str = ""

    @field_validator("id", "schema_name", "category")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("limits")
    @classmethod
    def _known_limits(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        unknown = set(value or {}) - set(Limits.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown limit(s) {sorted(unknown)}")
        return value

    @model_validator(mode="after")
    def _task_fields(self) -> "GoldenCase":
        needed = ("question", "sql") if self.task == "text2sql" else ("broken_sql", "fixed_sql")
        missing = [name for name in needed if not (getattr(self, name) or "").strip()]
        if missing:
            raise ValueError(f"a {self.task} case needs {' and '.join(missing)}")
        if self.task == "repair" and self.semantic and not self.question:
            raise ValueError("a semantic repair case needs a question")
        return self

    @property
    def gold_sql(self) -> str:
        """The reference query: ``sql`` for text-to-SQL, ``fixed_sql`` for repair."""
        return (self.sql if self.task == "text2sql" else self.fixed_sql) or ""

    def answers(self) -> list[GoldAnswer]:
        """Every acceptable gold answer (the gold query first, then the alternatives)."""
        sets = self.column_sets
        return [GoldAnswer(sql, sets) for sql in (self.gold_sql, *self.alternatives)]

    def case_limits(self) -> Limits:
        """The limits the case's queries run under (defaults overridden by ``limits``)."""
        return Limits(**(self.limits or {}))

    def recorded_error(self) -> ExecError | None:
        """The engine error stored with a repair case, as an :class:`ExecError`."""
        if self.exec_error:
            return ExecError.from_dict(self.exec_error)
        if self.error and self.error_kind:
            return ExecError(self.error_kind, self.error, self.dialect)
        return None

    def content_hash(self) -> str:
        """A short hash of everything that defines the case (not where it was read)."""
        data = self.model_dump(mode="json", exclude={"source", "note"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def parse_case(row: dict[str, Any], where: str) -> GoldenCase:
    """Validate one JSONL row; ``where`` (``file:line``) prefixes any error."""
    data = dict(row)
    if "schema" in data:
        data["schema_name"] = data.pop("schema")
    data.setdefault("task", "repair" if "broken_sql" in data else "text2sql")
    for name in ("alternatives", "column_sets"):
        if data.get(name) is None:
            data.pop(name, None)
    data["semantic"] = bool(data.get("semantic"))
    try:
        return GoldenCase(**data, source=where)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]).replace("schema_name", "schema") or "row"
        raise InputFormatError(f"{where}: {field}: {first['msg']}") from None
    except TypeError as exc:
        raise InputFormatError(f"{where}: {exc}") from None


def golden_files(path: str | Path) -> list[Path]:
    """The JSONL files under ``path`` (a file, or a folder searched recursively), sorted."""
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputFormatError(f"golden cases not found: {root} is neither a file nor a folder")
    return sorted(root.rglob("*.jsonl"))


def load_golden(path: str | Path, *, task: str = "all") -> list[GoldenCase]:
    """Read, validate and return the golden cases under ``path`` of ``task`` (or ``all``).

    Raises:
        InputFormatError: malformed JSON, a row breaking the format, or a duplicate id
            (the message names file and line).
    """
    if task not in (*TASKS, "all"):
        raise InputFormatError(f"unknown task {task!r}; use text2sql, repair or all")
    cases: list[GoldenCase] = []
    seen: dict[str, str] = {}
    for file in golden_files(path):
        for number, row in read_jsonl(file):
            where = f"{file}:{number}"
            case = parse_case(row, where)
            if case.id in seen:
                raise InputFormatError(f"{where}: id {case.id!r} already used at {seen[case.id]}")
            seen[case.id] = where
            if task in ("all", case.task):
                cases.append(case)
    return cases


def golden_version(path: str | Path) -> str | None:
    """The version in the ``VERSION`` file next to (or above) the golden files, if any."""
    version = _golden_file(path, "VERSION")
    return version.read_text().strip() if version else None


def golden_unseen_schemas(path: str | Path) -> frozenset[str]:
    """The schemas the ``splits.json`` next to (or above) the golden files marks ``unseen``:
    written after the rules, prompts and datagen defaults, so their scores are reported apart.

    Raises:
        InputFormatError: a ``splits.json`` that is not ``{"unseen": [schema, ...]}``.
    """
    splits = _golden_file(path, "splits.json")
    if splits is None:
        return frozenset()
    try:
        unseen = json.loads(splits.read_text(encoding="utf-8"))["unseen"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputFormatError(f"{splits}: expected {{\"unseen\": [schema, ...]}} ({exc})") from None
    if not isinstance(unseen, list) or not all(isinstance(name, str) for name in unseen):
        raise InputFormatError(f"{splits}: \"unseen\" must be a list of schema names")
    return frozenset(unseen)


def _golden_file(path: str | Path, name: str) -> Path | None:
    root = Path(path).resolve()
    folders = (root, root.parent) if root.is_dir() else (root.parent, root.parent.parent)
    return next((folder / name for folder in folders if (folder / name).is_file()), None)
