"""``repair`` and ``ask``: candidates from rules and a model in parallel, verified by
execution, deduplicated, ranked, explained."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from sqlfix.engines.base import Engine, ResultSet
from sqlfix.errors import ExecError, SqlfixError
from sqlfix.fix.budget import model_failure, side_by_side
from sqlfix.fix.config import FixConfig
from sqlfix.fix.diff import unified_diff
from sqlfix.fix.explain import explain
from sqlfix.fix.minimality import mark_overreach
from sqlfix.fix.model_source import greedy_ask_proposal, more_ask_proposals, repair_proposals
from sqlfix.fix.prefix import warm_schema
from sqlfix.fix.rank import confidence, rank
from sqlfix.fix.records import AskResult, Candidate, Evidence, FixRequest, FixResult, SourcesReport
from sqlfix.fix.trust import answer_doubts, judge
from sqlfix.fix.rule_search import rule_candidates
from sqlfix.fix.verify import Verifier, record
from sqlfix.input_text import require_valid_text
from sqlfix.models.base import ChatModel
from sqlfix.normalize import normalize_sql
from sqlfix.prompts import make_edit
from sqlfix.schema.model import Schema

# Rule steps spent on each failing model candidate (model output is usually one slip away).
MODEL_REPAIR_DEPTH = 1
# The batch of k - 1 samples costs about this many times the greedy answer's time (measured on
# CPU: 2-3x for 3 rows with the schema prefix cached).
SAMPLES_COST = 2.0


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
        A model that fails or is still working when ``config.request_timeout_s`` has passed
        is left out: the answer is the best verified so far, and ``sources`` says so.

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
    deadline = started + config.request_timeout_s
    candidates, sources = _gather(request.sql, error, schema, dialect, config, model, verifier, request.question, deadline)
    return _result(request.sql, error, candidates, config, verifier, started, sources)


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
    deadline = time.perf_counter() + config.request_timeout_s
    candidates, _ = _gather(request.sql, error, schema, dialect, config, model, verifier, request.question, deadline)
    candidates = _dedupe(candidates, dialect)
    mark_overreach(request.sql, error, candidates, dialect)
    return error, candidates


def ask(question: str, engine: Engine, schema: Schema, *, config: FixConfig | None = None, model: ChatModel) -> AskResult:
    """Answer ``question`` with SQL: sample ``config.k`` queries, run them, repair failing ones
    with the rules, and pick the best by majority vote over results (ties: the greedy answer).

    The greedy answer comes first; the ``k - 1`` samples follow as one batch, unless the greedy
    answer runs and the batch would not fit the rest of ``config.request_timeout_s`` (about
    twice the greedy answer's time): then the greedy answer is returned as soon as it runs."""
    started = time.perf_counter()
    config = config or FixConfig()
    if not question or not question.strip():
        raise SqlfixError("the question is empty")
    require_valid_text(question, "the question")
    dialect = engine.dialect
    verifier = Verifier(engine, config.limits(), config.max_executions, dialect)
    greedy: list[str] = []
    proposed = 0  # queries the model wrote, greedy and samples

    def repaired(proposal: Candidate, error: ExecError) -> list[Candidate]:
        fixes = rule_candidates(proposal.sql, error, schema, dialect, verifier, depth=config.rule_depth, enough=config.enough, time_s=config.search_time_s)
        return [replace(fixed, source=f"{proposal.source}+{fixed.source}", prior=proposal.prior) for fixed in fixes]

    def answers(found: list[Candidate], stop: threading.Event) -> None:
        nonlocal proposed
        try:
            # The schema head computed once up front serves the greedy answer and the samples
            # alike (a no-op when serve or the editor warmed it already).
            warm_schema(model, schema, dialect)
            proposals, messages = greedy_ask_proposal(model, schema, question, dialect, config)
        except Exception as exc:  # any model failure: no answer, said so in ``sources``
            raise model_failure(model, exc) from None
        greedy.extend(p.sql for p in proposals[:1])
        proposed += len(proposals)
        _verify_into(proposals, verifier, found, stop, repaired)
        greedy_s = time.perf_counter() - started
        # The k - 1 samples decode as one batch that takes at least as long as the greedy answer
        # did: when they would not fit the rest of the request's budget, a greedy answer that
        # runs is it.
        if config.k <= 1 or stop.is_set() or (found and SAMPLES_COST * greedy_s > config.request_timeout_s - greedy_s):
            return
        try:
            more = more_ask_proposals(model, messages, config)
        except Exception as exc:  # the answers verified so far still count
            raise model_failure(model, exc) from None
        proposed += len(more)
        _verify_into(more, verifier, found, stop, repaired)

    verified, sources = side_by_side(answers, None, started + config.request_timeout_s)
    ranked = rank(greedy[0] if greedy else "", None, _dedupe(verified, dialect), learned=False)
    winner = ranked[0] if ranked else None
    explanation = "No generated query ran on the database." if winner is None else (
        f"Chosen from {len(ranked)} working queries by agreement of their results." if len(ranked) > 1 else "The only generated query that runs."
    )
    reasons = answer_doubts(ranked, proposed)
    score = confidence(ranked)
    return AskResult(
        sql=winner.sql if winner else None,
        explanation=explanation,
        evidence=_evidence(winner, None, verifier, len(ranked), started),
        confidence=min(score, config.unsure_confidence) if reasons else score,
        source=winner.source if winner else None,
        candidates=ranked,
        sources=sources,
        unsure_reasons=reasons,
    )


def _verify_into(proposals: list[Candidate], verifier: Verifier, found: list[Candidate], stop: threading.Event,
                 repaired: Callable[[Candidate, ExecError], list[Candidate]]) -> None:
    """Append to ``found`` each model proposal that runs and ``repaired(proposal, error)`` for
    each that fails on the engine (not refused by the guard), one by one, so what is verified
    before ``stop`` is set counts (an answer cut short by the time budget keeps it)."""
    for proposal in proposals:
        if stop.is_set():
            return
        outcome = verifier.check(proposal)
        if isinstance(outcome, ResultSet):
            found.append(proposal)
        elif isinstance(outcome, ExecError) and outcome.engine != "guard":
            found.extend(repaired(proposal, outcome))


def _runs_already(request, outcome, engine, schema, dialect, config, model, verifier, started) -> FixResult:
    """The query runs: keep it, or try a semantic repair when a question and a model are given."""
    original = Candidate(sql=request.sql, source="original", depth=0)
    record(original, outcome)
    if not (request.question and model is not None and config.use_model and config.semantic):
        return _result(request.sql, None, [original], config, verifier, started)
    # The user says the query answers the wrong question: a proposal that is the same query up
    # to letter case and layout is no answer, and the original stays only when no other proposal
    # runs (it would otherwise win on similarity alone). The learned ranker is trained on
    # repairs of errors, where the smallest change wins; here the samples vote, as in ``ask``.
    same = normalize_sql(request.sql, dialect)

    def semantic(found: list[Candidate], stop: threading.Event) -> None:
        try:
            proposals = repair_proposals(model, schema, request.sql, None, dialect, config, question=request.question)
        except Exception as exc:  # any model failure: the query stays as it is, said so in ``sources``
            raise model_failure(model, exc) from None
        for proposal in proposals:
            if stop.is_set():
                return
            if normalize_sql(proposal.sql, dialect) != same and isinstance(verifier.check(proposal), ResultSet):
                found.append(proposal)

    verified, sources = side_by_side(semantic, None, started + config.request_timeout_s)
    return _result(request.sql, None, verified or [original], replace(config, use_ranker=False), verifier, started, sources)


def _gather(sql, error, schema, dialect, config, model, verifier, question, deadline) -> tuple[list[Candidate], SourcesReport]:
    """Run the rule search and the model until ``deadline``, side by side or the model after
    the rules as ``config.model_when`` says; return every verified candidate, rules first, and
    what was left out. Rules first, so a query both sources propose keeps the rule's precise
    explanation. A model that fails leaves the rules' candidates (unsure ones too) standing."""
    rules = partial(rule_candidates, sql, error, schema, dialect, verifier, depth=config.rule_depth, enough=config.enough, time_s=config.search_time_s)
    if model is None or not config.use_model:
        return (rules() if config.use_rules else []), SourcesReport()  # no thread to start: the rules alone take milliseconds
    work = partial(_model_candidates, model, sql, error, schema, dialect, config, verifier, question)
    if config.model_when not in ("fallback", "unsure") or not config.use_rules:
        return side_by_side(work, rules if config.use_rules else None, deadline)
    found = _dedupe(rules(), dialect)  # once: deduplicating merges votes, and the result is deduplicated again
    if found and (config.model_when == "fallback" or not judge(sql, error, found, config, dialect).unsure):
        return found, SourcesReport()
    from_model, sources = side_by_side(work, None, deadline)
    return found + from_model, sources


def _model_candidates(model, sql, error, schema, dialect, config, verifier, question, found: list[Candidate], stop: threading.Event) -> None:
    """Append the model's verified repairs to ``found``, one output format at a time, so those
    verified before ``stop`` is set count."""
    for output in config.output_formats:
        if stop.is_set():
            return
        try:
            proposals = repair_proposals(model, schema, sql, error, dialect, replace(config, output_formats=(output,)), question=question)
        except Exception as exc:  # any model failure leaves the rules to answer
            raise model_failure(model, exc) from None
        _verify_into(proposals, verifier, found, stop, partial(_rule_repaired, schema, dialect, verifier))


def _rule_repaired(schema: Schema, dialect: str, verifier: Verifier, proposal: Candidate, error: ExecError) -> list[Candidate]:
    """The rules' repairs of a model proposal that failed with ``error``, one step deeper than
    the rules' own, keeping the proposal's prior and explanation and the error met on the way."""
    return [replace(fixed, source=f"{proposal.source}+{fixed.source}", prior=proposal.prior, depth=fixed.depth + 1,
                    explanation=proposal.explanation or fixed.explanation, chain_errors=(error, *fixed.chain_errors))
            for fixed in rule_candidates(proposal.sql, error, schema, dialect, verifier, depth=MODEL_REPAIR_DEPTH)]


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


def _result(sql: str, error: ExecError | None, candidates: list[Candidate], config: FixConfig, verifier: Verifier, started: float,
            sources: SourcesReport | None = None) -> FixResult:
    judgement = judge(sql, error, _dedupe(candidates, verifier.dialect), config, verifier.dialect)
    ranked = judgement.ranked
    winner = ranked[0] if ranked and not (config.abstain and judgement.unsure) else None
    fixed = winner.sql if winner else None
    explanation = explain(error, winner)
    if judgement.unsure and winner is None:
        explanation = f"A fix was found but withheld as unsure: {'; '.join(judgement.unsure_reasons)}."
    return FixResult(
        fixed_sql=fixed,
        diff=unified_diff(sql, fixed) if fixed else "",
        edit=make_edit(sql, fixed) if fixed else "",
        explanation=explanation,
        evidence=_evidence(winner, error, verifier, len(ranked), started),
        confidence=judgement.confidence,
        source=winner.source if winner else None,
        error=error,
        candidates=ranked,
        sources=sources or SourcesReport(),
        unsure=judgement.unsure,
        unsure_reasons=judgement.unsure_reasons,
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
