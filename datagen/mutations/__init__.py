"""Bug injection: a registry of small operators that turn a correct query into a realistic broken one.

An operator takes a :class:`MutationContext` (the correct SQL, its parsed tree, the schema
profile, an RNG) and returns the broken SQL text, or None when the query offers it nothing
to break; where the natural fix is not the correct query itself (a column selected but not
grouped is fixed by grouping by it, keeping what the user selected), it returns the pair
(broken SQL, fixed SQL). Each records its name and the error kind it aims for; the verifier then runs the
broken SQL and keeps the engine's own classification.

Families live in their own modules: :mod:`datagen.mutations.lexical` (commas, parentheses,
quotes, keywords), :mod:`datagen.mutations.names` (identifiers), :mod:`datagen.mutations.clauses`
(GROUP BY, types, arity, functions, dialects), :mod:`datagen.mutations.semantic` (bugs that
run but answer wrong, plus guard refusals) and :mod:`datagen.mutations.runaway` (bugs that fail
only while running: blow-ups past a limit, endless recursion, many-row scalar subqueries).
They register into :mod:`datagen.mutations.registry`, which they import, never this package.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from datagen.mutations.registry import OPERATORS, Mutation, MutationContext, Operator

__all__ = ["OPERATORS", "Mutation", "MutationContext", "Operator", "mutate", "operators_for", "parse"]


def operators_for(dialect: str, names: list[str] | None = None) -> list[Operator]:
    """The registered operators that target ``dialect`` (restricted to ``names`` if given)."""
    _load_families()
    chosen = [op for op in OPERATORS.values() if dialect in op.dialects]
    if names:
        unknown = set(names) - set(OPERATORS)
        if unknown:
            from sqlfix.errors import SqlfixError

            raise SqlfixError(f"unknown mutation operators: {', '.join(sorted(unknown))}")
        chosen = [op for op in chosen if op.name in names]
    return chosen


def mutate(ctx: MutationContext, count: int, names: list[str] | None = None) -> list[Mutation]:
    """Apply up to ``count`` different operators (drawn by weight) to the context's query."""
    pool = operators_for(ctx.dialect, names)
    mutations: list[Mutation] = []
    seen: set[str] = set()
    while pool and len(mutations) < count:
        op = ctx.rng.choices(pool, [o.weight for o in pool])[0]
        pool = [o for o in pool if o is not op]
        mutation = op(ctx)
        if mutation is not None and mutation.broken_sql not in seen:
            seen.add(mutation.broken_sql)
            mutations.append(mutation)
    return mutations


def parse(sql: str, dialect: str) -> exp.Expression | None:
    """Parse ``sql`` (None when sqlglot cannot), without source positions.

    Operators copy the tree once each; the positions sqlglot keeps on every identifier are never
    used here and are most of what a copy costs (about 3x), so they are dropped.
    """
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return None
    for node in tree.walk():
        node._meta = None
    return tree


def _load_families() -> None:
    from datagen.mutations import clauses, lexical, names, runaway, semantic  # noqa: F401 - registers operators
