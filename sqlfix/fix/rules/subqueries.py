"""Subquery and set-operation shapes: an IN subquery selecting several columns keeps the
first, a scalar subquery returning several rows becomes ``IN``, and UNION branches with
different column counts are evened out."""

from __future__ import annotations

from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import CLAUSE_STARTS, Edit, Scope, depths, scopes, splice

_SET_OPERATIONS = {TokenType.UNION, TokenType.EXCEPT, TokenType.INTERSECT}


def subqueries(ctx: RuleContext) -> list[RuleFix]:
    """Propose reshaped subqueries and set-operation branches."""
    if ctx.error.kind != ErrorKind.OTHER or not ctx.tokens:
        return []
    return _in_columns(ctx) + _scalar_to_in(ctx) + _set_operation_widths(ctx)


def _items(ctx: RuleContext, scope: Scope) -> list[tuple[int, int]]:
    """Token ranges ``[first, last]`` of each select item of ``scope``."""
    tokens, levels = ctx.tokens, depths(ctx.tokens)
    items, start = [], scope.start + 1
    if start < scope.end and tokens[start].token_type == TokenType.DISTINCT:
        start += 1
    current = start
    for index in range(start, scope.end):
        top = levels[index] == scope.depth
        if top and tokens[index].token_type in CLAUSE_STARTS:
            break
        if top and tokens[index].token_type == TokenType.COMMA:
            items.append((current, index - 1))
            current = index + 1
    else:
        index = scope.end
    items.append((current, index - 1))
    return [item for item in items if item[0] <= item[1]]


def _in_columns(ctx: RuleContext) -> list[RuleFix]:
    tokens, fixes = ctx.tokens, []
    for scope in scopes(tokens):
        if scope.start < 2 or tokens[scope.start - 1].token_type != TokenType.L_PAREN or tokens[scope.start - 2].token_type != TokenType.IN:
            continue
        items = _items(ctx, scope)
        if len(items) > 1:
            edit = Edit(tokens[items[0][1]].end + 1, tokens[items[-1][1]].end + 1, "")
            fixes.append(RuleFix(splice(ctx.sql, [edit]), "An IN subquery must select one column; kept the first.", "subqueries"))
    return fixes


def _scalar_to_in(ctx: RuleContext) -> list[RuleFix]:
    if "more than one row" not in ctx.error.message.lower():
        return []
    tokens, fixes = ctx.tokens, []
    for index, token in enumerate(tokens[:-2]):
        if token.token_type == TokenType.EQ and tokens[index + 1].token_type == TokenType.L_PAREN and tokens[index + 2].token_type == TokenType.SELECT:
            edit = Edit(token.start, token.end + 1, ctx.keyword("IN"))
            fixes.append(RuleFix(splice(ctx.sql, [edit]), "The subquery returns several rows, so `=` became `IN`.", "subqueries"))
    return fixes


def _set_operation_widths(ctx: RuleContext) -> list[RuleFix]:
    branches = [s for s in scopes(ctx.tokens) if s.depth == 0]
    if len(branches) != 2:
        return []
    widths = [_items(ctx, b) for b in branches]
    if len(widths[0]) == len(widths[1]):
        return []
    long_index = 0 if len(widths[0]) > len(widths[1]) else 1
    longer, shorter = widths[long_index], widths[1 - long_index]
    tokens, sql = ctx.tokens, ctx.sql
    drop = Edit(tokens[longer[len(shorter) - 1][1]].end + 1, tokens[longer[-1][1]].end + 1, "")
    copied = ", ".join(sql[tokens[a].start : tokens[b].end + 1] for a, b in longer[len(shorter):])
    at = tokens[shorter[-1][1]].end + 1
    pad = Edit(at, at, f", {copied}")
    why = "Both sides of a set operation must return the same number of columns"
    return [
        RuleFix(splice(sql, [drop]), f"{why}; dropped the extra columns.", "subqueries"),
        RuleFix(splice(sql, [pad]), f"{why}; added the missing columns.", "subqueries"),
    ]
