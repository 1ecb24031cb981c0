"""What of a query a minimal fix must keep: its names, calls, meaningful keywords, literal values
and the size of its SELECT and GROUP BY lists, read from its tokens.

Example:
    >>> from sqlfix.fix.text import tokenize
    >>> summary = profile(tokenize("SELECT DISTINCT a, count(b) FROM t WHERE a > 1 GROUP BY a", "duckdb"))
    >>> summary.names, dict(summary.calls), summary.select_list, summary.group_list
    (['a', 'count', 'b', 't', 'a', 'a'], {'count': 1}, (2, 6), (1, 1))
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from sqlfix.fix.text import NAME_TYPES, depths

# Keywords that carry meaning: a fix that has fewer of them dropped a filter, a join, a
# DISTINCT or a branch.
KEPT = {
    TokenType.DISTINCT: "DISTINCT",
    TokenType.WHERE: "a WHERE clause",
    TokenType.HAVING: "a HAVING clause",
    TokenType.QUALIFY: "a QUALIFY clause",
    TokenType.JOIN: "a join",
    TokenType.ON: "a join condition",
    TokenType.AND: "a condition",
    TokenType.OR: "a condition",
    TokenType.NOT: "a NOT",
    TokenType.UNION: "a set operation",
    TokenType.INTERSECT: "a set operation",
    TokenType.EXCEPT: "a set operation",
    TokenType.LIMIT: "a LIMIT",
    TokenType.ORDER_BY: "an ORDER BY",
}
# Words that may precede "(" without being a function call.
_NOT_CALLS = {
    "IN", "VALUES", "AS", "OVER", "FROM", "JOIN", "ON", "EXISTS", "USING", "WHERE", "AND", "OR", "NOT", "SELECT", "WITH",
    "HAVING", "UNION", "EXCEPT", "INTERSECT", "ALL", "ANY", "SOME", "INTO", "LATERAL", "BY", "THEN", "ELSE", "WHEN",
    "CASE", "IS", "LIKE", "ILIKE", "BETWEEN", "TABLE", "RECURSIVE", "FILTER", "WITHIN", "LIMIT", "OFFSET",
}
_WORD = re.compile(r"\w+")
# Clause keywords that end a SELECT list or a GROUP BY list at its own depth.
LIST_ENDS = {
    TokenType.FROM, TokenType.WHERE, TokenType.GROUP_BY, TokenType.HAVING, TokenType.ORDER_BY, TokenType.LIMIT,
    TokenType.OFFSET, TokenType.QUALIFY, TokenType.WINDOW, TokenType.UNION, TokenType.EXCEPT, TokenType.INTERSECT,
    TokenType.SETTINGS, TokenType.FORMAT, TokenType.FETCH, TokenType.PREWHERE, TokenType.SEMICOLON,
}


@dataclass(frozen=True)
class Profile:
    """What of a query a minimal fix must keep."""

    names: list[str]
    qualifiers: set[str]
    sources: Counter
    kept: Counter
    calls: Counter
    literal_words: set[str]
    words: Counter
    select_list: tuple[int, int]
    group_list: tuple[int, int]
    kept_lists: tuple[int, int]
    tuples: int
    commas: int


def profile(tokens: list[Token]) -> Profile:
    """What a minimal fix of the query spelled by ``tokens`` must keep."""
    levels = depths(tokens)
    names, qualifiers, calls, sources, literal_words, words = [], set(), Counter(), Counter(), set(), Counter()
    for index, token in enumerate(tokens):
        text = token.text.lower()
        words.update(_WORD.findall(text))
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        is_call = following is not None and following.token_type == TokenType.L_PAREN and _WORD.fullmatch(text) and text.upper() not in _NOT_CALLS
        if is_call:
            calls[text] += 1
            if index and tokens[index - 1].token_type in (TokenType.FROM, TokenType.JOIN):
                sources[text] += 1
        if token.token_type in NAME_TYPES:
            names.append(text)
            if following is not None and following.token_type == TokenType.DOT:
                qualifiers.add(text)
        elif token.token_type in (TokenType.STRING, TokenType.NUMBER):
            literal_words.update(_WORD.findall(text))
    kept = Counter(token.token_type for token in tokens if token.token_type in KEPT)
    return Profile(
        names=names,
        qualifiers=qualifiers,
        sources=sources,
        kept=kept,
        calls=calls,
        literal_words=literal_words,
        words=words,
        select_list=_lists(tokens, levels, TokenType.SELECT),
        group_list=_lists(tokens, levels, TokenType.GROUP_BY),
        kept_lists=(sum(t.token_type == TokenType.SELECT for t in tokens), sum(t.token_type == TokenType.GROUP_BY for t in tokens)),
        commas=sum(t.token_type == TokenType.COMMA for t in tokens),
        tuples=_bare_tuples(tokens, levels),
    )


def _bare_tuples(tokens: list[Token], levels: list[int]) -> int:
    """Parentheses holding a comma list that no function name, IN or VALUES owns, right after
    SELECT or a comma: what is left of ``f(a, b)`` when a repair cuts ``f`` off."""
    count = 0
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.L_PAREN or not index or tokens[index - 1].token_type not in (TokenType.SELECT, TokenType.COMMA):
            continue
        depth = levels[index] + 1
        for later in range(index + 1, len(tokens)):
            if levels[later] < depth:
                break
            if levels[later] == depth and tokens[later].token_type == TokenType.COMMA:
                count += 1
                break
    return count


def _lists(tokens: list[Token], levels: list[int], opener: TokenType) -> tuple[int, int]:
    """Items and non-comma tokens of every list that ``opener`` (SELECT, GROUP BY) starts."""
    items = words = 0
    for index, token in enumerate(tokens):
        if token.token_type != opener:
            continue
        depth = levels[index]
        items += 1
        for later in range(index + 1, len(tokens)):
            if levels[later] < depth or (levels[later] == depth and tokens[later].token_type in LIST_ENDS):
                break
            if levels[later] == depth and tokens[later].token_type == TokenType.COMMA:
                items += 1
            else:
                words += 1
    return items, words

