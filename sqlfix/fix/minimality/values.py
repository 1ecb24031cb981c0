"""Literal values of the input a fix dropped.

Example:
    >>> from sqlfix.errors import ErrorKind
    >>> from sqlfix.fix.minimality.profile import profile
    >>> from sqlfix.fix.text import tokenize
    >>> before, after = (profile(tokenize(sql, "duckdb")) for sql in ("SELECT ifnull(b, 'none') FROM t", "SELECT ifnull(b) FROM t"))
    >>> dropped_values(before, after, {ErrorKind.WRONG_ARITY})
    ['drops the value none']
"""

from __future__ import annotations

from sqlfix.errors import ErrorKind
from sqlfix.fix.minimality.profile import Profile

def dropped_values(before: Profile, after: Profile, kinds: set[ErrorKind]) -> list[str]:
    """Literal values of the input missing from the candidate; a type mismatch is fixed by
    rewriting a value, and a wrong-arity call may lose one numeric argument."""
    if ErrorKind.TYPE_MISMATCH in kinds:
        return []
    missing = sorted(before.literal_words - after.words.keys())
    if ErrorKind.WRONG_ARITY in kinds and len(missing) == 1 and missing[0].isdigit():
        return []  # the one surplus argument (round(x, 2, 0) -> round(x, 2))
    return ["drops the value " + ", ".join(missing[:3])] if missing else []

