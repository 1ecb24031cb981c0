"""Column types carried from one dialect to another with sqlglot, with the fixes sqlglot
leaves to the caller (user-defined and engine-specific types, unbounded decimals, nullability)."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import ParseError

from sqlfix.schema.model import Schema

T = exp.DataType.Type

# Types only some engines have; they travel as text, which every engine can hold.
_AS_TEXT = {T.USERDEFINED, T.ENUM, T.ENUM8, T.ENUM16, T.FIXEDSTRING, T.INET, T.IPV4, T.IPV6, T.IPADDRESS,
            T.IPPREFIX, T.INTERVAL, T.XML, T.NAME, T.UNKNOWN, T.OBJECT, T.SUPER, T.VARIANT, T.GEOGRAPHY, T.GEOMETRY}
_SERIALS = {T.SERIAL: T.INT, T.BIGSERIAL: T.BIGINT, T.SMALLSERIAL: T.SMALLINT}
_TIMESTAMPS = {T.TIMESTAMP, T.TIMESTAMPTZ, T.TIMESTAMPLTZ, T.TIMESTAMPNTZ, T.DATETIME, T.DATETIME64,
               T.TIMESTAMP_S, T.TIMESTAMP_MS, T.TIMESTAMP_NS}
_CONTAINERS = {T.ARRAY, T.MAP, T.STRUCT, T.LIST, T.NESTED, T.OBJECT}
_TEXT = exp.DataType.build("TEXT")


def transpile_type(type_name: str, source: str, target: str, *, nullable: bool = True) -> str:
    """Return ``type_name`` (written in dialect ``source``) as a column type of dialect ``target``.

    Example:
        >>> transpile_type("character varying(40)", "postgres", "clickhouse", nullable=True)
        'Nullable(String)'
        >>> transpile_type("LowCardinality(String)", "clickhouse", "duckdb")
        'TEXT'
        >>> transpile_type("TIMESTAMP", "duckdb", "clickhouse", nullable=False)
        'DateTime64(6)'
    """
    try:
        data_type = exp.DataType.build(type_name, dialect=source, udt=True)
    except (ParseError, ValueError):
        data_type = _TEXT.copy()
    data_type = _portable(data_type, target)
    if target == "clickhouse":
        data_type.set("nullable", nullable and data_type.this not in _CONTAINERS)
    return data_type.sql(dialect=target)


def _portable(data_type: exp.DataType, target: str) -> exp.DataType:
    return data_type.transform(lambda node: _replacement(node, target) if isinstance(node, exp.DataType) else node)


def _replacement(node: exp.DataType, target: str) -> exp.DataType:
    kind = node.this
    if kind == T.LOWCARDINALITY:
        return _portable(node.expressions[0], target)
    if kind in _AS_TEXT or (kind in (T.JSON, T.JSONB) and target != "duckdb") or (kind == T.TIME and target == "clickhouse"):
        return _TEXT.copy()
    if kind == T.JSONB:
        return exp.DataType.build("JSON")
    if kind in _SERIALS:
        return exp.DataType(this=_SERIALS[kind])
    if kind == T.MONEY:
        return exp.DataType.build("DECIMAL(19, 2)")
    if kind in (T.DECIMAL, T.BIGDECIMAL) and not node.expressions:
        return exp.DataType.build("DECIMAL(38, 9)")
    if kind in (T.DATE, T.DATE32):
        # ClickHouse's Date stops at 1970; Date32 covers 1900-2299 (birth dates, history).
        return exp.DataType.build("Date32", dialect="clickhouse") if target == "clickhouse" else exp.DataType.build("DATE")
    if kind in _TIMESTAMPS:
        return exp.DataType.build("DateTime64(6)", dialect="clickhouse") if target == "clickhouse" \
            else exp.DataType.build("TIMESTAMPTZ" if kind == T.TIMESTAMPTZ else "TIMESTAMP")
    return node


def transpile_schema(schema: Schema, target: str) -> Schema:
    """Return a copy of ``schema`` with every column type transpiled to dialect ``target``.

    Key columns are never nullable (ClickHouse refuses a Nullable sorting key).

    Example:
        >>> from sqlfix.schema.model import Column, Table
        >>> s = Schema("x", "postgres", [Table("t", [Column("id", "serial"), Column("at", "timestamptz")], ["id"])])
        >>> [c.type for c in transpile_schema(s, "clickhouse").tables[0].columns]
        ['Int32', 'Nullable(DateTime64(6))']
    """
    copied = Schema.from_dict(schema.to_dict())
    for table in copied.tables:
        keys = {k.lower() for k in table.primary_key}
        for column in table.columns:
            column.nullable = column.nullable and column.name.lower() not in keys
            column.type = transpile_type(column.type, schema.dialect, target, nullable=column.nullable)
    copied.dialect = target
    return copied
