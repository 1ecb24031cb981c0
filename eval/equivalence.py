"""Execution equivalence: does a predicted query return the gold answer?

Both queries run on the same database and their results are compared as *multisets of rows*
(duplicates count) with columns matched by their values, not by names or positions. Row order
matters only when the gold query orders its output, and then only on the ordered columns:
rows that tie on them may come in any order. A prediction with all gold columns plus extra
ones is a ``superset``, reported apart from an ``exact`` match.

Example:
    >>> from sqlfix.engines.base import ResultSet
    >>> gold = ResultSet(("name", "n"), ("VARCHAR", "BIGINT"), [("a", 2), ("b", 1)])
    >>> pred = ResultSet(("cnt", "who"), ("DOUBLE", "VARCHAR"), [(1.0, "b"), (2.0, "a")])
    >>> compare_results(pred, gold).verdict.value
    'exact'
"""

from __future__ import annotations

import enum
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlfix.engines.base import Engine, Limits, ResultSet
from sqlfix.errors import ErrorKind, ExecError

from eval.columns import ResultColumns
from eval.ordering import order_keys, resolve_order
from eval.values import sort_key, values_equal

EVAL_LIMITS = Limits(timeout_s=10.0, max_rows=100_000, max_memory_mb=2048)
"""Limits for evaluation queries: enough rows that a gold result is never cut short."""

_MAX_ASSIGNMENTS = 2000
_MAX_OPTIONAL_COLUMNS = 8


class Verdict(str, enum.Enum):
    """The outcome of comparing one prediction with the gold answer."""

    EXACT = "exact"
    SUPERSET = "superset"
    MISMATCH = "mismatch"
    PREDICTED_ERROR = "predicted_error"
    GOLD_ERROR = "gold_error"
    TIMEOUT = "timeout"


_RANK = {Verdict.EXACT: 3, Verdict.SUPERSET: 2, Verdict.MISMATCH: 1}


@dataclass(frozen=True)
class GoldAnswer:
    """One acceptable answer to a case.

    Attributes:
        sql: the gold query.
        column_sets: groups of output column names of ``sql``; of each group any non-empty
            subset is enough (``(("id", "name"),)`` when either identifies the row). Columns
            in no group are required. Names missing from the result are ignored.
    """

    sql: str
    column_sets: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Comparison:
    """The verdict on one prediction, with what decided it.

    Attributes:
        verdict: exact, superset, mismatch, predicted_error, gold_error or timeout.
        error_kind: the ``ErrorKind`` value of the predicted query's failure, if it failed.
        detail: a short human reason (why a mismatch, the engine's message...).
        gold_sql: the gold alternative that gave the verdict.
    """

    verdict: Verdict
    error_kind: str | None = None
    detail: str = ""
    gold_sql: str | None = None

    @property
    def correct(self) -> bool:
        """True for an exact match (a superset is reported apart, not counted correct)."""
        return self.verdict is Verdict.EXACT


def compare_results(
    predicted: ResultSet,
    gold: ResultSet,
    *,
    order: tuple[int, ...] | None = None,
    column_sets: Sequence[Iterable[int]] = (),
) -> Comparison:
    """Compare two results of the same database.

    Args:
        predicted: the predicted query's result.
        gold: the gold query's result.
        order: positions of gold columns the gold output is ordered by (None: unordered).
        column_sets: groups of gold column positions; of each, any non-empty subset suffices.

    Returns:
        ``exact``, ``superset`` or ``mismatch`` with the reason in ``detail``.
    """
    if len(predicted.rows) != len(gold.rows):
        return Comparison(Verdict.MISMATCH, detail=f"row count {len(predicted.rows)} vs gold {len(gold.rows)}")
    pred_cols, gold_cols = ResultColumns.of(predicted), ResultColumns.of(gold)
    width = len(predicted.columns)
    best: Comparison | None = None
    for targets in _target_column_sets(len(gold.columns), column_sets, width):
        found = _find_assignment(pred_cols, gold_cols, targets, order)
        if isinstance(found, str):
            best = best or Comparison(Verdict.MISMATCH, detail=found)
            continue
        verdict = Verdict.EXACT if len(targets) == width else Verdict.SUPERSET
        if verdict is Verdict.EXACT:
            return Comparison(verdict)
        if best is None or best.verdict is Verdict.MISMATCH:
            best = Comparison(verdict, detail=f"{width - len(targets)} extra column(s)")
    return best or Comparison(Verdict.MISMATCH, detail=f"{width} column(s) vs gold {len(gold.columns)}")


