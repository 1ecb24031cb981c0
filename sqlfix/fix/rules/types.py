"""Literals that do not fit where they stand: a number written as text (``'120k'``,
``'$3000'``), text compared as a number, a year compared with a date, an impossible date
(``'2024-06-31'``), a word compared with a boolean, a name compared with its key, a negative
LIMIT."""

from __future__ import annotations

import calendar
import re

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import Edit, splice
from sqlfix.schema.model import Table

_NUMERIC_TYPE = re.compile(r"int|float|double|decimal|numeric|real|number", re.I)
_TEXT_TYPE = re.compile(r"char|text|string", re.I)
_DATE_TYPE = re.compile(r"date|time", re.I)
_BOOL_TYPE = re.compile(r"bool", re.I)
_AMOUNT = re.compile(r"^\s*[$€£]?\s*(-?[\d,]*\.?\d+)\s*([kKmM])?\b")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(.*)$")
_TRUE = {"true", "t", "yes", "y", "1", "active", "on"}
_FALSE = {"false", "f", "no", "n", "0", "inactive", "off"}
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def types(ctx: RuleContext) -> list[RuleFix]:
    """Propose literals rewritten to fit the column they are compared with."""
    if ctx.error.kind not in {ErrorKind.TYPE_MISMATCH, ErrorKind.OTHER} or ctx.tree is None or not ctx.tokens:
        return []
    fixes, edits = _negative_limit(ctx), []
    for column, literal in _column_literal_pairs(ctx.tree):
        column_type = _column_type(ctx, column)
        token = _literal_token(ctx, literal, column)
        if column_type is None or token is None:
            continue
        for replacement, why in _fitting(literal, column_type, column.name, ctx):
            edit = Edit(token.start, token.end + 1, replacement)
            edits.append(edit)
            fixes.append(RuleFix(splice(ctx.sql, [edit]), why, "types"))
    starts = {e.start for e in edits}
    if 1 < len(starts) == len(edits):
        fixes.append(RuleFix(splice(ctx.sql, edits), "Several literals did not fit their columns' types.", "types"))
    return fixes


def _column_literal_pairs(tree: exp.Expression) -> list[tuple[exp.Column, exp.Literal]]:
    pairs = []
    for node in tree.find_all(*_COMPARISONS):
        sides = (node.left, node.right)
        column = next((s for s in sides if isinstance(s, exp.Column)), None)
        literal = next((s for s in sides if isinstance(s, exp.Literal)), None)
        if column is not None and literal is not None:
            pairs.append((column, literal))
    for node in tree.find_all(exp.Between):
        if isinstance(node.this, exp.Column):
            pairs.extend((node.this, bound) for bound in (node.args.get("low"), node.args.get("high")) if isinstance(bound, exp.Literal))
    return pairs


def _fitting(literal: exp.Literal, column_type: str, name: str, ctx: RuleContext) -> list[tuple[str, str]]:
    text = literal.this
    if _BOOL_TYPE.search(column_type) and literal.is_string:
        word = text.strip().lower()
        values = ["true"] if word in _TRUE else ["false"] if word in _FALSE else ["true", "false"]
        return [(ctx.keyword(v), f"`{name}` is a boolean; '{text}' means {v}.") for v in values]
    if _NUMERIC_TYPE.search(column_type) and literal.is_string:
        amount = _amount(text)
        if amount:
            return [(amount, f"`{name}` is a number; '{text}' is written as {amount}.")]
        return _looked_up(text, name, ctx)
    if _TEXT_TYPE.search(column_type) and not literal.is_string:
        return [(f"'{text}'", f"`{name}` is text; compared with the string '{text}'.")]
    if _DATE_TYPE.search(column_type):
        if not literal.is_string and text.isdigit() and 1900 <= int(text) <= 2100:
            return [(f"'{text}-01-01'", f"`{name}` is a date; the year {text} is written as '{text}-01-01'.")]
        valid = _valid_date(text) if literal.is_string else None
        if valid and valid != text:
            return [(f"'{valid}'", f"'{text}' is not a real date; the nearest valid one is '{valid}'.")]
    return []


def _looked_up(text: str, name: str, ctx: RuleContext) -> list[tuple[str, str]]:
    """A name written where its key belongs (``department_id = 'Engineering'``): the key looked
    up in the table ``name`` refers to, by the text columns whose sample values hold ``text``,
    else by each text column (the runs then decide, and the fix is unsure when they differ)."""
    fixes = []
    for table, key in _referenced(name, ctx):
        texts = [c for c in table.columns if _TEXT_TYPE.search(c.type) and c.name.lower() != key.lower()]
        holding = [c for c in texts if any(str(v).lower() == text.lower() for v in c.samples)]
        quoted = "'" + text.replace("'", "''") + "'"  # the literal's value, written back as SQL
        for column in holding or texts:
            lookup = f"({ctx.keyword('select')} {key} {ctx.keyword('from')} {table.name} {ctx.keyword('where')} {column.name} = {quoted})"
            fixes.append((lookup, f"`{name}` holds keys of {table.name}; '{text}' is looked up by its {column.name}."))
    return fixes


def _referenced(name: str, ctx: RuleContext) -> list[tuple[Table, str]]:
    """(table, key column) pairs ``name`` refers to: the foreign keys of the query's tables
    on it, else the tables whose one-column primary key is called ``name``."""
    found = {}
    for table in ctx.query_tables:
        for key in table.foreign_keys:
            if [c.lower() for c in key.columns] == [name.lower()] and (target := ctx.schema.table(key.ref_table)):
                found.setdefault(target.name, (target, key.ref_columns[0]))
    if not found:
        for table in ctx.schema.tables:
            if [c.lower() for c in table.primary_key] == [name.lower()] and table not in ctx.query_tables:
                found.setdefault(table.name, (table, table.primary_key[0]))
    return list(found.values())


def _amount(text: str) -> str | None:
    match = _AMOUNT.match(text)
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    value *= {"k": 1_000, "m": 1_000_000}.get((match.group(2) or "").lower(), 1)
    return str(int(value)) if value == int(value) else str(value)


def _valid_date(text: str) -> str | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    year, month, day, rest = int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4)
    month = min(max(month, 1), 12)
    day = min(max(day, 1), calendar.monthrange(year, month)[1])
    return f"{year:04d}-{month:02d}-{day:02d}{rest}"


def _negative_limit(ctx: RuleContext) -> list[RuleFix]:
    tokens = ctx.tokens
    for index, token in enumerate(tokens[:-2]):
        if token.token_type in {TokenType.LIMIT, TokenType.OFFSET} and tokens[index + 1].token_type == TokenType.DASH:
            edit = Edit(tokens[index + 1].start, tokens[index + 2].start, "")
            return [RuleFix(splice(ctx.sql, [edit]), f"{token.text.upper()} cannot be negative; the sign was dropped.", "types")]
    return []


def _column_type(ctx: RuleContext, column: exp.Column) -> str | None:
    tables = [ctx.aliases[column.table.lower()]] if column.table and column.table.lower() in ctx.aliases else ctx.query_tables
    for table in tables:
        found = table.column(column.name)
        if found is not None:
            return found.type
    return None


def _literal_token(ctx: RuleContext, literal: exp.Literal, column: exp.Column) -> Token | None:
    """The token of ``literal``: the first with its text after the column's position."""
    after = column.this.meta.get("end", -1) if isinstance(column.this, exp.Identifier) else -1
    kind = TokenType.STRING if literal.is_string else TokenType.NUMBER
    return next((t for t in ctx.tokens if t.token_type == kind and t.text == literal.this and t.start > after), None)
