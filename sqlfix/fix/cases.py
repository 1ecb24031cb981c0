"""Repair requests from dataset rows: golden cases and datagen's repair rows share one shape
(``broken_sql``, ``dialect``, optional ``exec_error`` / ``error`` + ``error_kind``, ``question``)."""

from __future__ import annotations

import json
from typing import Any

from sqlfix.errors import ExecError, InputFormatError
from sqlfix.fix.records import FixRequest


def request_from_row(row: dict[str, Any]) -> FixRequest:
    """Build the :class:`FixRequest` a repair row describes.

    The full error (golden ``exec_error``, datagen's ``error_detail`` JSON; with the engine's
    hints and position) is used when the row has it;
    a row with only the message text gets ``error=None``, so the pipeline re-runs the query and
    sees the engine's real error. Semantic rows (no error) carry their question.

    Example:
        >>> request_from_row({"broken_sql": "SELEC 1", "dialect": "duckdb"}).sql
        'SELEC 1'
    """
    if not isinstance(row.get("broken_sql"), str) or not row["broken_sql"].strip():
        raise InputFormatError(f"repair row {row.get('id', '?')} has no broken_sql")
    error = None
    raw = row.get("exec_error") or row.get("error_detail")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise InputFormatError(f"repair row {row.get('id', '?')} has a malformed error_detail: {exc}") from exc
    if isinstance(raw, dict):
        try:
            error = ExecError.from_dict(raw)
        except (KeyError, ValueError) as exc:
            raise InputFormatError(f"repair row {row.get('id', '?')} has a malformed exec_error: {exc}") from exc
    return FixRequest(sql=row["broken_sql"], dialect=row.get("dialect"), error=error, question=row.get("question"))


def database_url(row: dict[str, Any]) -> str:
    """The demo database URL a row's ``schema`` / ``schema_id`` and ``dialect`` name."""
    name = row.get("schema") or row.get("schema_id")
    return f"demo+clickhouse://{name}" if row.get("dialect") == "clickhouse" else f"demo://{name}"
