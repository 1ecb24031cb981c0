"""Bugs that run but answer the wrong question (kind ``semantic``), and a write statement the guard
refuses (``permission``)."""

from __future__ import annotations

from sqlglot import exp

from datagen.mutations.registry import MutationContext, operator

SEMANTIC = "semantic"
_SWAP_AGG = {exp.Sum: exp.Avg, exp.Avg: exp.Sum, exp.Max: exp.Min, exp.Min: exp.Max}
_OFF_BY_ONE = {exp.GT: exp.GTE, exp.GTE: exp.GT, exp.LT: exp.LTE, exp.LTE: exp.LT}


@operator("wrong_join_key", SEMANTIC, weight=1.5)
def wrong_join_key(ctx: MutationContext) -> str | None:
    """Join on the wrong key column (``o.order_id = u.user_id`` for ``o.user_id = u.user_id``)."""
    tree = ctx.fresh()
    aliases = ctx.table_aliases(tree)
    for join in tree.find_all(exp.Join):
        on = join.args.get("on")
        if not isinstance(on, exp.EQ) or not isinstance(on.this, exp.Column):
            continue
        side = on.this if ctx.rng.random() < 0.5 else on.expression
        if not isinstance(side, exp.Column) or side.table not in aliases:
            continue
        table = ctx.profile.tables[aliases[side.table]]
        keys = [c.name for c in table.columns if c.role == "key" and c.name != side.name and c.integer]
        if keys:
            side.set("this", exp.to_identifier(ctx.rng.choice(keys)))
            return ctx.render(tree)
    return None


@operator("wrong_aggregate", SEMANTIC, weight=1.5)
def wrong_aggregate(ctx: MutationContext) -> str | None:
    """Use the wrong aggregate (SUM for AVG, MIN for MAX, COUNT for COUNT DISTINCT)."""
    tree = ctx.fresh()
    spots = [a for a in tree.find_all(*_SWAP_AGG) if not isinstance(a.parent, exp.Window)]
    spots += [c for c in tree.find_all(exp.Count) if isinstance(c.this, exp.Distinct)]
    if not spots:
        return None
    agg = ctx.rng.choice(spots)
    if isinstance(agg, exp.Count):
        agg.set("this", agg.this.expressions[0].copy())
    else:
        agg.replace(_SWAP_AGG[type(agg)](this=agg.this.copy()))
    return ctx.render(tree)


@operator("missing_distinct", SEMANTIC)
def missing_distinct(ctx: MutationContext) -> str | None:
    """Forget DISTINCT (in SELECT DISTINCT or COUNT(DISTINCT ...))."""
    tree = ctx.fresh()
    for select in tree.find_all(exp.Select):
        if select.args.get("distinct"):
            select.set("distinct", None)
            return ctx.render(tree)
    for count in tree.find_all(exp.Count):
        if isinstance(count.this, exp.Distinct):
            count.set("this", count.this.expressions[0].copy())
            return ctx.render(tree)
    return None


@operator("off_by_one_comparison", SEMANTIC, weight=1.5)
def off_by_one_comparison(ctx: MutationContext) -> str | None:
    """``>`` for ``>=`` (and the like): the boundary value is in or out by mistake."""
    tree = ctx.fresh()
    spots = [c for c in tree.find_all(*_OFF_BY_ONE) if isinstance(c.expression, exp.Literal)]
    if not spots:
        return None
    cmp = ctx.rng.choice(spots)
    cmp.replace(_OFF_BY_ONE[type(cmp)](this=cmp.this.copy(), expression=cmp.expression.copy()))
    return ctx.render(tree)


@operator("wrong_filter_value", SEMANTIC, weight=1.5)
def wrong_filter_value(ctx: MutationContext) -> str | None:
    """Filter on the wrong value: another value of the same column, or the neighbouring year."""
    tree = ctx.fresh()
    aliases = ctx.table_aliases(tree)
    for eq in tree.find_all(exp.EQ):
        lit = eq.expression
        if not isinstance(lit, exp.Literal):
            continue
        if isinstance(eq.this, exp.Extract):
            lit.replace(exp.Literal.number(int(lit.name) + ctx.rng.choice((-1, 1))))
            return ctx.render(tree)
        if isinstance(eq.this, exp.Column) and lit.is_string:
            tables = [aliases.get(eq.this.table)] if eq.this.table else list(aliases.values())
            for table in filter(None, tables):
                column = ctx.profile.tables[table].column(eq.this.name)
                others = [v for v in (column.values if column else []) if v != lit.name]
                if others:
                    lit.replace(exp.Literal.string(ctx.rng.choice(others[:15])))
                    return ctx.render(tree)
    return None


@operator("flipped_sort_order", SEMANTIC)
def flipped_sort_order(ctx: MutationContext) -> str | None:
    """Sort the wrong way before a LIMIT (the top-N becomes the bottom-N)."""
    tree = ctx.fresh()
    if not isinstance(tree, exp.Select) or not tree.args.get("limit") or not tree.args.get("order"):
        return None
    first = tree.args["order"].expressions[0]
    first.set("desc", not first.args.get("desc"))
    return ctx.render(tree)


@operator("write_statement", "permission", weight=0.5)
def write_statement(ctx: MutationContext) -> str | None:
    """Save the answer into a table (``CREATE TABLE ... AS``, ``INSERT INTO ... SELECT``); the
    engine's guard refuses writes, and the fix is the query itself."""
    name = ctx.rng.choice(("result", "report", "tmp_answer", "my_results"))
    if ctx.rng.random() < 0.6:
        return f"CREATE TABLE {name} AS {ctx.sql}"
    return f"INSERT INTO {name} {ctx.sql}"
