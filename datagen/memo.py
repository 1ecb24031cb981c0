"""An engine wrapper that runs each (SQL, limits) once per process.

The offline generator draws the same query more than once (a sampled query it had already
drawn, the same bug injected into it again), and an engine's verdict on the same text under the
same limits does not change: a query's rows and errors are deterministic, and the runaway bugs
are chosen so that their limits are crossed by wide margins. So a repeat is answered from
memory instead of being parsed, run and classified again.
"""

from __future__ import annotations

from collections import OrderedDict

from sqlfix.engines.base import Engine, ExecOutcome, Limits

DEFAULT_SIZE = 20_000


class MemoEngine:
    """``engine`` with remembered answers (read-only use: writes are never remembered).

    Example:
        >>> from sqlfix.engines.duckdb import DuckDBEngine
        >>> memo = MemoEngine(DuckDBEngine(":memory:", read_only=False))
        >>> memo.execute("SELECT 42").rows, memo.execute("SELECT 42").rows, memo.hits
        ([(42,)], [(42,)], 1)
    """

    def __init__(self, engine: Engine, size: int = DEFAULT_SIZE) -> None:
        """Remember the last ``size`` answers of ``engine``."""
        self.engine = engine
        self.name = engine.name
        self.dialect = engine.dialect
        self.size = size
        self.hits = 0
        self._answers: OrderedDict[tuple[str, Limits | None], ExecOutcome] = OrderedDict()

    def execute(self, sql: str, limits: Limits | None = None, *, allow_write: bool = False) -> ExecOutcome:
        """The engine's answer for ``sql`` under ``limits``, run at most once while remembered."""
        if allow_write:
            return self.engine.execute(sql, limits, allow_write=True)
        key = (sql, limits)
        if key in self._answers:
            self.hits += 1
            self._answers.move_to_end(key)
            return self._answers[key]
        answer = self.engine.execute(sql, limits)
        self._answers[key] = answer
        if len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return answer

    def close(self) -> None:
        """Close the wrapped engine."""
        self.engine.close()
