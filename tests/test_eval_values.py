"""Canonical cell values and tolerant equality, type by type."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import numpy as np

from eval.values import NAN, NULL, canonical, decimal_places, numbers_close, values_equal


def same(a, b) -> bool:
    return values_equal(canonical(a), canonical(b))


def test_numbers_of_every_type():
    assert same(1, 1.0) and same(1, Decimal("1.000")) and same(np.int64(7), 7) and same(np.float32(0.5), 0.5)
    assert same(True, 1) and not same(True, 2)
    assert not same(10**18, 10**18 + 1)
    assert same(float("nan"), Decimal("NaN")) and canonical(float("nan")) is NAN
    assert not same(float("inf"), 1e308)


def test_null_is_its_own_value():
    assert canonical(None) is NULL
    assert not same(None, 0) and not same(None, "") and not same(None, "NULL") and not same(None, float("nan"))


def test_times_and_other_types():
    utc = dt.timezone.utc
    assert same(dt.datetime(2024, 5, 1, 12, tzinfo=utc), dt.datetime(2024, 5, 1, 12))
    assert same(dt.datetime(2024, 5, 1), dt.date(2024, 5, 1))
    assert not same(dt.datetime(2024, 5, 1, 0, 0, 1), dt.date(2024, 5, 1))
    assert same(dt.time(8, 30), "08:30:00")
    assert same(dt.timedelta(hours=1), 3600)
    key = uuid.UUID(int=5)
    assert same(key, str(key))
    assert same(b"ab", bytearray(b"ab"))


def test_containers():
    assert same([1, 2.0, None], (1, 2, None)) and not same([1, 2], [2, 1])
    assert same({"b": 1, "a": [1.0]}, {"a": [1], "b": 1})
    assert same({3, 1, 2}, {2, 3, 1})
    assert same([0.1 + 0.2], [0.3])


def test_rounding_rule_boundaries():
    assert numbers_close(0.3333, 1 / 3) and numbers_close(0.33, 1 / 3) and numbers_close(0.333333, 1 / 3)
    assert not numbers_close(0.3334, 1 / 3) and not numbers_close(0.34, 1 / 3)
    assert numbers_close(2.5, 2.5000001) and not numbers_close(2.5, 2.56)
    assert numbers_close(12.35, 12.345678) and not numbers_close(12.34, 12.356)
    assert not numbers_close(3, 3.4) and not numbers_close(0, 0.0004)
    assert decimal_places(1e-20) == 99 and not numbers_close(1e-20, 0.5)
