"""The ``Schema`` record: tables, columns, types, keys, descriptions and sample values."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Column:
    """One column. ``type`` is the type name in the schema's dialect."""

    name: str
    type: str
    description: str | None = None
    samples: list[Any] = field(default_factory=list)
    nullable: bool = True


@dataclass
class ForeignKey:
    """``columns`` of this table reference ``ref_columns`` of ``ref_table``."""

    columns: list[str]
    ref_table: str
    ref_columns: list[str]


@dataclass
class Table:
    """One table with its columns and keys."""

    name: str
    columns: list[Column]
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    description: str | None = None

    def column(self, name: str) -> Column | None:
        """Return the column called ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        return next((c for c in self.columns if c.name.lower() == lowered), None)


@dataclass
class Schema:
    """A database schema as every stage sees it.

    Attributes:
        id: a stable identifier (``shop``, a file stem...), used in datasets and splits.
        dialect: the sqlglot dialect of type names and of the SQL written against it.
        tables: the tables, in definition order.
    """

    id: str
    dialect: str
    tables: list[Table]

    def table(self, name: str) -> Table | None:
        """Return the table called ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        return next((t for t in self.tables if t.name.lower() == lowered), None)

    def mapping(self) -> dict[str, dict[str, str]]:
        """Return ``{table: {column: type}}``, the form sqlglot's optimizer takes."""
        return {t.name: {c.name: c.type for c in t.columns} for t in self.tables}

    def to_prompt(self, *, samples: int = 3) -> str:
        """Render a compact DDL-like text for prompts: one CREATE TABLE per table,
        keys inline, descriptions and a few sample values as trailing comments."""
        blocks = []
        for table in self.tables:
            items: list[tuple[str, str]] = []  # (definition, trailing comment)
            for col in table.columns:
                notes = []
                if col.description:
                    notes.append(col.description)
                if samples and col.samples:
                    shown = ", ".join(_render_sample(v) for v in col.samples[:samples])
                    notes.append(f"e.g. {shown}")
                items.append((f"{col.name} {col.type}", "; ".join(notes)))
            if table.primary_key:
                items.append((f"PRIMARY KEY ({', '.join(table.primary_key)})", ""))
            for fk in table.foreign_keys:
                items.append((f"FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {fk.ref_table}({', '.join(fk.ref_columns)})", ""))
            # The separating comma goes before the comment, where a SQL reader expects it.
            lines = [
                f"  {definition}{',' if i < len(items) - 1 else ''}" + (f"  -- {note}" if note else "")
                for i, (definition, note) in enumerate(items)
            ]
            header = f"CREATE TABLE {table.name} ("
            if table.description:
                header = f"-- {table.description}\n" + header
            body = "\n".join(lines)
            blocks.append(f"{header}\n{body}\n);")
        return "\n".join(blocks)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Schema":
        """Rebuild a schema from :meth:`to_dict` output."""
        tables = [
            Table(
                name=t["name"],
                columns=[Column(**c) for c in t["columns"]],
                primary_key=list(t.get("primary_key") or []),
                foreign_keys=[ForeignKey(**fk) for fk in t.get("foreign_keys") or []],
                description=t.get("description"),
            )
            for t in data["tables"]
        ]
        return cls(id=data["id"], dialect=data["dialect"], tables=tables)

    def to_json(self) -> str:
        """Serialise to JSON text (sample values rendered with ``str`` when not JSON-native)."""
        return json.dumps(self.to_dict(), default=str, indent=2)


def _render_sample(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 30 else value[:27] + "..."
        return "'" + text.replace("'", "''") + "'"
    return str(value)
