"""The records the fix pipeline passes around and returns: requests, candidates, results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlfix.errors import ExecError


@dataclass(frozen=True)
class FixRequest:
    """What to repair.

    Attributes:
        sql: the query as the user wrote it.
        dialect: its sqlglot dialect; None means the engine's.
        error: the engine's error when the caller has it; None runs the query to get one.
        question: what the query should answer (enables semantic repair).
    """

    sql: str
    dialect: str | None = None
    error: ExecError | None = None
    question: str | None = None


@dataclass
class Candidate:
    """One proposed query and what verifying it found.

    Attributes:
        sql: the candidate query text.
        source: where it came from: ``rule:<name>`` (chained rules joined by ``+``),
            ``model:full``, ``model:edit``, ``model:ask``, ``original``.
        explanation: one sentence on what it changes or why.
        depth: number of chained repair steps that produced it.
        executed: True when it ran without error.
        error: the error it failed with, when it did.
        row_count: rows fetched (capped by ``FixConfig.max_rows``).
        columns: output column names.
        truncated: more rows existed than were fetched.
        result_key: a fingerprint of the result (columns and rows) for voting.
        votes: how many proposals (any source) produced this normalised query or this result.
        score: the ranker's score (higher is better).
        prior: the proposal's rank within its rule or sampling order (0 is the rule's first choice).
        overreach: what it changes beyond what the error needs (``sqlfix.fix.minimality``);
            empty for a minimal fix. Such candidates rank below minimal ones.
        chain_errors: the errors a chained repair met after its first step, in order (each
            step may change what its own error needs).
    """

    sql: str
    source: str
    explanation: str = ""
    depth: int = 1
    executed: bool = False
    error: ExecError | None = None
    row_count: int | None = None
    columns: tuple[str, ...] = ()
    truncated: bool = False
    result_key: str | None = None
    votes: int = 1
    score: float | None = None
    prior: int = 0
    overreach: tuple[str, ...] = ()
    chain_errors: tuple[ExecError, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = asdict(self)
        data["error"] = self.error.to_dict() if self.error else None
        data["columns"] = list(self.columns)
        data["overreach"] = list(self.overreach)
        data["chain_errors"] = [e.to_dict() for e in self.chain_errors]
        return data


@dataclass(frozen=True)
class Evidence:
    """Why the answer can be trusted.

    Attributes:
        executed: the answer ran on the engine without error.
        row_count: rows it returned (capped by ``FixConfig.max_rows``).
        columns: its output columns.
        truncated: more rows existed than were fetched.
        source: the candidate source that won.
        error_kind: the kind of the original error (None when the query ran).
        candidates_tried: candidates executed in all.
        candidates_ok: candidates that ran without error (after deduplication).
        elapsed_ms: wall-clock time of the whole request.
    """

    executed: bool
    row_count: int | None
    columns: tuple[str, ...]
    truncated: bool
    source: str | None
    error_kind: str | None
    candidates_tried: int
    candidates_ok: int
    elapsed_ms: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = asdict(self)
        data["columns"] = list(self.columns)
        return data


@dataclass(frozen=True)
class SourcesReport:
    """Whether every candidate source finished, for answers given without one of them.

    Attributes:
        model_status: None when no model was asked; ``ok``; ``unavailable`` (it failed, or rests
            after failing); ``busy`` (its queue was full); ``timeout`` (the request's time
            budget ran out first).
        partial: a source did not finish (the model as above, or the rules past the budget):
            the answer is the best verified one found without it.
        notice: one line saying what was left out and why ("" when nothing was).
        retry_after_s: when the model was unavailable or busy, seconds after which it may answer.
    """

    model_status: str | None = None
    partial: bool = False
    notice: str = ""
    retry_after_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass
class FixResult:
    """The outcome of a repair.

    Attributes:
        fixed_sql: the repaired query, or None when no candidate ran.
        diff: unified diff from the input to ``fixed_sql`` (empty when nothing changed).
        edit: the same change as a compact ``- old`` / ``+ new`` edit (``prompts.make_edit``).
        explanation: one sentence on what was wrong.
        evidence: execution evidence for the answer.
        confidence: 0..1, calibrated on the golden set: fixes at 0.8 or more were right at
            least 95% of the time (``sqlfix eval`` prints the calibration table).
        source: the winning candidate's source.
        error: the original error (None when the input ran).
        candidates: every verified candidate, best first.
        sources: whether the model and the rules finished (a partial answer says why not).
        unsure: the fix is not to be trusted without a look: it changes more than the error
            needs, another fix as small answers differently, or its confidence is below
            ``FixConfig.sure_confidence`` (0.5). With ``FixConfig.abstain`` an unsure fix is withheld
            (``fixed_sql`` None, the candidates kept).
        unsure_reasons: why, one short phrase each (empty when sure).
    """

    fixed_sql: str | None
    diff: str
    edit: str
    explanation: str
    evidence: Evidence
    confidence: float
    source: str | None
    error: ExecError | None
    candidates: list[Candidate] = field(default_factory=list)
    sources: SourcesReport = field(default_factory=SourcesReport)
    unsure: bool = False
    unsure_reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "fixed_sql": self.fixed_sql,
            "diff": self.diff,
            "edit": self.edit,
            "explanation": self.explanation,
            "evidence": self.evidence.to_dict(),
            "confidence": self.confidence,
            "source": self.source,
            "error": self.error.to_dict() if self.error else None,
            "candidates": [c.to_dict() for c in self.candidates],
            **self.sources.to_dict(),
            "unsure": self.unsure,
            "unsure_reasons": list(self.unsure_reasons),
        }


@dataclass
class AskResult:
    """The outcome of a text-to-SQL request.

    Attributes:
        sql: the chosen query, or None when no candidate ran.
        explanation: one sentence on how it was obtained.
        evidence: execution evidence for the answer.
        confidence: 0..1, from the ranker's score / the vote share.
        source: the winning candidate's source (``model:ask``, or ``model:ask+rule:...`` when repaired).
        candidates: every verified candidate, best first.
        sources: whether the model finished (a partial answer says why not).
        unsure_reasons: why the answer may answer another question (``sqlfix.fix.trust.answer_doubts``);
            empty when no reason is known.
    """

    sql: str | None
    explanation: str
    evidence: Evidence
    confidence: float
    source: str | None
    candidates: list[Candidate] = field(default_factory=list)
    sources: SourcesReport = field(default_factory=SourcesReport)
    unsure_reasons: list[str] = field(default_factory=list)

    @property
    def unsure(self) -> bool:
        """The answer is not to be trusted without a look."""
        return self.sql is not None and bool(self.unsure_reasons)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "sql": self.sql,
            "explanation": self.explanation,
            "evidence": self.evidence.to_dict(),
            "confidence": self.confidence,
            "unsure": self.unsure,
            "unsure_reasons": list(self.unsure_reasons),
            "source": self.source,
            "candidates": [c.to_dict() for c in self.candidates],
            **self.sources.to_dict(),
        }
