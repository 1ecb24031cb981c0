"""Same result or not: the comparison the teacher recipes keep a pair by.

``datagen`` sits below ``eval`` (data flows schema -> datagen -> train -> eval), so it cannot
use ``eval.equivalence``. This is the datagen filters' notion (:func:`datagen.verify.result_hash`:
rows as a multiset unless the query orders them) made blind to the order and names of the
columns (``SELECT n, city`` answers what ``SELECT city, n`` does) and to float noise (values
rounded to 4 decimals, integers and equal floats alike).

Example:
    >>> from sqlfix.engines.base import ResultSet
    >>> a = ResultSet(("city", "n"), ("VARCHAR", "BIGINT"), [("Oslo", 2), ("Rome", 1)])
    >>> b = ResultSet(("cnt", "town"), ("DOUBLE", "VARCHAR"), [(1.0, "Rome"), (2.0, "Oslo")])
    >>> result_signature(a, ordered=False) == result_signature(b, ordered=False)
    True
"""

from __future__ import annotations

import decimal
import hashlib
import json
from typing import Any

from sqlfix.engines.base import ResultSet


def _value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        number = round(float(value), 4)
        return int(number) if number.is_integer() else number
    return str(value)


def result_signature(result: ResultSet, *, ordered: bool) -> str:
    """A hash equal for two results holding the same rows (in the same order when ``ordered``),
    whatever the order and names of their columns."""
    columns = [[_value(v) for v in column] for column in zip(*result.rows)] if result.rows else \
        [[] for _ in result.columns]
    keys = [json.dumps(sorted(map(repr, column))) for column in columns]
    order = sorted(range(len(columns)), key=lambda i: keys[i])
    rows = [json.dumps([columns[i][r] for i in order], default=str) for r in range(len(result.rows))]
    if not ordered:
        rows.sort()
    body = f"{len(columns)}|" + "\n".join(rows)
    return hashlib.sha1(body.encode("utf-8")).hexdigest()[:16]
