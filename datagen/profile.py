"""Profile a schema's data through its engine: column roles and values worth filtering on.

The sampler only writes filters with values that occur in the data (frequent categories,
quantiles of numbers, years present in dates), so generated queries return rows.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from sqlfix.engines.base import Engine, Limits, ResultSet
from sqlfix.schema.model import Schema, Table

NUMERIC_WORDS = ("INT", "DECIMAL", "NUMERIC", "DOUBLE", "FLOAT", "REAL", "HUGEINT")
TEMPORAL_WORDS = ("DATE", "TIME")
CATEGORY_MAX_DISTINCT = 40
PROFILE_LIMITS = Limits(timeout_s=30.0, max_rows=100_000, max_memory_mb=2048)


@dataclass
class ColumnProfile:
    """What the sampler knows about one column.

    Attributes:
        name: column name.
        table: table name.
        type: declared type.
        role: ``key``, ``measure``, ``category``, ``text``, ``temporal`` or ``boolean``.
        description: the schema's description, if any.
        values: frequent values (category), a spread of values (text), or quantiles (measure).
        years: years present (temporal).
        nullable: the column holds NULLs.
        distinct: number of distinct values.
    """

    name: str
    table: str
    type: str
    role: str
    description: str | None = None
    values: list[Any] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    nullable: bool = False
    distinct: int = 0

    @property
    def integer(self) -> bool:
        """True for integer-typed columns."""
        return "INT" in self.type.upper() and "INTERVAL" not in self.type.upper()

    @property
    def is_date(self) -> bool:
        """True for DATE (not timestamp) columns."""
        upper = self.type.upper()
        return "DATE" in upper and "TIME" not in upper


@dataclass
class TableProfile:
    """A table, its row count, its column profiles and its label column (what names a row)."""

    name: str
    rows: int
    columns: list[ColumnProfile]
    primary_key: list[str]
    description: str | None = None

    def by_role(self, *roles: str) -> list[ColumnProfile]:
        """Columns whose role is one of ``roles``, in table order."""
        return [c for c in self.columns if c.role in roles]

    def column(self, name: str) -> ColumnProfile | None:
        """The profile of column ``name``, or None."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def label(self) -> ColumnProfile | None:
        """The column that best names a row (``name``, ``title``, ``email``...)."""
        texts = self.by_role("text", "category")
        for word in ("name", "title", "email", "code", "city"):
            for col in texts:
                if word in col.name.lower() and col.role == "text":
                    return col
        return texts[0] if texts else None


@dataclass
class Join:
    """``left.left_col = right.right_col``: a foreign key or a name match."""

    left: str
    left_col: str
    right: str
    right_col: str


@dataclass
class SchemaProfile:
    """The whole schema's profile: tables plus the join graph."""

    schema_id: str
    dialect: str
    tables: dict[str, TableProfile]
    joins: list[Join]

    def joins_of(self, table: str) -> list[Join]:
        """Joins with ``table`` on the left side (each edge is stored in both directions)."""
        return [j for j in self.joins if j.left == table]


def column_role(table: Table, name: str, type_name: str, distinct: int, rows: int) -> str:
    """Classify a column by type, keys and cardinality."""
    upper = type_name.upper()
    lowered = name.lower()
    fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
    if "BOOL" in upper:
        return "boolean"
    if any(w in upper for w in TEMPORAL_WORDS) and "INTERVAL" not in upper:
        return "temporal"
    if name in table.primary_key or name in fk_columns or lowered == "id" or lowered.endswith("_id"):
        return "key"
    if any(w in upper for w in NUMERIC_WORDS):
        return "measure"
    if distinct <= CATEGORY_MAX_DISTINCT and distinct < max(rows, 1) * 0.5:
        return "category"
    return "text"


def profile_schema(schema: Schema, engine: Engine) -> SchemaProfile:
    """Query ``engine`` for row counts, cardinalities and values of every column of ``schema``."""
    tables = {t.name: _profile_table(t, engine) for t in schema.tables}
    return SchemaProfile(schema.id, engine.dialect, tables, _join_graph(schema))


