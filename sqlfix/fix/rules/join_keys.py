"""Join-key repair: tables listed side by side (``FROM a, b``) with no condition linking them
make a cross join that times out or exhausts memory; the schema's foreign keys supply the
missing join conditions. When several keys link two tables (``flights`` and ``airports`` by
origin or by destination), each is proposed: their results differ, so the pick is unsure. Two tables with no key between them are joined through the one
table that has a key to each (``users u, page_views pv`` through ``sessions``), added to a
comma-separated FROM list; with several such tables the path is a guess and nothing is
proposed."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokens import TokenType

from sqlfix.errors import LIMIT_KINDS
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import Edit, clause_span, depths, scopes, splice
from sqlfix.schema.model import Table

# Fixes proposed at most when several keys could link the tables.
MAX_VARIANTS = 4
# Clauses a new WHERE goes in front of.
_AFTER_WHERE = {
    TokenType.GROUP_BY, TokenType.HAVING, TokenType.ORDER_BY, TokenType.LIMIT, TokenType.OFFSET,
    TokenType.QUALIFY, TokenType.WINDOW, TokenType.SETTINGS, TokenType.FORMAT, TokenType.UNION,
}


def join_keys(ctx: RuleContext) -> list[RuleFix]:
    """Propose foreign-key join conditions for the unlinked tables of a cross join."""
    if ctx.error.kind not in LIMIT_KINDS or ctx.tree is None or not ctx.tokens or len(ctx.qualifiers) < 2:
        return []
    linked = _linked_pairs(ctx)
    components = _components([q for q, _ in ctx.qualifiers], linked)
    if len(components) < 2:
        return []
    tables = dict(ctx.qualifiers)
    choices, bridges = [], []
    merged = components[0]
    for component in components[1:]:
        keys = _keys_between(merged, component, tables)
        if not keys:
            bridge = _bridge(ctx, merged, component, tables)
            if bridge is None:
                return []
            bridges.append(bridge[0])
            keys = [list(bridge[1:])]
        choices.append(keys)
        merged = merged | component
    scope = scopes(ctx.tokens)[0]
    bridge_edits = _from_additions(ctx, scope, bridges) if bridges else []
    if bridge_edits is None:
        return []
    # The first key of every pair, then each other key of a pair that several keys link
    # (``flights`` to ``airports`` by origin or by destination): rivals with other results.
    variants = [[keys[0] for keys in choices]]
    for index, keys in enumerate(choices):
        variants += [[*(k[0] for k in choices[:index]), other, *(k[0] for k in choices[index + 1:])] for other in keys[1:]]
    return [_joined(ctx, scope, [c for key in variant for c in key], bridges, bridge_edits) for variant in variants[:MAX_VARIANTS]]


def _joined(ctx: RuleContext, scope, conditions: list[str], bridges: list[str], bridge_edits: list[Edit]) -> RuleFix:
    joiner = f" {ctx.keyword('AND')} "
    where = clause_span(ctx.tokens, scope, TokenType.WHERE)
    if where is not None:
        at = ctx.tokens[where[1] - 1].end + 1
        edit = Edit(at, at, joiner + joiner.join(conditions))
    else:
        at = _where_point(ctx, scope)
        edit = Edit(at, at, f" {ctx.keyword('WHERE')} {joiner.join(conditions)}")
    explanation = f"The tables were joined without a condition (a cross join); joined them on {', '.join(f'`{c}`' for c in conditions)}."
    if bridges:
        explanation += f" No key links them directly; {', '.join(f'`{b}`' for b in bridges)} links them."
    return RuleFix(splice(ctx.sql, [edit, *bridge_edits]), explanation, "join_keys")


def _bridge(ctx: RuleContext, left: set[str], right: set[str], tables: dict[str, Table]) -> tuple[str, str, str] | None:
    """``(FROM item, condition to left, condition to right)`` through the one schema table the
    query does not read that has one foreign key to (or from) a table on each side."""
    read = {t.name.lower() for t in tables.values()}
    used = {q.lower() for q in tables} | {t.name.lower() for t in ctx.schema.tables}
    found = []
    for table in ctx.schema.tables:
        if table.name.lower() in read:
            continue
        alias = next((a for a in (table.name[0], table.name[:2], table.name[:3]) if a.lower() not in used), table.name)
        to_left = [c for q in sorted(left) for c in (*_directs(alias, table, q, tables[q]), *_directs(q, tables[q], alias, table))]
        to_right = [c for q in sorted(right) for c in (*_directs(alias, table, q, tables[q]), *_directs(q, tables[q], alias, table))]
        if to_left and to_right:
            found.append((table.name if alias == table.name else f"{table.name} {alias}", to_left, to_right))
    if len(found) != 1 or len(found[0][1]) != 1 or len(found[0][2]) != 1:
        return None  # several tables or keys could link them: the path is a guess
    return found[0][0], found[0][1][0], found[0][2][0]


def _from_additions(ctx: RuleContext, scope, items: list[str]) -> list[Edit] | None:
    """Edits appending ``items`` to the scope's comma-separated FROM list (None for a FROM with JOINs)."""
    source = clause_span(ctx.tokens, scope, TokenType.FROM)
    if source is None or any(ctx.tokens[i].token_type in {TokenType.JOIN, TokenType.L_PAREN} for i in range(*source)):
        return None
    at = ctx.tokens[source[1] - 1].end + 1
    return [Edit(at, at, "".join(f", {item}" for item in items))]


