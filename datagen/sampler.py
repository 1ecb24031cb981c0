"""The offline text-to-SQL sampler: schema-aware SQL shapes with varied English questions.

Each shape function draws tables, columns and data values from a :class:`SchemaProfile`, writes
the SQL (in DuckDB's dialect, transpiled by sqlglot to the target dialect) and, from the same
choices, a question phrased one of several ways. Joins follow foreign keys or name matches;
filter values come from the data, so most queries return rows.

Example:
    >>> import random
    >>> sampler = QuerySampler(profile, "duckdb")          # doctest: +SKIP
    >>> sampler.sample(random.Random(0)).question          # doctest: +SKIP
    'How many orders with status shipped were placed in 2024?'
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, Callable

import sqlglot
from sqlglot import exp

from datagen.phrasing import (agg_word, boolean_phrase, column_phrase, entity, humanize, pick, plural, quoted,
                              render_value, sentence, singular)
from datagen.profile import ColumnProfile, Join, SchemaProfile, TableProfile
from datagen.records import Candidate


@dataclass
class Filter:
    """One WHERE condition and the words for it (they follow the entity noun)."""

    sql: str
    phrase: str


def ident(name: str) -> str:
    """``name`` as a DuckDB identifier, quoted only when it must be."""
    return exp.to_identifier(name).sql("duckdb")


def literal(value: Any) -> str:
    """``value`` as a DuckDB literal."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"
    if isinstance(value, dt.date):
        return f"DATE '{value:%Y-%m-%d}'"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


