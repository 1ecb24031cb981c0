"""The part of a schema a repair prompt shows: the tables a query is about.

A demo schema renders to about 2,300 prompt tokens, most of them tables the failing query never
touches; a 2-core CPU needs seconds to read them, and training pays for them on every example.
The focus keeps what a repair needs: the tables the query names, tables whose names are close to
a name the query misspells (``FROM custmers``), and tables holding a column the query names that
the named tables lack (a column taken from the wrong table).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from sqlfix.schema.model import Schema

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
MISSPELLING_SCORE = 80.0


def focus_schema(schema: Schema, sql: str) -> Schema:
    """Return the tables of ``schema`` a repair of ``sql`` needs (see the module docstring), in
    schema order; the whole schema when the query names none of them.

    Example:
        >>> from sqlfix.schema.model import Column
        >>> s = Schema("s", "duckdb", [Table("users", [Column("id", "INT")]), Table("orders", [Column("total", "INT")])])
        >>> [t.name for t in focus_schema(s, "SELECT id FROM userz").tables]
        ['users']
    """
    words = {w.lower() for w in _WORD.findall(sql)}
    named = {t.name.lower() for t in schema.tables if t.name.lower() in words}
    unknown = words - named
    misspelled = {t.name.lower() for t in schema.tables if t.name.lower() not in named and _close_to_any(t.name.lower(), unknown)}
    chosen = named | misspelled
    if not chosen:
        return schema
    known_columns = {c.name.lower() for t in schema.tables if t.name.lower() in chosen for c in t.columns}
    missing = unknown - known_columns
    chosen |= {t.name.lower() for t in schema.tables if any(c.name.lower() in missing for c in t.columns)}
    return Schema(id=schema.id, dialect=schema.dialect, tables=[t for t in schema.tables if t.name.lower() in chosen])


def _close_to_any(name: str, words: set[str]) -> bool:
    """True when some word looks like a misspelling of the table name ``name``."""
    return any(abs(len(w) - len(name)) <= 3 and len(w) >= 4 and fuzz.ratio(name, w) >= MISSPELLING_SCORE for w in words)

