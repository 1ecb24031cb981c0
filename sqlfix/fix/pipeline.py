"""``repair`` and ``ask``: candidates from rules and a model in parallel, verified by
execution, deduplicated, ranked, explained."""

from __future__ import annotations

import concurrent.futures as futures
import time
from dataclasses import replace
from functools import partial

from sqlfix.engines.base import Engine, ResultSet
from sqlfix.errors import ExecError, SqlfixError
from sqlfix.fix.config import FixConfig
from sqlfix.fix.diff import unified_diff
from sqlfix.fix.explain import explain
from sqlfix.fix.model_source import ask_proposals, repair_proposals
from sqlfix.fix.rank import confidence, rank
from sqlfix.fix.records import AskResult, Candidate, Evidence, FixRequest, FixResult
from sqlfix.fix.rule_search import rule_candidates
from sqlfix.fix.verify import Verifier, record
from sqlfix.input_text import require_valid_text
from sqlfix.models.base import ChatModel
from sqlfix.normalize import normalize_sql
from sqlfix.prompts import make_edit
from sqlfix.schema.model import Schema

# Rule steps spent on each failing model candidate (model output is usually one slip away).
MODEL_REPAIR_DEPTH = 1


def repair(request: FixRequest, engine: Engine, schema: Schema, *, config: FixConfig | None = None, model: ChatModel | None = None) -> FixResult:
    """Repair ``request.sql`` on ``engine``; rules only when ``model`` is None.

    Args:
        request: the query, its error (run to get one when None), optional question.
        engine: where candidates are verified (read-only, under ``config.limits()``).
        schema: the database's schema (names for identifier repair, prompt for the model).
        config: pipeline settings (``FixConfig()`` when None).
        model: the chat model for model candidates and semantic repair.

    Returns:
        The best verified fix with its diff, explanation, evidence and confidence; when no
        candidate runs, ``fixed_sql`` is None and the explanation says what the error was.

    A statement the guard refuses (a write, a file read) is never run; the answer is at best
    a read-only rewrite that previews what it would touch.

    Raises:
        SqlfixError: empty SQL.
    """
    started = time.perf_counter()
    config = config or FixConfig()
    if not request.sql or not request.sql.strip():
        raise SqlfixError("the SQL to fix is empty")
    require_valid_text(request.sql, "the SQL to fix")
    require_valid_text(request.question or "", "the question")
    dialect = request.dialect or engine.dialect
    verifier = Verifier(engine, config.limits(), config.max_executions, dialect)
    error = request.error
    if error is None:
        outcome = verifier.run(request.sql)
        if isinstance(outcome, ResultSet):
            return _runs_already(request, outcome, engine, schema, dialect, config, model, verifier, started)
        error = outcome
    candidates = _gather(request.sql, error, schema, dialect, config, model, verifier, request.question)
    return _result(request.sql, error, candidates, config, verifier, started)


def gather_candidates(request: FixRequest, engine: Engine, schema: Schema, *, config: FixConfig, model: ChatModel | None = None) -> tuple[ExecError | None, list[Candidate]]:
    """Every verified, deduplicated candidate for a failing ``request`` (unranked), with its
    error: what the ranker is trained on. A query that runs gives ``(None, [])``."""
    dialect = request.dialect or engine.dialect
    verifier = Verifier(engine, config.limits(), config.max_executions, dialect)
    error = request.error
    if error is None:
        outcome = verifier.run(request.sql)
        if isinstance(outcome, ResultSet):
            return None, []
        error = outcome
    candidates = _gather(request.sql, error, schema, dialect, config, model, verifier, request.question)
    return error, _dedupe(candidates, dialect)


def ask(question: str, engine: Engine, schema: Schema, *, config: FixConfig | None = None, model: ChatModel) -> AskResult:
    """Answer ``question`` with SQL: sample ``config.k`` queries, run them, repair failing ones
    with the rules, and pick the best by majority vote over results (ties: the greedy answer)."""
    started = time.perf_counter()
    config = config or FixConfig()
    if not question or not question.strip():
        raise SqlfixError("the question is empty")
    require_valid_text(question, "the question")
    dialect = engine.dialect
    verifier = Verifier(engine, config.limits(), config.max_executions, dialect)
    verified: list[Candidate] = []
    proposals = ask_proposals(model, schema, question, dialect, config)
    for proposal in proposals:
        outcome = verifier.check(proposal)
        if isinstance(outcome, ResultSet):
            verified.append(proposal)
        elif isinstance(outcome, ExecError) and outcome.engine != "guard":
            for fixed in rule_candidates(proposal.sql, outcome, schema, dialect, verifier, depth=config.rule_depth, enough=config.enough, time_s=config.search_time_s):
                fixed.source = f"{proposal.source}+{fixed.source}"
                fixed.prior = proposal.prior
                verified.append(fixed)
    greedy = proposals[0].sql if proposals else ""
    ranked = rank(greedy, None, _dedupe(verified, dialect), learned=False)
    winner = ranked[0] if ranked else None
    explanation = "No generated query ran on the database." if winner is None else (
        f"Chosen from {len(ranked)} working queries by agreement of their results." if len(ranked) > 1 else "The only generated query that runs."
    )
    return AskResult(
        sql=winner.sql if winner else None,
        explanation=explanation,
        evidence=_evidence(winner, None, verifier, len(ranked), started),
        confidence=confidence(ranked),
        source=winner.source if winner else None,
        candidates=ranked,
    )


