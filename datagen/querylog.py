"""Mine a ClickHouse ``system.query_log`` for repairs: a failed query followed, within a time
window, by a successful similar SELECT of the same user.

chDB keeps no ``system.query_log``, so ``query_log_table`` can name any table with the same
columns (``event_time``, ``user``, ``query``, ``type``, ``exception``, ``exception_code``,
``current_database``); the tests use such a table on chDB.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from datagen.batch import Batch
from datagen.config import DatagenConfig
from datagen.filters import FilterState
from datagen.records import Triple, guess_shape
from datagen.verify import verify_repair
from sqlfix.engines.base import Engine, Limits, ResultSet
from sqlfix.errors import SqlfixError

FAILED = ("ExceptionBeforeStart", "ExceptionWhileProcessing")
SUCCEEDED = "QueryFinish"
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_READ_QUERY = re.compile(r"^\s*(SELECT|WITH)\b", re.I)


@dataclass
class LoggedQuery:
    """One row of the query log."""

    time: dt.datetime
    user: str
    query: str
    type: str
    database: str


def read_query_log(engine: Engine, table: str, max_rows: int = 200_000) -> list[LoggedQuery]:
    """Read the finished and failed queries of ``table`` in time order."""
    if not _TABLE_NAME.match(table):
        raise SqlfixError(f"query log table {table!r} is not a plain [database.]table name")
    kinds = ", ".join(f"'{k}'" for k in (*FAILED, SUCCEEDED))
    sql = (f"SELECT event_time, user, query, toString(type), current_database FROM {table} "
           f"WHERE toString(type) IN ({kinds}) ORDER BY event_time, query")
    result = engine.execute(sql, Limits(timeout_s=60.0, max_rows=max_rows))
    if not isinstance(result, ResultSet):
        raise SqlfixError(f"cannot read the query log {table}: {result.message}")
    return [LoggedQuery(r[0], str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in result.rows]


def failure_fix_pairs(log: list[LoggedQuery], *, window_s: float, min_similarity: float) -> list[tuple[LoggedQuery, LoggedQuery]]:
    """For each failed read query, the first later successful read query of the same user within
    ``window_s`` seconds whose text is at least ``min_similarity`` similar (rapidfuzz ratio)."""
    found = []
    for index, failed in enumerate(log):
        if failed.type not in FAILED or not _READ_QUERY.match(failed.query):
            continue
        for later in log[index + 1:]:
            if (later.time - failed.time).total_seconds() > window_s:
                break
            if later.user != failed.user or later.type != SUCCEEDED or not _READ_QUERY.match(later.query):
                continue
            if later.query.strip() != failed.query.strip() and fuzz.ratio(failed.query, later.query) >= min_similarity:
                found.append((failed, later))
                break
    return found


def query_log_batches(config: DatagenConfig) -> list[Batch]:
    """One batch mining ``config.query_log_url``."""
    from datagen.logs import schema_id_of

    def run(rng: random.Random, state: FilterState, stats: dict[str, Counter]) -> list[dict[str, Any]]:
        from sqlfix.engines import open_engine

        engine = open_engine(config.query_log_url or "", read_only=True)
        try:
            log = read_query_log(engine, config.query_log_table)
            pairs = failure_fix_pairs(log, window_s=config.query_log_window_s,
                                      min_similarity=config.query_log_min_similarity)
            stats["logs"]["query_log_rows"] += len(log)
            stats["logs"]["query_log_pairs"] += len(pairs)
            rows = []
            for failed, fixed in pairs:
                outcome = verify_repair(schema_id=failed.database or schema_id_of(config.query_log_url or ""),
                                        dialect=engine.dialect, engine=engine, generator="query_log",
                                        shape=guess_shape(fixed.query), question=None, broken_sql=failed.query.strip(),
                                        fixed_sql=fixed.query.strip(), operator="query_log", intended_kind="error",
                                        fixed_hash=None, ordered=False, max_rows=config.max_rows,
                                        timeout_s=config.timeout_s, max_edit_ratio=config.max_edit_ratio)
                if outcome.record is None:
                    state.drop(outcome.dropped or "unknown")
                    continue
                assert isinstance(outcome.record, Triple)
                if state.admit_triple(outcome.record):
                    rows.append(outcome.record.to_row())
            return rows
        finally:
            engine.close()

    return [Batch("query_log", "query_log", run)]
