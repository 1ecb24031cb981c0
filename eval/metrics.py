"""Aggregate case results into the numbers a report shows, per system and task."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from eval.runner import CaseResult


@dataclass(frozen=True)
class Rate:
    """``hits`` out of ``total``."""

    hits: int
    total: int

    @property
    def value(self) -> float:
        """The fraction (0 when there is nothing to count)."""
        return self.hits / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.value:.1%} ({self.hits}/{self.total})"


@dataclass
class Summary:
    """The scores of one system on one task.

    Attributes:
        accuracy: exact execution matches.
        superset: answers with every gold column plus extra ones (reported apart).
        valid_sql: answers that executed without error.
        exact_match: answers equal to a gold query after ``normalize_sql``.
        per_category: accuracy per case category.
        per_difficulty: accuracy per case difficulty (easy, medium, hard).
        per_error_kind: accuracy per error kind of the broken query (repair; ``semantic`` for
            queries that run but answer the wrong question).
        verdicts: how many cases got each verdict.
        latency_p50_ms, latency_p95_ms: the system's time per case.
        split: ``all`` cases, or only those on ``seen`` or ``unseen`` schemas (see
            :func:`summarise_splits`).
        outcomes: what the answers to failing queries amount to (``CaseResult.outcome``:
            fixed_correct, fixed_wrong, unsure_correct, unsure_wrong, no_fix); for text-to-SQL
            every question counts.
        outcomes_per_error_kind: the same per error kind (repair; ``semantic`` included).
        fixed_wrong: answers to failing queries that run, are not flagged unsure and are not
            equivalent to the gold answer, out of the failing queries.
        calibration: share correct per confidence bucket, over answers with a confidence.
        confident: correct answers among those with confidence >= :data:`CONFIDENT`.
    """

    system: str
    task: str
    accuracy: Rate
    superset: Rate
    valid_sql: Rate
    exact_match: Rate
    per_category: dict[str, Rate] = field(default_factory=dict)
    per_difficulty: dict[str, Rate] = field(default_factory=dict)
    per_error_kind: dict[str, Rate] = field(default_factory=dict)
    verdicts: dict[str, int] = field(default_factory=dict)
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    split: str = "all"
    outcomes: dict[str, int] = field(default_factory=dict)
    outcomes_per_error_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    fixed_wrong: Rate = Rate(0, 0)
    calibration: list["Bucket"] = field(default_factory=list)
    confident: Rate = Rate(0, 0)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (rates as ``{"hits", "total", "value"}``)."""

        def rate(r: Rate) -> dict[str, Any]:
            return {"hits": r.hits, "total": r.total, "value": round(r.value, 6)}

        return {
            "system": self.system,
            "task": self.task,
            "split": self.split,
            "accuracy": rate(self.accuracy),
            "superset": rate(self.superset),
            "valid_sql": rate(self.valid_sql),
            "exact_match": rate(self.exact_match),
            "per_category": {k: rate(v) for k, v in self.per_category.items()},
            "per_difficulty": {k: rate(v) for k, v in self.per_difficulty.items()},
            "per_error_kind": {k: rate(v) for k, v in self.per_error_kind.items()},
            "verdicts": self.verdicts,
            "latency_p50_ms": round(self.latency_p50_ms, 3),
            "latency_p95_ms": round(self.latency_p95_ms, 3),
            "outcomes": self.outcomes,
            "outcomes_per_error_kind": self.outcomes_per_error_kind,
            "fixed_wrong": rate(self.fixed_wrong),
            "calibration": [{"low": b.low, "high": b.high, **rate(b.correct)} for b in self.calibration],
            "confident": rate(self.confident),
        }


OUTCOMES = ("fixed_correct", "fixed_wrong", "unsure_correct", "unsure_wrong", "no_fix")
# Confidence bucket edges of the calibration table; the last bucket includes 1.0.
BUCKET_EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0)
# The confidence from which ``sqlfix fix`` calls a fix sure (``FixConfig.sure_confidence``).
CONFIDENT = 0.8


@dataclass(frozen=True)
class Bucket:
    """Answers whose confidence lies in ``[low, high)`` (``high`` included for the last), and
    how many of them were correct."""

    low: float
    high: float
    correct: Rate


