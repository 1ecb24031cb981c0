"""Function calls a fix lost: a call removed or turned into a bare name, an aggregate no longer
computed, a call renamed to a cut-short name.

Example:
    >>> from collections import Counter
    >>> truncated_calls(Counter({"countif": 1}), Counter({"count": 1}), Counter({"count": 1}))
    ["renames countif to count, dropping 'if'"]
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import sqlglot
from sqlglot import exp

from sqlfix.engines.function_names import is_aggregate_function
from sqlfix.errors import SQLGLOT_FAILURES
from sqlfix.fix.minimality.profile import Profile

def lost_calls(before: Profile, after: Profile, region: frozenset[str]) -> list[str]:
    """Function calls the candidate has fewer of. A call at the error may be rewritten (a
    dialect's function as an operator) but not left as a bare name before a tuple, which is
    what a comma put in the wrong place makes of it (``f(x)`` -> ``f, (x)``)."""
    reasons = []
    for name, count in before.calls.items():
        if after.calls[name] >= count:
            continue
        if name not in region:
            reasons.append(f"removes the call {name}")
        elif after.words[name] >= before.words[name]:
            reasons.append(f"turns the call {name} into a name")
    return reasons


def lost_aggregates(before: Profile, after: Profile, dialect: str) -> list[str]:
    """An aggregate the candidate no longer computes (``sum(x, 2)`` -> ``coalesce(x, 2)``): the
    query then returns a row per input row instead of one per group, even at the error."""
    def aggregates(profile: Profile) -> Counter:
        return Counter({name: count for name, count in profile.calls.items() if _is_aggregate(name, dialect)})

    gone = aggregates(before) - aggregates(after)
    if sum(aggregates(after).values()) >= sum(aggregates(before).values()) or not gone:
        return []
    return [f"no longer aggregates with {next(iter(gone))}"]


@lru_cache(maxsize=4096)
def _is_aggregate(name: str, dialect: str) -> bool:
    """True when ``dialect``'s engine (or, for an engine without a list, sqlglot) knows
    ``name`` as an aggregate function."""
    known = is_aggregate_function(name, dialect)
    if known is not None:
        return known
    try:
        tree = sqlglot.parse_one(f"SELECT {name}(x)", read=dialect)
    except SQLGLOT_FAILURES:
        return False
    return tree is not None and tree.find(exp.AggFunc) is not None


def truncated_calls(before: Counter, after: Counter, words: Counter) -> list[str]:
    """A renamed call whose new name is the old one cut short loses what the cut part said
    (``countif`` -> ``count``, ``string_agg_distinct`` -> ``string_agg``)."""
    reasons = []
    gone = [name for name in before if after[name] < before[name]]
    new = [name for name in after if after[name] > before[name]]
    for old in gone:
        for name in new:
            rest = old[len(name):].strip("_")
            if old.startswith(name) and len(rest) >= 2 and words[rest] == 0:
                reasons.append(f"renames {old} to {name}, dropping {rest!r}")
    return reasons

