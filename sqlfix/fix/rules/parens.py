"""Parentheses: a ``(`` left open, a ``)`` too many, a ``)`` closed too early.

The repair follows the structure around the parenthesis. A call's arguments end before the
first alias (``AS``) or clause keyword at their depth, so an open call closes there: in
``round(avg(x), 1 AS k`` before ``AS``. A grouping ``(`` closes before the ``AND`` that
follows an ``OR`` inside it. A ``)`` with nothing to close is either dropped, or taken as the
intended end of a call closed too early (``round(avg(x)), 1)``: the early ``)`` goes).
Places are ranked by whether sqlglot then parses the query and by distance from the error.
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import CLAUSE_STARTS, Edit, depths, parse, splice

MAX_CLOSE_POINTS = 5
MAX_PARSED = 8
# Calls whose arguments legitimately hold ``AS`` (a cast's type) or clause words.
_KEYWORD_CALLS = {"CAST", "TRY_CAST", "SAFE_CAST", "EXTRACT", "SUBSTRING", "TRIM", "POSITION", "OVERLAY"}
_ARGUMENT_ENDS = CLAUSE_STARTS | {TokenType.ALIAS}
_BOUNDARY = {TokenType.COMMA, TokenType.AND, TokenType.OR, TokenType.R_PAREN} | _ARGUMENT_ENDS
_NOT_CALL = CLAUSE_STARTS | {TokenType.AND, TokenType.OR, TokenType.IN, TokenType.COMMA, TokenType.EQ, TokenType.L_PAREN, TokenType.SELECT, TokenType.WHERE}


def parens(ctx: RuleContext) -> list[RuleFix]:
    """Propose closing an open ``(`` where its call or group ends, and removing or moving a stray ``)``."""
    if not ctx.tokens:
        return []
    tokens, stack, unmatched = ctx.tokens, [], []
    for index, token in enumerate(tokens):
        if token.token_type == TokenType.L_PAREN:
            stack.append(index)
        elif token.token_type == TokenType.R_PAREN:
            if stack:
                stack.pop()
            else:
                unmatched.append(index)
    fixes = []
    if unmatched:
        fixes += _stray_close(ctx, unmatched[0])
    if stack:
        fixes += _close(ctx, stack[-1])
    return fixes


def _close(ctx: RuleContext, opened: int) -> list[RuleFix]:
    tokens, levels = ctx.tokens, depths(ctx.tokens)
    inner = levels[opened] + 1
    is_call = opened > 0 and tokens[opened - 1].token_type not in _NOT_CALL
    keyword_call = is_call and tokens[opened - 1].text.upper() in _KEYWORD_CALLS
    places = []
    for j in range(opened + 2, len(tokens) + 1):
        if j < len(tokens) and not (levels[j] == inner and tokens[j].token_type in _BOUNDARY):
            continue
        if j < len(tokens) and keyword_call and tokens[j].token_type == TokenType.ALIAS:
            continue
        ends_arguments = j == len(tokens) or tokens[j].token_type in _ARGUMENT_ENDS
        if is_call:
            # The arguments end at the first alias or clause word: later places are no call's end.
            structure = 0 if ends_arguments else 1
        else:
            structure = 0 if j < len(tokens) and tokens[j].token_type == TokenType.AND else 1 if ends_arguments else 2
        places.append((structure, j))
        if is_call and ends_arguments:
            break
    at = ctx.error_index
    # Structure first, then nearness to the error; only the best few are parsed (a parse costs
    # as much as the query is long).
    places.sort(key=lambda place: (place[0], abs(place[1] - at) if is_call and at is not None else 0 if is_call else -place[1]))
    ranked = []
    for structure, j in places[:MAX_PARSED]:
        point = tokens[j - 1].end + 1
        text = splice(ctx.sql, [Edit(point, point, ")")])
        ranked.append((structure, parse(text, ctx.dialect) is None, text))
    ranked.sort(key=lambda item: item[:2])
    unique = list(dict.fromkeys(text for *_, text in ranked))
    return [RuleFix(text, "A `(` was never closed; added the `)`.", "punctuation") for text in unique[:MAX_CLOSE_POINTS]]


def _stray_close(ctx: RuleContext, index: int) -> list[RuleFix]:
    tokens, levels = ctx.tokens, depths(ctx.tokens)
    drop = RuleFix(splice(ctx.sql, [_remove(tokens, index)]), "An unmatched `)` was removed.", "punctuation")
    moves = []
    # A ``)`` earlier at the same level closed its call too early: remove it so this one closes it.
    level = levels[index] + 1
    for k in range(index - 1, 0, -1):
        if levels[k] < level or (levels[k] == level and tokens[k].token_type in CLAUSE_STARTS):
            break
        if tokens[k].token_type == TokenType.R_PAREN and levels[k] == level and _continues(tokens, k):
            moves.append(RuleFix(splice(ctx.sql, [_remove(tokens, k)]), "A `)` closed a call too early; moved it to where the call ends.", "punctuation"))
    return moves[:1] + [drop] + moves[1:2]


def _continues(tokens: list[Token], close: int) -> bool:
    """An argument list goes on after the ``)`` at ``close`` (``avg(x)), 1)``)."""
    return close + 1 < len(tokens) and tokens[close + 1].token_type == TokenType.COMMA


def _remove(tokens: list[Token], index: int) -> Edit:
    return Edit(tokens[index].start, tokens[index].end + 1, "")
