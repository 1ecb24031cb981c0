"""Interaction logs as a source of repairs: editor events (format in README.md) become triples.

Within one ``(session, cell)``, every failing ``run`` is paired with the next successful ``run``
of that cell, and every ``fix_accepted`` gives ``(sql, fixed_sql)``. Candidates are re-executed
on the event's ``db`` and pass the same filters as generated data. Malformed lines are
reported by line number and skipped.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datagen.batch import Batch
from datagen.config import DatagenConfig
from datagen.filters import FilterState
from datagen.records import Triple, guess_shape
from datagen.verify import verify_repair
from sqlfix.engines.base import Engine
from sqlfix.errors import InputFormatError, SqlfixError

EVENTS = ("run", "fix_shown", "fix_accepted", "fix_rejected")
REQUIRED = ("ts", "session", "cell", "event", "db", "dialect", "sql")


@dataclass
class LogRepair:
    """A repair candidate found in a log: where it ran, the broken and the fixed SQL."""

    line: int
    db: str
    dialect: str
    broken_sql: str
    fixed_sql: str
    question: str | None
    origin: str


def read_events(path: str | Path) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """Parse a JSONL event log: ``([(line number, event)], [problem per skipped line])``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"{path}: cannot read event log: {exc}") from exc
    events, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError as exc:
            problems.append(f"{path}:{number}: not JSON ({exc.msg})")
            continue
        problem = _problem(event)
        if problem:
            problems.append(f"{path}:{number}: {problem}")
            continue
        events.append((number, event))
    return events, problems


def repairs_from_events(events: list[tuple[int, dict[str, Any]]]) -> list[LogRepair]:
    """Pair failing runs with the cell's next successful run, plus accepted fixes."""
    pending: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    found: list[LogRepair] = []
    for number, event in events:
        cell = (str(event["session"]), str(event["cell"]))
        kind = event["event"]
        if kind == "run" and not event["ok"]:
            pending.setdefault(cell, []).append((number, event))
        elif kind == "run":
            for failed_line, failed in pending.pop(cell, []):
                found.append(LogRepair(failed_line, failed["db"], failed["dialect"], failed["sql"], event["sql"],
                                       failed.get("question") or event.get("question"), "next_success"))
        elif kind == "fix_accepted":
            found.append(LogRepair(number, event["db"], event["dialect"], event["sql"], event["fixed_sql"],
                                   event.get("question"), "fix_accepted"))
    return found


def log_batches(config: DatagenConfig, path: str) -> tuple[list[Batch], list[str]]:
    """One batch per log file, and the problems found reading it."""
    events, problems = read_events(path)
    repairs = repairs_from_events(events)

    def run(rng: random.Random, state: FilterState, stats: dict[str, Counter]) -> list[dict[str, Any]]:
        stats["logs"]["events"] += len(events)
        stats["logs"]["malformed_lines"] += len(problems)
        return _verify_all(repairs, config, state, stats)

    return [Batch(f"log-{Path(path).name}", "logs", run)], problems


def _verify_all(repairs: list[LogRepair], config: DatagenConfig, state: FilterState,
                stats: dict[str, Counter]) -> list[dict[str, Any]]:
    engines: dict[str, Engine | None] = {}
    rows = []
    try:
        for repair in repairs:
            engine = _engine(repair.db, engines, stats)
            if engine is None:
                state.drop("log_db_unavailable")
                continue
            outcome = verify_repair(schema_id=schema_id_of(repair.db), dialect=repair.dialect, engine=engine,
                                    generator="log", shape=guess_shape(repair.fixed_sql), question=repair.question,
                                    broken_sql=repair.broken_sql, fixed_sql=repair.fixed_sql,
                                    operator=f"log:{repair.origin}", intended_kind="error", fixed_hash=None,
                                    ordered=False, max_rows=config.max_rows, timeout_s=config.timeout_s,
                                    max_edit_ratio=config.max_edit_ratio)
            if outcome.record is None:
                state.drop(outcome.dropped or "unknown")
                continue
            assert isinstance(outcome.record, Triple)
            if state.admit_triple(outcome.record):
                rows.append(outcome.record.to_row())
                stats["logs"]["triples"] += 1
    finally:
        for engine in engines.values():
            if engine is not None:
                engine.close()
    return rows


def schema_id_of(db: str) -> str:
    """``demo://shop`` -> ``shop``; ``duckdb:///x/sales.duckdb`` -> ``sales``; other URLs -> their last part."""
    tail = db.split("://", 1)[-1].split("?", 1)[0].rstrip("/")
    return Path(tail).stem or tail or "unknown"


def _engine(db: str, engines: dict[str, Engine | None], stats: dict[str, Counter]) -> Engine | None:
    if db not in engines:
        from sqlfix.demo import open_url

        try:
            engines[db] = open_url(db, read_only=True)
        except SqlfixError:
            stats["logs"]["db_unavailable"] += 1
            engines[db] = None
    return engines[db]


def _problem(event: Any) -> str | None:
    if not isinstance(event, dict):
        return "not a JSON object"
    missing = [f for f in REQUIRED if not isinstance(event.get(f), str)]
    if missing:
        return f"missing or non-string field(s): {', '.join(missing)}"
    if event["event"] not in EVENTS:
        return None if event["event"] else "empty event"
    if event["event"] == "run" and not isinstance(event.get("ok"), bool):
        return "a run event needs a boolean 'ok'"
    if event["event"].startswith("fix_") and not isinstance(event.get("fixed_sql"), str):
        return f"a {event['event']} event needs a string 'fixed_sql'"
    return None
