"""How far to trust the best fix: its calibrated confidence and, when it is not to be trusted
blindly, why (it changes more than its error needs, a rival as small answers differently, or
its confidence is low); and the same for the answer to a question (``answer_doubts``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlfix.engines.guard import is_write_statement
from sqlfix.errors import ErrorKind, ExecError
from sqlfix.fix.config import FixConfig
from sqlfix.fix.minimality import mark_overreach
from sqlfix.fix.rank import confidence, rank
from sqlfix.fix.records import Candidate

# A rival fix scoring within this much of the winner makes the pick a guess (see ``doubts``).
RIVAL_MARGIN = 0.15
# Rules whose fix is a reading of what the user meant more than a repair the error determines:
# a refused statement rewritten as a preview, a join condition, a table or a missing date chosen
# from the schema's keys or columns. On the seen golden schemas 13 of 15 previews and 14 of 15 joins were
# right, every other rule's fixes were: their confidence stays below 0.8, which promises 95%
# (``FixConfig.guess_confidence``), and they are still sure.
GUESSING_RULES = ("read_only", "join_keys", "tables_by_columns", "date_spans")
# Rules whose fix is one of several readings the error leaves open: always unsure, with this reason.
DOUBTFUL_RULES = {"date_spans": "it guesses the missing date of a date difference and which date starts the span"}
# A refused write has no read-only equivalent: any fix of it, a rule's or the model's, previews it,
# which answers another question (which columns or counts to show is the user's call).
REFUSED_WRITE = "the query writes, which is refused here: no read-only query does what it asked, this one previews it"


@dataclass
class Judgement:
    """The ranked candidates and how far the winner can be trusted."""

    ranked: list[Candidate]
    confidence: float
    unsure_reasons: list[str]

    @property
    def unsure(self) -> bool:
        """The winner is not to be trusted blindly."""
        return bool(self.unsure_reasons)


def judge(sql: str, error: ExecError | None, candidates: list[Candidate], config: FixConfig, dialect: str) -> Judgement:
    """Rank ``candidates`` (verified, deduplicated fixes of ``sql``) minimal first and judge
    the winner: its confidence, capped at ``config.guess_confidence`` when a rule that reads
    intent made it and at ``config.unsure_confidence`` when there is a reason to doubt it, and
    those reasons (a confidence below ``config.sure_confidence`` is one)."""
    mark_overreach(sql, error, candidates, dialect)
    ranked = rank(sql, error.kind.value if error else None, candidates, ranker_path=config.ranker_path, learned=config.use_ranker)
    if not ranked:
        return Judgement(ranked, 0.0, [])
    if ranked[0].source == "original" and len(ranked) == 1:
        return Judgement(ranked, 1.0, [])
    reasons = doubts(ranked)
    if error is not None and error.kind is ErrorKind.PERMISSION and is_write_statement(sql, dialect):
        reasons.append(REFUSED_WRITE)
    score = confidence(ranked)
    if is_guess(ranked[0]):
        score = min(score, config.guess_confidence)
    if reasons:
        score = min(score, config.unsure_confidence)
    elif score < config.sure_confidence:
        reasons = [f"its confidence {score:.2f} is below {config.sure_confidence:.2f}"]
    return Judgement(ranked, score, reasons)


def is_guess(candidate: Candidate) -> bool:
    """True when one of the rules that made ``candidate`` reads intent (:data:`GUESSING_RULES`)."""
    if not candidate.source.startswith("rule:"):
        return False
    return any(rule in GUESSING_RULES for rule in candidate.source.removeprefix("rule:").split("+"))


def doubts(ranked: list[Candidate], *, rival_margin: float = RIVAL_MARGIN) -> list[str]:
    """Why the top candidate of ``ranked`` may be the wrong fix (empty: no reason known).

    Its own overreach, and a rival as small (no overreach, no more chained repairs) that
    returns a different result and scores within ``rival_margin`` of it: then the error has
    two readings and the ranker's pick is a guess (``salary`` -> ``e.salary`` or ``sh.salary``).
    """
    if not ranked:
        return []
    top = ranked[0]
    reasons = [f"it {reason}" for reason in top.overreach]
    if top.source.startswith("rule:"):
        reasons += [DOUBTFUL_RULES[rule] for rule in top.source.removeprefix("rule:").split("+") if rule in DOUBTFUL_RULES]
    for rival in ranked[1:]:
        if (not rival.overreach and rival.depth <= top.depth and rival.result_key != top.result_key
                and (top.score or 0.0) - (rival.score or 0.0) <= rival_margin):
            reasons.append(f"another fix as small gives a different result: {_short(rival.sql)}")
            break
    return reasons


def answer_doubts(ranked: list[Candidate], proposals: int) -> list[str]:
    """Why the top of ``ranked`` (verified queries written for a question from ``proposals``
    sampled ones) may answer another question (empty: no reason known).

    Self-consistency on results: when the model was sampled more than once and no other sample
    returns the same rows, the pick is one reading among several. A query that had to be
    repaired by the rules before it ran, or that returns no rows, was mostly wrong too. On the
    golden set's 253 answered questions (1.5B adapter, best of 4) these three reasons flagged 53
    of the 112 wrong answers and 7 of the 141 right ones.
    """
    if not ranked:
        return []
    top = ranked[0]
    reasons = []
    agreeing = sum(c.votes for c in ranked if c.result_key is not None and c.result_key == top.result_key)
    if proposals > 1 and max(agreeing, top.votes) < 2:
        reasons.append(f"no other of the {proposals} sampled queries returns the same rows")
    if "+rule:" in top.source:
        reasons.append("the model's query failed and a repair rule made it run, which may change what it asks")
    if top.row_count == 0:
        reasons.append("it returns no rows (check its filters)")
    return reasons


def _short(sql: str, limit: int = 120) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
