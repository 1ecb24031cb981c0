"""The rule source: deterministic repairs, verified by execution, chained when a repair
clears one error and reveals the next."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlfix.engines.base import ResultSet
from sqlfix.errors import LIMIT_KINDS, ErrorKind, ExecError
from sqlfix.fix.records import Candidate
from sqlfix.fix.rules import propose
from sqlfix.fix.verify import Verifier, record
from sqlfix.schema.model import Schema

# Failing repairs carried to the next step at most (those that moved the error furthest).
BEAM = 3
_UNFIXABLE = LIMIT_KINDS | {ErrorKind.PERMISSION}


@dataclass(frozen=True)
class _State:
    sql: str
    error: ExecError
    rules: tuple[str, ...] = ()
    explanations: tuple[str, ...] = ()
    chain_errors: tuple[ExecError, ...] = ()


def rule_candidates(
    sql: str, error: ExecError, schema: Schema, dialect: str, verifier: Verifier, *, depth: int, enough: int = 4, time_s: float = 2.0
) -> list[Candidate]:
    """Return verified rule candidates for ``sql`` failing with ``error``.

    Each step applies one rule; a proposal that fails with a *different* error is repaired
    again, up to ``depth`` rules in a row. The search stops at the first step that produces
    a query that runs (fewer chained edits make a more minimal fix), verifies no more
    proposals of a step once ``enough`` of them run, and starts no execution after ``time_s``.
    """
    deadline = time.monotonic() + time_s
    frontier = [_State(sql, error)]
    seen_errors = {_error_key(error)}
    found: list[Candidate] = []
    for step in range(1, depth + 1):
        failing: list[tuple[int, _State]] = []
        for state in frontier:
            per_rule: dict[str, int] = {}
            for fix in propose(state.sql, dialect, state.error, schema, deadline=deadline, previous=state.rules):
                if len(found) >= enough or time.monotonic() > deadline:
                    break
                prior = per_rule[fix.rule] = per_rule.get(fix.rule, -1) + 1
                candidate = Candidate(
                    sql=fix.sql,
                    source="rule:" + "+".join((*state.rules, fix.rule)),
                    explanation=" ".join((*state.explanations, fix.explanation)),
                    depth=step,
                    prior=prior,
                    chain_errors=state.chain_errors,
                )
                outcome = verifier.run(fix.sql)
                if outcome is None:
                    return found
                record(candidate, outcome)
                if isinstance(outcome, ResultSet):
                    found.append(candidate)
                elif outcome.kind not in _UNFIXABLE and _error_key(outcome) not in seen_errors:
                    seen_errors.add(_error_key(outcome))
                    next_state = _State(fix.sql, outcome, (*state.rules, fix.rule), (*state.explanations, fix.explanation), (*state.chain_errors, outcome))
                    failing.append((_progress(state.error, outcome), next_state))
        if found or time.monotonic() > deadline:
            return found
        failing.sort(key=lambda item: -item[0])
        frontier = [state for _, state in failing[:BEAM]]
        if not frontier:
            break
    return found


def _error_key(error: ExecError) -> tuple:
    return (error.kind, error.identifier, error.message[:200])


def _progress(before: ExecError, after: ExecError) -> int:
    """How far a repair moved the error: later positions first, then a change of kind."""
    moved = (after.position or 0) - (before.position or 0)
    return moved + (1000 if after.kind != before.kind else 0)
