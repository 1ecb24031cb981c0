"""Which output columns a gold query orders its result by.

Row order is part of the answer only when the outermost query (or a set operation) has an
ORDER BY; an ORDER BY inside a subquery or CTE does not fix the order of the output.

Example:
    >>> order_keys("SELECT name, COUNT(*) AS n FROM t GROUP BY name ORDER BY n DESC", "duckdb")
    (1,)
    >>> order_keys("SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 3)", "duckdb") is None
    True
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from sqlfix.errors import SQLGLOT_FAILURES

OrderKey = int | str | None
"""An output column position, an output column name to look up in the result, or None for a
key that is not part of the output."""


def order_keys(sql: str, dialect: str) -> tuple[OrderKey, ...] | None:
    """Return the ORDER BY keys of the outermost query as output positions (or names), or
    None when the output order is not specified.

    Unparseable SQL counts as unordered: its result, if the engine runs it, is compared as a
    multiset.
    """
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SQLGLOT_FAILURES:
        return None
    while isinstance(tree, exp.Subquery) and not tree.args.get("order"):
        tree = tree.this
    order = tree.args.get("order") if tree is not None else None
    if not isinstance(order, exp.Order) or not order.expressions:
        return None
    projections = list(tree.selects)
    return tuple(_resolve(ordered.this, projections) for ordered in order.expressions)


def _resolve(key: exp.Expression, projections: list[exp.Expression]) -> OrderKey:
    if isinstance(key, exp.Literal) and not key.is_string and key.this.isdigit():
        return int(key.this) - 1
    key_sql = key.sql().lower()
    for index, projection in enumerate(projections):
        if isinstance(projection, exp.Star):
            continue
        if projection.unalias().sql().lower() == key_sql:
            return index
        if isinstance(key, exp.Column) and not key.table and projection.alias_or_name.lower() == key.name.lower():
            return index
    if isinstance(key, exp.Column) and any(isinstance(p, exp.Star) or p.is_star for p in projections):
        return key.name
    return None


def resolve_order(keys: tuple[OrderKey, ...] | None, columns: tuple[str, ...]) -> tuple[int, ...] | None:
    """Turn order keys into positions of ``columns`` (the gold result's column names).

    Returns None for an unordered result, and every position when a key is not part of the
    output: the visible row order must then match exactly (only identical rows may swap).

    Example:
        >>> resolve_order(("b",), ("a", "b"))
        (1,)
        >>> resolve_order((None,), ("a", "b"))
        (0, 1)
    """
    if keys is None:
        return None
    lowered = [name.lower() for name in columns]
    positions: list[int] = []
    for key in keys:
        if isinstance(key, str) and key.lower() in lowered:
            key = lowered.index(key.lower())
        if not isinstance(key, int) or not 0 <= key < len(columns):
            return tuple(range(len(columns)))
        if key not in positions:
            positions.append(key)
    return tuple(positions)
