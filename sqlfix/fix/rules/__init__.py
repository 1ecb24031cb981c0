"""The deterministic repairers, one per module. Each is a function
``RuleContext -> list[RuleFix]`` named like its module that edits the original text at the
offending span; :data:`RULES` lists them in the order their proposals are tried.

Example:
    >>> from sqlfix.errors import ErrorKind, ExecError
    >>> from sqlfix.schema.model import Column, Schema, Table
    >>> schema = Schema("s", "duckdb", [Table("users", [Column("name", "VARCHAR")])])
    >>> error = ExecError(ErrorKind.UNKNOWN_COLUMN, 'column "nme" not found', "duckdb", identifier="nme")
    >>> [f.sql for f in propose("SELECT nme FROM users", "duckdb", error, schema)]
    ['SELECT name FROM users']
"""

from __future__ import annotations

import logging
import math

from sqlfix.errors import ExecError
from sqlfix.fix.rules.arity import arity
from sqlfix.fix.rules.bool_arguments import bool_arguments
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.rules.date_parts import date_parts
from sqlfix.fix.rules.date_spans import date_spans
from sqlfix.fix.rules.dialect import dialect
from sqlfix.fix.rules.division import division
from sqlfix.fix.rules.foreign_functions import foreign_functions
from sqlfix.fix.rules.functions import functions
from sqlfix.fix.rules.group_by import group_by
from sqlfix.fix.rules.identifiers import identifiers
from sqlfix.fix.rules.join_keys import join_keys
from sqlfix.fix.rules.punctuation import punctuation
from sqlfix.fix.rules.qualify import qualify
from sqlfix.fix.rules.read_only import read_only
from sqlfix.fix.rules.subqueries import subqueries
from sqlfix.fix.rules.tables_by_columns import tables_by_columns
from sqlfix.fix.rules.types import types
from sqlfix.fix.rules.where_clause import where_clause
from sqlfix.schema.model import Schema

log = logging.getLogger(__name__)
RULES = (
    identifiers, tables_by_columns, qualify, join_keys, group_by, where_clause, functions, foreign_functions, punctuation, types, bool_arguments, arity, subqueries, date_parts, date_spans, division, dialect, read_only,
)


def propose(
    sql: str, dialect_name: str, error: ExecError, schema: Schema, *, deadline: float = math.inf, previous: tuple[str, ...] = ()
) -> list[RuleFix]:
    """Run every rule on a failing query; return their distinct proposals, best-first per rule.

    Past ``deadline`` (``time.monotonic()``) no further rule starts and rules with long loops
    stop early, so a huge or pathological query costs bounded time. ``previous``: the rules
    that already edited ``sql`` in a chained repair.
    """
    ctx = RuleContext(sql=sql, dialect=dialect_name, error=error, schema=schema, deadline=deadline, previous=previous)
    seen = {sql}
    fixes = []
    for rule in RULES:
        if ctx.out_of_time():
            break
        try:
            proposals = rule(ctx)
        except Exception as exc:  # noqa: BLE001 - one rule tripping on odd SQL must not stop the others
            log.debug("rule %s failed on %r: %s", rule.__name__, sql, exc)
            continue
        for fix in proposals:
            if fix.sql not in seen:
                seen.add(fix.sql)
                fixes.append(fix)
    return fixes


__all__ = ["RULES", "RuleContext", "RuleFix", "propose"]
