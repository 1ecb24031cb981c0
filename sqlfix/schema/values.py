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
        data_type = exp.DataType.build(type_name, dialect=dialect, udt=True)
    except (ParseError, ValueError):
        return str
    return _parser_for(data_type)


def _parser_for(data_type: exp.DataType) -> Callable[[str], Any]:
    kind = data_type.this
    if kind == T.ARRAY and data_type.expressions:
        element = _parser_for(data_type.expressions[0])
        return lambda text: parse_array_text(text, element)
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


def parse_array_text(text: str, element: Callable[[str], Any] = str) -> list[Any]:
    r"""Parse PostgreSQL's text form of an array (``{a,"b c",NULL}``, nested ``{{1,2},{3,4}}``).

    Example:
        >>> parse_array_text('{1,NULL,3}', int)
        [1, None, 3]
        >>> parse_array_text('{"a,b","say \\"hi\\"",plain}')
        ['a,b', 'say "hi"', 'plain']
        >>> parse_array_text('{{1,2},{3,4}}', int)
        [[1, 2], [3, 4]]
    """
    value, end = _parse_array(text.strip(), 0, element)
    if end != len(text.strip()):
        raise ValueError(f"not an array: {text!r}")
    return value


def _parse_array(text: str, start: int, element: Callable[[str], Any]) -> tuple[list[Any], int]:
    if start >= len(text) or text[start] != "{":
        raise ValueError(f"not an array: {text!r}")
    items: list[Any] = []
    position = start + 1
    if position < len(text) and text[position] == "}":
        return items, position + 1
    while position < len(text):
        if text[position] == "{":
            item, position = _parse_array(text, position, element)
            items.append(item)
        elif text[position] == '"':
            chars, position = [], position + 1
            while position < len(text) and text[position] != '"':
                if text[position] == "\\":
                    position += 1
                chars.append(text[position])
                position += 1
            items.append(element("".join(chars)))
            position += 1
        else:
            end = position
            while end < len(text) and text[end] not in ",}":
                end += 1
            raw = text[position:end].strip()
            items.append(None if raw.upper() == "NULL" else element(raw))
            position = end
        if position < len(text) and text[position] == ",":
            position += 1
        elif position < len(text) and text[position] == "}":
            return items, position + 1
        else:
            break
    raise ValueError(f"not an array: {text!r}")