def _profile_table(table: Table, engine: Engine) -> TableProfile:
    quoted = _ident(table.name, engine.dialect)
    count = _scalar(engine, f"SELECT COUNT(*) FROM {quoted}") or 0
    columns = []
    for col in table.columns:
        name = _ident(col.name, engine.dialect)
        stats = _run(engine, f"SELECT COUNT(DISTINCT {name}), COUNT(*) - COUNT({name}) FROM {quoted}")
        distinct, nulls = (stats.rows[0] if stats and stats.rows else (0, 0))
        role = column_role(table, col.name, col.type, int(distinct or 0), int(count))
        profile = ColumnProfile(col.name, table.name, col.type, role, col.description,
                                nullable=bool(nulls), distinct=int(distinct or 0))
        _fill_values(profile, engine, quoted, name)
        columns.append(profile)
    return TableProfile(table.name, int(count), columns, list(table.primary_key), table.description)


def _fill_values(profile: ColumnProfile, engine: Engine, table: str, name: str) -> None:
    if profile.role in ("category", "text"):
        result = _run(engine, f"SELECT {name}, COUNT(*) AS n FROM {table} WHERE {name} IS NOT NULL "
                              f"GROUP BY {name} ORDER BY n DESC, {name} LIMIT 60")
        values = [r[0] for r in result.rows] if result else []
        profile.values = [v for v in values if isinstance(v, str) and 0 < len(v) <= 60 and "\n" not in v]
    elif profile.role == "measure":
        result = _run(engine, f"SELECT {name} FROM {table} WHERE {name} IS NOT NULL ORDER BY {name}")
        values = [r[0] for r in result.rows] if result else []
        if values:
            profile.values = [_nice_number(values[int(q * (len(values) - 1))], profile.integer)
                              for q in (0.1, 0.25, 0.5, 0.75, 0.9)]
    elif profile.role == "temporal":
        result = _run(engine, f"SELECT DISTINCT {name} FROM {table} WHERE {name} IS NOT NULL ORDER BY {name}")
        values = [r[0] for r in result.rows] if result else []
        profile.years = sorted({v.year for v in values if isinstance(v, (dt.date, dt.datetime))})
        if values:
            profile.values = [values[int(q * (len(values) - 1))] for q in (0.25, 0.5, 0.75)]


def _nice_number(value: Any, integer: bool) -> int | float:
    if integer:
        return int(value)
    number = float(value) if isinstance(value, decimal.Decimal) else float(value)
    if abs(number) >= 100:
        return int(round(number, -1))
    return round(number) if abs(number) >= 10 else round(number, 1)


def _join_graph(schema: Schema) -> list[Join]:
    joins: list[Join] = []
    seen: set[tuple[str, str, str, str]] = set()

    def add(left: str, left_col: str, right: str, right_col: str) -> None:
        for edge in ((left, left_col, right, right_col), (right, right_col, left, left_col)):
            if edge not in seen and edge[0] != edge[2]:
                seen.add(edge)
                joins.append(Join(*edge))

    for table in schema.tables:
        for fk in table.foreign_keys:
            if len(fk.columns) == 1 and schema.table(fk.ref_table):
                add(table.name, fk.columns[0], schema.table(fk.ref_table).name, fk.ref_columns[0])
    # Name matches: a column named like another table's single-column primary key.
    for table in schema.tables:
        for other in schema.tables:
            if other is table or len(other.primary_key) != 1:
                continue
            key = other.primary_key[0]
            if key.lower() != "id" and table.column(key) and key not in table.primary_key[:1]:
                add(table.name, table.column(key).name, other.name, key)
    return joins


def _ident(name: str, dialect: str) -> str:
    return exp.to_identifier(name).sql(dialect)


def _run(engine: Engine, sql: str) -> ResultSet | None:
    result = engine.execute(sql, PROFILE_LIMITS)
    return result if isinstance(result, ResultSet) else None


def _scalar(engine: Engine, sql: str) -> Any:
    result = _run(engine, sql)
    return result.rows[0][0] if result and result.rows else None
