"""Read the golden set's SQL straight from its JSONL files, so datagen never trains on it.

A golden query leaks whatever dialect or letter case it is written in: the key is the
normalised SQL case-folded, compared across dialects (the golden set has the same question in
DuckDB and ClickHouse, and a DuckDB training row must not teach a ClickHouse golden answer).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from datagen.canonical import cached_normalize

GOLDEN_SQL_FIELDS = ("sql", "fixed_sql", "broken_sql")
_WORD = re.compile(r"[a-z_][a-z0-9_]*")


def leak_key(sql: str, dialect: str) -> str:
    """The dialect- and case-free key of ``sql`` that golden leakage is judged by.

    Example:
        >>> leak_key("SELECT Name FROM t", "duckdb") == leak_key("select name from T", "clickhouse")
        True
    """
    return cached_normalize(sql, dialect).casefold()


def golden_queries(golden_dir: str | Path) -> set[str]:
    """:func:`leak_key` of every golden ``sql``, ``fixed_sql``, ``broken_sql`` and alternative.

    Unreadable lines are skipped: the golden set has its own format checks.
    """
    found: set[str] = set()
    root = Path(golden_dir)
    if not root.is_dir():
        return found
    for path in sorted(root.glob("**/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if not isinstance(row, dict):
                continue
            dialect = row.get("dialect") or "duckdb"
            queries = [row.get(f) for f in GOLDEN_SQL_FIELDS] + list(row.get("alternatives") or [])
            found.update(leak_key(q, dialect) for q in queries if isinstance(q, str) and q.strip())
    return found


def unseen_demos(demos: Iterable[str], golden_dir: str | Path) -> list[str]:
    """The ``demos`` the golden set's ``splits.json`` marks unseen: generating training data for
    them would turn their golden scores into scores on a seen schema.

    Example:
        >>> unseen_demos(["shop", "billing"], "golden")
        ['billing']
    """
    splits = Path(golden_dir) / "splits.json"
    try:
        unseen = set(json.loads(splits.read_text(encoding="utf-8")).get("unseen") or ())
    except (OSError, ValueError, AttributeError):
        return []
    return [demo for demo in demos if demo in unseen]


class LeakScreen:
    """Rules out golden leakage for most queries without parsing them.

    Normalising SQL re-spells keywords, functions and types, but keeps every identifier and
    every string literal. So the table and column names a query uses as identifiers, and the
    words of its string literals, are all in its :func:`leak_key`; when no single golden key
    has all of them, the query cannot leak and its key need not be computed. Date-format
    literals (with ``%``) are left out, since sqlglot may re-spell a format.

    Example:
        >>> screen = LeakScreen({leak_key("SELECT name FROM users WHERE city = 'Oslo'", "duckdb")})
        >>> names = frozenset({"users", "name", "city", "orders"})
        >>> screen.may_leak("SELECT NAME FROM Users WHERE city = 'Oslo'", "duckdb", names)
        True
        >>> screen.may_leak("SELECT name FROM orders WHERE city = 'Oslo'", "duckdb", names)
        False
    """

    def __init__(self, keys: Iterable[str]) -> None:
        """Index ``keys`` (golden :func:`leak_key` values) by the words they contain."""
        self._with_word: dict[str, set[int]] = defaultdict(set)
        for number, key in enumerate(keys):
            for word in set(_WORD.findall(key)):
                self._with_word[word].add(number)

    def may_leak(self, sql: str, dialect: str, names: frozenset[str]) -> bool:
        """False only when no golden key holds every word of ``sql`` that normalising keeps
        (``names``: the schema's table and column names, case-folded)."""
        words = _kept_words(sql, dialect, names)
        if words is None:
            return True
        holders: set[int] | None = None
        for word in words:
            holders = set(self._with_word.get(word, ())) if holders is None else holders & self._with_word.get(word, set())
            if not holders:
                return False
        return True


@lru_cache(maxsize=8)
def leak_screen(golden_dir: str) -> LeakScreen:
    """The :class:`LeakScreen` of the golden queries under ``golden_dir`` (built once per process)."""
    return LeakScreen(golden_queries(golden_dir))


def _kept_words(sql: str, dialect: str, names: frozenset[str]) -> set[str] | None:
    """Schema names used as identifiers and words of plain string literals (None: no tokens)."""
    try:
        tokens = sqlglot.tokenize(sql, read=dialect)
    except SqlglotError:
        return None
    words: set[str] = set()
    for index, token in enumerate(tokens):
        if token.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
            called = index + 1 < len(tokens) and tokens[index + 1].token_type == TokenType.L_PAREN
            if not called:
                words.update(w for w in _WORD.findall(token.text.casefold()) if w in names)
        elif token.token_type == TokenType.STRING and "%" not in token.text:
            words.update(_WORD.findall(token.text.casefold()))
    return words