class QuerySampler:
    """Draws :class:`Candidate` question/SQL pairs for one schema and target dialect."""

    def __init__(self, profile: SchemaProfile, dialect: str) -> None:
        """Prepare the shape table for ``profile``; ``dialect`` is the SQL written."""
        self.profile = profile
        self.dialect = dialect
        self.tables = [t for t in profile.tables.values() if t.rows > 0]
        self.shapes: list[tuple[str, float, Callable[[random.Random], Candidate | None]]] = [
            ("select", 1.0, self._select),
            ("count", 1.0, self._count),
            ("aggregate", 0.8, self._aggregate),
            ("group_agg", 1.4, self._group_agg),
            ("top_n", 0.8, self._top_n),
            ("distinct", 0.5, self._distinct),
            ("join", 1.0, self._join),
            ("join_group", 1.4, self._join_group),
            ("date_group", 0.8, self._date_group),
            ("cte", 0.6, self._cte),
            ("window", 0.8, self._window),
            ("subquery", 0.7, self._subquery),
        ]

    def sample(self, rng: random.Random) -> Candidate | None:
        """Draw one candidate (None when the drawn shape does not fit the drawn tables)."""
        names = [s[0] for s in self.shapes]
        weights = [s[1] for s in self.shapes]
        index = rng.choices(range(len(names)), weights)[0]
        return self.shapes[index][2](rng)

    # --- building blocks -------------------------------------------------------------------

    def _finish(self, shape: str, question: str, sql: str, ordered: bool = False) -> Candidate | None:
        if self.dialect != "duckdb":
            try:
                sql = sqlglot.transpile(sql, read="duckdb", write=self.dialect)[0]
            except sqlglot.errors.SqlglotError:
                return None
        return Candidate(self.profile.schema_id, self.dialect, sentence(question), sql, shape, "offline", ordered)

    def _table(self, rng: random.Random, *roles: str) -> TableProfile | None:
        fitting = [t for t in self.tables if all(t.by_role(r) for r in roles)]
        return rng.choice(fitting) if fitting else None

    def _filter(self, rng: random.Random, table: TableProfile, prefix: str = "", exclude: tuple[str, ...] = ()) -> Filter | None:
        options = [c for c in table.columns if c.name not in exclude and (
            (c.role in ("category", "text", "measure") and c.values) or c.role == "boolean"
            or (c.role == "temporal" and c.years))]
        if not options:
            return None
        col = rng.choice(options)
        ref = prefix + ident(col.name)
        words = column_phrase(col, rng)
        if col.nullable and rng.random() < 0.12:
            if rng.random() < 0.5:
                return Filter(f"{ref} IS NULL", pick(rng, f"with no {words}", f"that have no {words} recorded",
                                                     f"missing a {words}", f"where the {words} is unknown"))
            return Filter(f"{ref} IS NOT NULL", pick(rng, f"that have a {words}", f"with a known {words}",
                                                         f"where the {words} is set"))
        handler = {"category": self._category_filter, "text": self._text_filter, "measure": self._measure_filter,
                   "temporal": self._temporal_filter, "boolean": self._boolean_filter}[col.role]
        return handler(rng, col, ref, words)

    def _category_filter(self, rng: random.Random, col: ColumnProfile, ref: str, words: str) -> Filter:
        values = col.values[:15]
        value = rng.choice(values)
        roll = rng.random()
        if roll < 0.15 and len(values) > 2:
            other = rng.choice([v for v in values if v != value])
            return Filter(f"{ref} IN ({literal(value)}, {literal(other)})",
                          pick(rng, f"whose {words} is {quoted(value, rng)} or {quoted(other, rng)}",
                               f"with {words} in ({value}, {other})", f"where {words} is either {value} or {other}"))
        if roll < 0.25:
            return Filter(f"{ref} <> {literal(value)}",
                          pick(rng, f"whose {words} is not {quoted(value, rng)}", f"with a {words} other than {value}",
                               f"excluding {words} {quoted(value, rng)}"))
        return Filter(f"{ref} = {literal(value)}",
                      pick(rng, f"with {words} {quoted(value, rng)}", f"whose {words} is {quoted(value, rng)}",
                           f"where the {words} equals {quoted(value, rng)}", f"having {words} = {value}",
                           f"in {words} {quoted(value, rng)}", f"with a {words} of {value}"))

    def _text_filter(self, rng: random.Random, col: ColumnProfile, ref: str, words: str) -> Filter:
        value = rng.choice(col.values)
        if rng.random() < 0.4 and len(value) >= 4:
            stem = value[: rng.randint(2, min(5, len(value) - 1))]
            return Filter(f"{ref} LIKE {literal(stem + '%')}",
                          pick(rng, f"whose {words} starts with {quoted(stem, rng)}",
                               f"with a {words} beginning with {quoted(stem, rng)}",
                               f"where {words} begins with {stem}"))
        return Filter(f"{ref} = {literal(value)}",
                      pick(rng, f"whose {words} is {quoted(value, rng)}", f"with {words} {quoted(value, rng)}",
                           f"named {quoted(value, rng)}" if "name" in col.name else f"where {words} = {value}"))

    def _measure_filter(self, rng: random.Random, col: ColumnProfile, ref: str, words: str) -> Filter:
        value = rng.choice(col.values)
        shown = render_value(value)
        op = rng.choice((">", "<", ">=", "<=", "BETWEEN"))
        if op == "BETWEEN":
            low, high = sorted(rng.sample(col.values, 2))
            if low == high:
                op = ">"
            else:
                return Filter(f"{ref} BETWEEN {literal(low)} AND {literal(high)}",
                              pick(rng, f"with {words} between {render_value(low)} and {render_value(high)}",
                                   f"whose {words} is from {render_value(low)} to {render_value(high)} inclusive",
                                   f"where {words} lies between {render_value(low)} and {render_value(high)}"))
        phrases = {
            ">": (f"with {words} above {shown}", f"whose {words} is greater than {shown}",
                  f"with a {words} over {shown}", f"where {words} exceeds {shown}", f"with more than {shown} {words}"),
            "<": (f"with {words} below {shown}", f"whose {words} is less than {shown}",
                  f"with a {words} under {shown}", f"where {words} is lower than {shown}"),
            ">=": (f"with {words} of at least {shown}", f"whose {words} is {shown} or more",
                   f"where {words} is no less than {shown}"),
            "<=": (f"with {words} of at most {shown}", f"whose {words} is {shown} or less",
                   f"where {words} does not exceed {shown}"),
        }[op]
        return Filter(f"{ref} {op} {literal(value)}", rng.choice(phrases))

    def _temporal_filter(self, rng: random.Random, col: ColumnProfile, ref: str, words: str) -> Filter:
        roll = rng.random()
        if roll < 0.45 or not col.values:
            year = rng.choice(col.years)
            return Filter(f"EXTRACT(YEAR FROM {ref}) = {year}",
                          pick(rng, f"with {words} in {year}", f"whose {words} falls in {year}",
                               f"from {year} (by {words})", f"where the {words} year is {year}"))
        value = rng.choice(col.values)
        day = value.date() if isinstance(value, dt.datetime) else value
        shown = render_value(day)
        if roll < 0.75:
            return Filter(f"{ref} >= {literal(day)}",
                          pick(rng, f"with {words} on or after {shown}", f"whose {words} is {shown} or later",
                               f"with a {words} since {shown}", f"where {words} is not before {shown}"))
        return Filter(f"{ref} < {literal(day)}",
                      pick(rng, f"with {words} before {shown}", f"whose {words} is earlier than {shown}",
                           f"where the {words} predates {shown}"))

    def _boolean_filter(self, rng: random.Random, col: ColumnProfile, ref: str, words: str) -> Filter:
        truth = rng.random() < 0.6
        return Filter(ref if truth else f"NOT {ref}", boolean_phrase(col, truth, rng))

    def _filters(self, rng: random.Random, table: TableProfile, prefix: str = "", most: int = 2,
                 exclude: tuple[str, ...] = ()) -> list[Filter]:
        count = rng.choices(range(most + 1), [0.15] + [0.85 / most] * most)[0]
        found: list[Filter] = []
        for _ in range(count):
            item = self._filter(rng, table, prefix, exclude)
            if item and all(item.sql.split()[0] != f.sql.split()[0] for f in found):
                found.append(item)
        return found

    @staticmethod
    def _where(filters: list[Filter]) -> str:
        return " WHERE " + " AND ".join(f.sql for f in filters) if filters else ""

    @staticmethod
    def _phrase(filters: list[Filter], rng: random.Random) -> str:
        if not filters:
            return ""
        joiner = rng.choice((" and ", ", ", " and also "))
        return " " + joiner.join(f.phrase for f in filters)

    def _join_pair(self, rng: random.Random) -> tuple[Join, TableProfile, TableProfile] | None:
        # Child to parent only (the right side is joined on its primary key), so that counts
        # and lists are of the left table's rows, as the question says.
        joins = [j for j in self.profile.joins
                 if self.profile.tables[j.left].rows and self.profile.tables[j.right].rows
                 and self.profile.tables[j.right].primary_key == [j.right_col]]
        if not joins:
            return None
        join = rng.choice(joins)
        return join, self.profile.tables[join.left], self.profile.tables[join.right]

    @staticmethod
    def _aliases(left: TableProfile, right: TableProfile) -> tuple[str, str]:
        a = "".join(w[0] for w in left.name.split("_"))
        b = "".join(w[0] for w in right.name.split("_"))
        return (a, b + "2") if a == b else (a, b)

    # --- shapes ----------------------------------------------------------------------------

    def _select(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng, "text") or self._table(rng, "category")
        if table is None or table.label is None:
            return None
        extra = [c for c in table.columns if c.role not in ("key",) and c.name != table.label.name]
        cols = [table.label] + rng.sample(extra, min(len(extra), rng.randint(0, 2)))
        filters = self._filters(rng, table, most=2) or [f for f in [self._filter(rng, table)] if f]
        if not filters:
            return None
        col_words = _join_words([column_phrase(c, rng) for c in cols])
        things = entity(table, rng)
        where = self._phrase(filters, rng)
        sql = f"SELECT {', '.join(ident(c.name) for c in cols)} FROM {ident(table.name)}{self._where(filters)}"
        ordered = rng.random() < 0.5
        order_words = ""
        if ordered:
            n = rng.choice((5, 10, 20))
            key = rng.choice(cols)
            desc = rng.random() < 0.5
            sql += f" ORDER BY {ident(key.name)}{' DESC' if desc else ''}, {ident(table.label.name)}" \
                if key is not table.label else f" ORDER BY {ident(key.name)}{' DESC' if desc else ''}"
            sql += f" LIMIT {n}"
            order_words = pick(rng, f", sorted by {humanize(key.name)}{' descending' if desc else ''} (first {n})",
                               f", the first {n} ordered by {humanize(key.name)}{' from highest to lowest' if desc else ''}")
        question = pick(rng,
                        f"List the {col_words} of {things}{where}{order_words}.",
                        f"Show {col_words} for all {things}{where}{order_words}.",
                        f"What are the {col_words} of the {things}{where}?",
                        f"Which {things}{where}? Give their {col_words}{order_words}.",
                        f"Give me the {col_words} of every {entity(table, rng, many=False)}{where}{order_words}.",
                        f"I need the {col_words} of {things}{where}{order_words}.")
        return self._finish("select", question, sql, ordered)

    def _count(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng)
        if table is None:
            return None
        filters = self._filters(rng, table, most=2)
        things = entity(table, rng)
        where = self._phrase(filters, rng)
        distinct_cols = [c for c in table.columns if c.role in ("category", "text", "key") and c.distinct > 1]
        if distinct_cols and rng.random() < 0.3:
            col = rng.choice(distinct_cols)
            words = column_phrase(col, rng)
            sql = f"SELECT COUNT(DISTINCT {ident(col.name)}) FROM {ident(table.name)}{self._where(filters)}"
            question = pick(rng, f"How many different {words} values occur among {things}{where}?",
                            f"Count the distinct {words} values of {things}{where}.",
                            f"How many unique {words} values do {things}{where} have?")
            return self._finish("count", question, sql)
        sql = f"SELECT COUNT(*) FROM {ident(table.name)}{self._where(filters)}"
        question = pick(rng, f"How many {things}{where} are there?", f"How many {things} are there{where}?",
                        f"Count the {things}{where}.", f"What is the number of {things}{where}?",
                        f"Give me the total number of {things}{where}.", f"Number of {things}{where}?",
                        f"How many {things} do we have{where}?")
        return self._finish("count", question, sql)

    def _aggregate(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng, "measure")
        if table is None:
            return None
        measure = rng.choice(table.by_role("measure"))
        func = rng.choice(("AVG", "MIN", "MAX") if "year" in measure.name else ("AVG", "SUM", "MIN", "MAX"))
        filters = self._filters(rng, table, most=2, exclude=(measure.name,))
        expr = f"{func}({ident(measure.name)})"
        rounded = func == "AVG" and rng.random() < 0.5
        if rounded:
            expr = f"ROUND({expr}, 2)"
        words = column_phrase(measure, rng)
        things = entity(table, rng)
        where = self._phrase(filters, rng)
        tail = pick(rng, ", rounded to 2 decimals", " (2 decimal places)") if rounded else ""
        sql = f"SELECT {expr} FROM {ident(table.name)}{self._where(filters)}"
        agg = agg_word(func, rng)
        question = pick(rng, f"What is the {agg} {words} of {things}{where}{tail}?",
                        f"Compute the {agg} {words} across {things}{where}{tail}.",
                        f"Tell me the {agg} {words} for {things}{where}{tail}.",
                        f"For {things}{where}, what is the {agg} {words}{tail}?")
        return self._finish("aggregate", question, sql)

    def _group_agg(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng, "category")
        if table is None:
            return None
        group = rng.choice(table.by_role("category"))
        measures = table.by_role("measure")
        filters = self._filters(rng, table, most=1, exclude=(group.name,))
        g_words = column_phrase(group, rng)
        things = entity(table, rng)
        where = self._phrase(filters, rng)
        if measures and rng.random() < 0.55:
            measure = rng.choice(measures)
            func = rng.choice(("AVG", "SUM", "MIN", "MAX"))
            alias = f"{func.lower()}_{measure.name}"
            value = f"{func}({ident(measure.name)})"
            agg = agg_word(func, rng)
            m_words = column_phrase(measure, rng)
            metric = f"{agg} {m_words}"
        else:
            alias, value = f"{singular(table.name).replace(' ', '_')}_count", "COUNT(*)"
            metric = pick(rng, f"number of {things}", f"count of {things}")
        sql = f"SELECT {ident(group.name)}, {value} AS {alias} FROM {ident(table.name)}{self._where(filters)} " \
              f"GROUP BY {ident(group.name)}"
        having = ""
        if value == "COUNT(*)" and rng.random() < 0.3:
            threshold = max(1, int(table.rows / max(group.distinct, 1) * rng.choice((0.5, 1.0, 1.5))))
            sql += f" HAVING COUNT(*) > {threshold}"
            having = pick(rng, f", only for {g_words} values with more than {threshold} {things}",
                          f" (keep groups above {threshold})")
        roll = rng.random()
        if roll < 0.45:
            n = rng.choice((3, 5, 10))
            desc = rng.random() < 0.75
            sql += f" ORDER BY {alias}{' DESC' if desc else ''}, {ident(group.name)} LIMIT {n}"
            most = "highest" if desc else "lowest"
            question = pick(rng, f"Which {n} {g_words} values have the {most} {metric}{where}?",
                            f"Top {n} {g_words} by {metric}{' (lowest first)' if not desc else ''}{where}.",
                            f"Show the {n} {g_words} values with the {most} {metric} among {things}{where}.")
            return self._finish("group_agg", question + having, sql, ordered=True)
        question = pick(rng, f"For each {g_words}, what is the {metric}{where}?",
                        f"Show the {metric} per {g_words}{where}.",
                        f"Break down the {metric} by {g_words}{where}.",
                        f"What is the {metric} for every {g_words}{where}?",
                        f"{metric} grouped by {g_words}{where}.")
        return self._finish("group_agg", question + having, sql)

    def _top_n(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng, "measure")
        if table is None or table.label is None:
            return None
        measure = rng.choice(table.by_role("measure"))
        filters = self._filters(rng, table, most=1, exclude=(measure.name,))
        n = rng.choice((1, 3, 5, 10))
        desc = rng.random() < 0.7
        words = column_phrase(measure, rng)
        things = entity(table, rng) if n > 1 else entity(table, rng, many=False)
        where = self._phrase(filters, rng)
        sql = f"SELECT {ident(table.label.name)}, {ident(measure.name)} FROM {ident(table.name)}" \
              f"{self._where(filters)} ORDER BY {ident(measure.name)}{' DESC' if desc else ''}, " \
              f"{ident(table.label.name)} LIMIT {n}"
        most = pick(rng, "highest", "largest") if desc else pick(rng, "lowest", "smallest")
        label = humanize(table.label.name)
        if n == 1:
            question = pick(rng, f"Which {things}{where} has the {most} {words}?",
                            f"Find the {things} with the {most} {words}{where}; show its {label} and {words}.")
        else:
            question = pick(rng, f"What are the {n} {things} with the {most} {words}{where}?",
                            f"Show the top {n} {things} by {words}{'' if desc else ' (ascending)'}{where}.",
                            f"List the {label} and {words} of the {n} {things}{where} with the {most} {words}.",
                            f"Which {n} {things}{where} have the {most} {words}?")
        return self._finish("top_n", question, sql, ordered=True)

    def _distinct(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng, "category")
        if table is None:
            return None
        col = rng.choice(table.by_role("category"))
        filters = self._filters(rng, table, most=1, exclude=(col.name,))
        words = column_phrase(col, rng)
        things = entity(table, rng)
        where = self._phrase(filters, rng)
        sql = f"SELECT DISTINCT {ident(col.name)} FROM {ident(table.name)}{self._where(filters)} ORDER BY {ident(col.name)}"
        question = pick(rng, f"What distinct {words} values appear among {things}{where}?",
                        f"List the different {words} values of {things}{where}, alphabetically.",
                        f"Which {words} values occur for {things}{where}?",
                        f"Show each {words} that {things}{where} have, once.")
        return self._finish("distinct", question, sql, ordered=True)

    def _join(self, rng: random.Random) -> Candidate | None:
        found = self._join_pair(rng)
        if found is None:
            return None
        join, left, right = found
        if left.label is None or right.label is None:
            return None
        a, b = self._aliases(left, right)
        left_cols = [left.label] + rng.sample(left.by_role("measure", "category", "temporal"),
                                              min(1, len(left.by_role("measure", "category", "temporal"))))
        filters = [f for f in [self._filter(rng, right, f"{b}."), self._filter(rng, left, f"{a}.")] if f]
        filters = filters[: rng.randint(1, 2)]
        if not filters:
            return None
        cols = [f"{a}.{ident(c.name)}" for c in left_cols] + [f"{b}.{ident(right.label.name)}"]
        sql = (f"SELECT {', '.join(cols)} FROM {ident(left.name)} {a} JOIN {ident(right.name)} {b} "
               f"ON {a}.{ident(join.left_col)} = {b}.{ident(join.right_col)}{self._where(filters)}")
        ordered = rng.random() < 0.5
        if ordered:
            sql += f" ORDER BY {cols[0]}, {cols[-1]} LIMIT 20"
        l_words = _join_words([column_phrase(c, rng) for c in left_cols])
        r_label = column_phrase(right.label, rng)
        things = entity(left, rng)
        owner = singular(right.name)
        where = " and ".join(f.phrase for f in filters)
        question = pick(rng,
                        f"List the {l_words} of {things} together with the {owner} {r_label}, for those {where}.",
                        f"Show {l_words} of {things} and the {r_label} of their {owner}, where the rows are {where}.",
                        f"For {things} linked to {plural(right.name)}, give the {l_words} and {owner} {r_label} ({where}).",
                        f"Which {things} match {plural(right.name)} {where}? Show {l_words} and the {owner} {r_label}.")
        if ordered:
            question = question.rstrip(".?") + pick(rng, " (first 20 by {}).", "; show only 20, sorted.").format(l_words)
        return self._finish("join", question, sql, ordered)

    def _join_group(self, rng: random.Random) -> Candidate | None:
        found = self._join_pair(rng)
        if found is None:
            return None
        join, left, right = found
        groups = right.by_role("category") + ([right.label] if right.label and right.label.role == "text" else [])
        if not groups:
            return None
        group = rng.choice(groups)
        a, b = self._aliases(left, right)
        measures = left.by_role("measure")
        things = entity(left, rng)
        g_words = f"{singular(right.name)} {column_phrase(group, rng)}"
        if measures and rng.random() < 0.5:
            measure = rng.choice(measures)
            func = rng.choice(("SUM", "AVG", "MAX"))
            value, alias = f"{func}({a}.{ident(measure.name)})", f"{func.lower()}_{measure.name}"
            metric = f"{agg_word(func, rng)} {column_phrase(measure, rng)} of {things}"
        else:
            value, alias = "COUNT(*)", f"{left.name}_count" if len(left.name) < 20 else "n"
            metric = pick(rng, f"number of {things}", f"count of {things}", f"{things} count")
        filters = [f for f in [self._filter(rng, left, f"{a}.")] if f and rng.random() < 0.5]
        where = self._phrase(filters, rng)
        sql = (f"SELECT {b}.{ident(group.name)}, {value} AS {alias} FROM {ident(left.name)} {a} "
               f"JOIN {ident(right.name)} {b} ON {a}.{ident(join.left_col)} = {b}.{ident(join.right_col)}"
               f"{self._where(filters)} GROUP BY {b}.{ident(group.name)}")
        if group.role == "text" or rng.random() < 0.5:
            n = rng.choice((3, 5, 10))
            sql += f" ORDER BY {alias} DESC, {b}.{ident(group.name)} LIMIT {n}"
            question = pick(rng, f"Which {n} {g_words} values have the highest {metric}{where}?",
                            f"Top {n} by {metric}{where}: show the {g_words} and the value.",
                            f"Show the {n} {g_words} values with the largest {metric}{where}.")
            return self._finish("join_group", question, sql, ordered=True)
        question = pick(rng, f"For each {g_words}, what is the {metric}{where}?",
                        f"Show the {metric} per {g_words}{where}.",
                        f"Break down the {metric}{where} by {g_words}.",
                        f"What is the {metric} for every {g_words}{where}?")
        return self._finish("join_group", question, sql)

    def _date_group(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng, "temporal")
        if table is None:
            return None
        col = rng.choice([c for c in table.by_role("temporal") if c.years] or [None])
        if col is None:
            return None
        words = column_phrase(col, rng)
        things = entity(table, rng)
        ref = ident(col.name)
        if len(col.years) > 1 and rng.random() < 0.4:
            sql = (f"SELECT EXTRACT(YEAR FROM {ref}) AS yr, COUNT(*) AS n FROM {ident(table.name)} "
                   f"WHERE {ref} IS NOT NULL GROUP BY yr ORDER BY yr")
            question = pick(rng, f"How many {things} are there per year of {words}?",
                            f"Count {things} by year ({words}), oldest year first.",
                            f"Show the yearly number of {things} based on {words}.")
            return self._finish("date_group", question, sql, ordered=True)
        year = rng.choice(col.years)
        unit = rng.choice(("month", "quarter"))
        sql = (f"SELECT DATE_TRUNC('{unit}', {ref}) AS period, COUNT(*) AS n FROM {ident(table.name)} "
               f"WHERE EXTRACT(YEAR FROM {ref}) = {year} GROUP BY period ORDER BY period")
        question = pick(rng, f"How many {things} were there each {unit} of {year}, by {words}?",
                        f"Show the {unit}ly count of {things} in {year} based on {words}.",
                        f"Count {things} per {unit} in {year} (using the {words}), in date order.",
                        f"{unit.capitalize()} by {unit}, how many {things} had a {words} in {year}?")
        return self._finish("date_group", question, sql, ordered=True)

    def _cte(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng, "category", "measure")
        if table is None:
            return None
        group = rng.choice(table.by_role("category"))
        measure = rng.choice(table.by_role("measure"))
        func = rng.choice(("AVG", "SUM"))
        g, m = ident(group.name), ident(measure.name)
        sql = (f"WITH per_group AS (SELECT {g}, {func}({m}) AS metric FROM {ident(table.name)} GROUP BY {g}) "
               f"SELECT {g}, metric FROM per_group WHERE metric > (SELECT AVG(metric) FROM per_group) "
               f"ORDER BY metric DESC")
        g_words, m_words = column_phrase(group, rng), column_phrase(measure, rng)
        agg = agg_word(func, rng)
        question = pick(rng, f"Which {g_words} values have a {agg} {m_words} above the average across all {g_words} values?",
                        f"Find the {g_words} groups whose {agg} {m_words} beats the mean of the groups, highest first.",
                        f"Among {entity(table, rng)}, which {g_words} have an above-average {agg} {m_words}?")
        return self._finish("cte", question, sql, ordered=True)

    def _window(self, rng: random.Random) -> Candidate | None:
        if rng.random() < 0.5:
            return self._window_top_per_group(rng)
        return self._window_monthly_change(rng)

    def _window_top_per_group(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng, "category", "measure")
        if table is None or table.label is None:
            return None
        groups = [c for c in table.by_role("category") if c.distinct <= 12]
        if not groups:
            return None
        group = rng.choice(groups)
        measure = rng.choice(table.by_role("measure"))
        k = rng.choice((1, 2, 3))
        func = rng.choice(("ROW_NUMBER", "RANK", "DENSE_RANK"))
        g, m, label = ident(group.name), ident(measure.name), ident(table.label.name)
        sql = (f"WITH ranked AS (SELECT {g}, {label}, {m}, {func}() OVER (PARTITION BY {g} ORDER BY {m} DESC, {label}) "
               f"AS rnk FROM {ident(table.name)}) SELECT {g}, {label}, {m} FROM ranked WHERE rnk <= {k} ORDER BY {g}, rnk")
        things = entity(table, rng)
        g_words, m_words = column_phrase(group, rng), column_phrase(measure, rng)
        question = pick(rng, f"For each {g_words}, list the top {k} {things} by {m_words}.",
                        f"Rank {things} within each {g_words} by {m_words} and keep the best {k}.",
                        f"Which {k} {things} have the highest {m_words} in every {g_words}?",
                        f"Show the {k} highest-{m_words} {things} per {g_words}.")
        return self._finish("window", question, sql, ordered=True)

    def _window_monthly_change(self, rng: random.Random) -> Candidate | None:
        table = self._table(rng, "temporal")
        if table is None:
            return None
        col = rng.choice([c for c in table.by_role("temporal") if c.years] or [None])
        if col is None:
            return None
        year = rng.choice(col.years)
        ref = ident(col.name)
        running = rng.random() < 0.5
        value = "SUM(n) OVER (ORDER BY month)" if running else "n - LAG(n) OVER (ORDER BY month)"
        alias = "running_total" if running else "change"
        sql = (f"WITH monthly AS (SELECT DATE_TRUNC('month', {ref}) AS month, COUNT(*) AS n FROM {ident(table.name)} "
               f"WHERE EXTRACT(YEAR FROM {ref}) = {year} GROUP BY month) "
               f"SELECT month, n, {value} AS {alias} FROM monthly ORDER BY month")
        things = entity(table, rng)
        words = column_phrase(col, rng)
        if running:
            question = pick(rng, f"Show the running total of {things} per month in {year} (by {words}).",
                            f"Month by month in {year}, how many {things} were there and what is the cumulative count?",
                            f"Give the monthly and cumulative number of {things} for {year} based on {words}.")
        else:
            question = pick(rng, f"How did the monthly number of {things} change from month to month in {year}?",
                            f"For {year}, show each month's {things} count and its change versus the previous month.",
                            f"Month-over-month change in {things} ({words}) during {year}.")
        return self._finish("window", question, sql, ordered=True)

    def _subquery(self, rng: random.Random) -> Candidate | None:
        if rng.random() < 0.5:
            table = self._table(rng, "measure")
            if table is None or table.label is None:
                return None
            measure = rng.choice(table.by_role("measure"))
            m, label = ident(measure.name), ident(table.label.name)
            filters = self._filters(rng, table, most=1, exclude=(measure.name,))
            extra = " AND " + filters[0].sql if filters else ""
            sql = (f"SELECT {label}, {m} FROM {ident(table.name)} WHERE {m} > (SELECT AVG({m}) FROM {ident(table.name)})"
                   f"{extra} ORDER BY {m} DESC, {label} LIMIT 20")
            things = entity(table, rng)
            words = column_phrase(measure, rng)
            where = self._phrase(filters, rng)
            question = pick(rng, f"Which {things}{where} have a {words} above the overall average? Show the top 20.",
                            f"List up to 20 {things}{where} whose {words} is higher than the average {words}.",
                            f"Find {things}{where} with an above-average {words} (20 highest).")
            return self._finish("subquery", question, sql, ordered=True)
        found = self._join_pair(rng)
        if found is None:
            return None
        join, left, right = found
        if right.label is None:
            return None
        filters = [f for f in [self._filter(rng, left)] if f]
        if not filters:
            return None
        label = ident(right.label.name)
        sql = (f"SELECT {label} FROM {ident(right.name)} WHERE {ident(join.right_col)} IN "
               f"(SELECT {ident(join.left_col)} FROM {ident(left.name)}{self._where(filters)}) ORDER BY {label} LIMIT 50")
        parents, children = entity(right, rng), entity(left, rng)
        where = filters[0].phrase
        question = pick(rng, f"Which {parents} have {children} {where}? List their {humanize(right.label.name)}.",
                        f"List the {humanize(right.label.name)} of {parents} that appear in {children} {where} (first 50).",
                        f"Find {parents} with at least one of their {children} {where}.")
        return self._finish("subquery", question, sql, ordered=True)


def _join_words(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]
