"""Find gold queries whose result the engine may return differently from run to run: a LIMIT
that cuts through rows tied on the ORDER BY keys, or a collecting aggregate (``list``,
``string_agg``, ``groupArray``...) with no order of its own.

Such a gold answer would make a correct prediction fail at random, so every finding is a bug
in the case (add a tie-breaker, an ``ORDER BY`` inside the aggregate, or ``arraySort``).
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp

from golden.tools.cases import EnginePool
from sqlfix.errors import ExecError

_COLLECTING = re.compile(r"\b(list|array_agg|string_agg|group_concat|groupArray|groupUniqArray|any|any_value|first)\s*\(", re.I)


def unordered_aggregates(sql: str) -> list[str]:
    """Return the collecting aggregates of ``sql`` whose element order is not fixed.

    Example:
        >>> unordered_aggregates("SELECT list(a) FROM t")
        ['list']
        >>> unordered_aggregates("SELECT list(a ORDER BY b), arraySort(groupArray(c)) FROM t")
        []
    """
    found = []
    for match in _COLLECTING.finditer(sql):
        call = _balanced_call(sql, match.end() - 1)
        wrapped = sql[: match.start()].rstrip().lower().endswith("arraysort(")
        if "order by" not in call.lower() and not wrapped:
            found.append(match.group(1))
    return found


def _balanced_call(sql: str, open_paren: int) -> str:
    depth = 0
    for index in range(open_paren, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[index], 0)
        if depth == 0:
            return sql[open_paren : index + 1]
    return sql[open_paren:]


def limit_ties(row: dict[str, Any], sql: str, pool: EnginePool) -> list[str]:
    """Return a finding for each LIMIT n in ``sql`` (subqueries included) where rows n and
    n+1 tie on the ORDER BY keys but differ, so the engine may return either."""
    findings = []
    dialect = row["dialect"]
    for select in sqlglot.parse_one(sql, read=dialect).find_all(exp.Select):
        limit, order = select.args.get("limit"), select.args.get("order")
        if limit is None or not isinstance(limit.expression, exp.Literal):
            continue
        if order is None:
            findings.append("LIMIT without ORDER BY")
            continue
        count = int(limit.expression.name)
        probe = _with_order_keys(select, order, count + 1)
        outcome = pool.run(row, probe.sql(dialect=dialect))
        if isinstance(outcome, ExecError):
            continue  # a correlated subquery cannot run alone
        width = len(order.expressions)
        rows = outcome.rows
        if len(rows) > count and rows[count - 1][-width:] == rows[count][-width:] and rows[count - 1] != rows[count]:
            findings.append(f"rows {count} and {count + 1} tie on the ORDER BY keys at LIMIT {count}")
    return findings


def _with_order_keys(select: exp.Select, order: exp.Order, limit: int) -> exp.Select:
    probe = select.copy()
    projections = list(probe.expressions)
    keys = []
    for index, ordered in enumerate(order.expressions):
        key = ordered.this
        if isinstance(key, exp.Literal) and key.is_int:
            key = projections[int(key.name) - 1]
            key = key.this if isinstance(key, exp.Alias) else key
        keys.append(exp.alias_(key.copy(), f"_order_key_{index}"))
    probe.set("expressions", projections + keys)
    probe.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
    return probe
