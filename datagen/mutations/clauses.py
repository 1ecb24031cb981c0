"""Clause and expression bugs: GROUP BY misuse, type confusions, wrong arity, misspelled or
foreign functions, and another dialect's syntax."""

from __future__ import annotations

import re

from sqlglot import exp

from datagen.mutations.registry import MutationContext, operator
from datagen.mutations.names import misspell

_NOT_FUNCTIONS = {"EXTRACT", "CAST", "TRY_CAST", "INTERVAL", "DISTINCT", "IN", "EXISTS", "OVER", "FILTER"}
_FUNCTION_TYPOS = {"AVG": ("AVERAGE", "AVRG"), "COUNT": ("CNT", "COUNTS"), "SUM": ("SUMM", "SUM_OF"),
                   "MAX": ("MAXIMUM", "MAXX"), "MIN": ("MINIMUM", "MINN"), "ROUND": ("RND", "ROUNDUP"),
                   "DATE_TRUNC": ("DATETRUNC", "TRUNC_DATE"), "RANK": ("RANKING",), "ROW_NUMBER": ("ROWNUMBER",),
                   "DENSE_RANK": ("DENSERANK",), "LAG": ("LAGG",)}


def _aggregate_select(tree: exp.Expression) -> exp.Select | None:
    select = tree if isinstance(tree, exp.Select) else None
    if select is None or not select.args.get("group"):
        return None
    return select


@operator("drop_group_by_column", "group_by", weight=1.5)
def drop_group_by_column(ctx: MutationContext) -> str | None:
    """Forget a column in GROUP BY (or the whole GROUP BY) that the SELECT list shows."""
    tree = ctx.fresh()
    select = _aggregate_select(tree)
    if select is None:
        return None
    group = select.args["group"]
    keys = list(group.expressions)
    if not keys:
        return None
    victim = ctx.rng.choice(keys)
    remaining = [k for k in keys if k is not victim]
    if remaining:
        group.set("expressions", remaining)
    else:
        select.set("group", None)
        select.set("having", None) if not select.find(exp.AggFunc) else None
    return ctx.render(tree)


@operator("ungrouped_column", "group_by")
def ungrouped_column(ctx: MutationContext) -> tuple[str, str] | None:
    """Select one more column in a grouped query without grouping by it. The fix groups by it
    too, keeping what the user selected (as the engines' own hint, "add it to the GROUP BY
    list", and the golden set do), rather than dropping it from the SELECT list."""
    tree = ctx.fresh()
    select = _aggregate_select(tree)
    if select is None:
        return None
    aliases = ctx.table_aliases(select)
    if len(aliases) != 1:
        return None
    table = ctx.profile.tables[next(iter(aliases.values()))]
    group = select.args["group"]
    grouped = {k.sql().lower() for k in group.expressions}
    options = [c for c in table.columns if c.role == "category" and c.name.lower() not in grouped]
    order = select.args.get("order")
    if not options or (order and any(o.this.is_int for o in order.expressions)):  # ORDER BY 2 would shift
        return None
    column = exp.column(ctx.rng.choice(options).name)
    keys = len(group.expressions)
    expressions = list(select.expressions)
    select.set("expressions", [*expressions[:keys], column, *expressions[keys:]])
    broken = ctx.render(tree)
    group.set("expressions", [*group.expressions, column.copy()])
    return broken, ctx.render(tree)


@operator("aggregate_in_where", "group_by", weight=1.5)
def aggregate_in_where(ctx: MutationContext) -> str | None:
    """Put an aggregate condition in WHERE: HAVING moved up, or ``x > (SELECT AVG(x) ...)``
    written as ``x > AVG(x)``."""
    tree = ctx.fresh()
    select = tree if isinstance(tree, exp.Select) else None
    if select is None:
        return None
    having = select.args.get("having")
    if having is not None:
        condition = having.this
        where = select.args.get("where")
        select.set("having", None)
        select.set("where", exp.Where(this=exp.and_(where.this, condition) if where else condition))
        return ctx.render(tree)
    for sub in tree.find_all(exp.Subquery):
        inner = sub.this
        if isinstance(inner, exp.Select) and len(inner.expressions) == 1 and isinstance(inner.expressions[0], exp.AggFunc) \
                and not inner.args.get("where") and isinstance(sub.parent, (exp.GT, exp.LT, exp.GTE, exp.LTE)):
            sub.replace(inner.expressions[0].copy())
            return ctx.render(tree)
    return None


