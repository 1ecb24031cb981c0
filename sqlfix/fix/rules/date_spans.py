"""A date difference missing one of its dates (``date_diff('hour', shipped_at)``): the other
date is the one other date or time column of the same table (``created_at`` beside
``shipped_at``), or, among several, the one that ends in the same word (``scheduled_arrival``
for ``actual_arrival``) or else the one sharing any word with it.

Which column, and which of the two starts the span, is a guess: both orders are proposed (the
date written as the end first), and the fix is always unsure
(``sqlfix.fix.trust.GUESSING_RULES``), so the model is asked too."""

from __future__ import annotations

import re

from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.rules.date_parts import part_name
from sqlfix.fix.text import NAME_TYPES, Edit, depths, matching_paren, splice
from sqlfix.schema.model import Table

_DIFF_FUNCTIONS = {"date_diff", "datediff", "timestamp_diff", "timestampdiff", "age"}
_TEMPORAL = re.compile(r"date|time", re.I)
# Name parts that say a column is a date, not which date it is.
_NOT_WORDS = {"at", "on", "date", "time", "ts", "dt"}


def date_spans(ctx: RuleContext) -> list[RuleFix]:
    """Propose the missing start date of a two-argument date difference."""
    if ctx.error.kind not in {ErrorKind.WRONG_ARITY, ErrorKind.TYPE_MISMATCH} or not ctx.tokens:
        return []
    if {"functions", "foreign_functions", "dialect"} & set(ctx.previous):
        return []  # after a rename the arguments are the user's, the name was the guess
    tokens, levels, fixes = ctx.tokens, depths(ctx.tokens), []
    for index in range(len(tokens) - 1):
        if tokens[index].text.lower() not in _DIFF_FUNCTIONS or tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        close = matching_paren(tokens, index + 1)
        inner = list(range(index + 2, close)) if close else []
        commas = [j for j in inner if tokens[j].token_type == TokenType.COMMA and levels[j] == levels[index] + 1]
        if len(commas) != 1 or commas[0] != index + 3:
            continue
        part = tokens[index + 2]
        if part.token_type != TokenType.STRING and not part_name(part.text):
            continue
        given = inner[inner.index(commas[0]) + 1 :]
        fixes += _with_other_date(ctx, given)
    return fixes


def _with_other_date(ctx: RuleContext, given: list[int]) -> list[RuleFix]:
    tokens = ctx.tokens
    if len(given) == 1 and tokens[given[0]].token_type in NAME_TYPES:
        qualifier, name = None, tokens[given[0]]
    elif len(given) == 3 and tokens[given[1]].token_type == TokenType.DOT:
        qualifier, name = tokens[given[0]].text, tokens[given[2]]
    else:
        return []
    table = _owner(ctx, qualifier, name.text)
    other = _counterpart(table, name.text) if table is not None else None
    if other is None:
        return []
    written = f"{qualifier}.{other}" if qualifier else other
    start, end = tokens[given[0]].start, tokens[given[-1]].end + 1
    why = f"The date difference needs a start and an end; `{written}` is the other date of `{table.name}` beside `{name.text}`."
    return [RuleFix(splice(ctx.sql, [Edit(start, start, f"{written}, ")]), why, "date_spans"),
            RuleFix(splice(ctx.sql, [Edit(end, end, f", {written}")]), why, "date_spans")]


def _owner(ctx: RuleContext, qualifier: str | None, column: str) -> Table | None:
    if qualifier:
        return ctx.aliases.get(qualifier.lower())
    owners = [t for t in ctx.query_tables if any(c.name.lower() == column.lower() for c in t.columns)]
    return owners[0] if len(owners) == 1 else None


def _counterpart(table: Table, column: str) -> str | None:
    """The one other date or time column of ``table``, or the one sharing a word with ``column``."""
    temporal = [c.name for c in table.columns if _TEMPORAL.search(c.type) and c.name.lower() != column.lower()]
    if not any(c.name.lower() == column.lower() and _TEMPORAL.search(c.type) for c in table.columns):
        return None
    if len(temporal) == 1:
        return temporal[0]
    # The head noun (a name's last word: ``scheduled_arrival`` and ``actual_arrival``) first,
    # then any shared word.
    same_head = [name for name in temporal if _words(name)[-1:] == _words(column)[-1:] != []]
    sharing = [name for name in temporal if set(_words(name)) & set(_words(column))]
    for found in (same_head, sharing):
        if len(found) == 1:
            return found[0]
    return None


def _words(name: str) -> list[str]:
    return [w for w in name.lower().split("_") if w not in _NOT_WORDS]
