"""Bugs that parse and bind but fail while running: a join that pairs every row with every
other (``resource_limit``; ``timeout`` on DuckDB), a recursion that never stops (``timeout``;
``other`` on ClickHouse), and ``=`` against a subquery that returns many rows (``other``).

The first two fail only under a limit: the verifier runs them under the limits their kind
names (``datagen.verify.repair_limits``) and the row records those limits. Each is chosen so
that the outcome does not hinge on the machine's speed:

* ClickHouse does not spill a window or sort to disk, so the cartesian product fails on memory
  at once; it is only used from 4 million rows on, whose windows needed over 128 MB here (4x
  the 32 MB limit; a product of 1 million rows needed 32-64 MB), while the demos' fixed
  queries ran within 8 MB;
* DuckDB spills to disk instead, so there the product is only used when it is large enough to
  run far past the time limit (at least 50 million rows; the demos' smallest such product, 110
  million bookings x passengers, ran 37 s here against the 0.25 s limit, while the fixed
  queries of these shapes took at most 13 ms);
* the recursion never ends at all (ClickHouse stops it at its depth limit of 1000, well within
  the usual time limit).
"""

from __future__ import annotations

from sqlglot import exp

from datagen.mutations.registry import MutationContext, operator

# Rows of the cartesian product an operator needs, per dialect (see the module docstring).
MIN_CARTESIAN_ROWS = {"duckdb": 50_000_000, "clickhouse": 4_000_000}


@operator("missing_join_condition", "resource_limit", weight=6.0, kind_by_dialect={"duckdb": "timeout"})
def missing_join_condition(ctx: MutationContext) -> str | None:
    """Forget the join condition (``CROSS JOIN``), or write one that is always true
    (``o.user_id = o.user_id``), where all joined rows must be held at once (a window function
    over an unfiltered join): every row meets every other row and the query runs out of memory
    (ClickHouse) or past the time limit (DuckDB, which spills to disk)."""
    tree = ctx.fresh()
    for select in tree.find_all(exp.Select):
        if _holds_all_rows(select):
            aliases = ctx.table_aliases(select)
            sizes = [ctx.profile.tables[t].rows for t in aliases.values()]
            if len(sizes) == 2 and sizes[0] * sizes[1] >= MIN_CARTESIAN_ROWS[ctx.dialect] and _drop_condition(ctx, select):
                return ctx.render(tree)
    return None


def _holds_all_rows(select: exp.Select) -> bool:
    # Unfiltered, so the product is the two tables' sizes: a filter would make it unknowable.
    return not select.args.get("where") and any(e.find(exp.Window) for e in select.expressions)


def _drop_condition(ctx: MutationContext, select: exp.Select) -> bool:
    for join in select.args.get("joins") or []:
        on = join.args.get("on")
        if not isinstance(on, exp.EQ) or not isinstance(on.this, exp.Column) or not isinstance(on.expression, exp.Column):
            continue
        if ctx.rng.random() < 0.5:
            side = on.this if ctx.rng.random() < 0.5 else on.expression
            on.replace(exp.EQ(this=side.copy(), expression=side.copy()))
        else:
            join.set("on", None)
            join.set("kind", "CROSS")
        return True
    return False


@operator("unbounded_recursion", "timeout", weight=1.5, kind_by_dialect={"clickhouse": "other"})
def unbounded_recursion(ctx: MutationContext) -> str | None:
    """Forget the stop condition of a recursive CTE (``WHERE month < DATE '2024-12-01'``): the
    recursion never ends. DuckDB runs until the time limit; ClickHouse stops at its recursion
    depth limit (``TOO_DEEP_RECURSION``, kind ``other``)."""
    tree = ctx.fresh()
    with_ = tree.find(exp.With)
    if with_ is None or not with_.args.get("recursive"):
        return None
    for cte in with_.expressions:
        step = cte.this.expression if isinstance(cte.this, exp.Union) else None
        if isinstance(step, exp.Select) and step.args.get("where"):
            step.set("where", None)
            return ctx.render(tree)
    return None


@operator("scalar_subquery", "other", weight=1.5)
def scalar_subquery(ctx: MutationContext) -> str | None:
    """Compare with ``=`` where the subquery returns many rows (``x = (SELECT ...)`` for
    ``x IN (SELECT ...)``): the engines refuse a scalar subquery with more than one row."""
    tree = ctx.fresh()
    for node in tree.find_all(exp.In):
        query = node.args.get("query")
        if query is not None and not node.args.get("expressions"):
            node.replace(exp.EQ(this=node.this.copy(), expression=query.copy()))
            return ctx.render(tree)
    return None
