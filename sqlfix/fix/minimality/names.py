"""Names a fix dropped, reordered or replaced: a column lost outside the error's region, columns
put in another order, an unknown name swapped for an unrelated one, an unknown table swapped for
one the query already reads.

Example:
    >>> from sqlfix.fix.minimality.profile import profile
    >>> from sqlfix.fix.text import tokenize
    >>> before, after = (profile(tokenize(sql, "duckdb")) for sql in ("SELECT a, b FROM t", "SELECT a FROM t"))
    >>> name_changes(before, after, frozenset(), check_order=True)
    ['drops the column b']
"""

from __future__ import annotations

import re
from collections import Counter

from rapidfuzz.distance import Levenshtein

from sqlfix.fix.minimality.profile import Profile

def name_changes(before: Profile, after: Profile, region: frozenset[str], *, check_order: bool) -> list[str]:
    """Names outside the region that the candidate dropped or put in another order. A name
    that became a keyword (``GRUOP`` -> ``GROUP``) is not dropped."""
    have = Counter(after.names)
    need = Counter(name for name in before.names if name not in region)
    added_keywords = [word for word, count in after.words.items() if count > before.words[word] and word not in have]
    dropped = [
        name for name, count in need.items()
        if have[name] < count and after.words[name] < before.words[name]
        and not any(Levenshtein.normalized_similarity(name, word) >= 0.6 for word in added_keywords)
    ]
    if dropped:
        return ["drops the column " + ", ".join(sorted(dropped)[:3])]
    kept = [name for name in before.names if name in need]
    if check_order and not _is_subsequence(kept, after.names):
        return ["reorders columns"]
    return []


def replacements(before: Profile, after: Profile, region: frozenset[str], tables: bool) -> list[str]:
    """An unknown name replaced by a name unrelated to it (``fare`` -> ``passenger_id``: no
    shared word, neither spelled inside the other), or an unknown table replaced by one the
    query already reads (a self-join the query did not have)."""
    # Table aliases are left out: moving a column to another alias (``o.plan`` -> ``u.plan``)
    # is requalifying, not renaming.
    gone = [name for name in region if before.names.count(name) > after.names.count(name) and name not in before.qualifiers]
    added = [name for name in (Counter(after.names) - Counter(before.names)) if name not in after.qualifiers]
    if not gone or not added:
        return []
    reasons = []
    if not any(_related(old, new) for old in gone for new in added):
        reasons.append(f"replaces {gone[0]} with the unrelated name {added[0]}")
    if tables:
        reasons += [f"reads {new} twice (a self-join)" for new in added if new in before.names]
    return reasons


def _related(old: str, new: str) -> bool:
    """Two names that could mean the same thing: a shared word or beginning (``salaries``,
    ``salary_history``), one spelled inside the other (``qty`` in ``quantity``), or a close
    spelling."""
    old_words, new_words = set(_name_words(old)), set(_name_words(new))
    if old_words & new_words or (len(old) >= 4 and len(new) >= 4 and old[:4] == new[:4]):
        return True
    shorter, longer = sorted((old, new), key=len)
    return _is_subsequence(list(shorter), list(longer)) or Levenshtein.normalized_similarity(old, new) >= 0.5


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [word.lower() for word in re.split(r"[\W_]+", spaced) if len(word) >= 3]


def _is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    remaining = iter(haystack)
    return all(item in remaining for item in needle)

