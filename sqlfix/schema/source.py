"""What a schema source yields: the :class:`Schema` and, where the source holds data, its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from sqlfix.schema.model import Schema

RowBatches = Callable[[], Iterator[list[Sequence[Any]]]]


@dataclass
class TableData:
    """Rows of one table as typed Python values, produced in batches on demand.

    Attributes:
        columns: the column names, in the order of each row.
        count: the number of rows (for progress display).
        batches: a callable returning an iterator of row batches; called once per load.
    """

    columns: list[str]
    count: int
    batches: RowBatches


@dataclass
class LoadedSource:
    """A schema and the data its source holds (empty for a DDL file).

    A source read from a live database keeps an engine open for its row batches; ``close``
    releases it (chDB allows one data path per process, so an engine left open blocks others).
    """

    schema: Schema
    data: dict[str, TableData] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Release what reading the rows needs (engines); the schema stays usable."""
        while self.closers:
            self.closers.pop()()


def in_batches(rows: Sequence[Sequence[Any]], size: int = 20000) -> RowBatches:
    """Return a :data:`RowBatches` callable over an in-memory list of rows.

    Example:
        >>> [len(b) for b in in_batches([(1,), (2,), (3,)], size=2)()]
        [2, 1]
    """

    def batches() -> Iterator[list[Sequence[Any]]]:
        for start in range(0, len(rows), size):
            yield list(rows[start : start + size])

    return batches
