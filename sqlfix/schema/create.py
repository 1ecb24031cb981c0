"""CREATE TABLE and COMMENT statements for a schema whose types are already in the target
dialect (``duckdb`` or ``clickhouse``), and the order tables must be created and filled in."""

from __future__ import annotations

from sqlglot import exp

from sqlfix.schema.model import Schema, Table


def quote(name: str, dialect: str) -> str:
    """Return ``name`` as a quoted identifier of ``dialect``."""
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def quoted_table(name: str, dialect: str) -> str:
    """Return ``name`` (``table`` or ``namespace.table``) quoted for ``dialect``.

    Example:
        >>> quoted_table("web.page views", "duckdb")
        '"web"."page views"'
    """
    return ".".join(quote(part, dialect) for part in name.split(".", 1))


def text_literal(text: str) -> str:
    """Return ``text`` as an SQL string literal.

    Example:
        >>> text_literal("it's")
        "'it''s'"
    """
    return exp.Literal.string(text).sql()


def load_order(schema: Schema) -> list[Table]:
    """Return the tables parents first (a table after every table its foreign keys reference);
    tables caught in a reference cycle keep their definition order."""
    by_name = {t.name.lower(): t for t in schema.tables}
    ordered: list[Table] = []
    visiting: set[str] = set()

    def visit(table: Table) -> None:
        key = table.name.lower()
        if table in ordered or key in visiting:
            return
        visiting.add(key)
        for fk in table.foreign_keys:
            parent = by_name.get(fk.ref_table.lower())
            if parent is not None and parent is not table:
                visit(parent)
        visiting.discard(key)
        ordered.append(table)

    for table in schema.tables:
        visit(table)
    return ordered


def enforceable_keys(schema: Schema) -> Schema:
    """Return a copy of ``schema`` keeping only the foreign keys DuckDB can enforce while loading
    in :func:`load_order`: the referenced table comes earlier (or is the table itself) and the
    referenced columns are its primary key."""
    copied = Schema.from_dict(schema.to_dict())
    position = {t.name.lower(): i for i, t in enumerate(load_order(copied))}
    by_name = {t.name.lower(): t for t in copied.tables}
    for table in copied.tables:
        kept = []
        for fk in table.foreign_keys:
            parent = by_name.get(fk.ref_table.lower())
            if parent is None or position[parent.name.lower()] > position[table.name.lower()]:
                continue
            if [c.lower() for c in fk.ref_columns] == [c.lower() for c in parent.primary_key]:
                kept.append(fk)
        table.foreign_keys = kept
    return copied


def create_table_sql(table: Table, dialect: str) -> str:
    """Return the CREATE TABLE statement of ``table``, whose types are already in ``dialect``
    (``duckdb`` or ``clickhouse``; see :func:`sqlfix.schema.types.transpile_schema`).

    DuckDB tables keep NOT NULL, the primary key and the table's foreign keys. ClickHouse tables
    are MergeTree ordered by the primary key (``tuple()`` without one) and carry the
    descriptions as COMMENT clauses.

    Example:
        >>> from sqlfix.schema.model import Column
        >>> t = Table("t", [Column("id", "Int32", nullable=False), Column("name", "Nullable(String)", "who")], ["id"])
        >>> create_table_sql(t, "clickhouse")
        'CREATE TABLE "t" ("id" Int32, "name" Nullable(String) COMMENT \\'who\\') ENGINE = MergeTree ORDER BY ("id")'
    """
    key_list = ", ".join(quote(k, dialect) for k in table.primary_key)
    name = quoted_table(table.name, dialect)
    if dialect == "clickhouse":
        columns = [
            f"{quote(c.name, dialect)} {c.type}" + (f" COMMENT {text_literal(c.description)}" if c.description else "")
            for c in table.columns
        ]
        order = f"({key_list})" if key_list else "tuple()"
        comment = f" COMMENT {text_literal(table.description)}" if table.description else ""
        return f"CREATE TABLE {name} ({', '.join(columns)}) ENGINE = MergeTree ORDER BY {order}{comment}"
    columns = [f"{quote(c.name, dialect)} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in table.columns]
    if key_list:
        columns.append(f"PRIMARY KEY ({key_list})")
    for fk in table.foreign_keys:
        own = ", ".join(quote(c, dialect) for c in fk.columns)
        referenced = ", ".join(quote(c, dialect) for c in fk.ref_columns)
        columns.append(f"FOREIGN KEY ({own}) REFERENCES {quoted_table(fk.ref_table, dialect)} ({referenced})")
    return f"CREATE TABLE {name} ({', '.join(columns)})"


def comment_statements(table: Table, dialect: str) -> list[str]:
    """Return the ``COMMENT ON`` statements that carry a DuckDB table's descriptions (ClickHouse
    tables carry them in their CREATE statement, so none there)."""
    if dialect == "clickhouse":
        return []
    name = quoted_table(table.name, dialect)
    statements = [f"COMMENT ON TABLE {name} IS {text_literal(table.description)}"] if table.description else []
    statements += [
        f"COMMENT ON COLUMN {name}.{quote(c.name, dialect)} IS {text_literal(c.description)}"
        for c in table.columns
        if c.description
    ]
    return statements
