"""Dataset-level filters: duplicates (exact and near), caps per SQL shape, same-result
questions, and golden-set leakage. Every drop is counted by reason.

The state is rebuilt from the accepted rows on resume, so it never needs its own checkpoint.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from datagen.canonical import cached_normalize
from datagen.golden import LeakScreen, leak_key
from datagen.records import Pair, Triple


@dataclass(frozen=True)
class RecordKeys:
    """The parsed forms the filters judge a record by.

    Computing them parses SQL, so worker processes compute them next to the record and the
    process that owns the filter state only compares strings.

    Attributes:
        leak: ``leak_key`` of every query of the record (a pair's SQL; a triple's fixed and broken SQL).
        normalized: ``normalize_sql`` of a pair's SQL (None for a triple).
    """

    leak: tuple[str, ...]
    normalized: str | None = None


def record_keys(record: Pair | Triple, screen: LeakScreen | None = None, names: frozenset[str] = frozenset()
                ) -> RecordKeys:
    """The :class:`RecordKeys` of a verified pair or triple.

    With a ``screen`` (and the schema's case-folded table and column ``names``), a broken query
    the screen rules out gets no leak key: it cannot equal a golden one, so none is needed.
    """
    dialect = record.dialect
    if isinstance(record, Pair):
        return RecordKeys((leak_key(record.sql, dialect),), cached_normalize(record.sql, dialect))
    keys = [leak_key(record.fixed_sql, dialect)]
    if screen is None or screen.may_leak(record.broken_sql, dialect, names):
        keys.append(leak_key(record.broken_sql, dialect))
    return RecordKeys(tuple(keys))


class FilterState:
    """Accepts or rejects verified records against everything accepted before."""

    def __init__(self, *, near_duplicate_ratio: float, same_result_question_ratio: float, max_per_template: int,
                 max_repairs_per_template: int, golden: set[str]) -> None:
        """``golden`` holds ``datagen.golden.leak_key`` of every golden query."""
        self.near_duplicate_ratio = near_duplicate_ratio
        self.same_result_question_ratio = same_result_question_ratio
        self.max_per_template = max_per_template
        self.max_repairs_per_template = max_repairs_per_template
        self.golden = golden
        self.dropped: Counter[str] = Counter()
        self._questions: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._question_set: set[tuple[str, str, str]] = set()
        self._sql: set[tuple[str, str, str]] = set()
        self._templates: Counter[tuple[str, str, str]] = Counter()
        self._results: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        self._examples: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        self._question_by_sql: dict[tuple[str, str, str], str] = {}
        self._broken: set[tuple[str, str, str]] = set()
        self._repair_templates: Counter[tuple[str, str, str, str]] = Counter()

    def admit_pair(self, pair: Pair, keys: RecordKeys | None = None) -> bool:
        """Record ``pair`` and return True, or count why it is dropped and return False.

        ``keys`` are the pair's :class:`RecordKeys` when already computed (else computed here).
        """
        keys = keys or record_keys(pair)
        reason = self._pair_reason(pair, keys)
        if reason:
            self.dropped[reason] += 1
            return False
        self.add_pair(pair.schema_id, pair.dialect, pair.question, pair.sql, pair.template, pair.result_hash,
                      normalized=keys.normalized)
        return True

    def admit_triple(self, triple: Triple, keys: RecordKeys | None = None) -> bool:
        """Record ``triple`` and return True, or count why it is dropped and return False.

        ``keys`` are the triple's :class:`RecordKeys` when already computed (else computed here).
        """
        reason = self._triple_reason(triple, keys or record_keys(triple))
        if reason:
            self.dropped[reason] += 1
            return False
        self.add_triple(triple.schema_id, triple.dialect, triple.broken_sql, triple.template, triple.operator)
        return True

    def drop(self, reason: str) -> None:
        """Count a drop decided elsewhere (verification)."""
        self.dropped[reason] += 1

    def add_pair(self, schema_id: str, dialect: str, question: str, sql: str, template: str, result: str, *,
                 normalized: str | None = None) -> None:
        """Remember an accepted pair (also used to rebuild the state on resume).

        ``normalized`` is ``normalize_sql(sql, dialect)`` when already known.
        """
        unit = (schema_id, dialect)
        normalized = normalized or cached_normalize(sql, dialect)
        self._questions[unit].append(question.lower())
        self._question_set.add((*unit, question.lower()))
        self._sql.add((*unit, normalized))
        self._examples[unit].append((question, sql))
        self._question_by_sql.setdefault((*unit, normalized), question)
        self._templates[(*unit, template)] += 1
        self._results[(*unit, result)].append(question.lower())

    def add_triple(self, schema_id: str, dialect: str, broken_sql: str, template: str, operator: str) -> None:
        """Remember an accepted triple (also used to rebuild the state on resume)."""
        self._broken.add((schema_id, dialect, _collapse(broken_sql)))
        self._repair_templates[(schema_id, dialect, template, operator)] += 1

    def add_row(self, row: dict[str, Any]) -> None:
        """Remember an accepted JSONL row of either task."""
        if row["task"] == "text2sql":
            self.add_pair(row["schema_id"], row["dialect"], row["question"], row["sql"], row["template"],
                          row["result_hash"])
        else:
            self.add_triple(row["schema_id"], row["dialect"], row["broken_sql"], row["template"], row["operator"])

    def accepted_questions(self, schema_id: str, dialect: str) -> list[str]:
        """The accepted questions of one schema and dialect (lower-cased)."""
        return self._questions[(schema_id, dialect)]

    def examples(self, schema_id: str, dialect: str) -> list[tuple[str, str]]:
        """Accepted ``(question, sql)`` pairs of one schema and dialect, in acceptance order."""
        return self._examples[(schema_id, dialect)]

    def question_for(self, schema_id: str, dialect: str, sql: str) -> str | None:
        """The accepted question whose SQL normalises like ``sql``, if any."""
        return self._question_by_sql.get((schema_id, dialect, cached_normalize(sql, dialect)))

    def _pair_reason(self, pair: Pair, keys: RecordKeys) -> str | None:
        unit = (pair.schema_id, pair.dialect)
        question = pair.question.lower()
        normalized = keys.normalized
        if any(key in self.golden for key in keys.leak):
            return "golden_leakage"
        if (*unit, question) in self._question_set:
            return "duplicate_question"
        if (*unit, normalized) in self._sql:
            return "duplicate_sql"
        if self.max_per_template and self._templates[(*unit, pair.template)] >= self.max_per_template:
            return "template_cap"
        seen = self._questions[unit]
        if seen and process.extractOne(question, seen, scorer=fuzz.ratio, score_cutoff=self.near_duplicate_ratio):
            return "near_duplicate_question"
        same = self._results.get((*unit, pair.result_hash))
        if same and process.extractOne(question, same, scorer=fuzz.ratio, score_cutoff=self.same_result_question_ratio):
            return "same_result_similar_question"
        return None

    def _triple_reason(self, triple: Triple, keys: RecordKeys) -> str | None:
        dialect = triple.dialect
        if any(key in self.golden for key in keys.leak):
            return "golden_leakage"
        broken = _collapse(triple.broken_sql)
        if broken == _collapse(triple.fixed_sql):
            return "fixed_equals_broken"
        if (triple.schema_id, dialect, broken) in self._broken:
            return "duplicate_broken_sql"
        key = (triple.schema_id, dialect, triple.template, triple.operator)
        if self.max_repairs_per_template and self._repair_templates[key] >= self.max_repairs_per_template:
            return "repair_template_cap"
        return None


def _collapse(sql: str) -> str:
    """Whitespace-collapsed text: broken SQL keeps its typos and casing, so it is compared as text."""
    return " ".join(sql.split())
