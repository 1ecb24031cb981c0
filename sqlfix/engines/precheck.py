"""A fast pre-execution check with sqlglot: unknown tables, functions and columns, ambiguous columns.

About a millisecond per query, so the repair loop can discard a candidate without a round trip
to the engine. The rule is **no false positives**: when anything is uncertain the check answers
None and leaves the verdict to the engine. Concretely:

* only queries are checked, and only when sqlglot parses them;
* tables with a database/schema qualifier, table functions and CTE names are never reported;
* a function is reported only when the engine's function list (see
  :mod:`sqlfix.engines.function_names`) lacks it, compared case-insensitively; dialects without
  a list are not checked. User-defined functions and macros are unknown to the lists: pass their
  names in ``functions``;
* columns are checked only when every table the query reads is a schema table or a CTE;
* a column is reported unknown only when sqlglot's ``qualify`` cannot resolve it *and* the name
  is not a column of any table the query reads nor an alias, CTE column or lambda parameter of
  the query; ambiguous only when it is a column of two or more tables the query reads (never on
  ClickHouse, which resolves such names itself).
"""

from __future__ import annotations

import re
from typing import Iterable

import sqlglot
from rapidfuzz import fuzz, process
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from sqlfix.engines.foreign_dialect import foreign_function
from sqlfix.engines.function_names import is_known_function, known_function_names
from sqlfix.errors import SQLGLOT_FAILURES, ErrorKind, ExecError
from sqlfix.schema.model import Schema

ENGINE = "precheck"
MAX_HINTS = 5
_UNRESOLVED = re.compile(r"Column '([^']+)' could not be resolved(?: for table: '([^']+)')?")
_UNKNOWN_COLUMN = re.compile(r"Unknown column: (\S+)")


def precheck(sql: str, schema: Schema, dialect: str, *, functions: Iterable[str] = ()) -> ExecError | None:
    """Return the error the engine would surely report for ``sql``, or None when unsure.

    Example:
        >>> from sqlfix.schema.model import Column, Table
        >>> shop = Schema("shop", "duckdb", [Table("users", [Column("id", "INT"), Column("name", "TEXT")])])
        >>> precheck("SELECT nme FROM users", shop, "duckdb").kind.value
        'unknown_column'
        >>> precheck("SELECT name FROM users", shop, "duckdb") is None
        True

    Args:
        sql: the query.
        schema: the tables it may read.
        dialect: the sqlglot dialect of ``sql`` (and the engine it will run on).
        functions: extra function names the database defines (UDFs, macros).
    """
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SQLGLOT_FAILURES:
        return None
    if not isinstance(tree, exp.Query):
        return None
    extra = {f.lower() for f in functions}
    try:
        return (
            _unknown_table(tree, sql, schema)
            or _unknown_function(tree, sql, dialect, extra)
            or _unresolved_column(tree, sql, schema, dialect)
        )
    except SQLGLOT_FAILURES:
        return None  # an optimizer corner case is uncertainty, not a verdict


def _unknown_table(tree: exp.Expression, sql: str, schema: Schema) -> ExecError | None:
    defined = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.args.get("db") or table.args.get("catalog") or not isinstance(table.this, exp.Identifier):
            continue
        name = table.name
        if name.lower() in defined or schema.table(name) is not None:
            continue
        return ExecError(
            kind=ErrorKind.UNKNOWN_TABLE,
            message=f"Table {name} does not exist",
            engine=ENGINE,
            identifier=name,
            hints=_closest(name, [t.name for t in schema.tables]),
            position=_locate(sql, name),
        )
    return None


