"""Ranking verified candidates: the bundled LightGBM reward model, the vote/similarity
fallback, and a model file that does not match the features."""

from __future__ import annotations

import numpy

from sqlfix.fix.features import FEATURE_NAMES
from sqlfix.fix.rank import BUNDLED_RANKER, confidence, load_ranker, rank
from sqlfix.fix.records import Candidate

ORIGINAL = "SELECT emial FROM users"


def _candidates() -> list[Candidate]:
    return [
        Candidate("SELECT email FROM users", "rule:identifiers", result_key="a", row_count=10, columns=("email",)),
        Candidate("SELECT full_name FROM users", "rule:identifiers", prior=1, result_key="b", row_count=10, columns=("full_name",)),
        Candidate("SELECT 1 FROM users", "model:full", result_key="c", row_count=0, columns=("1",)),
    ]


def test_fallback_prefers_the_closest_first_choice():
    ranked = rank(ORIGINAL, "unknown_column", _candidates(), learned=False)
    assert [c.sql for c in ranked][0] == "SELECT email FROM users"
    assert all(0 <= c.score <= 1 for c in ranked)
    assert 0 < confidence(ranked) <= ranked[0].score


def test_model_votes_outweigh_similarity_in_the_fallback():
    candidates = _candidates()
    candidates[1].source, candidates[1].votes = "model:full", 4
    ranked = rank(ORIGINAL, "unknown_column", candidates, learned=False)
    assert ranked[0].sql == "SELECT full_name FROM users"


def test_bundled_ranker_scores_are_probabilities():
    assert BUNDLED_RANKER.exists() and load_ranker() is not None
    ranked = rank(ORIGINAL, "unknown_column", _candidates())
    assert sorted(c.score for c in ranked) != [ranked[0].score] * 3
    assert all(0 <= c.score <= 1 for c in ranked)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_ranker_with_other_features_falls_back(tmp_path):
    import lightgbm

    rows = numpy.random.default_rng(0).random((40, 3))
    booster = lightgbm.train({"objective": "binary", "verbose": -1, "min_data_in_leaf": 2}, lightgbm.Dataset(rows, (rows[:, 0] > 0.5).astype(int)), 5)
    path = tmp_path / "old.lgb.txt"
    booster.save_model(str(path))
    assert load_ranker(str(path)) is None and len(FEATURE_NAMES) != 3
    assert rank(ORIGINAL, "unknown_column", _candidates(), ranker_path=str(path))[0].sql == "SELECT email FROM users"
