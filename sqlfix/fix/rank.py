"""Ranking verified candidates: a LightGBM reward model when its file is present, else a
majority vote over results with similarity to the input as the tie-break; minimal fixes
(``sqlfix.fix.minimality``) before those that change more than the error needs."""

from __future__ import annotations

import logging
import math

import numpy
import threading
from functools import lru_cache
from pathlib import Path

from sqlfix.fix.features import FEATURE_NAMES, candidate_features
from sqlfix.fix.records import Candidate

BUNDLED_RANKER = Path(__file__).with_name("ranker.lgb.txt")
_load_lock = threading.Lock()
log = logging.getLogger(__name__)


def rank(original: str, error_kind: str | None, candidates: list[Candidate], *, ranker_path: str | None = None, learned: bool = True) -> list[Candidate]:
    """Score ``candidates`` (verified fixes of ``original``), best first; sets ``score``.

    ``learned=False`` skips the reward model (it is trained on repairs; ``ask`` votes instead).

    Scores from the learned ranker are probabilities that the candidate is the intended fix;
    the fallback's scores are vote shares blended with similarity, also in 0..1. Candidates
    with ``overreach`` (set by ``sqlfix.fix.minimality.mark_overreach``) come after every
    minimal one whatever their score; scores equal to two decimals are ordered by the rule's
    own preference (``prior``).
    """
    if not candidates:
        return []
    rows = candidate_features(original, error_kind, candidates)
    booster = load_ranker(ranker_path) if learned else None
    if booster is not None:
        # One thread: a request ranks a few dozen rows at most, where OpenMP's thread team costs
        # 10-30 ms a call on a loaded 2-core CPU (0.3-0.8 ms alone), and concurrent requests'
        # teams fight over the cores.
        scores = [float(s) for s in booster.predict(numpy.array(rows), num_threads=1)]
    else:
        scores = [row[FEATURE_NAMES.index("heuristic")] for row in rows]
    for candidate, score in zip(candidates, scores):
        candidate.score = score
    # Scores that agree to two decimals are a tie the ranker cannot break; the rule's own
    # order of proposals (``prior``) does, then fewer chained repairs and the shorter query.
    return sorted(candidates, key=lambda c: (bool(c.overreach), -round(c.score or 0.0, 2), c.depth, c.prior, len(c.sql)))


def confidence(ranked: list[Candidate]) -> float:
    """Confidence in the top candidate: its score, discounted when a rival with a *different*
    result scores close to it (rivals returning the same rows give the same answer)."""
    if not ranked:
        return 0.0
    top = ranked[0].score or 0.0
    rival = next((c for c in ranked[1:] if c.result_key is None or c.result_key != ranked[0].result_key), None)
    margin = top - (rival.score or 0.0) if rival is not None else top
    return round(max(0.0, min(1.0, top * (0.5 + 0.5 * math.tanh(4 * margin + 0.5)))), 3)


def load_ranker(path: str | None = None):
    """Return the LightGBM booster at ``path`` (default: the bundled file), or None if absent."""
    target = Path(path) if path else BUNDLED_RANKER
    if not target.exists():
        return None
    return _load(str(target), target.stat().st_mtime)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: float):
    import lightgbm

    with _load_lock:
        booster = lightgbm.Booster(model_file=path)
    if booster.num_feature() != len(FEATURE_NAMES):
        log.warning("ranker %s was trained on %d features, not %d; using the fallback", path, booster.num_feature(), len(FEATURE_NAMES))
        return None
    return booster
