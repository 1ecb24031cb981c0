"""Schemas from DDL text in any sqlglot dialect.

Reads CREATE TABLE statements (inline and table-level PRIMARY KEY / FOREIGN KEY / REFERENCES,
NOT NULL, column and table COMMENTs, ClickHouse ENGINE / PRIMARY KEY / ORDER BY clauses),
``COMMENT ON TABLE|COLUMN`` statements and ``ALTER TABLE ... ADD CONSTRAINT`` keys. Other
statements (SET, CREATE INDEX, CREATE SEQUENCE, GRANT...) are skipped: they do not change the shape
of the tables.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from sqlfix.errors import SchemaLoadError
from sqlfix.schema.dialects import check_dialect
from sqlfix.schema.model import Column, ForeignKey, Schema, Table

# Namespaces that carry no meaning for a single-database schema: their tables keep the bare name.
DEFAULT_NAMESPACES = {"", "public", "main", "dbo", "default"}
_KEY_WORDS = {"CONSTRAINT", "PRIMARY", "FOREIGN"}


def load_ddl(path: Path, *, dialect: str, schema_id: str | None = None) -> Schema:
    """Read a DDL file written in ``dialect`` into a :class:`Schema` (id: the file stem by default)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaLoadError(f"{path}: cannot read DDL file ({exc})") from None
    return parse_ddl(text, dialect=dialect, schema_id=schema_id or path.stem, source=str(path))


def parse_ddl(text: str, *, dialect: str, schema_id: str, source: str = "<ddl>") -> Schema:
    """Parse DDL text into a :class:`Schema`.

    Example:
        >>> s = parse_ddl("CREATE TABLE t (id INT PRIMARY KEY, name TEXT NOT NULL)", dialect="postgres", schema_id="x")
        >>> s.tables[0].primary_key, [c.nullable for c in s.tables[0].columns]
        (['id'], [False, False])
    """
    dialect = check_dialect(dialect)
    builder = SchemaBuilder(schema_id, dialect, source)
    for statement in parse_statements(text, dialect=dialect, source=source):
        builder.add(statement)
    return builder.finish()


def parse_statements(text: str, *, dialect: str, source: str) -> list[exp.Expression]:
    """Parse the statements of ``text`` that shape tables: CREATE TABLE, COMMENT ON, and
    ALTER TABLE statements that add keys.

    Statements are parsed one at a time and only when they shape tables, so an unsupported
    statement elsewhere in the file (a function body, a trigger, OWNER TO) never hides the
    tables. A shaping statement that fails to parse raises :class:`SchemaLoadError` naming
    ``source`` and the line.
    """
    parser_dialect = sqlglot.Dialect.get_or_raise(dialect)
    try:
        tokens = parser_dialect.tokenize(text)
    except TokenError as exc:
        raise SchemaLoadError(f"{source}: cannot tokenize SQL ({exc})") from None
    statements = []
    for chunk in _split(tokens):
        if not _shapes_tables(chunk):
            continue
        statement = _parse_chunk(parser_dialect, chunk, text, source)
        if statement is not None:
            statements.append(statement)
    return statements


def _shapes_tables(chunk: list[Token]) -> bool:
    head = [t.text.upper() for t in chunk[:6]]
    if head[0] == "CREATE":
        return "TABLE" in head
    if head[0] == "COMMENT":
        return len(head) > 2 and head[1] == "ON" and head[2] in ("TABLE", "COLUMN")
    if head[0] == "ALTER" and len(head) > 1 and head[1] == "TABLE":
        return any(t.text.upper() in _KEY_WORDS for t in chunk)
    return False


def _split(tokens: list[Token]) -> list[list[Token]]:
    chunks, current = [], []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if current:
                chunks.append(current)
            current = []
        else:
            current.append(token)
    if current:
        chunks.append(current)
    return chunks


def _parse_chunk(dialect: sqlglot.Dialect, chunk: list[Token], text: str, source: str) -> exp.Expression | None:
    sqlglot_logger = logging.getLogger("sqlglot")
    previous_level = sqlglot_logger.level
    sqlglot_logger.setLevel(logging.ERROR)
    try:
        parsed = dialect.parser().parse(chunk, text)
    except ParseError as exc:
        detail = exc.errors[0] if exc.errors else {}
        line = detail.get("line", chunk[0].line)
        message = detail.get("description", str(exc).splitlines()[0])
        raise SchemaLoadError(f"{source}, line {line}: cannot parse statement: {message}") from None
    finally:
        sqlglot_logger.setLevel(previous_level)
    statement = parsed[0] if parsed else None
    return None if isinstance(statement, exp.Command) else statement


def table_name(table: exp.Table) -> str:
    """Return the name a table gets in a :class:`Schema`: bare, or ``namespace.name`` outside defaults."""
    namespace = table.db
    return table.name if namespace.lower() in DEFAULT_NAMESPACES else f"{namespace}.{table.name}"


