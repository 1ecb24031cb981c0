"""Load the golden JSONL files, check their format, and run a case's SQL on its engine.

Example:
    >>> cases = load_cases("text2sql")
    >>> all(case["task"] == "text2sql" for case in cases)
    True
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from sqlfix.engines.base import Engine, ExecOutcome, Limits
from sqlfix.errors import ErrorKind, InputFormatError
from sqlfix.jsonl import read_jsonl

from eval.golden import golden_unseen_schemas

GOLDEN_DIR = Path(__file__).resolve().parent.parent
TASKS = ("text2sql", "repair")
SCHEMAS = ("shop", "hr", "flights", "billing", "observability")
DIALECTS = ("duckdb", "clickhouse")
DIFFICULTIES = ("easy", "medium", "hard")
TEXT2SQL_CATEGORIES = ("single_table", "join", "aggregate", "nested", "window", "date", "ratio")

_COMMON = {"id": str, "schema": str, "dialect": str, "task": str, "category": str, "difficulty": str}
_TEXT2SQL = {"question": str, "sql": str}
_TEXT2SQL_OPTIONAL = {"alternatives": list, "column_sets": list, "limits": dict, "note": str}
_REPAIR = {"broken_sql": str, "fixed_sql": str}
_REPAIR_OPTIONAL = {
    "question": str,
    "semantic": bool,
    "error": str,
    "error_kind": str,
    "exec_error": dict,
    "limits": dict,
    "note": str,
}


def golden_version() -> str:
    """Return the version string in ``golden/VERSION``."""
    return (GOLDEN_DIR / "VERSION").read_text().strip()


def unseen_schemas(root: Path = GOLDEN_DIR) -> tuple[str, ...]:
    """Return the schemas ``splits.json`` marks unseen (written after the rules, prompts and datagen
    defaults; ``sqlfix eval`` reports them apart), sorted."""
    return tuple(sorted(golden_unseen_schemas(root)))


def case_files(task: str, root: Path = GOLDEN_DIR) -> list[Path]:
    """Return the JSONL files under ``root`` holding ``task`` cases, sorted by name."""
    return sorted((root / task).glob("*.jsonl"))


def check_case(row: dict[str, Any], where: str) -> None:
    """Raise :class:`InputFormatError` (prefixed with ``where``) if ``row`` breaks the format
    documented in ``golden/README.md``."""
    task = row.get("task")
    if task not in TASKS:
        raise InputFormatError(f"{where}: task must be one of {TASKS}, got {task!r}")
    required = {**_COMMON, **(_TEXT2SQL if task == "text2sql" else _REPAIR)}
    optional = _TEXT2SQL_OPTIONAL if task == "text2sql" else _REPAIR_OPTIONAL
    for name, kind in required.items():
        if not isinstance(row.get(name), kind) or not row[name]:
            raise InputFormatError(f"{where}: field {name!r} is required ({kind.__name__})")
    for name, value in row.items():
        if name in required:
            continue
        if name not in optional:
            raise InputFormatError(f"{where}: unknown field {name!r}")
        if value is not None and not isinstance(value, optional[name]):
            raise InputFormatError(f"{where}: field {name!r} must be {optional[name].__name__}")
    _check_values(row, where)


def _check_values(row: dict[str, Any], where: str) -> None:
    checks = (("schema", SCHEMAS), ("dialect", DIALECTS), ("difficulty", DIFFICULTIES))
    for name, allowed in checks:
        if row[name] not in allowed:
            raise InputFormatError(f"{where}: {name} must be one of {allowed}, got {row[name]!r}")
    if row["task"] == "text2sql" and row["category"] not in TEXT2SQL_CATEGORIES:
        raise InputFormatError(f"{where}: category must be one of {TEXT2SQL_CATEGORIES}")
    if row["task"] == "repair":
        if row.get("semantic"):
            if not row.get("question"):
                raise InputFormatError(f"{where}: a semantic repair case needs a question")
        elif row.get("error_kind") is not None and row["error_kind"] not in {k.value for k in ErrorKind}:
            raise InputFormatError(f"{where}: unknown error_kind {row['error_kind']!r}")
    allowed_limits = {f.name for f in fields(Limits)}
    if row.get("limits") and not set(row["limits"]) <= allowed_limits:
        raise InputFormatError(f"{where}: limits may only set {sorted(allowed_limits)}")


def load_cases(task: str | None = None, root: Path = GOLDEN_DIR) -> list[dict[str, Any]]:
    """Return every golden case of ``task`` (or of both tasks) under ``root``, format-checked,
    in file order.

    Raises :class:`InputFormatError` for a malformed row, a row in the wrong file, or a
    duplicate id.
    """
    cases: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for each_task in (task,) if task else TASKS:
        for path in case_files(each_task, root):
            for number, row in read_jsonl(path):
                where = f"{path.relative_to(root)}:{number}"
                check_case(row, where)
                if row["task"] != each_task or path.stem != f"{row['schema']}_{row['dialect']}":
                    raise InputFormatError(f"{where}: case {row['id']} belongs in {each_task}/{row['schema']}_{row['dialect']}.jsonl")
                if row["id"] in seen:
                    raise InputFormatError(f"{where}: id {row['id']} already used at {seen[row['id']]}")
                seen[row["id"]] = where
                cases.append(row)
    return cases


def case_limits(row: dict[str, Any]) -> Limits:
    """Return the limits a case runs under: the defaults overridden by its ``limits``."""
    return Limits(**(row.get("limits") or {}))


def gold_queries(row: dict[str, Any]) -> list[str]:
    """Return every query of a case that must succeed: ``sql`` and its alternatives, or
    ``fixed_sql``."""
    if row["task"] == "text2sql":
        return [row["sql"], *(row.get("alternatives") or [])]
    return [row["fixed_sql"]]


class EnginePool:
    """Opens one demo engine per (schema, dialect) on first use and closes them all."""

    def __init__(self) -> None:
        self._engines: dict[tuple[str, str], Engine] = {}

    def engine(self, schema: str, dialect: str) -> Engine:
        """Return the read-only demo engine for ``schema`` in ``dialect``."""
        from sqlfix.demo import open_demo

        key = (schema, dialect)
        if key not in self._engines:
            self._engines[key] = open_demo(schema, engine=dialect)
        return self._engines[key]

    def run(self, row: dict[str, Any], sql: str) -> ExecOutcome:
        """Execute ``sql`` on the case's engine under the case's limits."""
        return self.engine(row["schema"], row["dialect"]).execute(sql, case_limits(row))

    def close(self) -> None:
        """Close every opened engine."""
        for engine in self._engines.values():
            engine.close()
        self._engines.clear()
