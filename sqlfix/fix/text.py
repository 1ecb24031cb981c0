"""Edits on the user's original text: tokens with character spans, splicing, clause spans.

Rules locate what to change with sqlglot's tokenizer and parser, but apply the change to the
original text at the offending span, so formatting, casing and untouched parts stay exactly
as the user wrote them.

Example:
    >>> splice("SELECT nme FROM t", [Edit(7, 10, "name")])
    'SELECT name FROM t'
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot.tokens import Token, TokenType

from sqlfix.errors import SQLGLOT_FAILURES

# Tokens that can name a column, table or alias (keywords that are also valid names included).
NAME_TYPES = {TokenType.VAR, TokenType.IDENTIFIER}

# Top-level clause starts: where a clause of the current query level ends.
CLAUSE_STARTS = {
    TokenType.FROM,
    TokenType.WHERE,
    TokenType.GROUP_BY,
    TokenType.HAVING,
    TokenType.ORDER_BY,
    TokenType.LIMIT,
    TokenType.OFFSET,
    TokenType.QUALIFY,
    TokenType.WINDOW,
    TokenType.UNION,
    TokenType.EXCEPT,
    TokenType.INTERSECT,
    TokenType.SETTINGS,
    TokenType.FORMAT,
    TokenType.FETCH,
    TokenType.PREWHERE,
}


@dataclass(frozen=True)
class Edit:
    """Replace ``sql[start:end]`` with ``text`` (``end`` exclusive)."""

    start: int
    end: int
    text: str


def splice(sql: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits to ``sql`` (in any order) and return the new text."""
    result = sql
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        result = result[: edit.start] + edit.text + result[edit.end :]
    return result


def tokenize(sql: str, dialect: str) -> list[Token] | None:
    """Return sqlglot's tokens of ``sql`` (with ``start``/``end`` offsets), or None when the
    text cannot be tokenized (an unterminated string or comment)."""
    try:
        return list(sqlglot.tokenize(sql, read=dialect))
    except SQLGLOT_FAILURES:
        return None


def parse(sql: str, dialect: str) -> sqlglot.exp.Expression | None:
    """Parse one statement, or return None when sqlglot cannot."""
    try:
        return sqlglot.parse_one(sql, read=dialect)
    except SQLGLOT_FAILURES:
        return None


def token_span(token: Token) -> tuple[int, int]:
    """Return the ``[start, end)`` character span of ``token``."""
    return token.start, token.end + 1


def depths(tokens: list[Token]) -> list[int]:
    """Return the parenthesis depth of each token (a ``(`` has the depth outside it)."""
    result, depth = [], 0
    for token in tokens:
        if token.token_type == TokenType.R_PAREN:
            depth -= 1
        result.append(depth)
        if token.token_type == TokenType.L_PAREN:
            depth += 1
    return result


def matching_paren(tokens: list[Token], open_index: int) -> int | None:
    """Return the index of the ``)`` closing the ``(`` at ``open_index``, or None."""
    depth = 0
    for index in range(open_index, len(tokens)):
        kind = tokens[index].token_type
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return index
    return None


def token_at(tokens: list[Token], position: int) -> int | None:
    """Return the index of the first token that ends at or after ``position``."""
    for index, token in enumerate(tokens):
        if token.end >= position:
            return index
    return None


def is_name_use(tokens: list[Token], index: int) -> bool:
    """True when the token at ``index`` is a bare name (not a function name, not after ``AS``)."""
    token = tokens[index]
    if token.token_type not in NAME_TYPES:
        return False
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is not None and following.token_type == TokenType.L_PAREN:
        return False
    return True


@dataclass(frozen=True)
class Scope:
    """One ``SELECT`` level of a query: token indexes ``[start, end)`` at paren ``depth``."""

    start: int
    end: int
    depth: int


def scopes(tokens: list[Token]) -> list[Scope]:
    """Return every SELECT level: the outer query, each set-operation branch and every
    parenthesised subquery or CTE body, innermost last."""
    levels = depths(tokens)
    found = []
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.SELECT:
            continue
        depth = levels[index]
        end = index + 1
        while end < len(tokens):
            if levels[end] < depth:
                break
            if levels[end] == depth and tokens[end].token_type in {TokenType.UNION, TokenType.EXCEPT, TokenType.INTERSECT}:
                break
            end += 1
        found.append(Scope(index, end, depth))
    return found


def clause_span(tokens: list[Token], scope: Scope, clause: TokenType) -> tuple[int, int] | None:
    """Return token indexes ``(keyword, end)`` of ``clause`` at the top level of ``scope``:
    the keyword's index and the index just past the clause's last token."""
    levels = depths(tokens)
    for index in range(scope.start, scope.end):
        if tokens[index].token_type == clause and levels[index] == scope.depth:
            end = index + 1
            while end < scope.end and not (
                levels[end] == scope.depth and tokens[end].token_type in CLAUSE_STARTS
            ):
                end += 1
            return index, end
    return None


def scope_text(sql: str, tokens: list[Token], scope: Scope) -> str:
    """Return the original text of ``scope``."""
    return sql[tokens[scope.start].start : tokens[scope.end - 1].end + 1]
