"""Schemas and data from plain-format ``pg_dump`` files.

The SQL part (CREATE TABLE, ALTER TABLE ... ADD CONSTRAINT, COMMENT ON) goes through
:mod:`sqlfix.schema.ddl` in the postgres dialect; the ``COPY ... FROM stdin;`` blocks are read
here with PostgreSQL's text-format rules: tab-separated fields, ``\\N`` for NULL, backslash
escapes (``\\t``, ``\\n``, ``\\\\``, octal and hex bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlfix.errors import SchemaLoadError
from sqlfix.schema.ddl import parse_ddl
from sqlfix.schema.source import LoadedSource, TableData, in_batches
from sqlfix.schema.values import text_parser

DIALECT = "postgres"
_COPY = re.compile(r"^COPY\s+(?P<table>\S+)\s*\((?P<columns>[^)]*)\)\s+FROM\s+stdin;\s*$", re.IGNORECASE)
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))")
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_MARKERS = ("PostgreSQL database dump", "pg_dump")


def looks_like_pg_dump(text: str) -> bool:
    """Tell whether ``text`` is a plain-format pg_dump (its header, or COPY ... FROM stdin blocks)."""
    head = text[:2000]
    return any(marker in head for marker in _MARKERS) or any(_COPY.match(line) for line in text.splitlines())


@dataclass
class _CopyBlock:
    table: str
    columns: list[str]
    first_line: int
    lines: list[str] = field(default_factory=list)


def load_pg_dump(path: Path, *, schema_id: str | None = None) -> LoadedSource:
    """Read a plain-format pg_dump file: its tables, keys, comments and COPY data (as typed values)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaLoadError(f"{path}: cannot read pg_dump file ({exc})") from None
    sql, blocks = _split_copy_blocks(text, path)
    schema = parse_ddl(sql, dialect=DIALECT, schema_id=schema_id or path.stem, source=str(path))
    data = {}
    for block in blocks:
        name = _bare_table_name(block.table)
        table = schema.table(name)
        if table is None:
            raise SchemaLoadError(f"{path}, line {block.first_line - 1}: COPY into {block.table}, which no CREATE TABLE defines")
        rows = _parse_rows(block, [table.column(c) for c in block.columns], path)
        data[table.name] = TableData(columns=block.columns, count=len(rows), batches=in_batches(rows))
    return LoadedSource(schema=schema, data=data)


def _split_copy_blocks(text: str, path: Path) -> tuple[str, list[_CopyBlock]]:
    # COPY data lines are blanked out of the SQL so sqlglot never sees them and line numbers hold.
    sql_lines, blocks = [], []
    current: _CopyBlock | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if current is not None:
            if line == "\\.":
                blocks.append(current)
                current = None
            else:
                current.lines.append(line)
            sql_lines.append("")
            continue
        match = _COPY.match(line)
        if match:
            columns = [_unquote(c) for c in match["columns"].split(",") if c.strip()]
            current = _CopyBlock(table=match["table"], columns=columns, first_line=number + 1)
            sql_lines.append("")
        else:
            sql_lines.append(line)
    if current is not None:
        raise SchemaLoadError(f"{path}: COPY data for {current.table} starting at line {current.first_line} never ends (no '\\.')")
    return "\n".join(sql_lines), blocks


def _parse_rows(block: _CopyBlock, columns: list, path: Path) -> list[tuple]:
    for name, column in zip(block.columns, columns):
        if column is None:
            raise SchemaLoadError(f"{path}, line {block.first_line - 1}: COPY names column {name!r}, not in table {block.table}")
    parsers = [text_parser(c.type, DIALECT) for c in columns]
    rows = []
    for offset, line in enumerate(block.lines):
        fields = line.split("\t")
        if len(fields) != len(parsers):
            raise SchemaLoadError(
                f"{path}, line {block.first_line + offset}: {len(fields)} fields for {len(parsers)} columns of {block.table}"
            )
        try:
            rows.append(tuple(None if f == "\\N" else parse(unescape_copy_text(f)) for f, parse in zip(fields, parsers)))
        except ValueError as exc:
            raise SchemaLoadError(f"{path}, line {block.first_line + offset}: bad value for {block.table} ({exc})") from None
    return rows


def unescape_copy_text(field_text: str) -> str:
    r"""Decode the backslash escapes of one COPY text-format field.

    Example:
        >>> unescape_copy_text(r"a\tb\\c\101")
        'a\tb\\cA'
    """
    if "\\" not in field_text:
        return field_text

    def decode(match: re.Match) -> str:
        octal, hexadecimal, char = match.groups()
        if octal:
            return chr(int(octal, 8))
        if hexadecimal:
            return chr(int(hexadecimal, 16))
        return _SIMPLE_ESCAPES.get(char, char)

    return _ESCAPE.sub(decode, field_text)


def _unquote(name: str) -> str:
    name = name.strip()
    return name[1:-1].replace('""', '"') if name.startswith('"') and name.endswith('"') else name


def _bare_table_name(qualified: str) -> str:
    parts = [_unquote(p) for p in qualified.split(".")]
    return parts[-1] if len(parts) == 1 or parts[0].lower() == "public" else ".".join(parts)
