"""Fast row loading into DuckDB over a trusted connection, and the batching that self-referencing
foreign keys need.

``executemany`` runs one INSERT per row (a few hundred rows a second); binding each column as one
list parameter and unnesting them in a single ``INSERT ... SELECT`` loads tens of thousands of
rows a second, with no pandas or pyarrow.
"""

from __future__ import annotations

from typing import Any, Sequence

import duckdb
from sqlglot import exp

from sqlfix.errors import SchemaLoadError
from sqlfix.schema.model import Table


def insert_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` into ``table`` of a DuckDB connection in one statement.

    Example:
        >>> con = duckdb.connect()
        >>> _ = con.execute("CREATE TABLE t (id INTEGER, name VARCHAR)")
        >>> insert_columns(con, "t", ["id", "name"], [(1, "a"), (2, None)])
        >>> con.execute("SELECT * FROM t").fetchall()
        [(1, 'a'), (2, None)]
    """
    if not rows:
        return
    names = ", ".join(exp.to_identifier(c, quoted=True).sql("duckdb") for c in columns)
    unnests = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
    target = ".".join(exp.to_identifier(p, quoted=True).sql("duckdb") for p in table.split(".", 1))
    values = [list(column) for column in zip(*rows)]
    try:
        con.execute(f"INSERT INTO {target} ({names}) SELECT {unnests}", values)
    except duckdb.Error as exc:
        raise SchemaLoadError(f"loading rows into {table} failed: {str(exc).splitlines()[0]}") from None


def insertion_waves(table: Table, rows: Sequence[Sequence[Any]]) -> list[list[Sequence[Any]]]:
    """Split the rows of a table with a self-referencing foreign key (``employees.manager_id``)
    into batches that each reference only rows of earlier batches; DuckDB checks keys per statement.

    Example:
        >>> from sqlfix.schema.model import Column, ForeignKey
        >>> t = Table("e", [Column("id", "INT"), Column("boss", "INT")], ["id"], [ForeignKey(["boss"], "e", ["id"])])
        >>> insertion_waves(t, [(3, 2), (1, None), (2, 1)])
        [[(1, None)], [(2, 1)], [(3, 2)]]
    """
    names = [c.name for c in table.columns]
    pairs = [
        (names.index(fk.columns[0]), names.index(fk.ref_columns[0]))
        for fk in table.foreign_keys
        if fk.ref_table == table.name and len(fk.columns) == 1 and fk.columns[0] in names and fk.ref_columns[0] in names
    ]
    if not pairs:
        return [list(rows)]
    loaded: set[Any] = set()
    waves, pending = [], list(rows)
    while pending:
        ready = [all(r[ref] is None or r[ref] in loaded or r[ref] == r[key] for ref, key in pairs) for r in pending]
        if not any(ready):
            raise SchemaLoadError(f"table {table.name}: {len(pending)} rows reference keys that no row has")
        waves.append([r for r, ok in zip(pending, ready) if ok])
        loaded.update(r[key] for r in waves[-1] for _, key in pairs)
        pending = [r for r, ok in zip(pending, ready) if not ok]
    return waves
