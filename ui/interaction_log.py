"""The editor's interaction log: JSONL events in the format ``sqlfix datagen --from-log`` reads
(documented in ``datagen/README.md``, section *Editor event log*).

Each event is appended, flushed and fsynced at once, so a closed browser or a killed server
never loses what was already seen.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from sqlfix.errors import ExecError, SqlfixError

EventName = Literal["run", "fix_shown", "fix_accepted", "fix_rejected"]

_WRITE_LOCK = threading.Lock()


@dataclass(frozen=True)
class CellContext:
    """Where an event happened: the editor session and cell, and the database the SQL ran on."""

    session: str
    cell: str
    db: str
    dialect: str


def run_event(ctx: CellContext, sql: str, error: ExecError | None, *, question: str | None = None) -> dict[str, Any]:
    """Build a ``run`` event (``ok`` is true when ``error`` is None)."""
    return _event(ctx, "run", sql, ok=error is None, error=error.to_dict() if error else None, question=question)


def fix_event(ctx: CellContext, event: EventName, sql: str, fixed_sql: str, *, question: str | None = None) -> dict[str, Any]:
    """Build a ``fix_shown`` / ``fix_accepted`` / ``fix_rejected`` event."""
    return _event(ctx, event, sql, fixed_sql=fixed_sql, question=question)


def _event(ctx: CellContext, event: EventName, sql: str, *, question: str | None, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "session": ctx.session,
        "cell": ctx.cell,
        "event": event,
        "db": ctx.db,
        "dialect": ctx.dialect,
        "sql": sql,
        **fields,
    }
    if question:
        record["question"] = question
    return record


class InteractionLog:
    """Appends events to a JSONL file, or does nothing when logging is off."""

    def __init__(self, path: str | Path, *, enabled: bool = True) -> None:
        self.path = Path(path).expanduser()
        self.enabled = enabled

    def append(self, event: dict[str, Any]) -> None:
        """Append one event as a line and flush it to disk."""
        if not self.enabled:
            return
        line = json.dumps(event, ensure_ascii=False, default=str) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _WRITE_LOCK, self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise SqlfixError(f"cannot write the interaction log {self.path}: {exc.strerror or exc}") from exc
