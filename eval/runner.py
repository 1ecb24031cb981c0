"""Run systems over golden cases and score every answer by execution equivalence."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sqlfix.engines.base import Limits
from sqlfix.models.base import ChatModel
from sqlfix.models.replay import RecordingModel, replay_loader, write_requests
from sqlfix.normalize import normalize_sql
from sqlfix.schema.model import Schema

from eval.cache import PredictionCache
from eval.config import EvalConfig
from eval.databases import EnginePool, eval_cache_dir
from eval.equivalence import EVAL_LIMITS, Comparison, Verdict, compare_on_databases
from eval.golden import TASKS, GoldenCase, golden_unseen_schemas, golden_version, load_golden
from eval.systems import Prediction, System, build_system, predict


@dataclass(frozen=True)
class CaseResult:
    """One system's answer to one case, and its verdict.

    Attributes:
        system: the system spec.
        case_id, task, category, difficulty, schema, dialect: copied from the case.
        error_kind: the case's error kind (repair cases; None for semantic ones).
        semantic: the repair case's query runs but answers the wrong question.
        predicted_sql: what the system answered (None when it gave nothing).
        latency_ms: the system's time on the case (as measured when it ran, also if cached).
        cached: the prediction came from the cache.
        verdict: exact, superset, mismatch, predicted_error, gold_error or timeout.
        predicted_error_kind: the ``ErrorKind`` of the prediction's failure, if it failed.
        detail: why the verdict (mismatch reason, engine message, system failure).
        exact_match: the prediction equals a gold query after ``normalize_sql``.
        valid_sql: the prediction executed without error.
        confidence: the system's confidence in its answer (None when it reports none).
        unsure: the system flagged its answer as unsure.
        unchanged: a repair that returned the broken query itself, layout aside (no fix).
    """

    system: str
    case_id: str
    task: str
    category: str
    difficulty: str | None
    schema: str
    dialect: str
    error_kind: str | None
    semantic: bool
    predicted_sql: str | None
    latency_ms: float
    cached: bool
    verdict: str
    predicted_error_kind: str | None
    detail: str
    exact_match: bool
    valid_sql: bool
    confidence: float | None = None
    unsure: bool = False
    unchanged: bool = False

    @property
    def correct(self) -> bool:
        """True for an exact execution match."""
        return self.verdict == Verdict.EXACT.value

    @property
    def outcome(self) -> str:
        """What the answer amounts to for a user: ``fixed_correct``, ``fixed_wrong`` (runs but
        is not equivalent: the harm a wrong fix does), ``unsure_correct`` / ``unsure_wrong``
        (returned, but flagged unsure) or ``no_fix`` (nothing, a failing query, or the
        broken query unchanged)."""
        if self.predicted_sql is None or self.unchanged or not self.valid_sql:
            return "no_fix"
        if self.unsure:
            return "unsure_correct" if self.correct else "unsure_wrong"
        return "fixed_correct" if self.correct else "fixed_wrong"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass
class EvalRun:
    """Everything one evaluation produced."""

    config: EvalConfig
    cases: list[GoldenCase]
    results: list[CaseResult] = field(default_factory=list)
    golden_version: str | None = None
    unseen_schemas: frozenset[str] = frozenset()


def case_limits(case: GoldenCase) -> Limits:
    """The evaluation limits for a case: its own limits, but never fewer rows than
    :data:`EVAL_LIMITS` allows (a cut-off result cannot be compared)."""
    limits = {**asdict(EVAL_LIMITS), **(case.limits or {})}
    limits["max_rows"] = max(int(limits["max_rows"]), EVAL_LIMITS.max_rows)
    return Limits(**limits)


def select_cases(cases: list[GoldenCase], limit: int) -> list[GoldenCase]:
    """At most ``limit`` cases of each task (all when ``limit`` is 0), in file order."""
    if limit <= 0:
        return cases
    return [case for task in TASKS for case in [c for c in cases if c.task == task][:limit]]


def score(
    case: GoldenCase, prediction: Prediction, pool: EnginePool, system: str, *, cached: bool = False
) -> CaseResult:
    """Compare one prediction with the case's gold answers on the case's database(s)."""
    answers = case.answers()
    if prediction.sql is None:
        comparison = Comparison(Verdict.PREDICTED_ERROR, detail=prediction.error or "no query")
    else:
        engines = pool.engines(case.schema_name, case.dialect)
        comparison = compare_on_databases(prediction.sql, answers, engines, limits=case_limits(case))
    normalized = normalize_sql(prediction.sql, case.dialect) if prediction.sql else None
    # Layout aside, the very text: normalize_sql would also equate a case or quoting fix
    # (``Email`` -> ``email`` on ClickHouse) with the query it repairs.
    unchanged = bool(prediction.sql and case.broken_sql and prediction.sql.split() == case.broken_sql.split())
    return CaseResult(
        system=system,
        case_id=case.id,
        task=case.task,
        category=case.category,
        difficulty=case.difficulty,
        schema=case.schema_name,
        dialect=case.dialect,
        error_kind=case.error_kind.value if case.error_kind else None,
        semantic=case.semantic,
        predicted_sql=prediction.sql,
        latency_ms=prediction.latency_ms,
        cached=cached,
        verdict=comparison.verdict.value,
        predicted_error_kind=comparison.error_kind,
        detail=comparison.detail,
        exact_match=normalized is not None and normalized in {normalize_sql(a.sql, case.dialect) for a in answers},
        valid_sql=prediction.sql is not None and comparison.verdict in (Verdict.EXACT, Verdict.SUPERSET, Verdict.MISMATCH),
        confidence=prediction.confidence,
        unsure=prediction.unsure,
        unchanged=unchanged,
    )


def run_evaluation(config: EvalConfig, *, loader: Callable[[str], ChatModel] | None = None) -> EvalRun:
    """Run every system of ``config`` on the selected golden cases and score the answers.

    Systems see the same cases; a system that does not do a task (the rules cannot answer
    questions) is skipped on that task's cases. With ``config.record`` the models answer
    nothing and their requests are written there; with ``config.replay`` they are served from
    recorded answers (``sqlfix.models.replay``). Predictions are cached per (system
    fingerprint, case id, case hash) unless ``config.use_cache`` is off.
    """
    requests: list[dict[str, Any]] = []
    if config.record is not None:
        write_requests(requests, config.record)  # a path that cannot be written fails now, not after the run
        loader = functools.partial(RecordingModel, log=requests)
    elif config.replay is not None:
        loader = replay_loader(config.replay)
    elif loader is None and config.base_url:
        from sqlfix.models import load_model

        loader = functools.partial(load_model, base_url=config.base_url)
    on_trust = config.record is not None or config.replay is not None  # the model folders live on the GPU host
    systems = [build_system(spec, loader=loader, check_files=not on_trust) for spec in config.systems]
    cases = select_cases(load_golden(config.cases, task=config.task), config.limit)
    run = EvalRun(config, cases, golden_version=golden_version(config.cases),
                  unseen_schemas=golden_unseen_schemas(config.cases))
    cacheable = config.use_cache and config.record is None and config.replay is None
    cache = PredictionCache(config.cache_dir or eval_cache_dir() / "predictions") if cacheable else None
    pool = EnginePool(perturbed_copies=config.perturbed_copies, seed=config.seed)
    schemas: dict[str, Schema] = {}
    try:
        with _progress(config.progress) as progress:
            for system in systems:
                todo = [case for case in cases if case.task in system.tasks]
                bar = progress.add_task(system.spec, total=len(todo))
                key = f"{system.spec}|{system.fingerprint()}"
                for case in todo:
                    run.results.append(_evaluate_case(system, key, case, pool, schemas, cache))
                    progress.advance(bar)
    finally:
        pool.close()
    if config.record is not None:
        write_requests(requests, config.record)
    return run


def _evaluate_case(
    system: System,
    key: str,
    case: GoldenCase,
    pool: EnginePool,
    schemas: dict[str, Schema],
    cache: PredictionCache | None,
) -> CaseResult:
    prediction = cache.get(key, case) if cache is not None and system.cacheable else None
    cached = prediction is not None
    if prediction is None:
        if case.schema_name not in schemas:
            from sqlfix.demo import demo_schema

            schemas[case.schema_name] = demo_schema(case.schema_name)
        engine = pool.engine(case.schema_name, case.dialect)
        prediction = predict(system, case, engine, schemas[case.schema_name])
        if cache is not None and system.cacheable:
            cache.put(key, case, prediction)
    return score(case, prediction, pool, system.spec, cached=cached)


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
    )
