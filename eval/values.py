"""Canonical cell values and the tolerant equality the evaluator compares them with.

Engines hand back ints, floats, Decimals, dates, timestamps, UUIDs, numpy scalars, lists...
:func:`canonical` maps each to one comparable form so that ``1 == 1.0 == Decimal('1')``,
a timestamp at midnight equals its date, and NULL is a value of its own that no number equals.

Example:
    >>> canonical(Decimal("2.000")) == canonical(2.0) == 2
    True
    >>> values_equal(canonical(0.3333), canonical(1 / 3))
    True
    >>> values_equal(canonical(None), canonical(0))
    False
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

REL_TOL = 1e-4
_ABS_TOL = 1e-9
_MAX_ROUNDED_DECIMALS = 8


class _Null:
    """SQL NULL: equal only to itself, never to a number, string or the empty string."""

    _instance: "_Null | None" = None

    def __new__(cls) -> "_Null":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NULL"


class _NaN:
    """A floating NaN; equal to another NaN (SQL results compare by value, not IEEE rules)."""

    _instance: "_NaN | None" = None

    def __new__(cls) -> "_NaN":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NaN"


NULL = _Null()
NAN = _NaN()
_NUMBER_TYPES = (int, float)


def canonical(value: Any) -> Any:
    """Return the comparable form of one cell value.

    Numbers become ``int`` when integral (bools too), else ``float``; timestamps become ISO
    text (UTC for aware ones, a bare date at midnight); dates and times ISO text; UUIDs text;
    containers tuples of canonical items; ``None`` the :data:`NULL` singleton.

    Example:
        >>> canonical(dt.datetime(2024, 1, 2, 0, 0)), canonical(dt.date(2024, 1, 2))
        ('2024-01-02', '2024-01-02')
    """
    kind = type(value)
    if kind is str or kind is int:
        return value
    converter = _CONVERTERS.get(kind)
    if converter is not None:
        return converter(value)
    if value is None:
        return NULL
    if isinstance(value, (bool, int)):
        return int(value)
    if isinstance(value, float):
        return _canonical_float(value)
    if isinstance(value, Decimal):
        return _canonical_decimal(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return _canonical_datetime(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _canonical_float(value.total_seconds())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [canonical(item) for item in value]
        return tuple(sorted(items, key=sort_key) if isinstance(value, (set, frozenset)) else items)
    if isinstance(value, dict):
        return tuple(sorted(((str(k), canonical(v)) for k, v in value.items()), key=lambda kv: kv[0]))
    if hasattr(value, "item") and callable(value.item):
        return canonical(value.item())
    return str(value)


def _canonical_decimal(value: Decimal) -> Any:
    if value.is_nan():
        return NAN
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _canonical_float(value: float) -> Any:
    if math.isnan(value):
        return NAN
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _canonical_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat(sep=" ")


# Exact types seen in almost every result, converted without walking the isinstance chain.
_CONVERTERS: dict[type, Callable[[Any], Any]] = {
    float: _canonical_float,
    Decimal: _canonical_decimal,
    bool: int,
    dt.date: dt.date.isoformat,
    dt.datetime: _canonical_datetime,
    type(None): lambda _: NULL,
}


def is_number(value: Any) -> bool:
    """True for a canonical int or float."""
    kind = type(value)
    return kind is int or kind is float


def quantize(value: Any) -> Any:
    """A canonical value with floats rounded to 7 significant digits (recursively in tuples),
    for hashing near-equal floats alike.

    Example:
        >>> quantize(0.1 + 0.2) == quantize(0.3)
        True
    """
    if type(value) is float:
        return float(f"{value:.7g}")
    if type(value) is tuple:
        return tuple(quantize(item) for item in value)
    return value


def values_equal(left: Any, right: Any) -> bool:
    """Tolerant equality of two canonical values.

    Ints compare exactly. When a float is involved the values are equal if they are within a
    relative tolerance of :data:`REL_TOL`, or if one of them has at most a few decimals and
    the other rounds to it at that precision (SQL ``ROUND(x, 4)`` = 0.3333 matches 1/3).
    Integers are never taken as rounded floats, so integer division (0) differs from 0.33.
    """
    if left is right:
        return True
    if type(left) in _NUMBER_TYPES and type(right) in _NUMBER_TYPES:
        return numbers_close(left, right)
    if isinstance(left, tuple) and isinstance(right, tuple):
        return len(left) == len(right) and all(values_equal(a, b) for a, b in zip(left, right))
    return type(left) is type(right) and left == right


def numbers_close(left: float, right: float) -> bool:
    """Equality of two numbers under the float tolerance rules of :func:`values_equal`."""
    if left == right:
        return True
    if isinstance(left, int) and isinstance(right, int):
        return False
    if math.isinf(left) or math.isinf(right):
        return False
    if math.isclose(left, right, rel_tol=REL_TOL, abs_tol=_ABS_TOL):
        return True
    shorter, longer = sorted((left, right), key=decimal_places)
    places = decimal_places(shorter)
    if places == 0 or places > _MAX_ROUNDED_DECIMALS or decimal_places(longer) <= places:
        return False
    return abs(shorter - longer) <= 0.5 * 10.0**-places * (1 + 1e-9) + _ABS_TOL


def decimal_places(number: float) -> int:
    """Digits after the decimal point in the shortest spelling of ``number`` (99 if it needs
    an exponent, i.e. it is not a short decimal).

    Example:
        >>> decimal_places(0.3333), decimal_places(12), decimal_places(1 / 3)
        (4, 0, 16)
    """
    if isinstance(number, int):
        return 0
    text = repr(number)
    if "e" in text or "E" in text:
        return 99
    return len(text.split(".", 1)[1]) if "." in text else 0


_RANK_NULL, _RANK_NUMBER, _RANK_TEXT, _RANK_BYTES, _RANK_TUPLE, _RANK_NAN = range(6)


def sort_key(value: Any) -> tuple[int, Any]:
    """A total-order key over canonical values of mixed types (NULLs first)."""
    if value is NULL:
        return (_RANK_NULL, 0)
    if value is NAN:
        return (_RANK_NAN, 0)
    if is_number(value):
        return (_RANK_NUMBER, value)
    if isinstance(value, str):
        return (_RANK_TEXT, value)
    if isinstance(value, bytes):
        return (_RANK_BYTES, value)
    if isinstance(value, tuple):
        return (_RANK_TUPLE, tuple(sort_key(item) for item in value))
    return (_RANK_TEXT, str(value))


def is_approximate(value: Any) -> bool:
    """True when equality of ``value`` needs the float tolerance (a non-integral float, or a
    container holding one)."""
    kind = type(value)
    if kind is float:
        return True
    if kind is tuple:
        return any(is_approximate(item) for item in value)
    return False
