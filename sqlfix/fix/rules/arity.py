"""Wrong arity: a function called with too many arguments loses the extra ones.

Only constant arguments are dropped (a column the user wrote is information the fix must not
lose), and only when no other dialect's function of that name takes the call as written
(T-SQL's ``ISNULL(a, b)`` on ClickHouse is ``coalesce``, not ``isNull(a)``), and never from
a call a previous step renamed: the arguments are the user's, the name was the guess."""

from __future__ import annotations

import re

from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.rules.foreign_functions import translate_call
from sqlfix.fix.text import NAME_TYPES, Edit, depths, matching_paren, splice

_EXPECTED = re.compile(r"should be (\d+)")


def arity(ctx: RuleContext) -> list[RuleFix]:
    """Propose calls of the offending function with its trailing arguments dropped."""
    if ctx.error.kind != ErrorKind.WRONG_ARITY or not ctx.tokens or "functions" in ctx.previous:
        return []  # after a rename, the wrong arity says the new name was the wrong guess
    tokens, levels = ctx.tokens, depths(ctx.tokens)
    wanted = {name.lower() for name in ctx.error_names}
    expected = _EXPECTED.search(ctx.error.message)
    fixes = []
    for index, token in enumerate(tokens[:-1]):
        if tokens[index + 1].token_type != TokenType.L_PAREN or (wanted and token.text.lower() not in wanted):
            continue
        close = matching_paren(tokens, index + 1)
        if close is None:
            continue
        if _read_elsewhere(ctx.sql[token.start : tokens[close].end + 1], token.text, ctx.dialect):
            continue
        commas = [j for j in range(index + 2, close) if tokens[j].token_type == TokenType.COMMA and levels[j] == levels[index] + 1]
        keep_counts = [int(expected.group(1))] if expected else range(len(commas), 0, -1)
        for keep in keep_counts:
            if not 0 < keep <= len(commas) or not _constants(tokens[commas[keep - 1] + 1 : close]):
                continue
            edit = Edit(tokens[commas[keep - 1]].start, tokens[close - 1].end + 1, "")
            explanation = f"`{token.text}` takes fewer arguments; the extra ones were dropped."
            fixes.append(RuleFix(splice(ctx.sql, [edit]), explanation, "arity"))
    return fixes


def _constants(tokens) -> bool:
    """The dropped tokens hold no name: literals, operators and punctuation only."""
    return not any(t.token_type in NAME_TYPES for t in tokens)


def _read_elsewhere(call: str, name: str, dialect: str) -> bool:
    """Another dialect has a function of this name taking these arguments (a homonym)."""
    return any(t.keeps_order and t.text.partition("(")[0].strip().lower() != name.lower() for t in translate_call(call, dialect))