def _unknown_function(tree: exp.Expression, sql: str, dialect: str, extra: set[str]) -> ExecError | None:
    for node in tree.find_all(exp.Anonymous):
        name = node.name
        if not name or name.lower() in extra or is_known_function(name, dialect) is not False:
            continue
        foreign = foreign_function(sql, name, dialect)
        return ExecError(
            kind=ErrorKind.DIALECT if foreign else ErrorKind.UNKNOWN_FUNCTION,
            message=f"Function {name} does not exist in {dialect}",
            engine=ENGINE,
            identifier=name,
            hints=(foreign.transpiled,) if foreign else _closest(name, sorted(known_function_names(dialect))),
            position=_locate(sql, name),
        )
    return None


def _unresolved_column(tree: exp.Expression, sql: str, schema: Schema, dialect: str) -> ExecError | None:
    if not _all_sources_known(tree, schema):
        return None  # a catalog table or a table function: its columns are not in the schema
    try:
        qualify(
            tree.copy(),
            schema=MappingSchema(schema.mapping(), dialect=schema.dialect),
            dialect=dialect,
            validate_qualify_columns=True,
            identify=False,
        )
        return None
    except SqlglotError as exc:
        text = str(exc)
    except SQLGLOT_FAILURES:
        return None
    unresolved = _UNRESOLVED.search(text)
    if unresolved:
        name, qualifier = unresolved.group(1), unresolved.group(2)
    else:
        unknown = _UNKNOWN_COLUMN.search(text)
        if not unknown:
            return None
        name, qualifier = unknown.group(1), None
    if qualifier is not None:
        return None  # an unknown table alias, or struct access sqlglot could not type: the engine decides
    if name.lower() in _names_defined_in(tree):
        return None
    read_tables = _read_tables(tree, schema)
    owners = [t for t in read_tables if t.column(name) is not None]
    if owners:
        if len(owners) >= 2 and dialect != "clickhouse" and "." not in name:
            return ExecError(
                kind=ErrorKind.AMBIGUOUS_COLUMN,
                message=f"Ambiguous reference to column name {name!r} (use: "
                + " or ".join(f"'{t.name}.{name}'" for t in owners)
                + ")",
                engine=ENGINE,
                identifier=name,
                hints=tuple(f"{t.name}.{name}" for t in owners)[:MAX_HINTS],
                position=_locate(sql, name),
            )
        return None
    candidates = [c.name for t in (read_tables or schema.tables) for c in t.columns]
    return ExecError(
        kind=ErrorKind.UNKNOWN_COLUMN,
        message=f"Column {name} not found",
        engine=ENGINE,
        identifier=name,
        hints=_closest(name, candidates),
        position=_locate(sql, name),
    )


def _all_sources_known(tree: exp.Expression, schema: Schema) -> bool:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.args.get("db") or table.args.get("catalog") or not isinstance(table.this, exp.Identifier):
            return False
        if table.name.lower() not in ctes and schema.table(table.name) is None:
            return False
    return True


def _names_defined_in(tree: exp.Expression) -> set[str]:
    """Aliases, CTE/derived-table column names and lambda parameters the query itself defines."""
    names = {a.alias.lower() for a in tree.find_all(exp.Alias) if a.alias}
    for alias in tree.find_all(exp.TableAlias):
        names.update(c.name.lower() for c in alias.columns)
        if alias.name:
            names.add(alias.name.lower())
    for lam in tree.find_all(exp.Lambda):
        names.update(p.name.lower() for p in lam.expressions)
    return names


def _read_tables(tree: exp.Expression, schema: Schema) -> list:
    seen, tables = set(), []
    for node in tree.find_all(exp.Table):
        table = schema.table(node.name) if isinstance(node.this, exp.Identifier) else None
        if table is not None and table.name not in seen:
            seen.add(table.name)
            tables.append(table)
    return tables


def _closest(name: str, candidates: list[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(candidates))
    found = process.extract(name, unique, scorer=fuzz.ratio, processor=str.lower, limit=MAX_HINTS, score_cutoff=60)
    return tuple(match for match, _score, _index in found)


def _locate(sql: str, name: str) -> int | None:
    found = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sql, re.I)
    return found.start() if found else None
