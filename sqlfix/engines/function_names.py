"""The function names each engine knows, for the pre-check's unknown-function test.

DuckDB's list is read from an in-memory DuckDB at first use (``duckdb_functions()`` and the
keywords called like functions, such as ``coalesce``; ~0.1 s).
ClickHouse's list ships with the package (``clickhouse_functions.txt``, from chDB's
``system.functions`` and ``system.table_functions``), because starting chDB just to read it
would claim the process's one chDB data path. Regenerate it after a chDB upgrade with
``python -m sqlfix.engines.function_names``.

Names are compared lower-cased: a case mismatch is left to the engine, never reported early.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

CLICKHOUSE_LIST = Path(__file__).with_name("clickhouse_functions.txt")

# ClickHouse aggregate combinators (system.aggregate_function_combinators): sumIf, uniqArrayIf...
_COMBINATORS = (
    "simplestate", "ordefault", "distinct", "resample", "foreach", "argmax", "argmin",
    "ornull", "tuple", "mergestate", "merge", "state", "array", "null", "map", "if",
)  # fmt: skip


def is_known_function(name: str, dialect: str) -> bool | None:
    """Return whether ``dialect``'s engine knows function ``name``; None when there is no list.

    Example:
        >>> is_known_function("sumIf", "clickhouse"), is_known_function("lenght", "duckdb")
        (True, False)
    """
    lowered = name.lower()
    if dialect == "duckdb":
        return lowered in _duckdb_functions()
    if dialect == "clickhouse":
        functions, aggregates = _clickhouse_functions()
        return lowered in functions or _is_combined_aggregate(lowered, aggregates)
    return None


def is_aggregate_function(name: str, dialect: str) -> bool | None:
    """Return whether ``dialect``'s engine knows ``name`` as an aggregate function (ClickHouse's
    combinators included); None when there is no list.

    Example:
        >>> is_aggregate_function("groupArrayIf", "clickhouse"), is_aggregate_function("coalesce", "duckdb")
        (True, False)
    """
    lowered = name.lower()
    if dialect == "duckdb":
        return lowered in _duckdb_aggregates()
    if dialect == "clickhouse":
        return _is_combined_aggregate(lowered, _clickhouse_functions()[1])
    return None


def known_function_names(dialect: str) -> frozenset[str]:
    """Return the function names ``dialect``'s engine knows, as it spells them (empty without a list)."""
    if dialect == "duckdb":
        return _duckdb_functions()
    if dialect == "clickhouse":
        return _clickhouse_spellings()
    return frozenset()


def _is_combined_aggregate(name: str, aggregates: frozenset[str]) -> bool:
    if name in aggregates:
        return True
    return any(name.endswith(c) and len(name) > len(c) and _is_combined_aggregate(name[: -len(c)], aggregates) for c in _COMBINATORS)


@lru_cache(maxsize=1)
def _duckdb_functions() -> frozenset[str]:
    import duckdb

    connection = duckdb.connect(":memory:")
    try:
        # Keywords of the ``column_name`` category are called like functions too (coalesce, nullif).
        rows = connection.execute(
            "SELECT DISTINCT lower(function_name) FROM duckdb_functions() "
            "UNION SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'column_name'"
        ).fetchall()
    finally:
        connection.close()
    return frozenset(r[0] for r in rows)


@lru_cache(maxsize=1)
def _duckdb_aggregates() -> frozenset[str]:
    import duckdb

    connection = duckdb.connect(":memory:")
    try:
        rows = connection.execute("SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type = 'aggregate'").fetchall()
    finally:
        connection.close()
    return frozenset(r[0] for r in rows)


@lru_cache(maxsize=1)
def _clickhouse_spellings() -> frozenset[str]:
    return frozenset(line.partition("\t")[0] for line in CLICKHOUSE_LIST.read_text(encoding="utf-8").splitlines() if line)


@lru_cache(maxsize=1)
def _clickhouse_functions() -> tuple[frozenset[str], frozenset[str]]:
    functions, aggregates = set(), set()
    for line in CLICKHOUSE_LIST.read_text(encoding="utf-8").splitlines():
        name, _, kind = line.partition("\t")
        functions.add(name.lower())
        if kind == "aggregate":
            aggregates.add(name.lower())
    return frozenset(functions), frozenset(aggregates)


def write_clickhouse_list(path: Path = CLICKHOUSE_LIST) -> int:
    """Regenerate the ClickHouse list from an in-memory chDB; return the number of names."""
    import chdb

    sql = (
        "SELECT name, if(is_aggregate, 'aggregate', 'function') FROM system.functions "
        "UNION ALL SELECT name, 'table' FROM system.table_functions ORDER BY 1"
    )
    text = str(chdb.query(sql, "TabSeparated"))
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return len(text.splitlines())


if __name__ == "__main__":
    print(f"wrote {write_clickhouse_list()} names to {CLICKHOUSE_LIST}")