def _runs_already(request, outcome, engine, schema, dialect, config, model, verifier, started) -> FixResult:
    """The query runs: keep it, or try a semantic repair when a question and a model are given."""
    original = Candidate(sql=request.sql, source="original", depth=0)
    record(original, outcome)
    if not (request.question and model is not None and config.use_model and config.semantic):
        return _result(request.sql, None, [original], config, verifier, started)
    proposals = repair_proposals(model, schema, request.sql, None, dialect, config, question=request.question)
    # The user says the query answers the wrong question: a proposal that is the same query up
    # to letter case and layout is no answer, and the original stays only when no other proposal
    # runs (it would otherwise win on similarity alone). The learned ranker is trained on
    # repairs of errors, where the smallest change wins; here the samples vote, as in ``ask``.
    same = normalize_sql(request.sql, dialect)
    verified = [p for p in proposals if normalize_sql(p.sql, dialect) != same and isinstance(verifier.check(p), ResultSet)]
    return _result(request.sql, None, verified or [original], replace(config, use_ranker=False), verifier, started)


def _gather(sql, error, schema, dialect, config, model, verifier, question) -> list[Candidate]:
    """Run the rule search and the model side by side; return every verified candidate."""
    rules = partial(rule_candidates, sql, error, schema, dialect, verifier, depth=config.rule_depth, enough=config.enough, time_s=config.search_time_s)
    if model is None or not config.use_model:
        return rules() if config.use_rules else []  # no thread to start: the rules alone take milliseconds
    if config.model_when == "fallback" and config.use_rules:
        found = rules()
        return found or _model_candidates(model, sql, error, schema, dialect, config, verifier, question)
    pool = futures.ThreadPoolExecutor(max_workers=max(1, config.workers), thread_name_prefix="sqlfix-fix")
    jobs = [pool.submit(_model_candidates, model, sql, error, schema, dialect, config, verifier, question)]
    if config.use_rules:
        jobs.append(pool.submit(rules))
    done, _ = futures.wait(jobs, timeout=config.request_timeout_s)
    pool.shutdown(wait=False, cancel_futures=True)
    found: list[Candidate] = []
    for job in done:
        found.extend(job.result())
    # Rule candidates first, so a query both sources propose keeps the rule's precise
    # explanation whichever thread finished first.
    return sorted(found, key=lambda c: c.source.startswith("model:"))


def _model_candidates(model, sql, error, schema, dialect, config, verifier, question) -> list[Candidate]:
    verified = []
    for proposal in repair_proposals(model, schema, sql, error, dialect, config, question=question):
        outcome = verifier.check(proposal)
        if isinstance(outcome, ResultSet):
            verified.append(proposal)
        elif isinstance(outcome, ExecError) and outcome.engine != "guard":
            for fixed in rule_candidates(proposal.sql, outcome, schema, dialect, verifier, depth=MODEL_REPAIR_DEPTH):
                verified.append(replace(fixed, source=f"{proposal.source}+{fixed.source}", prior=proposal.prior, depth=fixed.depth + 1,
                                        explanation=proposal.explanation or fixed.explanation))
    return verified


def _dedupe(candidates: list[Candidate], dialect: str) -> list[Candidate]:
    """One candidate per normalised query; duplicates add their votes to the first."""
    kept: dict[str, Candidate] = {}
    for candidate in candidates:
        key = normalize_sql(candidate.sql, dialect)
        if key in kept:
            kept[key].votes += candidate.votes
        else:
            kept[key] = candidate
    return list(kept.values())


def _result(sql: str, error: ExecError | None, candidates: list[Candidate], config: FixConfig, verifier: Verifier, started: float) -> FixResult:
    dialect = verifier.dialect
    ranked = rank(sql, error.kind.value if error else None, _dedupe(candidates, dialect), ranker_path=config.ranker_path, learned=config.use_ranker)
    winner = ranked[0] if ranked else None
    fixed = winner.sql if winner else None
    return FixResult(
        fixed_sql=fixed,
        diff=unified_diff(sql, fixed) if fixed else "",
        edit=make_edit(sql, fixed) if fixed else "",
        explanation=explain(error, winner),
        evidence=_evidence(winner, error, verifier, len(ranked), started),
        confidence=1.0 if winner is not None and winner.source == "original" and len(ranked) == 1 else confidence(ranked),
        source=winner.source if winner else None,
        error=error,
        candidates=ranked,
    )


def _evidence(winner: Candidate | None, error: ExecError | None, verifier: Verifier, ok: int, started: float) -> Evidence:
    return Evidence(
        executed=bool(winner and winner.executed),
        row_count=winner.row_count if winner else None,
        columns=winner.columns if winner else (),
        truncated=bool(winner and winner.truncated),
        source=winner.source if winner else None,
        error_kind=error.kind.value if error else None,
        candidates_tried=verifier.executed,
        candidates_ok=ok,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )
