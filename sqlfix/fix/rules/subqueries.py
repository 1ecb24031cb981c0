"""Subquery and set-operation shapes: an IN subquery selecting several columns keeps the
first, a scalar subquery returning several rows becomes ``IN``, or, when it returns one row
per group of a column the outer query fixes to one value (``(SELECT avg(price) FROM products
GROUP BY category) ... WHERE category = 'Toys'``), keeps that group's row; and a second UNION
branch is made as wide as the first."""

from __future__ import annotations

from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import CLAUSE_STARTS, NAME_TYPES, Edit, Scope, clause_span, depths, scopes, splice

_SET_OPERATIONS = {TokenType.UNION, TokenType.EXCEPT, TokenType.INTERSECT}


def subqueries(ctx: RuleContext) -> list[RuleFix]:
    """Propose reshaped subqueries and set-operation branches."""
    if ctx.error.kind != ErrorKind.OTHER or not ctx.tokens:
        return []
    return _in_columns(ctx) + _scalar_to_in(ctx) + _grouped_scalar(ctx) + _set_operation_widths(ctx)


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


def _grouped_scalar(ctx: RuleContext) -> list[RuleFix]:
    """A subquery grouped by one column whose value the outer WHERE fixes: its GROUP BY becomes
    that WHERE condition, so it returns the one group the outer rows belong to."""
    if "more than one row" not in ctx.error.message.lower():
        return []
    tokens, all_scopes, fixes = ctx.tokens, scopes(ctx.tokens), []
    outer = [s for s in all_scopes if s.depth == 0]
    if len(outer) != 1:
        return []
    fixed = _fixed_values(ctx, outer[0])
    for scope in all_scopes:
        grouped = clause_span(tokens, scope, TokenType.GROUP_BY) if scope.depth > 0 else None
        if grouped is None or clause_span(tokens, scope, TokenType.WHERE) is not None or grouped[1] - grouped[0] != 2:
            continue
        key = tokens[grouped[0] + 1].text.lower()
        if key in fixed:
            keyword = tokens[grouped[0]]
            edit = Edit(keyword.start, tokens[grouped[1] - 1].end + 1, f"{ctx.keyword('WHERE')} {tokens[grouped[0] + 1].text} = {fixed[key]}")
            why = f"The subquery returns one row per `{key}`; the outer query wants only {fixed[key]}'s."
            fixes.append(RuleFix(splice(ctx.sql, [edit]), why, "subqueries"))
    return fixes


def _fixed_values(ctx: RuleContext, scope: Scope) -> dict[str, str]:
    """Columns the top-level WHERE of ``scope`` sets equal to a literal: name -> literal text."""
    where = clause_span(ctx.tokens, scope, TokenType.WHERE)
    if where is None:
        return {}
    tokens, levels, found = ctx.tokens, depths(ctx.tokens), {}
    for index in range(where[0] + 1, where[1] - 2):
        name, equals, value = tokens[index : index + 3]
        if (levels[index] == scope.depth and name.token_type in NAME_TYPES and equals.token_type == TokenType.EQ
                and value.token_type in {TokenType.STRING, TokenType.NUMBER} and tokens[index - 1].token_type in {TokenType.WHERE, TokenType.AND}):
            end = tokens[index + 3] if index + 3 < len(tokens) else None
            if end is None or end.token_type in {TokenType.AND} | CLAUSE_STARTS or levels[index + 3] < scope.depth:
                found[name.text.lower()] = ctx.sql[value.start : value.end + 1]
    return found


def _set_operation_widths(ctx: RuleContext) -> list[RuleFix]:
    """The first branch sets the result's shape. A wider second branch loses its extra
    trailing columns; a narrower second branch gets the columns it lacks, copied from the
    first at the same place, unless one is a literal label (each branch has its own, and no
    fix beats a wrong label) other than the name of the one table its branch reads
    (``SELECT 'users' AS source, count(*) FROM users UNION ALL SELECT count(*) FROM orders``:
    the second branch's label is ``'orders'``)."""
    branches = [s for s in scopes(ctx.tokens) if s.depth == 0]
    if len(branches) != 2:
        return []
    first, second = (_items(ctx, b) for b in branches)
    if len(first) == len(second) or not first or not second:
        return []
    tokens, sql = ctx.tokens, ctx.sql
    why = "Both sides of a set operation must return the same number of columns"
    if len(second) > len(first):
        drop = Edit(tokens[second[len(first) - 1][1]].end + 1, tokens[second[-1][1]].end + 1, "")
        return [RuleFix(splice(sql, [drop]), f"{why}; the second dropped the columns the first lacks.", "subqueries")]
    texts = [_item_key(ctx, item) for item in first]
    kept = [_item_key(ctx, item) for item in second]
    if any(k not in texts for k in kept) or [t for t in texts if t in kept] != kept:
        return []  # the narrower branch's columns are not a subsequence of the wider one's
    edits, cursor = [], 0
    for item, key in zip(first, texts):
        if cursor < len(kept) and key == kept[cursor]:
            cursor += 1
            continue
        if _copyable(tokens[item[0] : item[1] + 1]):
            text = sql[tokens[item[0]].start : tokens[item[1]].end + 1]
        else:
            text = _table_label(ctx, tokens[item[0]], branches)
            if text is None:
                return []
        if cursor == 0:
            at = tokens[second[0][0]].start
            edits.append(Edit(at, at, f"{text}, "))
        else:
            at = tokens[second[cursor - 1][1]].end + 1
            edits.append(Edit(at, at, f", {text}"))
    return [RuleFix(splice(sql, edits), f"{why}; added the missing columns.", "subqueries")] if edits else []


def _table_label(ctx: RuleContext, first, branches: list[Scope]) -> str | None:
    """The second branch's label when the first branch's label (token ``first``) is the
    name of the one table the first branch reads: the one table the second reads, alike quoted."""
    if first.token_type != TokenType.STRING:
        return None
    tables = [_only_table(ctx, branch) for branch in branches]
    if None in tables or tables[0].lower() != first.text.lower() or tables[0].lower() == tables[1].lower():
        return None
    return f"'{tables[1]}'"


def _only_table(ctx: RuleContext, scope: Scope) -> str | None:
    """The one table a SELECT level reads (``FROM t [alias]`` and nothing else), else None."""
    tokens, levels = ctx.tokens, depths(ctx.tokens)
    start = next((i for i in range(scope.start, scope.end) if tokens[i].token_type == TokenType.FROM and levels[i] == scope.depth), None)
    if start is None or start + 1 >= scope.end or tokens[start + 1].token_type not in NAME_TYPES:
        return None
    for index in range(start + 2, scope.end):
        if levels[index] == scope.depth and tokens[index].token_type in CLAUSE_STARTS:
            break
        if tokens[index].token_type in {TokenType.COMMA, TokenType.JOIN, TokenType.L_PAREN, TokenType.DOT}:
            return None
    return tokens[start + 1].text


def _item_key(ctx: RuleContext, item: tuple[int, int]) -> str:
    """A select item's expression without its alias, for matching items across branches."""
    tokens = ctx.tokens[item[0] : item[1] + 1]
    if len(tokens) > 2 and tokens[-2].token_type == TokenType.ALIAS:
        tokens = tokens[:-2]
    return " ".join(t.text.lower() for t in tokens)


def _copyable(tokens) -> bool:
    """Columns and expressions over them; not a literal label (each branch has its own)."""
    return any(t.token_type in NAME_TYPES for t in tokens) and not any(t.token_type in {TokenType.STRING, TokenType.NUMBER} for t in tokens)
