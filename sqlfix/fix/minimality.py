"""Whether a fix changes only what its error needs.

A candidate that runs can still answer a different question: a comma put in the wrong place
turns a function call into an alias, a repair drops a DISTINCT or a condition, a follow-up
repair adds a bogus GROUP BY item. :func:`overreach` compares the candidate with the input
token by token (sqlglot's tokenizer, which also reads the broken input that no parser
accepts) and names every change outside the error's region that the error does not require.
A candidate with reasons is *unsure*: it ranks below minimal ones and caps the confidence.

Example:
    >>> from sqlfix.errors import ErrorKind, ExecError
    >>> error = ExecError(ErrorKind.SYNTAX, 'syntax error at or near "AS"', "duckdb", identifier="AS", position=45)
    >>> broken = "SELECT airline_id, round(avg(distance_km), 1 AS avg_km FROM flights GROUP BY airline_id"
    >>> overreach(broken, "SELECT airline_id, round(avg(distance_km), 1) AS avg_km FROM flights GROUP BY airline_id", error, "duckdb")
    ()
    >>> overreach(broken, "SELECT airline_id, round(avg(distance_km)), 1 AS avg_km FROM flights GROUP BY airline_id", error, "duckdb")
    ('adds a select item',)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from rapidfuzz.distance import Levenshtein
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from sqlfix.engines.function_names import is_aggregate_function
from sqlfix.errors import SQLGLOT_FAILURES, ErrorKind, ExecError
from sqlfix.fix.records import Candidate
from sqlfix.fix.text import NAME_TYPES, depths, tokenize

# Keywords that carry meaning: a fix that has fewer of them dropped a filter, a join, a
# DISTINCT or a branch.
_KEPT = {
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
_QUOTED = re.compile(r"\"([^\"]+)\"|`([^`]+)`|'([^']+)'")
# Clause keywords that end a SELECT list or a GROUP BY list at its own depth.
_LIST_ENDS = {
    TokenType.FROM, TokenType.WHERE, TokenType.GROUP_BY, TokenType.HAVING, TokenType.ORDER_BY, TokenType.LIMIT,
    TokenType.OFFSET, TokenType.QUALIFY, TokenType.WINDOW, TokenType.UNION, TokenType.EXCEPT, TokenType.INTERSECT,
    TokenType.SETTINGS, TokenType.FORMAT, TokenType.FETCH, TokenType.PREWHERE, TokenType.SEMICOLON,
}


@dataclass(frozen=True)
class _Profile:
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


def mark_overreach(original: str, error: ExecError | None, candidates: list[Candidate], dialect: str) -> None:
    """Set ``overreach`` on each of ``candidates`` (fixes of ``original`` failing with ``error``;
    a chained repair may also change what the errors it met on the way need)."""
    for candidate in candidates:
        candidate.overreach = overreach(original, candidate.sql, error, dialect, later=candidate.chain_errors)


def overreach(original: str, candidate: str, error: ExecError | None, dialect: str, *, later: tuple[ExecError, ...] = ()) -> tuple[str, ...]:
    """Name the changes of ``candidate`` that repairing ``error`` in ``original`` does not need.

    Args:
        original: the failing query as the user wrote it.
        candidate: a proposed fix.
        error: the original's error: its kind, names and position mark the region a fix may
            rewrite; None for a query that runs (a semantic repair: nothing is checked).
        dialect: the sqlglot dialect both are tokenized in.
        later: the errors a chained repair met after its first steps (``Candidate.chain_errors``):
            what they name and what their kinds allow is part of the region too.

    Returns:
        One short phrase per change (``"drops DISTINCT"``, ``"drops the column longitude"``,
        ``"adds a GROUP BY item"``...); empty when the fix is minimal or cannot be compared.
    """
    if error is None:
        return ()
    before_tokens, after_tokens = tokenize(original, dialect), tokenize(candidate, dialect)
    if not before_tokens or not after_tokens:
        return ()
    before, after = _profile(before_tokens), _profile(after_tokens)
    if error.kind == ErrorKind.PERMISSION:
        # A refused statement is rewritten as a whole (an UPDATE becomes a preview SELECT, the
        # target of a COPY goes), so its clauses may move; but a file or URL it *reads* that is
        # swapped for a local table is a guess at where that data lives.
        return tuple(f"reads a table instead of {name}(...)" for name, count in before.sources.items() if after.sources[name] < count)
    region = _Region.of(before_tokens, error, later)
    kinds = {error.kind, *(e.kind for e in later)}
    # A WHERE condition may move to the clause that filters after grouping or windows.
    moved_to_having = sum(after.kept[kind] - before.kept[kind] for kind in (TokenType.HAVING, TokenType.QUALIFY))
    reasons = [f"drops {label}" for label in _dropped_keywords(before.kept, after.kept, region.kinds, moved_to_having)]
    if not any(e.kind == ErrorKind.OTHER and "subquery" in e.message.lower() for e in (error, *later)):  # "Subquery returns 2 columns": a column must go
        reasons += _name_changes(before, after, region.names, check_order=moved_to_having <= 0)
    reasons += _lost_calls(before, after, region.names)
    reasons += _lost_aggregates(before, after, dialect)
    if after.tuples > before.tuples:
        reasons.append("leaves a bare list of values (a call's arguments without the call)")
    if kinds & {ErrorKind.UNKNOWN_COLUMN, ErrorKind.UNKNOWN_TABLE}:
        reasons += _replacements(before, after, region.names, ErrorKind.UNKNOWN_TABLE in kinds)
    reasons += _truncated_calls(before.calls, after.calls, after.words)
    reasons += _dropped_values(before, after, kinds)
    already = _self_comparisons(before_tokens)
    reasons += [f"compares {side} with itself (a condition always true)"
                for side, count in _self_comparisons(after_tokens).items() if count > already[side]]
    if before.kept_lists == after.kept_lists:  # else the input's lists are unreadable (``SELEC``, ``GRUOP BY``)
        commas = after.commas - before.commas
        # Also in a set operation whose branches differ in width: which column the narrow
        # branch lacks (or the wide one has too many) is a guess.
        if _adds_items(before.select_list, after.select_list, commas):
            reasons.append("adds a select item")
        if _adds_items(before.group_list, after.group_list, commas) and ErrorKind.GROUP_BY not in kinds:
            reasons.append("adds a GROUP BY item")
    if ErrorKind.GROUP_BY in kinds and error.kind != ErrorKind.GROUP_BY:
        # The grouping error came up on the way: grouping by a name an earlier step made up
        # (``MAXprice)`` -> ``price``, then ``GROUP BY category, price``) hides the aggregate lost.
        reasons += [f"groups by {name}, which the query did not name" for name in _group_names(after_tokens) - set(before.names)]
    return tuple(reasons)


def _group_names(tokens: list[Token]) -> set[str]:
    """Lower-cased names in every GROUP BY list of ``tokens``."""
    levels, names = depths(tokens), set()
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.GROUP_BY:
            continue
        for later in range(index + 1, len(tokens)):
            if levels[later] < levels[index] or (levels[later] == levels[index] and tokens[later].token_type in _LIST_ENDS):
                break
            if tokens[later].token_type in NAME_TYPES:
                names.add(tokens[later].text.lower())
    return names


def _adds_items(before: tuple[int, int], after: tuple[int, int], commas: int) -> bool:
    """More items than the inserted commas split off, or more items made of new tokens: a
    missing comma between two expressions splits one item in two without adding anything."""
    grown = after[0] - before[0]
    return grown > max(0, commas) or (grown > 0 and after[1] > before[1])


@dataclass(frozen=True)
class _Region:
    """The part of the input a fix of the error may rewrite: names and keyword kinds."""

    names: frozenset[str]
    kinds: frozenset[TokenType]

    @classmethod
    def of(cls, tokens: list[Token], error: ExecError, later: tuple[ExecError, ...] = ()) -> "_Region":
        """The engines' identifiers and the names they quote, the tokens next to the position
        ``error`` points at (``later`` errors point into other texts) and, for a function from
        another dialect, the whole call."""
        names = set()
        for name in [name for e in (error, *later) for name in (e.identifier or "", *_quoted_names(e.message))]:
            if name:
                names.add(name.lower())
                names.update(part.lower().strip('"`') for part in name.split("."))
        at = [i for i, t in enumerate(tokens) if error.position is not None and t.end >= error.position][:1]
        near = range(max(0, at[0] - 1), min(len(tokens), at[0] + 2)) if at else range(0)
        names.update(tokens[i].text.lower() for i in near)
        kinds = {tokens[i].token_type for i in near}
        if any(e.kind == ErrorKind.DIALECT for e in (error, *later)):
            levels = depths(tokens)
            for index, token in enumerate(tokens[:-1]):
                if token.text.lower() in names and tokens[index + 1].token_type == TokenType.L_PAREN:
                    inner = index + 2
                    while inner < len(tokens) and levels[inner] > levels[index]:
                        names.add(tokens[inner].text.lower())
                        inner += 1
        return cls(frozenset(names), frozenset(kinds))


def _quoted_names(message: str) -> list[str]:
    head = re.split(r"Candidate bindings|Did you mean|Maybe you meant|Candidate functions", message)[0]
    return [next(g for g in match.groups() if g is not None) for match in _QUOTED.finditer(head)]


def _profile(tokens: list[Token]) -> _Profile:
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
    kept = Counter(token.token_type for token in tokens if token.token_type in _KEPT)
    return _Profile(
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
            if levels[later] < depth or (levels[later] == depth and tokens[later].token_type in _LIST_ENDS):
                break
            if levels[later] == depth and tokens[later].token_type == TokenType.COMMA:
                items += 1
            else:
                words += 1
    return items, words


def _dropped_keywords(before: Counter, after: Counter, region: frozenset[TokenType], moved_to_having: int) -> list[str]:
    """Meaningful keywords the candidate has fewer of; one at the error (``AND AND``) may go,
    and a WHERE may become a HAVING or QUALIFY (an aggregate or window filtered too early)."""
    labels = []
    for kind, label in _KEPT.items():
        lost = before[kind] - after[kind]
        if kind == TokenType.WHERE:
            lost -= max(0, moved_to_having)
        if kind in region:
            lost -= 1
        if lost > 0 and label not in labels:
            labels.append(label)
    return labels


def _name_changes(before: _Profile, after: _Profile, region: frozenset[str], *, check_order: bool) -> list[str]:
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


def _lost_calls(before: _Profile, after: _Profile, region: frozenset[str]) -> list[str]:
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


def _lost_aggregates(before: _Profile, after: _Profile, dialect: str) -> list[str]:
    """An aggregate the candidate no longer computes (``sum(x, 2)`` -> ``coalesce(x, 2)``): the
    query then returns a row per input row instead of one per group, even at the error."""
    def aggregates(profile: _Profile) -> Counter:
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


def _dropped_values(before: _Profile, after: _Profile, kinds: set[ErrorKind]) -> list[str]:
    """Literal values of the input missing from the candidate; a type mismatch is fixed by
    rewriting a value, and a wrong-arity call may lose one numeric argument."""
    if ErrorKind.TYPE_MISMATCH in kinds:
        return []
    missing = sorted(before.literal_words - after.words.keys())
    if ErrorKind.WRONG_ARITY in kinds and len(missing) == 1 and missing[0].isdigit():
        return []  # the one surplus argument (round(x, 2, 0) -> round(x, 2))
    return ["drops the value " + ", ".join(missing[:3])] if missing else []


def _replacements(before: _Profile, after: _Profile, region: frozenset[str], tables: bool) -> list[str]:
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


def _truncated_calls(before: Counter, after: Counter, words: Counter) -> list[str]:
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


def _self_comparisons(tokens: list[Token]) -> Counter:
    """How often each name is compared with itself (``p.id = p.id``): the join key a rename
    of the wrong side leaves, which keeps every pair of rows.

    Example:
        >>> from sqlfix.fix.text import tokenize
        >>> dict(_self_comparisons(tokenize("SELECT 1 FROM a p JOIN b o ON p.id = p.id", "duckdb")))
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


def _is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    remaining = iter(haystack)
    return all(item in remaining for item in needle)