def calibration(results: list[CaseResult]) -> list[Bucket]:
    """Share correct per confidence bucket over answers that carry a confidence (a repair
    returning the broken query unchanged is no answer).

    Example:
        >>> calibration([])[-1]
        Bucket(low=0.9, high=1.0, correct=Rate(hits=0, total=0))
    """
    answered = [r for r in results if r.confidence is not None and r.predicted_sql is not None and not r.unchanged]
    buckets = []
    for number, (low, high) in enumerate(zip(BUCKET_EDGES, BUCKET_EDGES[1:])):
        last = number == len(BUCKET_EDGES) - 2
        inside = [r for r in answered if low <= r.confidence < high or (last and r.confidence == high)]
        buckets.append(Bucket(low, high, _rate(inside, lambda r: r.correct)))
    return buckets


def failing(results: list[CaseResult]) -> list[CaseResult]:
    """The results the precision numbers count: repairs of queries that fail (semantic repairs
    of queries that run are reported per error kind only), every text-to-SQL question."""
    return [r for r in results if r.task != "repair" or r.error_kind is not None]


def _outcomes(results: list[CaseResult]) -> dict[str, int]:
    counts = Counter(r.outcome for r in results)
    return {name: counts.get(name, 0) for name in OUTCOMES}


def _rate(results: list[CaseResult], hit: Callable[[CaseResult], bool]) -> Rate:
    return Rate(sum(1 for r in results if hit(r)), len(results))


def _grouped(results: list[CaseResult], key: Callable[[CaseResult], str]) -> dict[str, Rate]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        groups[key(result)].append(result)
    return {name: _rate(group, lambda r: r.correct) for name, group in sorted(groups.items())}


def summarise(results: Iterable[CaseResult]) -> list[Summary]:
    """One :class:`Summary` per (system, task), in the order systems first appear.

    Example:
        >>> summarise([])
        []
    """
    grouped: dict[tuple[str, str], list[CaseResult]] = defaultdict(list)
    for result in results:
        grouped[(result.system, result.task)].append(result)
    summaries = []
    for (system, task), group in grouped.items():
        latencies = np.array([r.latency_ms for r in group], dtype=float)
        summaries.append(
            Summary(
                system=system,
                task=task,
                accuracy=_rate(group, lambda r: r.correct),
                superset=_rate(group, lambda r: r.verdict == "superset"),
                valid_sql=_rate(group, lambda r: r.valid_sql),
                exact_match=_rate(group, lambda r: r.exact_match),
                per_category=_grouped(group, lambda r: r.category),
                per_difficulty=_grouped(group, lambda r: r.difficulty or "unrated"),
                per_error_kind=_grouped(group, _error_kind_label) if task == "repair" else {},
                verdicts=dict(Counter(r.verdict for r in group)),
                latency_p50_ms=float(np.percentile(latencies, 50)) if len(group) else 0.0,
                latency_p95_ms=float(np.percentile(latencies, 95)) if len(group) else 0.0,
                outcomes=_outcomes(failing(group)),
                outcomes_per_error_kind={
                    kind: _outcomes([r for r in group if _error_kind_label(r) == kind])
                    for kind in sorted({_error_kind_label(r) for r in group})
                } if task == "repair" else {},
                fixed_wrong=_rate(failing(group), lambda r: r.outcome == "fixed_wrong"),
                calibration=calibration(failing(group)),
                confident=_rate([r for r in failing(group) if r.confidence is not None and r.confidence >= CONFIDENT and not r.unchanged
                                 and r.predicted_sql is not None], lambda r: r.correct),
            )
        )
    return summaries


def summarise_splits(results: Iterable[CaseResult], unseen: Collection[str]) -> list[Summary]:
    """One :class:`Summary` per (system, task) on the cases of ``seen`` schemas, then one per
    (system, task) on the cases of ``unseen`` ones (schemas in ``unseen``; none when no case is).

    The seen split is what the rules, prompts and training data were written against; the unseen
    split is the honest number for a schema nobody tuned sqlfix for.

    Example:
        >>> summarise_splits([], {"billing"})
        []
    """
    chosen = list(results)
    seen = [r for r in chosen if r.schema not in unseen]
    others = [r for r in chosen if r.schema in unseen]
    return [replace(s, split="seen") for s in summarise(seen)] + [replace(s, split="unseen") for s in summarise(others)]


def _error_kind_label(result: CaseResult) -> str:
    return result.error_kind or ("semantic" if result.semantic else "unknown")