@operator("date_vs_number", "type_mismatch", dialects=frozenset({"duckdb"}))
def date_vs_number(ctx: MutationContext) -> str | None:
    """Compare a date column with a bare year (``created_at = 2024`` for ``EXTRACT(YEAR ...) = 2024``).
    ClickHouse compares a DateTime with a number as a Unix time, so the bug only fails on DuckDB."""
    tree = ctx.fresh()
    for extract in tree.find_all(exp.Extract):
        if extract.name.upper() == "YEAR" and isinstance(extract.parent, exp.EQ) and isinstance(extract.expression, exp.Column):
            extract.replace(extract.expression.copy())
            return ctx.render(tree)
    for cmp in tree.find_all(exp.GTE, exp.LT):
        right = cmp.expression
        if isinstance(right, (exp.Cast, exp.TsOrDsToDate)) and right.this.is_string and re.match(r"\d{4}-", right.this.name):
            right.replace(exp.Literal.number(right.this.name[:4]))
            return ctx.render(tree)
    return None


@operator("formatted_number_string", "type_mismatch")
def formatted_number_string(ctx: MutationContext) -> str | None:
    """Compare a number with a formatted string (``total > '1,000'``, ``price < '$50'``)."""
    tree = ctx.fresh()
    spots = [lit for lit in tree.find_all(exp.Literal)
             if not lit.is_string and isinstance(lit.parent, (exp.GT, exp.LT, exp.GTE, exp.LTE, exp.Between))
             and isinstance(lit.parent.this, exp.Column)]
    if not spots:
        return None
    lit = ctx.rng.choice(spots)
    number = float(lit.name)
    text = f"{number:,.0f}" if number >= 1000 else f"${lit.name}" if ctx.rng.random() < 0.5 else f"{lit.name} units"
    lit.replace(exp.Literal.string(text))
    return ctx.render(tree)


@operator("text_vs_number", "type_mismatch")
def text_vs_number(ctx: MutationContext) -> str | None:
    """Compare a text column with a number (``status = 1`` for a code, ``is_active = 'yes'``)."""
    tree = ctx.fresh()
    for eq in tree.find_all(exp.EQ, exp.NEQ):
        if isinstance(eq.this, exp.Column) and eq.expression.is_string:
            eq.expression.replace(exp.Literal.number(ctx.rng.choice((0, 1, 2))))
            return ctx.render(tree)
    return None


@operator("aggregate_extra_argument", "wrong_arity")
def aggregate_extra_argument(ctx: MutationContext) -> str | None:
    """Pass the rounding precision to the aggregate: ``AVG(x, 2)`` for ``ROUND(AVG(x), 2)``, or
    give SUM/AVG two columns."""
    tree = ctx.fresh()
    for rnd in tree.find_all(exp.Round):
        if isinstance(rnd.this, (exp.Avg, exp.Sum)) and rnd.args.get("decimals") is not None:
            func = rnd.this
            call = exp.Anonymous(this=func.key.upper(), expressions=[func.this.copy(), rnd.args["decimals"].copy()])
            rnd.replace(call)
            return ctx.render(tree)
    aggs = [a for a in tree.find_all(exp.Avg, exp.Sum) if isinstance(a.this, exp.Column)]
    if not aggs:
        return None
    agg = ctx.rng.choice(aggs)
    agg.replace(exp.Anonymous(this=agg.key.upper(), expressions=[agg.this.copy(), exp.Literal.number(2)]))
    return ctx.render(tree)


@operator("missing_function_argument", "wrong_arity")
def missing_function_argument(ctx: MutationContext) -> str | None:
    """Leave out the unit: ``DATE_TRUNC(d)`` for ``DATE_TRUNC('month', d)``, and on DuckDB
    ``DATE_PART(d)`` for ``EXTRACT(YEAR FROM d)`` (ClickHouse cannot parse the latter)."""
    tree = ctx.fresh()
    spots = [("DATE_TRUNC", t, t.this) for t in tree.find_all(exp.DateTrunc, exp.TimestampTrunc)]
    if ctx.dialect == "duckdb":
        spots += [("DATE_PART", e, e.expression) for e in tree.find_all(exp.Extract)]
    if not spots:
        return None
    name, node, argument = ctx.rng.choice(spots)
    node.replace(exp.Anonymous(this=name, expressions=[argument.copy()]))
    return ctx.render(tree)


@operator("misspell_function", "unknown_function", weight=1.5)
def misspell_function(ctx: MutationContext) -> str | None:
    """Misspell a function name (``AVERAGE``, ``CNT``, ``DATETRUNC``)."""
    text = ctx.sql
    present = [(m.start(), m.group(1)) for m in re.finditer(r"\b([A-Z_]+)\(", text, re.I)
               if m.group(1).upper() in _FUNCTION_TYPOS
               or ((m.group(1).isupper() or (ctx.lower_case and m.group(1).islower())) and len(m.group(1)) > 3
                   and m.group(1).upper() not in _NOT_FUNCTIONS)]
    if not present:
        return None
    at, name = ctx.rng.choice(present)
    options = _FUNCTION_TYPOS.get(name.upper()) or (misspell(name, ctx.rng),)
    typo = ctx.rng.choice(options)
    return text[:at] + typo + text[at + len(name):]


