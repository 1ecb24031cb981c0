"""The operator registry: what an operator sees (:class:`MutationContext`), returns
(:data:`Broken`) and is registered as (:class:`Operator`, through :func:`operator`), and what
applying one gives (:class:`Mutation`). The families in this package register into it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Union

from sqlglot import exp

from datagen.profile import SchemaProfile
from datagen.style import lower_case_sql

ALL_DIALECTS = frozenset({"duckdb", "clickhouse"})
# What an operator function returns: the broken SQL, or (broken SQL, its own fix), or None.
Broken = Union[str, tuple[str, str], None]


@dataclass
class MutationContext:
    """What an operator sees.

    Attributes:
        sql: the correct query, in ``dialect``.
        tree: its sqlglot tree (never modified: operators work on ``fresh()`` copies).
        dialect: the target dialect.
        profile: the schema profile (columns, roles, values, joins).
        rng: the RNG to draw choices from.
        lower_case: ``sql`` is written in lower case; the operators' output is restyled to match.
    """

    sql: str
    tree: exp.Expression
    dialect: str
    profile: SchemaProfile
    rng: random.Random
    lower_case: bool = False

    def fresh(self) -> exp.Expression:
        """A copy of the tree to mutate."""
        return self.tree.copy()

    def render(self, tree: exp.Expression) -> str:
        """The tree as SQL text in the target dialect."""
        return tree.sql(dialect=self.dialect)

    def columns_of(self, table: str) -> set[str]:
        """Lower-cased column names of ``table`` (empty for an unknown table)."""
        found = self.profile.tables.get(table)
        return {c.name.lower() for c in found.columns} if found else set()

    def all_columns(self) -> set[str]:
        """Lower-cased names of every column of the schema."""
        return {c.name.lower() for t in self.profile.tables.values() for c in t.columns}

    def table_aliases(self, tree: exp.Expression) -> dict[str, str]:
        """``{alias or table name: table name}`` for the tables the query reads."""
        found = {}
        for table in tree.find_all(exp.Table):
            if table.name in self.profile.tables:
                found[table.alias_or_name] = table.name
        return found


@dataclass(frozen=True)
class Operator:
    """A registered bug-injection operator.

    ``kind`` is the error kind it aims for; ``kind_by_dialect`` overrides it where an engine
    reports the same mistake differently (an endless recursion is a timeout on DuckDB, a
    recursion-depth error on ClickHouse).
    """

    name: str
    kind: str
    dialects: frozenset[str]
    func: Callable[[MutationContext], Broken]
    weight: float = 1.0
    kind_by_dialect: tuple[tuple[str, str], ...] = ()

    def kind_for(self, dialect: str) -> str:
        """The error kind the operator aims for on ``dialect``."""
        return dict(self.kind_by_dialect).get(dialect, self.kind)

    def __call__(self, ctx: MutationContext) -> Mutation | None:
        """Apply the operator; None when it does not apply or changes nothing."""
        result = self.func(ctx)
        broken, fixed = result if isinstance(result, tuple) else (result, None)
        if ctx.lower_case:  # rendered trees and inserted text come upper case
            broken = broken and lower_case_sql(broken, ctx.dialect)
            fixed = fixed and lower_case_sql(fixed, ctx.dialect)
        if broken is None or broken.strip() == (fixed or ctx.sql).strip():
            return None
        return Mutation(self.name, self.kind_for(ctx.dialect), broken, fixed)


OPERATORS: dict[str, Operator] = {}


def operator(name: str, kind: str, *, dialects: frozenset[str] = ALL_DIALECTS, weight: float = 1.0,
             kind_by_dialect: dict[str, str] | None = None
             ) -> Callable[[Callable[[MutationContext], Broken]], Callable[[MutationContext], Broken]]:
    """Register the decorated function as operator ``name`` aiming at error ``kind``
    (``kind_by_dialect``: another kind on some dialects)."""

    def register(func: Callable[[MutationContext], Broken]) -> Callable[[MutationContext], Broken]:
        OPERATORS[name] = Operator(name, kind, frozenset(dialects), func, weight,
                                   tuple(sorted((kind_by_dialect or {}).items())))
        return func

    return register


@dataclass
class Mutation:
    """One applied operator: the broken SQL, what it aimed for, and its fix when that is not the
    correct query the operator started from (``fixed_sql`` None: that query)."""

    operator: str
    kind: str
    broken_sql: str
    fixed_sql: str | None = None
