"""The editor's bridge to the fix/ask pipeline: calls ``sqlfix.fix.repair`` / ``ask`` and turns
their results into the options the Fix panel shows."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlfix.errors import ExecError, SqlfixError
from sqlfix.fix import AskResult, Candidate, FixRequest, ask, repair
from sqlfix.models.base import ChatModel
from ui.workspace import Workspace


@dataclass(frozen=True)
class FixOption:
    """One proposed fix as the panel shows it.

    Attributes:
        sql: the fixed query.
        diff: a unified diff from the broken query.
        explanation: one line saying what was wrong.
        ran: whether the fix ran on the database.
        rows: rows it returned when it ran.
        confidence: 0..1 for the pipeline's answer; None for the other candidates.
        source: which repairer wrote it (``rule:<name>``, ``model:full``...).
        unsure: not to be trusted without a look (``FixResult.unsure``; for the other
            candidates: they change more than the error needs).
        unsure_reasons: why, one phrase each.
    """

    sql: str
    diff: str
    explanation: str
    ran: bool
    rows: int | None
    confidence: float | None
    source: str
    unsure: bool = False
    unsure_reasons: tuple[str, ...] = ()


def unified_diff(before: str, after: str) -> str:
    """Return a unified diff of two queries (line by line, no file headers).

    Example:
        >>> print(unified_diff("SELECT nme\\nFROM t", "SELECT name\\nFROM t"))
        -SELECT nme
        +SELECT name
         FROM t
    """
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=3)
    return "\n".join(line for line in lines if not line.startswith(("---", "+++", "@@")))


def propose_fix(
    sql: str, error: ExecError, ws: Workspace, model: ChatModel | None, *, question: str | None = None
) -> list[FixOption]:
    """Repair ``sql`` with the pipeline (rules only when ``model`` is None); best option first,
    then the other best-of-k candidates that differ from it."""
    request = FixRequest(sql=sql, dialect=ws.db.engine.dialect, error=error, question=question)
    result = repair(request, ws.db.engine, ws.db.schema, config=ws.fix_config, model=model)
    if not result.fixed_sql:
        return []
    evidence = result.evidence
    best = FixOption(
        sql=result.fixed_sql,
        diff=unified_diff(sql, result.fixed_sql),
        explanation=result.explanation,
        ran=evidence.executed,
        rows=evidence.row_count,
        confidence=result.confidence,
        source=result.source or "",
        unsure=result.unsure,
        unsure_reasons=tuple(result.unsure_reasons),
    )
    seen = {result.fixed_sql.strip()}
    options = [best]
    for candidate in result.candidates:
        if candidate.executed and candidate.sql.strip() not in seen:
            seen.add(candidate.sql.strip())
            options.append(_candidate_option(sql, candidate))
    return options


def ask_sql(question: str, ws: Workspace, model: ChatModel) -> AskResult:
    """Answer ``question`` with the pipeline's ``ask``: a result whose ``sql`` is set (an error
    when no query ran)."""
    if not question.strip():
        raise SqlfixError("type a question first")
    result = ask(question.strip(), ws.db.engine, ws.db.schema, config=ws.fix_config, model=model)
    if not result.sql:
        # A model that failed or ran out of time says so, rather than "wrote no SQL".
        raise SqlfixError(result.sources.notice or "the model wrote no SQL for this question")
    return result


def _candidate_option(broken: str, candidate: Candidate) -> FixOption:
    return FixOption(
        sql=candidate.sql,
        diff=unified_diff(broken, candidate.sql),
        explanation=candidate.explanation,
        ran=candidate.executed,
        rows=candidate.row_count,
        confidence=None,
        source=candidate.source,
        unsure=bool(candidate.overreach),
        unsure_reasons=tuple(f"it {reason}" for reason in candidate.overreach),
    )
