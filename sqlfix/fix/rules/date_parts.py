"""Date parts of date functions (``date_diff``, ``date_trunc``, ``date_part``, ``dateadd``...).

* T-SQL and Snowflake write the part as a bare word (``DATEDIFF(day, a, b)``); DuckDB and
  ClickHouse read that word as a column and fail on it: it becomes the string ``'day'``.
* A call without its part (``date_trunc(created_at) AS month``, ``date_diff(a, b) AS days``)
  gets the part its select item's alias names. Without such an alias no part is guessed:
  ``'day'`` and ``'month'`` answer different questions.

The part names come from sqlglot's dialect knowledge (``Dialect.DATE_PART_MAPPING``), limited to
the calendar units every engine takes and to spellings of three letters or more (``m`` is a
minute to Snowflake and a month to T-SQL)."""

from __future__ import annotations

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import NAME_TYPES, Edit, depths, matching_paren, splice

# Functions whose first argument is a date part, as the engines and the common dialects spell them.
PART_FIRST_FUNCTIONS = {
    "date_diff", "datediff", "date_trunc", "datetrunc", "date_part", "datepart", "date_add",
    "dateadd", "date_sub", "datesub", "timestamp_diff", "timestampdiff", "timestamp_add", "timestampadd",
}
# How many arguments follow the part: two dates to subtract, one to truncate or read from.
_ARGUMENTS_AFTER_PART = {"diff": 2, "trunc": 1, "part": 1}
_UNITS = {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND"}
_SPELLINGS = {**{u: u for u in _UNITS}, **{k: v for k, v in Dialect.DATE_PART_MAPPING.items() if v in _UNITS and len(k) >= 3 and " " not in k}}


def part_name(word: str) -> str | None:
    """The calendar unit ``word`` spells (``days`` -> ``day``), lower case; None for other words."""
    unit = _SPELLINGS.get(word.upper())
    return unit.lower() if unit else None


def date_parts(ctx: RuleContext) -> list[RuleFix]:
    """Propose a bare date part quoted, or a missing date part taken from the item's alias."""
    if not ctx.tokens:
        return []
    if ctx.error.kind == ErrorKind.UNKNOWN_COLUMN:
        return _quote_bare_parts(ctx)
    if ctx.error.kind in {ErrorKind.WRONG_ARITY, ErrorKind.TYPE_MISMATCH} and not {"functions", "foreign_functions", "dialect"} & set(ctx.previous):
        return _missing_parts(ctx)  # after a rename, the arguments no longer are the user's
    return []


def _calls(ctx: RuleContext) -> list[tuple[int, int]]:
    """``(name index, closing paren index)`` of every call to a part-first date function."""
    tokens, found = ctx.tokens, []
    for index, token in enumerate(tokens[:-1]):
        if token.text.lower() in PART_FIRST_FUNCTIONS and tokens[index + 1].token_type == TokenType.L_PAREN:
            if index and tokens[index - 1].token_type == TokenType.DOT:
                continue
            close = matching_paren(tokens, index + 1)
            if close is not None:
                found.append((index, close))
    return found


def _quote_bare_parts(ctx: RuleContext) -> list[RuleFix]:
    names = {name.lower() for name in ctx.error_names}
    tokens, edits = ctx.tokens, []
    for index, close in _calls(ctx):
        first = index + 2
        if first + 1 > close or tokens[first + 1].token_type not in {TokenType.COMMA, TokenType.R_PAREN}:
            continue
        word = tokens[first]
        unit = part_name(word.text)
        if word.token_type in NAME_TYPES and unit and word.text.lower() in names and not ctx.has_column(word.text):
            edits.append(Edit(word.start, word.end + 1, f"'{unit}'"))
    if not edits:
        return []
    why = "The date part is a bare word (T-SQL's spelling); this engine takes it as a string."
    return [RuleFix(splice(ctx.sql, edits), why, "date_parts")]


def _missing_parts(ctx: RuleContext) -> list[RuleFix]:
    tokens, levels, fixes = ctx.tokens, depths(ctx.tokens), []
    for index, close in _calls(ctx):
        first = tokens[index + 2] if index + 2 < close else None
        if first is None or first.token_type == TokenType.STRING or part_name(first.text):
            continue
        arguments = 1 + sum(1 for j in range(index + 2, close) if tokens[j].token_type == TokenType.COMMA and levels[j] == levels[index] + 1)
        if arguments != _ARGUMENTS_AFTER_PART.get(tokens[index].text.lower().replace("_", "").removeprefix("timestamp").removeprefix("date")):
            continue
        unit = _alias_unit(ctx, close, levels)
        if unit is None:
            continue
        edit = Edit(first.start, first.start, f"'{unit}', ")
        why = f"`{tokens[index].text}` needs a date part first; its alias says {unit}s."
        fixes.append(RuleFix(splice(ctx.sql, [edit]), why, "date_parts"))
    return fixes


def _alias_unit(ctx: RuleContext, close: int, levels: list[int]) -> str | None:
    """The one calendar unit the alias of the select item holding the call at ``close`` names."""
    tokens = ctx.tokens
    index = close + 1
    depth = levels[close]
    # Walk to the end of the item (a comma or clause at the call's level or above).
    while index < len(tokens) and not (levels[index] <= depth and tokens[index].token_type in {TokenType.COMMA, TokenType.FROM, TokenType.R_PAREN}):
        if tokens[index].token_type == TokenType.ALIAS and index + 1 < len(tokens):
            words = tokens[index + 1].text.replace("-", "_").split("_")
            units = {part_name(w) for w in words} - {None}
            return units.pop() if len(units) == 1 else None
        index += 1
    return None
