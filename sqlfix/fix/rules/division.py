"""Division by zero: each divisor becomes ``nullIf(divisor, 0)``, so a zero divisor gives NULL
(no answer for that row) instead of failing the whole query; the other rows keep their values.

Divisors are the second argument of ``intDiv``, ``modulo`` and ``divide`` calls and the
operand right of ``/``, ``%`` and ``//`` when it is one name, call or parenthesised group."""

from __future__ import annotations

from sqlglot.tokens import TokenType

from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import NAME_TYPES, Edit, depths, matching_paren, splice

_DIVIDING_CALLS = {"intdiv", "modulo", "divide", "mod"}
_DIVIDING_OPERATORS = {TokenType.SLASH, TokenType.MOD, TokenType.DIV}


def division(ctx: RuleContext) -> list[RuleFix]:
    """Propose every divisor wrapped in ``nullIf(..., 0)`` on a division-by-zero error."""
    if "division by zero" not in ctx.error.message.lower() or not ctx.tokens:
        return []
    tokens, levels, edits = ctx.tokens, depths(ctx.tokens), []
    for index, token in enumerate(tokens[:-1]):
        span = None
        if token.text.lower() in _DIVIDING_CALLS and tokens[index + 1].token_type == TokenType.L_PAREN:
            close = matching_paren(tokens, index + 1)
            commas = [j for j in range(index + 2, close or index) if tokens[j].token_type == TokenType.COMMA and levels[j] == levels[index] + 1]
            if close is not None and len(commas) == 1:
                span = (commas[0] + 1, close - 1)
        elif token.token_type in _DIVIDING_OPERATORS:
            span = _operand(tokens, index + 1)
        if span is not None and not _already_guarded(tokens, span):
            start, end = tokens[span[0]].start, tokens[span[1]].end + 1
            edits.append(Edit(start, end, f"nullIf({ctx.sql[start:end]}, 0)"))
    if not edits:
        return []
    why = "A divisor was zero; dividing by nullIf(divisor, 0) gives NULL for those rows instead of an error."
    return [RuleFix(splice(ctx.sql, edits), why, "division")]


def _operand(tokens, index: int) -> tuple[int, int] | None:
    """Token span of the one name, call or parenthesised group starting at ``index``."""
    if index >= len(tokens):
        return None
    if tokens[index].token_type == TokenType.L_PAREN:
        close = matching_paren(tokens, index)
        return (index, close) if close is not None else None
    if tokens[index].token_type in NAME_TYPES:
        end = index
        while end + 2 < len(tokens) and tokens[end + 1].token_type == TokenType.DOT:
            end += 2
        if end + 1 < len(tokens) and tokens[end + 1].token_type == TokenType.L_PAREN:
            close = matching_paren(tokens, end + 1)
            return (index, close) if close is not None else None
        return index, end
    return None


def _already_guarded(tokens, span: tuple[int, int]) -> bool:
    return tokens[span[0]].text.lower() in {"nullif", "nullifzero"}