def _target_column_sets(
    gold_width: int, column_sets: Sequence[Iterable[int]], pred_width: int
) -> list[tuple[int, ...]]:
    """The gold column sets a prediction may answer with, the ones as wide as it first."""
    groups = [sorted(set(group))[:_MAX_OPTIONAL_COLUMNS] for group in column_sets]
    groups = [group for group in groups if group]
    grouped = {i for group in groups for i in group}
    required = [i for i in range(gold_width) if i not in grouped]
    per_group = [
        [subset for size in range(1, len(group) + 1) for subset in itertools.combinations(group, size)]
        for group in groups
    ]
    sets = {tuple(sorted(required + [i for subset in choice for i in subset])) for choice in itertools.product(*per_group)}
    fitting = [s for s in sets if 0 < len(s) <= pred_width]
    return sorted(fitting, key=lambda s: (len(s) != pred_width, -len(s), s))


def _find_assignment(
    pred: ResultColumns, gold: ResultColumns, targets: tuple[int, ...], order: tuple[int, ...] | None
) -> dict[int, int] | str:
    """Map every target gold column to a distinct predicted column with the same values so
    that the rows (and the order, if any) agree; return the mapping or the reason it failed."""
    candidates: dict[int, list[int]] = {}
    for g in targets:
        candidates[g] = [p for p in range(len(pred.values)) if _same_column(pred, p, gold, g)]
        if not candidates[g]:
            return f"no predicted column has the values of gold column {g + 1}"
    ordered_targets = sorted(targets, key=lambda g: len(candidates[g]))
    tries = 0
    reason = "columns match one by one but the rows differ"
    for mapping in _assignments(ordered_targets, candidates, {}, set()):
        tries += 1
        if tries > _MAX_ASSIGNMENTS:
            break
        if not _rows_equal(pred, gold, targets, mapping):
            continue
        if order is not None and not _order_agrees(pred, gold, targets, mapping, order):
            reason = "same rows in a different order"
            continue
        return mapping
    return reason


def _same_column(pred: ResultColumns, p: int, gold: ResultColumns, g: int) -> bool:
    if pred.signatures[p] != gold.signatures[g]:
        return False
    if not (pred.approximate[p] or gold.approximate[g]):
        return pred.sorted_column(p) == gold.sorted_column(g)
    if pred.sorted_quantized(p) == gold.sorted_quantized(g):
        return True
    return all(values_equal(a, b) for a, b in zip(pred.sorted_column(p), gold.sorted_column(g)))


def _assignments(
    targets: list[int], candidates: dict[int, list[int]], mapping: dict[int, int], used: set[int]
) -> Iterable[dict[int, int]]:
    if len(mapping) == len(targets):
        yield dict(mapping)
        return
    g = targets[len(mapping)]
    for p in candidates[g]:
        if p in used:
            continue
        mapping[g] = p
        used.add(p)
        yield from _assignments(targets, candidates, mapping, used)
        del mapping[g]
        used.discard(p)


def _rows_equal(pred: ResultColumns, gold: ResultColumns, targets: tuple[int, ...], mapping: dict[int, int]) -> bool:
    approximate = [gold.approximate[g] or pred.approximate[mapping[g]] for g in targets]
    if not any(approximate):
        return _same_multiset([gold.values[g] for g in targets], [pred.values[mapping[g]] for g in targets])
    if _same_multiset([gold.quantized(g) for g in targets], [pred.quantized(mapping[g]) for g in targets]):
        return True
    gold_rows = list(zip(*(gold.values[g] for g in targets)))
    pred_rows = list(zip(*(pred.values[mapping[g]] for g in targets)))
    # Exact columns lead the sort key so that rows of one group line up even when float noise
    # would order near-equal values differently in the two results.
    positions = sorted(range(len(targets)), key=lambda i: approximate[i])

    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(sort_key(row[i]) for i in positions)

    return all(values_equal(a, b) for a, b in zip(sorted(gold_rows, key=key), sorted(pred_rows, key=key)))


def _same_multiset(left_columns: list[list[Any]], right_columns: list[list[Any]]) -> bool:
    """Whether two column lists hold the same rows with the same multiplicities (compared as
    plain dicts of counts: dict equality runs in C, Counter's does not)."""
    return dict.__eq__(Counter(zip(*left_columns)), Counter(zip(*right_columns)))


