"""Compare systems (rules, a local model, an endpoint) on one question or broken query: what
SQL each wrote, what it returned, and the evaluator's equivalence verdict against a reference."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

from eval.equivalence import Comparison, GoldAnswer, compare_sql
from sqlfix.engines.base import ResultSet
from sqlfix.errors import ExecError, SqlfixError
from sqlfix.fix import FixRequest, ask, repair
from sqlfix.models.base import ChatModel
from sqlfix.models.specs import RULES_CANNOT_ASK, parse_model_spec
from ui.workspace import Workspace

ModelLoader = Callable[[str], ChatModel]


@dataclass(frozen=True)
class SystemAnswer:
    """One system's answer.

    Attributes:
        system: the system spec (``rules``, ``default``, ``openai:<model>``...).
        sql: the SQL it wrote (None when it wrote none).
        outcome: what that SQL returned on the database.
        elapsed_ms: time to produce the SQL, verification included.
        problem: why it produced nothing (an endpoint failure, rules asked a question...).
    """

    system: str
    sql: str | None
    outcome: ResultSet | ExecError | None
    elapsed_ms: float
    problem: str | None = None


def answer(system: str, task: str, is_question: bool, ws: Workspace, load: ModelLoader) -> SystemAnswer:
    """Run one system on a question (``is_question``) or a broken query, then run its SQL."""
    started = time.perf_counter()
    try:
        model = None if parse_model_spec(system).is_rules else load(system)
        sql = _write_sql(task, is_question, ws, model)
    except SqlfixError as exc:
        return SystemAnswer(system, None, None, (time.perf_counter() - started) * 1000, str(exc))
    elapsed = (time.perf_counter() - started) * 1000
    if sql is None:
        return SystemAnswer(system, None, None, elapsed, "no candidate ran on this database")
    return SystemAnswer(system, sql, ws.db.engine.execute(sql, ws.limits), elapsed)


def _write_sql(task: str, is_question: bool, ws: Workspace, model: ChatModel | None) -> str | None:
    engine, schema = ws.db.engine, ws.db.schema
    if is_question:
        if model is None:
            raise SqlfixError(RULES_CANNOT_ASK)
        return ask(task, engine, schema, config=ws.fix_config, model=model).sql
    config = ws.fix_config if model is not None else replace(ws.fix_config, use_model=False)
    request = FixRequest(sql=task, dialect=engine.dialect)
    return repair(request, engine, schema, config=config, model=model).fixed_sql


def verdicts(answers: list[SystemAnswer], reference_sql: str, ws: Workspace) -> list[Comparison | None]:
    """The equivalence verdict of each answer against ``reference_sql`` (None where no SQL)."""
    gold = [GoldAnswer(reference_sql)]
    return [
        compare_sql(a.sql, gold, ws.db.engine, limits=ws.limits) if a.sql else None
        for a in answers
    ]


def parse_systems(text: str) -> list[str]:
    """Split a comma- or newline-separated list of system specs, dropping blanks and repeats.

    Example:
        >>> parse_systems("rules, default\\nopenai:gpt-4o-mini, rules")
        ['rules', 'default', 'openai:gpt-4o-mini']
    """
    seen: list[str] = []
    for part in text.replace("\n", ",").split(","):
        spec = part.strip()
        if spec and spec not in seen:
            seen.append(spec)
    return seen
