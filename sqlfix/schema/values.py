"""Text values (pg_dump COPY data) turned into typed Python values by their column type."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from sqlglot import exp
from sqlglot.errors import ParseError

T = exp.DataType.Type
_BOOLEANS = {"t": True, "true": True, "1": True, "f": False, "false": False, "0": False}


def text_parser(type_name: str, dialect: str) -> Callable[[str], Any]:
    """Return a function that parses one text value of a column of type ``type_name``.

    The function raises ``ValueError`` for text that is not a value of the type.

    Example:
        >>> text_parser("numeric(5,2)", "postgres")("9.50")
        Decimal('9.50')
        >>> text_parser("boolean", "postgres")("t")
        True
    """
    try:
        kind = exp.DataType.build(type_name, dialect=dialect, udt=True).this
    except (ParseError, ValueError):
        return str
    if kind in exp.DataType.INTEGER_TYPES or kind in (T.SERIAL, T.BIGSERIAL, T.SMALLSERIAL):
        return int
    if kind in exp.DataType.REAL_TYPES - {T.DECIMAL, T.BIGDECIMAL, T.MONEY, T.SMALLMONEY, T.UDECIMAL}:
        return float
    if kind in (T.DECIMAL, T.BIGDECIMAL, T.UDECIMAL):
        return _decimal
    if kind == T.BOOLEAN:
        return _boolean
    if kind in (T.DATE, T.DATE32):
        return date.fromisoformat
    if kind in exp.DataType.TEMPORAL_TYPES - {T.DATE, T.DATE32, T.TIME, T.TIMETZ}:
        return datetime.fromisoformat
    if kind == T.TIME:
        return lambda text: time.fromisoformat(text).isoformat()
    return str


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def _boolean(text: str) -> bool:
    try:
        return _BOOLEANS[text.lower()]
    except KeyError:
        raise ValueError(f"not a boolean: {text!r}") from None
