"""Crash-safe run state: an append-only, fsynced ``accepted.jsonl`` plus an atomically
replaced ``checkpoint.json`` holding the last finished batch and the byte length it ended at.

On resume the JSONL is cut back to the checkpointed length (a batch half-written when the
process died is dropped whole) and its rows are handed back to rebuild the filter state.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from datagen.records import dumps
from sqlfix.errors import InputFormatError


class RunStore:
    """The ``work/`` directory of one output directory."""

    def __init__(self, out_dir: str | Path) -> None:
        """Use ``<out_dir>/work`` (created when missing)."""
        self.work = Path(out_dir) / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.rows_path = self.work / "accepted.jsonl"
        self.checkpoint_path = self.work / "checkpoint.json"

    def resume(self) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
        """Return ``(batches done, saved state, accepted rows)``, cutting off any unfinished batch."""
        if not self.checkpoint_path.exists():
            self.rows_path.write_bytes(b"")
            return 0, {}, []
        try:
            checkpoint = json.loads(self.checkpoint_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputFormatError(f"{self.checkpoint_path}: unreadable checkpoint ({exc}); rerun with --fresh") from exc
        size = int(checkpoint["bytes"])
        with open(self.rows_path, "r+b") as handle:
            handle.truncate(size)
        rows = [json.loads(line) for line in self.rows_path.read_text(encoding="utf-8").splitlines() if line]
        return int(checkpoint["batches"]), checkpoint.get("state", {}), rows

    def append(self, rows: list[dict[str, Any]]) -> None:
        """Append rows and flush them to disk."""
        with open(self.rows_path, "a", encoding="utf-8") as handle:
            for row in rows:
                handle.write(dumps(row) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def checkpoint(self, batches: int, state: dict[str, Any]) -> None:
        """Record that ``batches`` batches are complete, with ``state`` (counters) at that point."""
        payload = {"batches": batches, "bytes": self.rows_path.stat().st_size, "state": state}
        tmp = self.checkpoint_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, default=str), encoding="utf-8")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, self.checkpoint_path)

    def rows(self) -> list[dict[str, Any]]:
        """All accepted rows."""
        return [json.loads(line) for line in self.rows_path.read_text(encoding="utf-8").splitlines() if line]
