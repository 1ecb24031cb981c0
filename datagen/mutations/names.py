"""Identifier bugs: misspelled or wrongly-cased names, a column from the wrong table, ambiguity."""

from __future__ import annotations

import random

from sqlglot import exp

from datagen.mutations.registry import MutationContext, operator

_VOWELS = "aeiou"
_RESERVED = {"order", "user", "group", "select", "from", "where", "table", "limit", "case", "end", "position"}


def misspell(name: str, rng: random.Random) -> str:
    """A realistic typo of ``name``: a dropped, doubled or swapped letter, a wrong vowel, a plural."""
    if len(name) < 3:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 1)
    style = rng.choice(("drop", "double", "swap", "vowel", "plural"))
    if style == "drop":
        return name[:i] + name[i + 1:]
    if style == "double":
        return name[:i] + name[i] + name[i:]
    if style == "swap" and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if style == "vowel":
        spots = [k for k, c in enumerate(name) if c in _VOWELS and k > 0]
        if spots:
            k = rng.choice(spots)
            return name[:k] + rng.choice([v for v in _VOWELS if v != name[k]]) + name[k + 1:]
    return name[:-1] if name.endswith("s") else name + "s"


def _columns(tree: exp.Expression) -> list[exp.Column]:
    return [c for c in tree.find_all(exp.Column) if c.name and not isinstance(c.this, exp.Star)]


def _real_columns(ctx: MutationContext, tree: exp.Expression) -> list[exp.Column]:
    """Column references that name a schema column (not a SELECT alias like ``n``)."""
    known = ctx.all_columns()
    return [c for c in _columns(tree) if c.name.lower() in known]


@operator("misspell_column", "unknown_column", weight=2.0)
def misspell_column(ctx: MutationContext) -> str | None:
    """Misspell one column reference (``statuss``, ``totl``, ``signup_dat``)."""
    tree = ctx.fresh()
    columns = _real_columns(ctx, tree)
    if not columns:
        return None
    column = ctx.rng.choice(columns)
    typo = misspell(column.name, ctx.rng)
    if typo.lower() in ctx.all_columns():
        return None
    column.set("this", exp.to_identifier(typo))
    return ctx.render(tree)


@operator("camel_case_column", "unknown_column")
def camel_case_column(ctx: MutationContext) -> str | None:
    """Write a snake_case column in camelCase (``signupDate``), as in application code."""
    tree = ctx.fresh()
    columns = [c for c in _real_columns(ctx, tree) if "_" in c.name.strip("_")]
    if not columns:
        return None
    column = ctx.rng.choice(columns)
    head, *rest = column.name.split("_")
    column.set("this", exp.to_identifier(head + "".join(w.capitalize() for w in rest)))
    return ctx.render(tree)


@operator("wrong_case_column", "unknown_column", dialects=frozenset({"clickhouse"}))
def wrong_case_column(ctx: MutationContext) -> str | None:
    """Capitalise a column name; ClickHouse identifiers are case-sensitive."""
    tree = ctx.fresh()
    columns = _real_columns(ctx, tree)
    if not columns:
        return None
    column = ctx.rng.choice(columns)
    styled = column.name.upper() if ctx.rng.random() < 0.3 else column.name.capitalize()
    column.set("this", exp.to_identifier(styled))
    return ctx.render(tree)


@operator("wrong_table_column", "unknown_column", weight=1.5)
def wrong_table_column(ctx: MutationContext) -> str | None:
    """Take a column from the wrong table: qualify it with the other join alias, or use a
    column another table has."""
    tree = ctx.fresh()
    aliases = ctx.table_aliases(tree)
    columns = _real_columns(ctx, tree)
    qualified = [c for c in columns if c.table in aliases]
    if len(aliases) >= 2 and qualified:
        column = ctx.rng.choice(qualified)
        others = [a for a, t in aliases.items() if a != column.table and column.name.lower() not in ctx.columns_of(t)]
        if others:
            column.set("table", exp.to_identifier(ctx.rng.choice(others)))
            return ctx.render(tree)
    if len(aliases) != 1 or not columns:
        return None
    table = next(iter(aliases.values()))
    own = ctx.columns_of(table)
    column = ctx.rng.choice(columns)
    role = _role(ctx, table, column.name)
    foreign = [c.name for t in ctx.profile.tables.values() if t.name != table for c in t.columns
               if c.role == role and c.name.lower() not in own]
    if not foreign:
        return None
    column.set("this", exp.to_identifier(ctx.rng.choice(sorted(foreign))))
    return ctx.render(tree)


def _role(ctx: MutationContext, table: str, column: str) -> str | None:
    found = ctx.profile.tables[table].column(column) if table in ctx.profile.tables else None
    return found.role if found else None


@operator("misspell_table", "unknown_table", weight=1.5)
def misspell_table(ctx: MutationContext) -> str | None:
    """Misspell a table name or get its number wrong (``order_item``, ``employes``)."""
    tree = ctx.fresh()
    tables = [t for t in tree.find_all(exp.Table) if t.name in ctx.profile.tables]
    if not tables:
        return None
    table = ctx.rng.choice(tables)
    name = table.name
    typo = name[:-1] if name.endswith("s") and ctx.rng.random() < 0.4 else misspell(name, ctx.rng)
    if typo.lower() in _RESERVED or typo in ctx.profile.tables:
        typo = misspell(name, ctx.rng)
    if typo.lower() in _RESERVED or typo in ctx.profile.tables or typo == name:
        return None
    table.set("this", exp.to_identifier(typo))
    return ctx.render(tree)


@operator("wrong_case_table", "unknown_table", dialects=frozenset({"clickhouse"}))
def wrong_case_table(ctx: MutationContext) -> str | None:
    """Capitalise a table name; ClickHouse table names are case-sensitive."""
    tree = ctx.fresh()
    tables = [t for t in tree.find_all(exp.Table) if t.name in ctx.profile.tables]
    if not tables:
        return None
    table = ctx.rng.choice(tables)
    table.set("this", exp.to_identifier(table.name.capitalize()))
    return ctx.render(tree)


@operator("unknown_alias", "unknown_table", dialects=frozenset({"duckdb"}))
def unknown_alias(ctx: MutationContext) -> str | None:
    """Qualify a column with an alias that is not defined (the table's name instead of its alias,
    or a typo of the alias). DuckDB only: ClickHouse accepts the table name and calls a bad
    qualifier an unknown identifier."""
    tree = ctx.fresh()
    aliases = ctx.table_aliases(tree)
    qualified = [c for c in _real_columns(ctx, tree) if c.table in aliases and c.table != aliases[c.table]]
    if not qualified:
        return None
    column = ctx.rng.choice(qualified)
    wrong = aliases[column.table] if ctx.rng.random() < 0.5 else column.table + column.table[-1]
    if wrong in aliases:
        return None
    column.set("table", exp.to_identifier(wrong))
    return ctx.render(tree)


@operator("ambiguous_column", "ambiguous_column", weight=1.5, dialects=frozenset({"duckdb"}))
def ambiguous_column(ctx: MutationContext) -> str | None:
    """Drop the table qualifier of a column that two joined tables both have. DuckDB only:
    ClickHouse resolves such a name to the first table instead of failing."""
    tree = ctx.fresh()
    aliases = ctx.table_aliases(tree)
    if len(aliases) < 2:
        return None
    shared = [c for c in _real_columns(ctx, tree) if c.table in aliases
              and sum(c.name.lower() in ctx.columns_of(t) for t in aliases.values()) >= 2]
    if not shared:
        return None
    column = ctx.rng.choice(shared)
    column.set("table", None)
    return ctx.render(tree)
