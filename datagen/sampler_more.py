"""More SQL shapes for the teacher recipes: the offline sampler's thirteen plus percentages,
CASE buckets, NULL handling, top-N with ties, three-table joins and nested (anti-)subqueries.

The teacher writes the questions of these queries (back-translation), so their phrasings here
are plain; the offline generator keeps its own shapes (its datasets do not change).

Example:
    >>> sampler = WideSampler(profile, "clickhouse")          # doctest: +SKIP
    >>> sampler.sample(random.Random(3)).shape                 # doctest: +SKIP
    'ratio'
"""

from __future__ import annotations

import random

from datagen.phrasing import column_phrase, entity, singular
from datagen.profile import SchemaProfile
from datagen.records import Candidate
from datagen.sampler import QuerySampler, ident, literal


class WideSampler(QuerySampler):
    """:class:`QuerySampler` with the extra shapes (and the joins and windows weighted up)."""

    def __init__(self, profile: SchemaProfile, dialect: str) -> None:
        """Add the extra shapes to the offline ones."""
        super().__init__(profile, dialect)
        self.shapes += [
            ("ratio", 1.0, self._ratio),
            ("case_bucket", 0.8, self._case_bucket),
            ("null_handling", 0.6, self._null_handling),
            ("top_n_ties", 0.8, self._top_n_ties),
            ("join3", 1.0, self._join3),
            ("anti_join", 0.6, self._anti_join),
            ("nested_subquery", 0.6, self._nested_subquery),
        ]

    def _ratio(self, rng: random.Random) -> Candidate | None:
        """Each category's share of the rows in percent (a window over the groups), or the
        percentage of rows meeting a condition (a CASE inside SUM)."""
        table = self._table(rng, "category")
        if table is None:
            return None
        things = entity(table, rng)
        if rng.random() < 0.5:
            group = rng.choice([c for c in table.by_role("category") if c.distinct <= 30] or [None])
            if group is None:
                return None
            g = ident(group.name)
            sql = (f"SELECT {g}, ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 2) AS pct FROM {ident(table.name)} "
                   f"WHERE {g} IS NOT NULL GROUP BY {g} ORDER BY pct DESC, {g}")
            question = f"What percentage of {things} has each {column_phrase(group, rng)}, largest share first?"
            return self._finish("ratio", question, sql, ordered=True)
        condition = self._filter(rng, table)
        if condition is None:
            return None
        sql = (f"SELECT ROUND(100.0 * SUM(CASE WHEN {condition.sql} THEN 1 ELSE 0 END) / COUNT(*), 2) AS pct "
               f"FROM {ident(table.name)}")
        return self._finish("ratio", f"What percentage of {things} are {condition.phrase}?", sql)

    def _case_bucket(self, rng: random.Random) -> Candidate | None:
        """Rows counted in low / medium / high buckets of a measure (thresholds from its quantiles)."""
        table = self._table(rng, "measure")
        if table is None:
            return None
        measure = rng.choice(table.by_role("measure"))
        values = sorted({v for v in measure.values if isinstance(v, (int, float))})
        if len(values) < 3:
            return None
        low, high = values[len(values) // 3], values[2 * len(values) // 3]
        if low == high:
            return None
        m = ident(measure.name)
        sql = (f"SELECT CASE WHEN {m} < {literal(low)} THEN 'low' WHEN {m} < {literal(high)} THEN 'medium' "
               f"ELSE 'high' END AS bucket, COUNT(*) AS n FROM {ident(table.name)} WHERE {m} IS NOT NULL "
               f"GROUP BY bucket ORDER BY n DESC, bucket")
        words = column_phrase(measure, rng)
        question = (f"How many {entity(table, rng)} have a low (under {low}), medium (under {high}) or high "
                    f"{words}? Most common bucket first.")
        return self._finish("case_bucket", question, sql, ordered=True)

    def _null_handling(self, rng: random.Random) -> Candidate | None:
        """A nullable column: rows per value with the missing ones as 'unknown', or the missing count per group."""
        table = next((t for t in rng.sample(self.tables, len(self.tables))
                      if any(c.nullable and c.role in ("category", "measure", "text", "temporal") for c in t.columns)),
                     None)
        if table is None:
            return None
        col = rng.choice([c for c in table.columns if c.nullable and c.role in ("category", "measure", "text", "temporal")])
        c, things = ident(col.name), entity(table, rng)
        groups = [g for g in table.by_role("category") if g.name != col.name and g.distinct <= 30]
        if col.role == "category" and col.distinct <= 30:
            alias = ident(f"{col.name}_or_unknown")
            sql = (f"SELECT COALESCE({c}, 'unknown') AS {alias}, COUNT(*) AS n FROM {ident(table.name)} "
                   f"GROUP BY {alias} ORDER BY n DESC, {alias}")
            question = f"How many {things} are there per {column_phrase(col, rng)}, counting missing ones as unknown?"
            return self._finish("null_handling", question, sql, ordered=True)
        if not groups:
            return None
        group = rng.choice(groups)
        g = ident(group.name)
        sql = (f"SELECT {g}, COUNT(*) - COUNT({c}) AS missing FROM {ident(table.name)} GROUP BY {g} "
               f"ORDER BY missing DESC, {g}")
        question = f"For each {column_phrase(group, rng)}, how many {things} have no {column_phrase(col, rng)}?"
        return self._finish("null_handling", question, sql, ordered=True)

    def _top_n_ties(self, rng: random.Random) -> Candidate | None:
        """The top N rows by a measure, rows tied with the N-th included (RANK)."""
        table = self._table(rng, "measure")
        if table is None or table.label is None:
            return None
        measure = rng.choice(table.by_role("measure"))
        n = rng.choice((3, 5, 10))
        m, label = ident(measure.name), ident(table.label.name)
        sql = (f"SELECT {label}, {m} FROM (SELECT {label}, {m}, RANK() OVER (ORDER BY {m} DESC) AS rnk "
               f"FROM {ident(table.name)} WHERE {m} IS NOT NULL) AS ranked WHERE rnk <= {n} ORDER BY {m} DESC, {label}")
        question = (f"Which {entity(table, rng)} have the {n} highest {column_phrase(measure, rng)} values, ties "
                    f"included?")
        return self._finish("top_n_ties", question, sql, ordered=True)

    def _join3(self, rng: random.Random) -> Candidate | None:
        """A chain of two joins (child -> parent -> grandparent), counted per a grandparent column."""
        joins = [j for j in self.profile.joins if self.profile.tables[j.right].primary_key == [j.right_col]]
        chains = [(a, b) for a in joins for b in joins if a.right == b.left and b.right != a.left]
        if not chains:
            return None
        first, second = rng.choice(chains)
        child, parent, top = (self.profile.tables[n] for n in (first.left, first.right, second.right))
        groups = top.by_role("category") + ([top.label] if top.label is not None else [])
        if not groups or not child.rows:
            return None
        group = rng.choice(groups)
        x, y, z = "t1", "t2", "t3"
        g = f"{z}.{ident(group.name)}"
        measures = child.by_role("measure")
        if measures and rng.random() < 0.5:
            measure = rng.choice(measures)
            value, words = f"SUM({x}.{ident(measure.name)})", f"total {column_phrase(measure, rng)} of {entity(child, rng)}"
        else:
            value, words = "COUNT(*)", f"number of {entity(child, rng)}"
        sql = (f"SELECT {g}, {value} AS total FROM {ident(child.name)} {x} "
               f"JOIN {ident(parent.name)} {y} ON {x}.{ident(first.left_col)} = {y}.{ident(first.right_col)} "
               f"JOIN {ident(top.name)} {z} ON {y}.{ident(second.left_col)} = {z}.{ident(second.right_col)} "
               f"GROUP BY {g} ORDER BY total DESC, {g} LIMIT 10")
        question = f"Which 10 {singular(top.name)} {column_phrase(group, rng)} values have the highest {words}?"
        return self._finish("join3", question, sql, ordered=True)

    def _anti_join(self, rng: random.Random) -> Candidate | None:
        """Parents with no child row (NOT EXISTS)."""
        found = self._join_pair(rng)
        if found is None:
            return None
        join, child, parent = found
        if parent.label is None:
            return None
        label = ident(parent.label.name)
        sql = (f"SELECT p.{label} FROM {ident(parent.name)} p WHERE NOT EXISTS (SELECT 1 FROM {ident(child.name)} c "
               f"WHERE c.{ident(join.left_col)} = p.{ident(join.right_col)}) ORDER BY p.{label} LIMIT 20")
        question = f"Which {entity(parent, rng)} have no {entity(child, rng)} at all (first 20 by name)?"
        return self._finish("anti_join", question, sql, ordered=True)

    def _nested_subquery(self, rng: random.Random) -> Candidate | None:
        """Parents with a child row whose measure is above the children's average (two levels)."""
        found = self._join_pair(rng)
        if found is None:
            return None
        join, child, parent = found
        measures = child.by_role("measure")
        if parent.label is None or not measures:
            return None
        measure = rng.choice(measures)
        m, label = ident(measure.name), ident(parent.label.name)
        sql = (f"SELECT {label} FROM {ident(parent.name)} WHERE {ident(join.right_col)} IN "
               f"(SELECT {ident(join.left_col)} FROM {ident(child.name)} WHERE {m} > "
               f"(SELECT AVG({m}) FROM {ident(child.name)})) ORDER BY {label} LIMIT 20")
        question = (f"Which {entity(parent, rng)} have at least one of their {entity(child, rng)} with an "
                    f"above-average {column_phrase(measure, rng)}?")
        return self._finish("nested_subquery", question, sql, ordered=True)
