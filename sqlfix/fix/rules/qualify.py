"""Table qualification: an ambiguous column gets the alias of a table that has it, and a
column qualified with the wrong table moves to the table that has it."""

from __future__ import annotations

from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import NAME_TYPES, Edit, splice


def qualify(ctx: RuleContext) -> list[RuleFix]:
    """Propose qualified references for ambiguous columns and re-qualified wrong-table columns."""
    if not ctx.tokens or len(ctx.qualifiers) < 2:
        return []
    return _ambiguous(ctx) + _wrong_table(ctx)


def _ambiguous(ctx: RuleContext) -> list[RuleFix]:
    if ctx.error.kind != ErrorKind.AMBIGUOUS_COLUMN and "ambiguous" not in ctx.error.message.lower():
        return []
    fixes = []
    for raw in ctx.error_names:
        name = raw.split(".")[-1]
        owners = [q for q, table in ctx.qualifiers if table.column(name) is not None]
        indexes = _bare_uses(ctx, name)
        if len(owners) < 2 or not indexes:
            continue
        nearest = ctx.nearest(indexes)
        for owner in owners:
            explanation = f"Column `{name}` exists in several joined tables; it is qualified as `{owner}.{name}`."
            edits = [Edit(ctx.tokens[i].start, ctx.tokens[i].start, f"{owner}.") for i in indexes]
            fixes.append(RuleFix(splice(ctx.sql, edits), explanation, "qualify"))
            if nearest is not None and len(indexes) > 1:
                at = ctx.tokens[nearest].start
                fixes.append(RuleFix(splice(ctx.sql, [Edit(at, at, f"{owner}.")]), explanation, "qualify"))
    return fixes


def _wrong_table(ctx: RuleContext) -> list[RuleFix]:
    tokens = ctx.tokens or []
    fixes = []
    for index in range(2, len(tokens)):
        column, dot, qualifier = tokens[index], tokens[index - 1], tokens[index - 2]
        if dot.token_type != TokenType.DOT or column.token_type not in NAME_TYPES:
            continue
        table = ctx.aliases.get(qualifier.text.lower())
        if table is None or table.column(column.text) is not None:
            continue
        for owner, other in ctx.qualifiers:
            if other.column(column.text) is None or owner.lower() == qualifier.text.lower():
                continue
            explanation = f"Table `{table.name}` has no column `{column.text}`; `{other.name}` has it."
            edit = Edit(qualifier.start, qualifier.end + 1, owner)
            fixes.append(RuleFix(splice(ctx.sql, [edit]), explanation, "qualify"))
    return fixes


def _bare_uses(ctx: RuleContext, name: str) -> list[int]:
    """Unqualified references to column ``name`` (not a function, not a defined alias)."""
    tokens = ctx.tokens or []
    found = []
    for index, token in enumerate(tokens):
        if token.token_type not in NAME_TYPES or token.text.lower() != name.lower():
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if before is not None and (before.token_type in {TokenType.DOT, TokenType.ALIAS}):
            continue
        if after is not None and after.token_type in {TokenType.DOT, TokenType.L_PAREN}:
            continue
        found.append(index)
    return found