# Functions of another dialect that people carry over, keyed by the construct they replace. Only
# those the engines classify as a dialect error (the function exists elsewhere) are listed.
_FOREIGN_YEAR = {"duckdb": ("TO_CHAR({x}, 'YYYY')", "DATE_FORMAT({x}, '%Y')"),
                 "clickhouse": ("strftime({x}, '%Y')", "TO_CHAR({x}, 'YYYY')")}
_FOREIGN_TRUNC = {"duckdb": ("toStartOfMonth({x})", "DATE_FORMAT({x}, '%Y-%m-01')",
                             "DATEFROMPARTS(YEAR({x}), MONTH({x}), 1)"),
                  "clickhouse": ("strftime({x}, '%Y-%m')", "DATEFROMPARTS(YEAR({x}), MONTH({x}), 1)")}
_FOREIGN_COUNT_DISTINCT = {"duckdb": (), "clickhouse": ("approx_count_distinct({x})",)}
# ClickHouse functions written against DuckDB: DuckDB reports them as unknown functions.
_CLICKHOUSE_ONLY = {"year": ("toYear({x})", "toYYYYMM({x}) / 100"), "trunc": ("toStartOfMonth({x})",),
                    "count_distinct": ("uniqExact({x})", "uniq({x})")}


def _function_spots(tree: exp.Expression) -> list[tuple[exp.Expression, exp.Expression, str]]:
    """``(node, its argument, family)`` for year extraction, month truncation and distinct counts."""
    spots = [(e, e.expression, "year") for e in tree.find_all(exp.Extract) if e.name.upper() == "YEAR"]
    spots += [(e, e.this, "year") for e in tree.find_all(exp.Year)]
    spots += [(e, e.this, "trunc") for e in tree.find_all(exp.DateTrunc, exp.TimestampTrunc)
              if "MONTH" in (e.args.get("unit").name.upper() if e.args.get("unit") else "")]
    spots += [(e, e.this.expressions[0], "count_distinct") for e in tree.find_all(exp.Count)
              if isinstance(e.this, exp.Distinct)]
    return spots


def _replace_call(ctx: MutationContext, tables: dict[str, tuple[str, ...]]) -> str | None:
    tree = ctx.fresh()
    spots = [s for s in _function_spots(tree) if tables.get(s[2])]
    if not spots:
        return None
    node, target, family = ctx.rng.choice(spots)
    argument = target.sql(dialect=ctx.dialect)
    marker = "__sqlfix_target__"
    node.replace(exp.column(marker))
    return ctx.render(tree).replace(marker, ctx.rng.choice(tables[family]).format(x=argument), 1)


@operator("foreign_function", "dialect", weight=2.0)
def foreign_function(ctx: MutationContext) -> str | None:
    """Use another dialect's function for a date part, a month bucket or a distinct count
    (``TO_CHAR``, ``DATE_FORMAT``, ``DATEFROMPARTS``, ``toStartOfMonth`` into DuckDB; DuckDB's
    ``strftime`` into ClickHouse...)."""
    tables = {"year": _FOREIGN_YEAR[ctx.dialect], "trunc": _FOREIGN_TRUNC[ctx.dialect],
              "count_distinct": _FOREIGN_COUNT_DISTINCT[ctx.dialect]}
    return _replace_call(ctx, tables)


@operator("clickhouse_function", "unknown_function", dialects=frozenset({"duckdb"}))
def clickhouse_function(ctx: MutationContext) -> str | None:
    """Write a ClickHouse function against DuckDB (``toYear``, ``uniqExact``)."""
    return _replace_call(ctx, _CLICKHOUSE_ONLY)


@operator("foreign_syntax", "dialect", weight=1.5)
def foreign_syntax(ctx: MutationContext) -> str | None:
    """Into DuckDB, write LIMIT the T-SQL way (``SELECT TOP 5``) or the MySQL way (``LIMIT 0, 5``);
    into ClickHouse (which takes both), DuckDB's ``USING SAMPLE`` or ANSI ``OFFSET 0 ROWS``."""
    limit = re.search(r" LIMIT (\d+)$", ctx.sql, re.I)
    select = re.match(r"SELECT (DISTINCT )?", ctx.sql, re.I)
    if ctx.dialect == "duckdb" and limit and select:
        count = limit.group(1)
        head = ctx.sql[: limit.start()]
        if ctx.rng.random() < 0.6:
            return head.replace(select.group(0), f"{select.group(0)}TOP {count} ", 1)
        return f"{head} LIMIT 0, {count}"
    if ctx.dialect == "duckdb":
        return None
    # DuckDB's sampling clause, and ANSI's OFFSET ... ROWS.
    if limit:
        return f"{ctx.sql} OFFSET 0 ROWS"
    table = re.search(r" FROM (\w+)( WHERE| GROUP BY|$)", ctx.sql, re.I)
    if table:
        return ctx.sql[: table.end(1)] + " USING SAMPLE 50 PERCENT" + ctx.sql[table.end(1):]
    return None
