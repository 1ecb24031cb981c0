"""Features the ranker scores a verified candidate by, shared by training and inference."""

from __future__ import annotations

import math
import re

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from sqlfix.errors import ErrorKind
from sqlfix.fix.records import Candidate

SOURCES = ("identifiers", "qualify", "join_keys", "group_by", "functions", "punctuation", "types", "arity", "subqueries", "dialect", "read_only", "model:full", "model:edit", "model:ask", "original")
KINDS = tuple(kind.value for kind in ErrorKind)
FEATURE_NAMES = (
    "similarity", "edit_chars", "edit_words", "length_delta", "depth", "prior", "empty", "log_rows",
    "truncated", "n_columns", "votes", "vote_share", "similarity_rank", "heuristic", "overreach",
    *(f"source={s}" for s in SOURCES),
    *(f"kind={k}" for k in KINDS),
)
_WORD = re.compile(r"\w+|[^\w\s]")


def candidate_features(original: str, error_kind: str | None, candidates: list[Candidate]) -> list[list[float]]:
    """Return one feature row per candidate (all verified fixes of the same query), in
    :data:`FEATURE_NAMES` order. Some features compare a candidate with its rivals."""
    # Votes are model samples that reached the same result: independent evidence. Rule
    # candidates agreeing with each other is coincidence (two edits of one query often
    # return the same rows), so they lend no votes.
    model_votes: dict[str | None, int] = {}
    for c in candidates:
        if c.source.startswith("model:"):
            model_votes[c.result_key] = model_votes.get(c.result_key, 0) + c.votes
    total_votes = sum(model_votes.values()) or 1
    similarities = [fuzz.ratio(original, c.sql) / 100 for c in candidates]
    order = sorted(range(len(candidates)), key=lambda i: -similarities[i])
    ranks = {index: rank for rank, index in enumerate(order)}
    rows = []
    original_words = _WORD.findall(original)
    for index, c in enumerate(candidates):
        words = _WORD.findall(c.sql)
        # A sample does not agree with itself: count the *other* model samples with its result.
        votes = (model_votes.get(c.result_key, 0) if c.result_key else 0) - (c.votes if c.source.startswith("model:") else 0) + (c.votes - 1)
        row = [
            similarities[index],
            float(Levenshtein.distance(original, c.sql)),
            float(Levenshtein.distance(original_words, words)),
            float(len(c.sql) - len(original)),
            float(c.depth),
            float(c.prior),
            float(c.row_count == 0),
            math.log1p(c.row_count or 0),
            float(c.truncated),
            float(len(c.columns)),
            float(votes),
            votes / total_votes,
            float(ranks[index]),
        ]
        row.append(heuristic_score(row[0], votes / total_votes, c.depth, c.prior, c.row_count == 0))
        row.append(float(len(c.overreach)))
        row.extend(float(_has_source(c.source, s)) for s in SOURCES)
        row.extend(float(error_kind == k) for k in KINDS)
        rows.append(row)
    return rows


def heuristic_score(similarity: float, vote_share: float, depth: int, prior: int, empty: bool) -> float:
    """The hand-set score the fallback ranks by (also a feature of the learned ranker):
    model votes and similarity to the input, less penalties for chained repairs, a rule's
    later choices and empty results."""
    score = 0.4 * vote_share + 0.6 * similarity - 0.05 * (depth - 1) - 0.05 * prior - 0.1 * empty
    return max(0.0, min(1.0, score))


def _has_source(source: str, name: str) -> bool:
    if name.startswith("model:") or name == "original":
        return source.startswith(name)
    return name in source.removeprefix("rule:").split("+") or f"rule:{name}" in source