def _linked_pairs(ctx: RuleContext) -> set[frozenset[str]]:
    """Pairs of table qualifiers already compared by an equality anywhere in the query."""
    names = {q.lower(): q for q, _ in ctx.qualifiers}
    pairs = set()
    for equality in ctx.tree.find_all(exp.EQ):
        left, right = equality.left, equality.right
        if isinstance(left, exp.Column) and isinstance(right, exp.Column) and left.table and right.table:
            a, b = names.get(left.table.lower()), names.get(right.table.lower())
            if a and b and a != b:
                pairs.add(frozenset((a, b)))
    for join in ctx.tree.find_all(exp.Join):
        if join.args.get("on") is not None or join.args.get("using"):
            pairs.add(frozenset(("__explicit__", join.alias_or_name)))
    return pairs


def _components(qualifiers: list[str], pairs: set[frozenset[str]]) -> list[set[str]]:
    groups = [{q} for q in qualifiers]
    for pair in pairs:
        touching = [g for g in groups if g & pair]
        if len(touching) > 1:
            union = set().union(*touching)
            groups = [g for g in groups if g not in touching] + [union]
    return sorted(groups, key=lambda g: min(qualifiers.index(q) for q in g if q in qualifiers))


def _keys_between(left: set[str], right: set[str], tables: dict[str, Table]) -> list[list[str]]:
    """Every join condition between a table of ``left`` and one of ``right`` (each a list of
    conditions to AND): the foreign keys, else pairs of columns that reference the same key."""
    direct, siblings = [], []
    for a in sorted(left):
        for b in sorted(right):
            direct += [[c] for c in (*_directs(b, tables[b], a, tables[a]), *_directs(a, tables[a], b, tables[b]))]
            siblings += [[c] for c in _siblings(a, tables[a], b, tables[b])]
    return direct or siblings


def _directs(child: str, child_table: Table, parent: str, parent_table: Table) -> list[str]:
    return [f"{child}.{key.columns[0]} = {parent}.{key.ref_columns[0]}" for key in child_table.foreign_keys
            if key.ref_table.lower() == parent_table.name.lower() and len(key.columns) == 1]


def _siblings(a: str, a_table: Table, b: str, b_table: Table) -> list[str]:
    return [f"{b}.{key_b.columns[0]} = {a}.{key_a.columns[0]}" for key_a in a_table.foreign_keys for key_b in b_table.foreign_keys
            if (key_a.ref_table.lower(), key_a.ref_columns) == (key_b.ref_table.lower(), key_b.ref_columns) and len(key_a.columns) == 1]


def _where_point(ctx: RuleContext, scope) -> int:
    levels = depths(ctx.tokens)
    for index in range(scope.start, scope.end):
        if levels[index] == scope.depth and ctx.tokens[index].token_type in _AFTER_WHERE:
            return ctx.tokens[index - 1].end + 1
    return ctx.tokens[scope.end - 1].end + 1
