"""Type mismatches between a column and a literal: numbers written as strings lose their
quotes, and numbers compared with text columns gain them."""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import Edit, splice

_NUMERIC_TYPE = re.compile(r"int|float|double|decimal|numeric|real|number", re.I)
_TEXT_TYPE = re.compile(r"char|text|string|varchar", re.I)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def types(ctx: RuleContext) -> list[RuleFix]:
    """Propose literal re-quoting where a comparison mixes text and numbers."""
    if ctx.error.kind != ErrorKind.TYPE_MISMATCH or ctx.tree is None or not ctx.tokens:
        return []
    fixes = []
    for comparison in ctx.tree.find_all(exp.Binary):
        column = comparison.find(exp.Column)
        literal = next((n for n in (comparison.left, comparison.right) if isinstance(n, exp.Literal)), None)
        if column is None or literal is None or column.parent is not comparison:
            continue
        column_type = _column_type(ctx, column)
        if column_type is None:
            continue
        if literal.is_string and _NUMERIC_TYPE.search(column_type) and _NUMBER.fullmatch(literal.this):
            replacement, why = literal.this, f"`{column.name}` is a number; compared with {literal.this} unquoted."
        elif not literal.is_string and _TEXT_TYPE.search(column_type):
            replacement, why = f"'{literal.this}'", f"`{column.name}` is text; compared with the string '{literal.this}'."
        else:
            continue
        token = _literal_token(ctx, literal, after=column.this.meta.get("end", -1) if isinstance(column.this, exp.Identifier) else -1)
        if token is not None:
            fixes.append(RuleFix(splice(ctx.sql, [Edit(token.start, token.end + 1, replacement)]), why, "types"))
    return fixes


def _column_type(ctx: RuleContext, column: exp.Column) -> str | None:
    tables = [ctx.aliases[column.table.lower()]] if column.table and column.table.lower() in ctx.aliases else ctx.query_tables
    for table in tables:
        found = table.column(column.name)
        if found is not None:
            return found.type
    return None


def _literal_token(ctx: RuleContext, literal: exp.Literal, after: int):
    kind = TokenType.STRING if literal.is_string else TokenType.NUMBER
    return next((t for t in ctx.tokens if t.token_type == kind and t.text == literal.this and t.start > after), None)
