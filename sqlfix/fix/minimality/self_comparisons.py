"""Names a query compares with themselves (``p.id = p.id``): what a rename of the wrong side of
a join key leaves, a condition always true."""

from __future__ import annotations

from collections import Counter

from sqlglot.tokens import Token, TokenType

from sqlfix.fix.text import NAME_TYPES

def self_comparisons(tokens: list[Token]) -> Counter:
    """How often each name is compared with itself (``p.id = p.id``): the join key a rename
    of the wrong side leaves, which keeps every pair of rows.

    Example:
        >>> from sqlfix.fix.text import tokenize
        >>> dict(self_comparisons(tokenize("SELECT 1 FROM a p JOIN b o ON p.id = p.id", "duckdb")))
        {'p.id': 1}
    """
    found: Counter = Counter()
    for at, token in enumerate(tokens):
        if token.token_type == TokenType.EQ:
            left, right = _name_before(tokens, at), _name_after(tokens, at)
            if left and left == right:
                found[left] += 1
    return found


def _name_before(tokens: list[Token], at: int) -> str:
    start = at
    while start > 0 and (tokens[start - 1].token_type in NAME_TYPES or tokens[start - 1].token_type == TokenType.DOT):
        start -= 1
    return ".".join(t.text.lower() for t in tokens[start:at] if t.token_type != TokenType.DOT)


def _name_after(tokens: list[Token], at: int) -> str:
    end = at + 1
    while end < len(tokens) and (tokens[end].token_type in NAME_TYPES or tokens[end].token_type == TokenType.DOT):
        end += 1
    return ".".join(t.text.lower() for t in tokens[at + 1:end] if t.token_type != TokenType.DOT)

