"""Commas: stray ones removed, a missing one inserted where the query's structure takes one.

A missing comma is tried at every token boundary near the parser's error position where one
expression ends and the next begins, inside a list that takes commas (a SELECT, GROUP BY or
ORDER BY list, a call's arguments, an ``IN (...)`` list). The places are ranked by whether
sqlglot then parses the query, then by distance from the error position, so a comma never
lands between a function's name and its ``(``.
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import CLAUSE_STARTS, Edit, depths, parse, splice

# Boundaries tried on each side of the error position.
WINDOW = 4
MAX_PLACES = 3
_ENDS_EXPRESSION = {
    TokenType.VAR, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.STRING, TokenType.R_PAREN, TokenType.STAR,
    TokenType.NULL, TokenType.TRUE, TokenType.FALSE, TokenType.END, TokenType.ASC, TokenType.DESC,
}  # fmt: skip
_STARTS_EXPRESSION = {
    TokenType.VAR, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.STRING, TokenType.CASE, TokenType.NULL,
    TokenType.TRUE, TokenType.FALSE, TokenType.L_PAREN,
}  # fmt: skip
# Keywords after which a list of comma-separated expressions follows at the same depth.
_LIST_HEADS = {TokenType.SELECT, TokenType.GROUP_BY, TokenType.ORDER_BY, TokenType.DISTINCT, TokenType.PARTITION_BY}


def commas(ctx: RuleContext) -> list[RuleFix]:
    """Propose removing stray commas and inserting a missing one near the error."""
    if not ctx.tokens:
        return []
    return _stray(ctx) + _missing(ctx)


def _stray(ctx: RuleContext) -> list[RuleFix]:
    tokens, fixes = ctx.tokens, []
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.COMMA:
            continue
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        prev = tokens[index - 1] if index else None
        stray = (
            nxt is None
            or nxt.token_type in CLAUSE_STARTS | {TokenType.COMMA, TokenType.R_PAREN}
            or (prev is not None and prev.token_type in {TokenType.SELECT, TokenType.L_PAREN})
        )
        if stray:
            edit = Edit(gap_start(ctx, index), token.end + 1, "")
            fixes.append(RuleFix(splice(ctx.sql, [edit]), "A stray comma was removed.", "punctuation"))
    return fixes


def _missing(ctx: RuleContext) -> list[RuleFix]:
    if ctx.error.kind not in {ErrorKind.SYNTAX, ErrorKind.DIALECT}:
        return []
    at = ctx.error_index
    if at is None:
        return []
    tokens, levels = ctx.tokens, depths(ctx.tokens)
    places = []
    for boundary in range(max(1, at - WINDOW), min(len(tokens), at + 2)):
        if not _takes_comma(tokens, levels, boundary):
            continue
        text = splice(ctx.sql, [Edit(tokens[boundary - 1].end + 1, tokens[boundary - 1].end + 1, ",")])
        parses = parse(text, ctx.dialect) is not None
        places.append((not parses, abs(boundary - at), boundary, text))
    places.sort()
    return [
        RuleFix(text, f"A comma was missing before `{tokens[boundary].text}`.", "punctuation")
        for _, _, boundary, text in places[:MAX_PLACES]
    ]


def _takes_comma(tokens: list[Token], levels: list[int], boundary: int) -> bool:
    """Whether a comma fits between ``tokens[boundary - 1]`` and ``tokens[boundary]``: one
    expression ends there, another begins, and the two sit in a comma-separated list."""
    before, after = tokens[boundary - 1], tokens[boundary]
    if before.token_type not in _ENDS_EXPRESSION or not (after.token_type in _STARTS_EXPRESSION or _is_call(tokens, boundary)):
        return False
    if after.token_type == TokenType.L_PAREN and before.token_type in {TokenType.VAR, TokenType.IDENTIFIER}:
        return False  # ``name(`` is a call, never ``name,(``
    if boundary >= 2 and tokens[boundary - 2].token_type == TokenType.DOT:
        return before.token_type in {TokenType.VAR, TokenType.IDENTIFIER}
    return _in_list(tokens, levels, boundary)


def _is_call(tokens: list[Token], index: int) -> bool:
    return index + 1 < len(tokens) and tokens[index + 1].token_type == TokenType.L_PAREN and tokens[index].token_type not in {
        TokenType.L_PAREN, TokenType.R_PAREN, TokenType.COMMA,
    }  # fmt: skip


def _in_list(tokens: list[Token], levels: list[int], boundary: int) -> bool:
    """The boundary sits in a SELECT/GROUP BY/ORDER BY list or inside a call's or IN's parentheses."""
    depth = levels[boundary]
    for index in range(boundary - 1, -1, -1):
        token = tokens[index]
        if levels[index] < depth and token.token_type == TokenType.L_PAREN:
            opener = tokens[index - 1] if index else None
            # A call's arguments, an IN list, a VALUES row; not a subquery's or a condition's group.
            return opener is not None and (opener.token_type in {TokenType.IN, TokenType.VALUES} or _is_call(tokens, index - 1))
        if levels[index] == depth and token.token_type in CLAUSE_STARTS | _LIST_HEADS | {TokenType.ON, TokenType.JOIN}:
            return token.token_type in _LIST_HEADS
    return False


def gap_start(ctx: RuleContext, index: int) -> int:
    """Start of the whitespace before token ``index`` (so deleting it leaves no double space)."""
    start = ctx.tokens[index].start
    return ctx.tokens[index - 1].end + 1 if index and ctx.sql[start - 1 : start].isspace() else start
