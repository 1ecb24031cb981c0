"""Dialect transpilation: constructs of another dialect (``TOP 5``, backticks, ``DATEADD``,
``strftime``...) rewritten into the engine's dialect with sqlglot, touching only the tokens
that differ between the two renderings."""

from __future__ import annotations

import difflib

import sqlglot
from sqlglot.errors import ErrorLevel, SqlglotError
from sqlglot.tokens import Token

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import Edit, parse, splice, tokenize

# Dialects users and models borrow from, most likely first.
SOURCE_DIALECTS = ("postgres", "mysql", "duckdb", "clickhouse", "tsql", "spark", "snowflake", "bigquery", "sqlite")
MERGE_GAP = 3
# Tokens where two renderings differ beyond which no minimal edit is searched (the diff is quadratic).
MAX_DIFF_TOKENS = 2000
_SYNTAX_KINDS = {ErrorKind.SYNTAX, ErrorKind.DIALECT}
# Not WRONG_ARITY: a call spelled as the engine's own function is that function with an
# argument missing or extra; reading the whole query as another dialect reorders or invents
# arguments (MySQL's DATEDIFF(a, b) is b-to-a). ``foreign_functions`` handles true homonyms.
KINDS = {ErrorKind.SYNTAX, ErrorKind.DIALECT, ErrorKind.UNKNOWN_FUNCTION, ErrorKind.OTHER}


def dialect(ctx: RuleContext) -> list[RuleFix]:
    """Propose the query read as each foreign dialect and written in the engine's, as a minimal edit."""
    if ctx.error.kind not in KINDS:
        return []
    fixes: dict[str, RuleFix] = {}
    for source in SOURCE_DIALECTS:
        if source == ctx.dialect:
            continue
        if ctx.out_of_time():
            break
        rewritten = transplant(ctx.sql, source, ctx.dialect, syntax_failed=ctx.error.kind in _SYNTAX_KINDS)
        if rewritten and rewritten != ctx.sql and rewritten not in fixes:
            explanation = f"The query used {_title(source)} syntax; rewritten for {_title(ctx.dialect)}."
            fixes[rewritten] = RuleFix(rewritten, explanation, "dialect")
    return list(fixes.values())


def transplant(sql: str, source: str, target: str, *, syntax_failed: bool = True) -> str | None:
    """Return ``sql`` with the parts that ``source`` and ``target`` render differently
    rewritten for ``target``, keeping the rest of the original text; None if it does not parse
    or nothing in it is foreign. ``syntax_failed`` (the engine could not parse it) allows
    a whole-text diff when the source rendering already hides the foreign construct.

    Example:
        >>> transplant("select `name` from t", "mysql", "duckdb")
        'select "name" from t'
    """
    try:
        tree = sqlglot.parse_one(sql, read=source)
        as_source = tree.sql(dialect=source, unsupported_level=ErrorLevel.IGNORE)
        as_target = tree.sql(dialect=target, unsupported_level=ErrorLevel.IGNORE)
    except (SqlglotError, ValueError, KeyError, AttributeError, TypeError):
        return None  # sqlglot's generators fail on some foreign trees; that dialect is no help
    if as_source == as_target:
        if not syntax_failed:
            return None
        # The source rendering already normalised the foreign construct (MySQL ``LIMIT 5, 10``):
        # diff against the original text instead.
        as_source = sql
    else:
        native = parse(sql, target)
        if native is not None and native.sql(dialect=target, unsupported_level=ErrorLevel.IGNORE) == as_target:
            return None  # the target reads the query the same way: nothing foreign in it
    original, rendered, wanted = tokenize(sql, source), tokenize(as_source, source), tokenize(as_target, target)
    if not original or not rendered or not wanted:
        return as_target
    source_keys, target_keys = _keys(as_source, rendered), _keys(as_target, wanted)
    try:
        to_original = _alignment(_keys(sql, original), source_keys)
        spans = _changed_spans(source_keys, target_keys)
    except _TooLong:
        return None
    edits = []
    for i1, i2, j1, j2 in spans:
        low = to_original.get(i1 - 1, -1 if i1 == 0 else None)
        high = to_original.get(i2, len(original) if i2 == len(rendered) else None)
        if low is None or high is None or high <= low:
            return as_target
        text = as_target[wanted[j1].start : wanted[j2 - 1].end + 1] if j2 > j1 else ""
        if high - low > 1 and text:
            edits.append(Edit(original[low + 1].start, original[high - 1].end + 1, text))
        elif high - low > 1:
            start = original[low].end + 1 if low >= 0 else original[low + 1].start
            edits.append(Edit(start, original[high - 1].end + 1, ""))
        else:
            at = original[low].end + 1 if low >= 0 else 0
            edits.append(Edit(at, at, f" {text}" if low >= 0 else f"{text} "))
    return splice(sql, edits)


def _keys(text: str, tokens: list[Token]) -> list[str]:
    return [text[t.start : t.end + 1].upper() for t in tokens]


def _changed_spans(source: list[str], target: list[str]) -> list[tuple[int, int, int, int]]:
    """Token spans ``(i1, i2, j1, j2)`` that differ; changes separated by a few equal tokens
    merge into one span, so a reordering (``DATEADD(day, 1, x)`` → ``x + INTERVAL 1 DAY``)
    is replaced as a whole."""
    spans: list[list[int]] = []
    for tag, i1, i2, j1, j2 in _opcodes(source, target):
        if tag == "equal":
            continue
        if spans and i1 - spans[-1][1] <= MERGE_GAP and j1 - spans[-1][3] <= MERGE_GAP:
            spans[-1][1], spans[-1][3] = i2, j2
        else:
            spans.append([i1, i2, j1, j2])
    return [tuple(span) for span in spans]


def _alignment(original: list[str], rendered: list[str]) -> dict[int, int]:
    """Map indexes of ``rendered`` tokens to the equal tokens of ``original``."""
    mapping = {}
    for tag, i1, i2, j1, _ in _opcodes(original, rendered):
        if tag == "equal":
            for offset in range(i2 - i1):
                mapping[j1 + offset] = i1 + offset
    return mapping


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """``difflib`` opcodes turning ``a`` into ``b``. The common head and tail are matched
    first, in linear time: the quadratic matcher sees only the middle, where a foreign
    construct sits, and gives up (:class:`_TooLong`) past ``MAX_DIFF_TOKENS`` of it."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    if len(middle_a) + len(middle_b) > MAX_DIFF_TOKENS:
        raise _TooLong
    codes = [("equal", 0, head, 0, head)] if head else []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=middle_a, b=middle_b, autojunk=False).get_opcodes():
        codes.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        codes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return codes


class _TooLong(Exception):
    """The part two renderings differ in is too long to diff quickly."""


def _title(name: str) -> str:
    return {"duckdb": "DuckDB", "clickhouse": "ClickHouse", "postgres": "PostgreSQL", "mysql": "MySQL",
            "tsql": "T-SQL", "spark": "Spark SQL", "snowflake": "Snowflake", "bigquery": "BigQuery",
            "sqlite": "SQLite"}.get(name, name)
