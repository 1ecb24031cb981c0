"""GROUP BY completion: add non-aggregated select items to GROUP BY, and move aggregate
conditions from WHERE to HAVING."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokens import TokenType

from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import CLAUSE_STARTS, Edit, Scope, clause_span, depths, parse, scopes, splice

# Clauses that come after GROUP BY: a new GROUP BY goes before the first of them.
_AFTER_GROUP_BY = {
    TokenType.HAVING, TokenType.ORDER_BY, TokenType.LIMIT, TokenType.OFFSET, TokenType.QUALIFY,
    TokenType.WINDOW, TokenType.SETTINGS, TokenType.FORMAT, TokenType.FETCH, TokenType.UNION,
    TokenType.EXCEPT, TokenType.INTERSECT,
}


def group_by(ctx: RuleContext) -> list[RuleFix]:
    """Propose GROUP BY completions and WHERE→HAVING moves in every SELECT level."""
    if not ctx.tokens:
        return []
    fixes = []
    for scope in scopes(ctx.tokens):
        fixes.extend(_complete_group_by(ctx, scope))
        fixes.extend(_where_to_having(ctx, scope))
    return fixes


def _select_items(ctx: RuleContext, scope: Scope) -> list[tuple[str, str | None, exp.Expression]]:
    """``(expression text as written, alias, parsed expression)`` of each select item of ``scope``."""
    tokens, levels = ctx.tokens, depths(ctx.tokens)
    start = scope.start + 1
    if start < scope.end and tokens[start].token_type == TokenType.DISTINCT:
        start += 1
    items, current = [], []
    for index in range(start, scope.end):
        token = tokens[index]
        if levels[index] == scope.depth and token.token_type in CLAUSE_STARTS:
            break
        if levels[index] == scope.depth and token.token_type == TokenType.COMMA:
            items.append(current)
            current = []
        else:
            current.append(index)
    items.append(current)
    result = []
    for item in (i for i in items if i):
        text = ctx.sql[tokens[item[0]].start : tokens[item[-1]].end + 1]
        node = parse(f"SELECT {text}", ctx.dialect)
        if node is None or not isinstance(node, exp.Select) or not node.expressions:
            return []
        expression = node.expressions[0]
        alias = expression.alias or None
        if alias and len(item) > 1:
            cut = -2 if tokens[item[-2]].token_type == TokenType.ALIAS else -1
            text = ctx.sql[tokens[item[0]].start : tokens[item[cut - 1]].end + 1]
        result.append((text, alias, expression.unalias()))
    return result


def _aggregates(expression: exp.Expression) -> bool:
    return any(not node.find_ancestor(exp.Window) for node in expression.find_all(exp.AggFunc))


def _is_grouping_needed(expression: exp.Expression) -> bool:
    if isinstance(expression, (exp.Literal, exp.Star, exp.Null, exp.Boolean)) or _aggregates(expression):
        return False
    return expression.find(exp.Column) is not None


def _complete_group_by(ctx: RuleContext, scope: Scope) -> list[RuleFix]:
    items = _select_items(ctx, scope)
    has_aggregate = any(_aggregates(e) for _, _, e in items)
    grouped = clause_span(ctx.tokens, scope, TokenType.GROUP_BY)
    if not items or not (has_aggregate or grouped):
        return []
    tokens = ctx.tokens
    group_texts: set[str] = set()
    if grouped:
        body = ctx.sql[tokens[grouped[0]].end + 1 : tokens[grouped[1] - 1].end + 1]
        group_texts = {part.strip().lower() for part in body.split(",")}
    missing = []
    for position, (text, alias, expression) in enumerate(items, start=1):
        spelled = {text.strip().lower(), str(position)} | ({alias.lower()} if alias else set())
        if _is_grouping_needed(expression) and not (spelled & group_texts):
            missing.append(text.strip())
    if not missing:
        return []
    listed = ", ".join(missing)
    if grouped:
        at = tokens[grouped[1] - 1].end + 1
        edit = Edit(at, at, f", {listed}")
    else:
        at = _insertion_point(ctx, scope)
        edit = Edit(at, at, f" {ctx.keyword('GROUP BY')} {listed}")
    explanation = f"{_quoted(missing)} must be grouped when the query aggregates; added to GROUP BY."
    return [RuleFix(splice(ctx.sql, [edit]), explanation, "group_by")]


def _insertion_point(ctx: RuleContext, scope: Scope) -> int:
    tokens, levels = ctx.tokens, depths(ctx.tokens)
    for index in range(scope.start, scope.end):
        if levels[index] == scope.depth and tokens[index].token_type in _AFTER_GROUP_BY:
            return tokens[index - 1].end + 1
    return tokens[scope.end - 1].end + 1


def _where_to_having(ctx: RuleContext, scope: Scope) -> list[RuleFix]:
    where = clause_span(ctx.tokens, scope, TokenType.WHERE)
    if where is None:
        return []
    tokens = ctx.tokens
    parts = conjuncts(ctx, scope, where[0] + 1, where[1])
    moved = [text for text in parts if _has_aggregate(ctx, text)]
    if not moved:
        return []
    kept = [text for text in parts if text not in moved]
    joiner = f" {ctx.keyword('AND')} "
    where_start = tokens[where[0]].start
    where_end = tokens[where[1] - 1].end + 1
    if kept:
        edits = [Edit(where_start, where_end, f"{tokens[where[0]].text} {joiner.join(kept)}")]
    else:
        edits = [Edit(tokens[where[0] - 1].end + 1, where_end, "")]
    having = clause_span(tokens, scope, TokenType.HAVING)
    condition = joiner.join(moved)
    if having:
        at = tokens[having[1] - 1].end + 1
        edits.append(Edit(at, at, f"{joiner}{condition}"))
    else:
        grouped = clause_span(tokens, scope, TokenType.GROUP_BY)
        at = tokens[grouped[1] - 1].end + 1 if grouped else where_end
        edits.append(Edit(at, at, f" {ctx.keyword('HAVING')} {condition}"))
    explanation = f"Aggregates cannot be filtered in WHERE; {_quoted(moved)} moved to HAVING."
    return [RuleFix(splice(ctx.sql, edits), explanation, "group_by")]


def conjuncts(ctx: RuleContext, scope: Scope, start: int, end: int) -> list[str]:
    """The texts of the top-level AND-ed conditions between tokens ``start`` and ``end`` of
    ``scope`` (the AND of a BETWEEN does not split)."""
    tokens, levels = ctx.tokens, depths(ctx.tokens)
    parts, current, pending_between = [], [], False
    for index in range(start, end):
        token = tokens[index]
        top = levels[index] == scope.depth
        if top and token.token_type == TokenType.BETWEEN:
            pending_between = True
        if top and token.token_type == TokenType.AND and not pending_between:
            parts.append(current)
            current = []
            continue
        if top and token.token_type == TokenType.AND:
            pending_between = False
        current.append(index)
    parts.append(current)
    return [ctx.sql[tokens[p[0]].start : tokens[p[-1]].end + 1] for p in parts if p]


def _has_aggregate(ctx: RuleContext, condition: str) -> bool:
    node = parse(f"SELECT 1 WHERE {condition}", ctx.dialect)
    return node is not None and any(not n.find_ancestor(exp.Subquery) for n in node.find_all(exp.AggFunc))


def _quoted(texts: list[str]) -> str:
    return ", ".join(f"`{t}`" for t in texts)
