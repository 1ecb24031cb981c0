"""Items a fix added to a SELECT or GROUP BY list, and the names a query groups by.

Example:
    >>> adds_items((2, 9), (3, 9), 1)  # a missing comma put back: one item split in two
    False
    >>> adds_items((2, 9), (3, 10), 1)  # a new token too: an item the query did not have
    True
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

from sqlfix.fix.minimality.profile import LIST_ENDS
from sqlfix.fix.text import NAME_TYPES, depths

def adds_items(before: tuple[int, int], after: tuple[int, int], commas: int) -> bool:
    """More items than the inserted commas split off, or more items made of new tokens: a
    missing comma between two expressions splits one item in two without adding anything."""
    grown = after[0] - before[0]
    return grown > max(0, commas) or (grown > 0 and after[1] > before[1])


def group_names(tokens: list[Token]) -> set[str]:
    """Lower-cased names in every GROUP BY list of ``tokens``."""
    levels, names = depths(tokens), set()
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.GROUP_BY:
            continue
        for later in range(index + 1, len(tokens)):
            if levels[later] < levels[index] or (levels[later] == levels[index] and tokens[later].token_type in LIST_ENDS):
                break
            if tokens[later].token_type in NAME_TYPES:
                names.add(tokens[later].text.lower())
    return names

