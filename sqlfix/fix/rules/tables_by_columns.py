"""An unknown table named by what it holds rather than by its name (``customers`` for
``users``, ``tickets`` for ``bookings``, ``staff`` for ``employees``): when no schema table is
spelled like it, the columns the query reads through it identify it.

The columns read through the table are those qualified with its alias or name, and, with
no qualifier, those no other table of the query has. Exactly one schema table the query does
not read yet must have them all; with none or several, or when the query reads no column
through it (``count(*) FROM customers``), nothing is proposed: a table chosen by name alone
would be a guess."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import NAME_TYPES, Edit, splice
from sqlfix.schema.model import Table


def tables_by_columns(ctx: RuleContext) -> list[RuleFix]:
    """Propose the one schema table that has every column the query reads through an unknown table."""
    if ctx.error.kind != ErrorKind.UNKNOWN_TABLE or ctx.tree is None or not ctx.tokens:
        return []
    unknown = [t for t in ctx.tree.find_all(exp.Table)
               if t.name and not t.args.get("db") and ctx.schema.table(t.name) is None and t.name.lower() not in ctx.cte_names]
    if len({t.name.lower() for t in unknown}) != 1 or ctx.has_column(unknown[0].name):
        return []
    table = unknown[0]
    needed = _columns_through(ctx, table)
    if not needed:
        return []
    read = {t.name.lower() for t in ctx.query_tables}
    fits = [t for t in ctx.schema.tables if t.name.lower() not in read and needed <= {c.name.lower() for c in t.columns}]
    if len(fits) != 1:
        return []
    return [_rename(ctx, table.name, fits[0], needed)]


def _columns_through(ctx: RuleContext, table: exp.Table) -> set[str]:
    """Lower-cased names of the columns the query reads through ``table``."""
    names = {table.name.lower(), (table.alias or table.name).lower()}
    others = {c.name.lower() for t in ctx.query_tables for c in t.columns}
    outputs = ctx.output_aliases
    needed = set()
    for column in ctx.tree.find_all(exp.Column):
        if isinstance(column.this, exp.Star) or not column.name:
            continue
        name = column.name.lower()
        if column.table:
            if column.table.lower() in names:
                needed.add(name)
        elif name not in others and name not in outputs:
            needed.add(name)
    return needed


def _rename(ctx: RuleContext, name: str, table: Table, needed: set[str]) -> RuleFix:
    tokens = ctx.tokens
    edits = [Edit(t.start, t.end + 1, table.name) for i, t in enumerate(tokens)
             if t.token_type in NAME_TYPES and t.text.lower() == name.lower() and not (i and tokens[i - 1].token_type == TokenType.DOT)]
    columns = ", ".join(f"`{c}`" for c in sorted(needed))
    why = f"Table `{name}` does not exist; `{table.name}` is the one table with the columns the query reads from it ({columns})."
    return RuleFix(splice(ctx.sql, edits), why, "tables_by_columns")
