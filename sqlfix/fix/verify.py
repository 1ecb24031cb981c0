"""Candidate verification: run each proposal read-only under limits, once per distinct query."""

from __future__ import annotations

import hashlib
import threading

from sqlfix.engines.base import Engine, Limits, ResultSet
from sqlfix.errors import ExecError
from sqlfix.fix.records import Candidate


class Verifier:
    """Executes candidate queries on one engine with a budget, remembering outcomes.

    Thread-safe: callers from several threads share one verifier; executions are serialised
    because an engine connection runs one query at a time.
    """

    def __init__(self, engine: Engine, limits: Limits, budget: int, dialect: str) -> None:
        """Verify on ``engine`` under ``limits``, executing at most ``budget`` distinct queries."""
        self.engine = engine
        self.limits = limits
        self.budget = budget
        self.dialect = dialect
        self.executed = 0
        self._outcomes: dict[str, ResultSet | ExecError] = {}
        self._lock = threading.Lock()

    def run(self, sql: str) -> ResultSet | ExecError | None:
        """Return the outcome of ``sql`` (memoised by its text), or None past the budget."""
        # Keyed by the text itself, not normalize_sql: sqlglot reads some broken queries
        # leniently ("a,, b") and would give them the key of their fix.
        key = " ".join(sql.split())
        with self._lock:
            if key in self._outcomes:
                return self._outcomes[key]
            if self.executed >= self.budget:
                return None
            self.executed += 1
            outcome = self.engine.execute(sql, self.limits)
            self._outcomes[key] = outcome
            return outcome

    def check(self, candidate: Candidate) -> ResultSet | ExecError | None:
        """Run ``candidate`` and record the outcome on it (executed, error, rows, result key)."""
        outcome = self.run(candidate.sql)
        record(candidate, outcome)
        return outcome


def record(candidate: Candidate, outcome: ResultSet | ExecError | None) -> None:
    """Store an execution outcome on ``candidate``."""
    if isinstance(outcome, ResultSet):
        candidate.executed = True
        candidate.row_count = len(outcome.rows)
        candidate.columns = tuple(outcome.columns)
        candidate.truncated = outcome.truncated
        candidate.result_key = result_key(outcome)
    elif isinstance(outcome, ExecError):
        candidate.error = outcome


def result_key(result: ResultSet) -> str:
    """A fingerprint of a result: its rows as a multiset (column names and row order ignored)."""
    rows = sorted(repr(tuple(_canonical(v) for v in row)) for row in result.rows)
    digest = hashlib.sha1("\n".join(rows).encode("utf-8", "replace"))
    digest.update(f"|{len(result.columns)}|{result.truncated}".encode())
    return digest.hexdigest()[:16]


def _canonical(value: object) -> object:
    if isinstance(value, float):
        return round(value, 6)
    return value