class SchemaBuilder:
    """Accumulates tables, keys and comments from parsed statements, in definition order."""

    def __init__(self, schema_id: str, dialect: str, source: str) -> None:
        self.schema_id = schema_id
        self.dialect = dialect
        self.source = source
        self.tables: dict[str, Table] = {}

    def add(self, statement: exp.Expression) -> None:
        """Fold one parsed statement into the schema."""
        if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema):
            if (statement.args.get("kind") or "").upper() == "TABLE":
                self._add_create(statement)
        elif isinstance(statement, exp.Comment):
            self._add_comment(statement)
        elif isinstance(statement, exp.Alter):
            self._add_alter(statement)

    def finish(self) -> Schema:
        """Return the schema; raise :class:`SchemaLoadError` when no table was defined.

        When every table lives in one namespace (``analytics.hits``, ``analytics.users``) the
        namespace is dropped: it names the database, not a distinction between tables.
        """
        if not self.tables:
            raise SchemaLoadError(f"{self.source}: no CREATE TABLE statement found")
        tables = list(self.tables.values())
        namespaces = {t.name.rpartition(".")[0] for t in tables}
        if len(namespaces) == 1 and "" not in namespaces:
            prefix = f"{namespaces.pop()}."
            for table in tables:
                table.name = table.name.removeprefix(prefix)
                for key in table.foreign_keys:
                    key.ref_table = key.ref_table.removeprefix(prefix)
        return Schema(id=self.schema_id, dialect=self.dialect, tables=tables)

    def _add_create(self, create: exp.Create) -> None:
        name = table_name(create.this.this)
        table = Table(name=name, columns=[])
        for item in create.this.expressions:
            if isinstance(item, exp.ColumnDef):
                table.columns.append(self._column(item, table))
            else:
                self._add_constraint(table, item)
        for prop in (create.args.get("properties") or exp.Properties()).expressions:
            if isinstance(prop, exp.PrimaryKey):
                table.primary_key = [_key_name(e) for e in prop.expressions]
            elif isinstance(prop, exp.Order) and not table.primary_key:
                table.primary_key = _order_key(prop)
            elif isinstance(prop, exp.SchemaCommentProperty):
                table.description = prop.this.name
        for column in table.columns:
            if column.name in table.primary_key and self.dialect != "clickhouse":
                column.nullable = False
        self.tables[name.lower()] = table

    def _column(self, definition: exp.ColumnDef, table: Table) -> Column:
        kind = definition.args.get("kind")
        type_name = kind.sql(dialect=self.dialect) if kind else "UNKNOWN"
        column = Column(name=definition.name, type=type_name)
        if self.dialect == "clickhouse" and kind is not None:
            column.nullable = bool(kind.args.get("nullable"))
        for constraint in definition.constraints:
            rule = constraint.args.get("kind")
            if isinstance(rule, exp.NotNullColumnConstraint) and not rule.args.get("allow_null"):
                column.nullable = False
            elif isinstance(rule, exp.PrimaryKeyColumnConstraint):
                table.primary_key = [definition.name]
            elif isinstance(rule, exp.Reference):
                table.foreign_keys.append(_reference([definition.name], rule))
            elif isinstance(rule, exp.CommentColumnConstraint):
                column.description = rule.this.name
        return column

    def _add_constraint(self, table: Table, item: exp.Expression) -> None:
        for key in item.expressions if isinstance(item, exp.Constraint) else [item]:
            if isinstance(key, exp.PrimaryKey):
                table.primary_key = [_key_name(e) for e in key.expressions]
                for column in table.columns:
                    if column.name in table.primary_key:
                        column.nullable = False
            elif isinstance(key, exp.ForeignKey):
                reference = key.args.get("reference")
                if reference is not None:
                    table.foreign_keys.append(_reference([_key_name(e) for e in key.expressions], reference))

    def _add_comment(self, comment: exp.Comment) -> None:
        kind = (comment.args.get("kind") or "").upper()
        text = comment.expression.name if comment.expression else None
        target = comment.this
        if kind == "TABLE" and isinstance(target, exp.Table):
            table = self.tables.get(table_name(target).lower())
            if table is not None:
                table.description = text
        elif kind == "COLUMN" and isinstance(target, exp.Column):
            parent = exp.Table(this=exp.to_identifier(target.table), db=exp.to_identifier(target.db)) \
                if target.db else exp.Table(this=exp.to_identifier(target.table))
            table = self.tables.get(table_name(parent).lower())
            column = table.column(target.name) if table else None
            if column is not None:
                column.description = text

    def _add_alter(self, alter: exp.Alter) -> None:
        if not isinstance(alter.this, exp.Table):
            return
        table = self.tables.get(table_name(alter.this).lower())
        if table is None:
            return
        for action in alter.args.get("actions") or []:
            if isinstance(action, exp.AddConstraint):
                for item in action.expressions:
                    self._add_constraint(table, item)


def _key_name(node: exp.Expression) -> str:
    return node.name if isinstance(node, (exp.Identifier, exp.Column)) else node.sql()


def _order_key(order: exp.Order) -> list[str]:
    names = []
    for ordered in order.expressions:
        target = ordered.this
        parts = target.expressions if isinstance(target, exp.Tuple) else [target]
        if not all(isinstance(p, (exp.Column, exp.Identifier)) for p in parts):
            return []
        names.extend(p.name for p in parts)
    return names


def _reference(columns: list[str], reference: exp.Reference) -> ForeignKey:
    target = reference.this
    if isinstance(target, exp.Schema):
        ref_table = table_name(target.this)
        ref_columns = [_key_name(e) for e in target.expressions]
    else:
        ref_table = table_name(target)
        ref_columns = []
    return ForeignKey(columns=columns, ref_table=ref_table, ref_columns=ref_columns or list(columns))
