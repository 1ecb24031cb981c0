"""WHERE conditions the engine evaluates before what they test exists.

* A window function in WHERE (``WHERE row_number() OVER (...) = 1``): the condition moves to
  ``QUALIFY``, the clause that filters on window results (DuckDB and ClickHouse both have it).
* An aggregate in the WHERE of a query that neither groups nor aggregates (``WHERE salary =
  max(salary)``): the aggregate is over the whole table, so it becomes a scalar subquery over
  the query's own FROM clause. Only when that condition is the WHERE's one condition: beside
  others, whether the aggregate should see them too is a guess. (A grouping query's aggregate
  condition moves to HAVING instead: ``group_by.py``.)"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.rules.group_by import conjuncts
from sqlfix.fix.text import Edit, Scope, clause_span, depths, matching_paren, parse, scopes, splice

# Clauses QUALIFY goes in front of.
_AFTER_QUALIFY = {TokenType.ORDER_BY, TokenType.LIMIT, TokenType.OFFSET, TokenType.SETTINGS, TokenType.FORMAT, TokenType.FETCH}


def where_clause(ctx: RuleContext) -> list[RuleFix]:
    """Propose window conditions moved to QUALIFY and whole-table aggregates made subqueries."""
    if ctx.error.kind not in {ErrorKind.GROUP_BY, ErrorKind.OTHER} or not ctx.tokens:
        return []
    fixes = []
    for scope in scopes(ctx.tokens):
        where = clause_span(ctx.tokens, scope, TokenType.WHERE)
        if where is None:
            continue
        fixes += _window_to_qualify(ctx, scope, where)
        fixes += _aggregate_to_subquery(ctx, scope, where)
    return fixes


def _condition(ctx: RuleContext, text: str) -> exp.Expression | None:
    tree = parse(f"SELECT 1 WHERE {text}", ctx.dialect)
    return tree.args.get("where") if tree is not None else None


def _outside_subqueries(node: exp.Expression, kind: type) -> bool:
    return any(not found.find_ancestor(exp.Subquery) for found in node.find_all(kind))


def _window_to_qualify(ctx: RuleContext, scope: Scope, where: tuple[int, int]) -> list[RuleFix]:
    if clause_span(ctx.tokens, scope, TokenType.QUALIFY) is not None:
        return []
    tokens, parts = ctx.tokens, conjuncts(ctx, scope, where[0] + 1, where[1])
    moved = [text for text in parts if (node := _condition(ctx, text)) is not None and _outside_subqueries(node, exp.Window)]
    if not moved:
        return []
    kept = [text for text in parts if text not in moved]
    joiner = f" {ctx.keyword('AND')} "
    where_end = tokens[where[1] - 1].end + 1
    if kept:
        edits = [Edit(tokens[where[0]].start, where_end, f"{tokens[where[0]].text} {joiner.join(kept)}")]
    else:
        edits = [Edit(tokens[where[0] - 1].end + 1, where_end, "")]
    levels = depths(tokens)
    later = next((i for i in range(where[1], scope.end) if levels[i] == scope.depth and tokens[i].token_type in _AFTER_QUALIFY), None)
    at = tokens[later - 1].end + 1 if later is not None else tokens[scope.end - 1].end + 1
    edits.append(Edit(at, at, f" {ctx.keyword('QUALIFY')} {joiner.join(moved)}"))
    why = "A window function's result does not exist yet when WHERE filters; QUALIFY filters on it."
    return [RuleFix(splice(ctx.sql, edits), why, "where_clause")]


def _aggregate_to_subquery(ctx: RuleContext, scope: Scope, where: tuple[int, int]) -> list[RuleFix]:
    tokens = ctx.tokens
    parts = conjuncts(ctx, scope, where[0] + 1, where[1])
    source = clause_span(tokens, scope, TokenType.FROM)
    if len(parts) != 1 or source is None or clause_span(tokens, scope, TokenType.GROUP_BY) is not None:
        return []
    if any(tokens[i].token_type == TokenType.OVER for i in range(where[0], where[1])):
        return []  # a window condition: QUALIFY
    items = parse(ctx.sql[tokens[scope.start].start : tokens[source[0]].start], ctx.dialect)
    if items is None or _outside_subqueries(items, exp.AggFunc):
        return []  # an aggregating query: its aggregate condition belongs in HAVING
    from_text = ctx.sql[tokens[source[0]].start : tokens[source[1] - 1].end + 1]
    edits = []
    index = where[0] + 1
    while index < where[1] - 1:
        close = matching_paren(tokens, index + 1) if tokens[index + 1].token_type == TokenType.L_PAREN else None
        call = ctx.sql[tokens[index].start : tokens[close].end + 1] if close is not None else None
        if call is not None and _is_aggregate_call(ctx, call):
            edits.append(Edit(tokens[index].start, tokens[close].end + 1, f"({ctx.keyword('SELECT')} {call} {from_text})"))
            index = close + 1
            continue
        if tokens[index].token_type == TokenType.SELECT:
            return []  # a subquery in the condition: its aggregates are its own
        index += 1
    if not edits:
        return []
    why = "An aggregate cannot be filtered on in WHERE; over the whole table it is a subquery."
    return [RuleFix(splice(ctx.sql, edits), why, "where_clause")]


def _is_aggregate_call(ctx: RuleContext, call: str) -> bool:
    tree = parse(f"SELECT {call}", ctx.dialect)
    return tree is not None and len(tree.expressions) == 1 and isinstance(tree.expressions[0], exp.AggFunc)