def _order_agrees(
    pred: ResultColumns, gold: ResultColumns, targets: tuple[int, ...], mapping: dict[int, int], order: tuple[int, ...]
) -> bool:
    keys = [g for g in order if g in targets] if set(order) <= set(targets) else list(targets)
    if all(gold.quantized(g) == pred.quantized(mapping[g]) for g in keys):
        return True
    gold_seq = zip(*(gold.values[g] for g in keys))
    pred_seq = zip(*(pred.values[mapping[g]] for g in keys))
    return all(values_equal(a, b) for a, b in zip(gold_seq, pred_seq))


def execute_outcome(engine: Engine, sql: str, limits: Limits = EVAL_LIMITS) -> ResultSet | ExecError:
    """Run ``sql`` for evaluation; empty SQL is a syntax error, not an engine call."""
    if not sql or not sql.strip():
        return ExecError(ErrorKind.SYNTAX, "empty query", engine.name)
    return engine.execute(sql, limits)


def compare_sql(
    predicted_sql: str | None,
    answers: Sequence[GoldAnswer],
    engine: Engine,
    *,
    limits: Limits = EVAL_LIMITS,
    gold_results: Callable[[str], ResultSet | ExecError] | None = None,
) -> Comparison:
    """Execute a prediction and every gold answer on ``engine`` and return the best verdict.

    Args:
        predicted_sql: the predicted query (None or empty: the system produced nothing).
        answers: the gold query and its acceptable alternatives; any match counts.
        engine: the database both run on.
        limits: per-query limits.
        gold_results: an optional memo of gold executions (sql -> outcome) shared across systems.
    """
    outcome = execute_outcome(engine, predicted_sql or "", limits)
    if isinstance(outcome, ExecError):
        verdict = Verdict.TIMEOUT if outcome.kind is ErrorKind.TIMEOUT else Verdict.PREDICTED_ERROR
        return Comparison(verdict, error_kind=outcome.kind.value, detail=outcome.message)
    best: Comparison | None = None
    gold_errors: list[str] = []
    for answer in answers:
        gold = gold_results(answer.sql) if gold_results else execute_outcome(engine, answer.sql, limits)
        if isinstance(gold, ExecError):
            gold_errors.append(f"{gold.kind.value}: {gold.message}")
            continue
        if gold.truncated:
            gold_errors.append(f"the gold result has more than {len(gold.rows)} rows and cannot be compared")
            continue
        if outcome.truncated:
            detail = f"the predicted result has more than {len(outcome.rows)} rows, gold {len(gold.rows)}"
            comparison = Comparison(Verdict.MISMATCH, detail=detail, gold_sql=answer.sql)
        else:
            comparison = _compare_with_answer(outcome, gold, answer, engine.dialect)
        if best is None or _RANK[comparison.verdict] > _RANK[best.verdict]:
            best = comparison
        if best.verdict is Verdict.EXACT:
            break
    if best is None:
        return Comparison(Verdict.GOLD_ERROR, detail="; ".join(gold_errors) or "no gold answer")
    return best


def _compare_with_answer(predicted: ResultSet, gold: ResultSet, answer: GoldAnswer, dialect: str) -> Comparison:
    lowered = [name.lower() for name in gold.columns]
    groups = [[lowered.index(name.lower()) for name in group if name.lower() in lowered] for group in answer.column_sets]
    order = resolve_order(order_keys(answer.sql, dialect), gold.columns)
    comparison = compare_results(predicted, gold, order=order, column_sets=groups)
    return Comparison(comparison.verdict, comparison.error_kind, comparison.detail, answer.sql)


def compare_on_databases(
    predicted_sql: str | None,
    answers: Sequence[GoldAnswer],
    engines: Sequence[Engine],
    *,
    limits: Limits = EVAL_LIMITS,
) -> Comparison:
    """Test-suite comparison: the verdict on the first engine, demoted to a mismatch when the
    prediction differs from the gold on any further (perturbed) database.

    A perturbed copy on which every gold answer fails is skipped: it says nothing about the
    prediction.
    """
    first = compare_sql(predicted_sql, answers, engines[0], limits=limits)
    if first.verdict not in (Verdict.EXACT, Verdict.SUPERSET):
        return first
    for number, engine in enumerate(engines[1:], start=1):
        other = compare_sql(predicted_sql, answers, engine, limits=limits)
        if other.verdict is Verdict.GOLD_ERROR:
            continue
        if other.verdict not in (Verdict.EXACT, Verdict.SUPERSET):
            detail = f"differs on perturbed database {number}: {other.verdict.value} {other.detail}".strip()
            return Comparison(Verdict.MISMATCH, other.error_kind, detail, first.gold_sql)
    return first
