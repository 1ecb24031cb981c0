"""A boolean column passed to a numeric function (``avg(in_stock)``: the share of rows where it
holds, ``sum(is_remote)``: how many): the engine has no such overload, so the column is cast
to an integer (true = 1, false = 0), which is what the call means."""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import NAME_TYPES, Edit, splice

# DuckDB: "argument types 'avg(BOOLEAN)'"; ClickHouse: "Illegal type Bool of argument for aggregate function sum".
_BOOL_CALL = (re.compile(r"'(\w+)\(BOOLEAN\)'"), re.compile(r"Illegal type Bool of argument (?:of|for) (?:aggregate )?function (\w+)"))


def bool_arguments(ctx: RuleContext) -> list[RuleFix]:
    """Propose the boolean argument of the function the error names cast to an integer."""
    if ctx.error.kind != ErrorKind.TYPE_MISMATCH or not ctx.tokens:
        return []
    names = {m.group(1).lower() for pattern in _BOOL_CALL for m in pattern.finditer(ctx.error.message)}
    if not names:
        return []
    tokens, edits = ctx.tokens, []
    for index in range(len(tokens) - 3):
        if tokens[index].text.lower() not in names or tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        start = index + 2
        if start < len(tokens) and tokens[start].token_type == TokenType.DISTINCT:
            start += 1
        end = start
        while end + 2 < len(tokens) and tokens[end + 1].token_type == TokenType.DOT:
            end += 2
        if end + 1 >= len(tokens) or tokens[end + 1].token_type != TokenType.R_PAREN or tokens[end].token_type not in NAME_TYPES:
            continue
        if _is_boolean(ctx, tokens[end].text, tokens[start].text if end > start else None):
            text = ctx.sql[tokens[start].start : tokens[end].end + 1]
            cast = exp.cast(exp.column(tokens[end].text), "INT").sql(dialect=ctx.dialect).replace(tokens[end].text, text, 1)
            edits.append(Edit(tokens[start].start, tokens[end].end + 1, cast))
    if not edits:
        return []
    return [RuleFix(splice(ctx.sql, edits), "A boolean has no average or sum; cast to an integer it counts the true rows.", "bool_arguments")]


def _is_boolean(ctx: RuleContext, column: str, qualifier: str | None) -> bool:
    tables = [ctx.aliases[qualifier.lower()]] if qualifier and qualifier.lower() in ctx.aliases else ctx.query_tables
    types = [c.type for t in tables for c in t.columns if c.name.lower() == column.lower()]
    return len(types) == 1 and "bool" in types[0].lower()
