"""The databases golden cases run on: one demo engine per (schema, dialect), and perturbed
copies of a demo for the test-suite mode.

A perturbed copy keeps every key column (primary keys, foreign keys and the columns they
reference) as it is, so joins still connect, and shuffles or resamples every other column
within itself. A prediction that matches the gold only by luck on the original data (a
hard-coded id, a filter on the wrong column) then differs on some copy. Copies are built
once per (schema, seed, number) into the evaluator's cache folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from sqlfix.engines.base import Engine
from sqlfix.errors import SqlfixError
from sqlfix.schema.model import Schema


def eval_cache_dir() -> Path:
    """Where the evaluator keeps perturbed databases and cached predictions
    (``$SQLFIX_CACHE_DIR/eval``, default ``~/.cache/sqlfix/eval``)."""
    base = os.environ.get("SQLFIX_CACHE_DIR") or str(Path.home() / ".cache" / "sqlfix")
    return Path(base) / "eval"


class EnginePool:
    """Opens each demo database (and its perturbed copies) once and closes them all."""

    def __init__(self, *, perturbed_copies: int = 0, seed: int = 0) -> None:
        self.perturbed_copies = perturbed_copies
        self.seed = seed
        self._engines: dict[tuple[str, str, int], Engine] = {}

    def engine(self, schema: str, dialect: str) -> Engine:
        """The read-only demo engine for ``schema`` in ``dialect`` (duckdb or clickhouse)."""
        return self._open(schema, dialect, 0)

    def engines(self, schema: str, dialect: str) -> list[Engine]:
        """The demo engine followed by its perturbed copies (DuckDB demos only: chDB holds
        one data path per process, so ClickHouse cases run on the original alone)."""
        count = self.perturbed_copies if dialect == "duckdb" else 0
        return [self._open(schema, dialect, number) for number in range(count + 1)]

    def _open(self, schema: str, dialect: str, number: int) -> Engine:
        key = (schema, dialect, number)
        if key not in self._engines:
            from sqlfix.demo import demo_schema, open_demo

            if number == 0:
                self._engines[key] = open_demo(schema, engine=dialect)
            else:
                from sqlfix.demo import demo_path

                path = eval_cache_dir() / "perturbed" / f"{schema}-{self.seed}-{number}.duckdb"
                self._engines[key] = perturbed_copy(demo_path(schema), demo_schema(schema), path, seed=self.seed * 1000 + number)
        return self._engines[key]

    def close(self) -> None:
        """Close every engine this pool opened."""
        for engine in self._engines.values():
            engine.close()
        self._engines.clear()


def key_columns(schema: Schema) -> dict[str, set[str]]:
    """Per table (lowercased), the columns that joins depend on: primary keys, foreign keys
    and the columns foreign keys reference."""
    keys: dict[str, set[str]] = {table.name.lower(): {c.lower() for c in table.primary_key} for table in schema.tables}
    for table in schema.tables:
        for foreign in table.foreign_keys:
            keys[table.name.lower()].update(c.lower() for c in foreign.columns)
            keys.setdefault(foreign.ref_table.lower(), set()).update(c.lower() for c in foreign.ref_columns)
    return keys


def perturbed_copy(source: Path, schema: Schema, path: Path, *, seed: int) -> Engine:
    """Open (building once) a perturbed copy of the DuckDB file ``source`` at ``path``.

    Key columns stay as they are; every other column is shuffled within itself (even seeds)
    or resampled from itself with replacement (odd seeds, which also changes how often each
    value occurs). The copy is built by DuckDB itself from the read-only attached source.
    """
    from sqlfix.engines import open_engine

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.duckdb")
        partial.unlink(missing_ok=True)
        try:
            _build_copy(source, partial, key_columns(schema), seed)
        except duckdb.Error as exc:
            partial.unlink(missing_ok=True)
            raise SqlfixError(f"building a perturbed copy of {source} failed: {str(exc).splitlines()[0]}") from None
        os.replace(partial, path)
    return open_engine(f"duckdb://{path}", read_only=True)


def _build_copy(source: Path, target: Path, keys: dict[str, set[str]], seed: int) -> None:
    quoted_source = str(source).replace("'", "''")
    with duckdb.connect(str(target)) as con:
        con.execute(f"ATTACH '{quoted_source}' AS src (READ_ONLY)")
        tables = [row[0] for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' ORDER BY table_name"
        ).fetchall()]
        for table in tables:
            columns = [row[0] for row in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'src' AND table_name = ? "
                "ORDER BY column_index",
                [table],
            ).fetchall()]
            con.execute(perturbation_sql(table, columns, keys.get(table.lower(), set()), seed))


def perturbation_sql(table: str, columns: list[str], keep: set[str], seed: int) -> str:
    """The ``CREATE TABLE ... AS`` statement copying ``src.<table>`` with every column not in
    ``keep`` shuffled (even ``seed``) or resampled with replacement (odd ``seed``).

    Example:
        >>> "ORDER BY hash" in perturbation_sql("t", ["id", "v"], {"id"}, 2)
        True
    """
    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    parts = ["base AS (SELECT *, row_number() OVER () AS __row, count(*) OVER () AS __n FROM src." + ident(table) + ")"]
    selects, joins = [], []
    for index, column in enumerate(columns):
        if column.lower() in keep:
            selects.append(f"base.{ident(column)}")
            continue
        salt = seed * 1009 + index
        if seed % 2 == 0:
            parts.append(
                f"c{index} AS (SELECT {ident(column)} AS v, row_number() OVER (ORDER BY hash(__row + {salt}), __row) AS __row FROM base)"
            )
        else:
            parts.append(
                f"c{index} AS (SELECT b.__row, s.{ident(column)} AS v FROM base b "
                f"JOIN base s ON s.__row = 1 + hash(b.__row + {salt}) % b.__n)"
            )
        selects.append(f"c{index}.v AS {ident(column)}")
        joins.append(f"JOIN c{index} USING (__row)")
    return (
        f"CREATE TABLE {ident(table)} AS WITH {', '.join(parts)} "
        f"SELECT {', '.join(selects)} FROM base {' '.join(joins)} ORDER BY base.__row"
    )
