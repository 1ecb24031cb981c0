"""A result held column-wise in canonical form, with the derived views column matching needs:
a kind signature, the sorted column and a quantised copy for fast float comparison."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlfix.engines.base import ResultSet

from eval.values import NAN, NULL, canonical, is_approximate, quantize, sort_key

_NUMBER, _TEXT, _BYTES, _OTHER = "number", "text", "bytes", "other"
_KIND_OF_TYPE = {int: _NUMBER, float: _NUMBER, str: _TEXT, bytes: _BYTES, type(NULL): "null", type(NAN): "nan"}
_DIRECTLY_SORTABLE = {_NUMBER, _TEXT, _BYTES}
_PLAIN_TYPES = {int, str, bytes}
_NONE_TYPE = type(None)


def _canonical_column(raw: tuple[Any, ...]) -> tuple[list[Any], tuple[tuple[str, int], ...], bool]:
    """Canonical values, kind signature and approximate flag of one column. Columns of one
    plain type (ints, texts, bytes; NULLs allowed) skip the per-value conversion."""
    types = set(map(type, raw))
    has_null = _NONE_TYPE in types
    types.discard(_NONE_TYPE)
    if len(types) <= 1 and types <= _PLAIN_TYPES:
        column = [NULL if v is None else v for v in raw] if has_null else list(raw)
        nulls = column.count(NULL) if has_null else 0
        counts = ([(_KIND_OF_TYPE[types.pop()], len(column) - nulls)] if types else []) + ([("null", nulls)] if nulls else [])
        return column, tuple(sorted(counts)), False
    column = [canonical(v) for v in raw]
    kinds: Counter[str] = Counter()
    for kind, count in Counter(map(type, column)).items():
        kinds[_KIND_OF_TYPE.get(kind, _OTHER)] += count
    return column, tuple(sorted(kinds.items())), any(map(is_approximate, column))


@dataclass
class ResultColumns:
    """Canonical values of a result, column by column.

    Attributes:
        values: one list of canonical values per column.
        approximate: per column, whether it holds non-integral floats (tolerant equality).
        signatures: per column, how many values of each kind (null, number, text...) it holds;
            two columns can only match when their signatures are equal.
    """

    values: list[list[Any]]
    approximate: list[bool]
    signatures: list[tuple[tuple[str, int], ...]]
    _sorted: dict[int, list[Any]] = field(default_factory=dict)
    _quantized: dict[int, list[Any]] = field(default_factory=dict)
    _sorted_quantized: dict[int, list[Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, result: ResultSet) -> "ResultColumns":
        """Canonicalise every cell of ``result``."""
        raw_columns = list(zip(*result.rows)) if result.rows else [() for _ in result.columns]
        values, approximate, signatures = [], [], []
        for raw in raw_columns:
            column, signature, approx = _canonical_column(raw)
            values.append(column)
            signatures.append(signature)
            approximate.append(approx)
        return cls(values, approximate, signatures)

    def sorted_column(self, index: int) -> list[Any]:
        """The column's values in a total order (NULLs first)."""
        if index not in self._sorted:
            self._sorted[index] = self._sort(self.values[index], index)
        return self._sorted[index]

    def quantized(self, index: int) -> list[Any]:
        """The column with floats rounded to 7 significant digits: values equal here are
        equal under the float tolerance too (the converse may fail near a rounding edge)."""
        if index not in self._quantized:
            column = self.values[index]
            self._quantized[index] = [quantize(v) for v in column] if self.approximate[index] else column
        return self._quantized[index]

    def sorted_quantized(self, index: int) -> list[Any]:
        """:meth:`quantized`, sorted."""
        if index not in self._sorted_quantized:
            self._sorted_quantized[index] = self._sort(self.quantized(index), index)
        return self._sorted_quantized[index]

    def _sort(self, column: list[Any], index: int) -> list[Any]:
        kinds = dict(self.signatures[index])
        nulls = kinds.pop("null", 0)
        if len(kinds) == 1 and next(iter(kinds)) in _DIRECTLY_SORTABLE:
            # NULLs sort first (as in sort_key); the rest is one plain type Python can order.
            return [NULL] * nulls + sorted(v for v in column if v is not NULL) if nulls else sorted(column)
        return sorted(column, key=sort_key)
