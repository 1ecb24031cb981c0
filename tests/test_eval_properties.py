"""Property tests: an unordered result is equivalent to its row-shuffled, column-permuted copy,
and never to a copy with one value changed."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from eval.equivalence import Verdict, compare_results
from tests.eval_fixtures import result

CELL = st.one_of(
    st.none(),
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.text(max_size=5),
    st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
)


@st.composite
def results(draw):
    width = draw(st.integers(1, 4))
    rows = draw(st.lists(st.tuples(*[CELL] * width), max_size=12))
    return result(tuple(f"c{i}" for i in range(width)), rows)


def changed(value):
    if value is None:
        return 0
    if isinstance(value, (int, float)):
        return value + 1 + abs(value)
    if isinstance(value, str):
        return value + "~"
    return value + dt.timedelta(days=1)


@settings(max_examples=150, deadline=None)
@given(results(), st.randoms(use_true_random=False))
def test_shuffled_and_permuted_copy_is_exact(gold, rnd: random.Random):
    width = len(gold.columns)
    permutation = list(range(width))
    rnd.shuffle(permutation)
    rows = [tuple(row[i] for i in permutation) for row in gold.rows]
    rnd.shuffle(rows)
    copy = result(tuple(gold.columns[i] for i in permutation), rows)
    assert compare_results(copy, gold).verdict is Verdict.EXACT


@settings(max_examples=150, deadline=None)
@given(results().filter(lambda r: r.rows), st.randoms(use_true_random=False))
def test_copy_with_one_value_changed_never_matches(gold, rnd: random.Random):
    rows = [list(row) for row in gold.rows]
    r, c = rnd.randrange(len(rows)), rnd.randrange(len(gold.columns))
    rows[r][c] = changed(rows[r][c])
    copy = result(gold.columns, [tuple(row) for row in rows])
    assert compare_results(copy, gold).verdict is Verdict.MISMATCH
    assert compare_results(gold, copy).verdict is Verdict.MISMATCH
