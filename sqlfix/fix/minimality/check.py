"""The minimality check: every change of a candidate outside its error's region that the error
does not need, each named by one of the sibling modules."""

from __future__ import annotations

from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind, ExecError
from sqlfix.fix.minimality.calls import lost_aggregates, lost_calls, truncated_calls
from sqlfix.fix.minimality.keywords import dropped_keywords
from sqlfix.fix.minimality.lists import adds_items, group_names
from sqlfix.fix.minimality.names import name_changes, replacements
from sqlfix.fix.minimality.profile import profile
from sqlfix.fix.minimality.region import Region
from sqlfix.fix.minimality.self_comparisons import self_comparisons
from sqlfix.fix.minimality.values import dropped_values
from sqlfix.fix.records import Candidate
from sqlfix.fix.text import tokenize

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
    before, after = profile(before_tokens), profile(after_tokens)
    if error.kind == ErrorKind.PERMISSION:
        # A refused statement is rewritten as a whole (an UPDATE becomes a preview SELECT, the
        # target of a COPY goes), so its clauses may move; but a file or URL it *reads* that is
        # swapped for a local table is a guess at where that data lives.
        return tuple(f"reads a table instead of {name}(...)" for name, count in before.sources.items() if after.sources[name] < count)
    region = Region.of(before_tokens, error, later)
    kinds = {error.kind, *(e.kind for e in later)}
    # A WHERE condition may move to the clause that filters after grouping or windows.
    moved_to_having = sum(after.kept[kind] - before.kept[kind] for kind in (TokenType.HAVING, TokenType.QUALIFY))
    reasons = [f"drops {label}" for label in dropped_keywords(before.kept, after.kept, region.kinds, moved_to_having)]
    if not any(e.kind == ErrorKind.OTHER and "subquery" in e.message.lower() for e in (error, *later)):  # "Subquery returns 2 columns": a column must go
        reasons += name_changes(before, after, region.names, check_order=moved_to_having <= 0)
    reasons += lost_calls(before, after, region.names)
    reasons += lost_aggregates(before, after, dialect)
    if after.tuples > before.tuples:
        reasons.append("leaves a bare list of values (a call's arguments without the call)")
    if kinds & {ErrorKind.UNKNOWN_COLUMN, ErrorKind.UNKNOWN_TABLE}:
        reasons += replacements(before, after, region.names, ErrorKind.UNKNOWN_TABLE in kinds)
    reasons += truncated_calls(before.calls, after.calls, after.words)
    reasons += dropped_values(before, after, kinds)
    already = self_comparisons(before_tokens)
    reasons += [f"compares {side} with itself (a condition always true)"
                for side, count in self_comparisons(after_tokens).items() if count > already[side]]
    if before.kept_lists == after.kept_lists:  # else the input's lists are unreadable (``SELEC``, ``GRUOP BY``)
        commas = after.commas - before.commas
        # Also in a set operation whose branches differ in width: which column the narrow
        # branch lacks (or the wide one has too many) is a guess.
        if adds_items(before.select_list, after.select_list, commas):
            reasons.append("adds a select item")
        if adds_items(before.group_list, after.group_list, commas) and ErrorKind.GROUP_BY not in kinds:
            reasons.append("adds a GROUP BY item")
    if ErrorKind.GROUP_BY in kinds and error.kind != ErrorKind.GROUP_BY:
        # The grouping error came up on the way: grouping by a name an earlier step made up
        # (``MAXprice)`` -> ``price``, then ``GROUP BY category, price``) hides the aggregate lost.
        reasons += [f"groups by {name}, which the query did not name" for name in group_names(after_tokens) - set(before.names)]
    return tuple(reasons)

