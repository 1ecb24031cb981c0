"""Text a user, a client or a model hands in: what no engine or parser should be given.

A lone surrogate (what invalid UTF-8 becomes when read leniently, or a ``"\\udcff"`` JSON
escape) crashes DuckDB's binding and cannot be sent to ClickHouse; a NUL character ends the
text early for ClickHouse's C interface, so the engine would run less than the guard checked.

Example:
    >>> text_problem("SELECT 1\\x00")
    'a NUL character at offset 8'
    >>> text_problem("SELECT 'é'") is None
    True
"""

from __future__ import annotations

import re

from sqlfix.errors import SqlfixError

_BAD = re.compile("[\x00\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Describe the first character of ``text`` no engine may receive, or None when there is none."""
    match = _BAD.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return f"a NUL character at offset {match.start()}"
    return f"text that is not valid Unicode (invalid UTF-8?) at offset {match.start()}"


def require_valid_text(text: str, what: str) -> str:
    """Return ``text``, or raise :class:`SqlfixError` naming ``what`` and its first bad character."""
    problem = text_problem(text)
    if problem is not None:
        raise SqlfixError(f"{what} contains {problem}")
    return text
