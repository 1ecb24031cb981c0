"""Sample values for a column: the first few distinct non-NULL values, as JSON-native values."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Iterable

SAMPLES_PER_COLUMN = 3


def first_distinct(values: Iterable[Any], count: int = SAMPLES_PER_COLUMN) -> list[Any]:
    """Return the first ``count`` distinct non-NULL values, in order, made JSON-native.

    Example:
        >>> first_distinct([None, 2, 2, Decimal("1.50"), date(2024, 1, 2), 9])
        [2, 1.5, '2024-01-02']
    """
    seen: list[Any] = []
    for value in values:
        if value is not None and value not in seen:
            seen.append(value)
            if len(seen) == count:
                break
    return [json_native(v) for v in seen]


def json_native(value: Any) -> Any:
    """Return ``value`` as a JSON-native value: decimals as floats, temporal values as ISO text.

    Example:
        >>> json_native(datetime(2024, 5, 1, 8, 30))
        '2024-05-01 08:30:00'
    """
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
