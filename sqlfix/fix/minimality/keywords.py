"""Meaningful keywords a fix dropped: DISTINCT, a filter, a join or its condition, a condition,
a set operation, LIMIT or ORDER BY.

Example:
    >>> from collections import Counter
    >>> from sqlglot.tokens import TokenType
    >>> dropped_keywords(Counter({TokenType.DISTINCT: 1, TokenType.AND: 1}), Counter({TokenType.AND: 1}), frozenset(), 0)
    ['DISTINCT']
"""

from __future__ import annotations

from collections import Counter

from sqlglot.tokens import TokenType

from sqlfix.fix.minimality.profile import KEPT

def dropped_keywords(before: Counter, after: Counter, region: frozenset[TokenType], moved_to_having: int) -> list[str]:
    """Meaningful keywords the candidate has fewer of; one at the error (``AND AND``) may go,
    and a WHERE may become a HAVING or QUALIFY (an aggregate or window filtered too early)."""
    labels = []
    for kind, label in KEPT.items():
        lost = before[kind] - after[kind]
        if kind == TokenType.WHERE:
            lost -= max(0, moved_to_having)
        if kind in region:
            lost -= 1
        if lost > 0 and label not in labels:
            labels.append(label)
    return labels

