"""Small random helpers shared by the demo generators: skewed choices, dates, names."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Sequence, TypeVar

from sqlfix.demo.vocab import FIRST_NAMES, LAST_NAMES

T = TypeVar("T")

SPAN_START = datetime(2023, 1, 1)
SPAN_END = datetime(2025, 12, 31, 23, 59, 59)


def zipf_weights(count: int, exponent: float = 1.1) -> list[float]:
    """Return Zipf-like weights for ``count`` ranked items (the first is the most likely).

    Example:
        >>> [round(w, 2) for w in zipf_weights(3, 1.0)]
        [1.0, 0.5, 0.33]
    """
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


@lru_cache(maxsize=64)
def _cumulative_zipf(count: int, exponent: float) -> tuple[float, ...]:
    return tuple(itertools.accumulate(zipf_weights(count, exponent)))


def skewed(rng: random.Random, items: Sequence[T], exponent: float = 1.1) -> T:
    """Pick one of ``items``, earlier items much more often than later ones."""
    return rng.choices(items, cum_weights=_cumulative_zipf(len(items), exponent))[0]


def timestamp_between(rng: random.Random, start: datetime = SPAN_START, end: datetime = SPAN_END) -> datetime:
    """Return a timestamp (whole seconds) uniformly between ``start`` and ``end``."""
    seconds = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randint(0, seconds))


def growing_timestamp(rng: random.Random, start: datetime = SPAN_START, end: datetime = SPAN_END) -> datetime:
    """Return a timestamp between ``start`` and ``end`` with later times more likely (a growing business)."""
    seconds = int((end - start).total_seconds())
    return start + timedelta(seconds=int(seconds * rng.random() ** 0.6))


def date_between(rng: random.Random, start: date, end: date) -> date:
    """Return a date uniformly between ``start`` and ``end`` inclusive."""
    return start + timedelta(days=rng.randint(0, (end - start).days))


def person_name(rng: random.Random) -> tuple[str, str]:
    """Return a (first, last) name pair."""
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def maybe(rng: random.Random, value: T, null_rate: float) -> T | None:
    """Return ``value``, or None with probability ``null_rate``."""
    return None if rng.random() < null_rate else value
