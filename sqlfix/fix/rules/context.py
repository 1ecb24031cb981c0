"""What every rule sees (:class:`RuleContext`) and what it returns (:class:`RuleFix`)."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from functools import cached_property

from sqlglot import exp
from sqlglot.tokens import Token

from sqlfix.errors import ExecError
from sqlfix.fix.text import parse, token_at, tokenize
from sqlfix.schema.model import Schema, Table

# Engines whose identifiers and function names are case-sensitive.
CASE_SENSITIVE_DIALECTS = {"clickhouse"}
_POSITION = re.compile(r"position (\d+)")
_QUOTED = re.compile(r"\"([^\"]+)\"|`([^`]+)`|'([^']+)'")
_HINT_PATTERNS = (
    re.compile(r"Candidate bindings:[ :]*(.*)", re.S),
    re.compile(r"Did you mean[: ]*(.*)", re.S),
    re.compile(r"Maybe you meant:?\s*(.*?)(?:\. In scope|\?|$)", re.S),
)


@dataclass(frozen=True)
class RuleFix:
    """A rule's proposal: the whole new query text and one sentence saying what changed."""

    sql: str
    explanation: str
    rule: str


@dataclass
class RuleContext:
    """A failing query with its error and schema, plus lazily computed views of it.

    ``previous`` names the rules whose edits made this query from the user's (in a chained
    repair); ``deadline`` is when rules with long loops stop (``time.monotonic()``).
    """

    sql: str
    dialect: str
    error: ExecError
    schema: Schema
    deadline: float = math.inf
    previous: tuple[str, ...] = ()

    def out_of_time(self) -> bool:
        """True past ``deadline`` (``time.monotonic()``): a rule with a long loop stops there."""
        return time.monotonic() > self.deadline

    @cached_property
    def tokens(self) -> list[Token] | None:
        """sqlglot tokens of the query (None when it cannot be tokenized)."""
        return tokenize(self.sql, self.dialect)

    @cached_property
    def tree(self) -> exp.Expression | None:
        """The parsed query (None when sqlglot cannot parse it in the engine's dialect)."""
        return parse(self.sql, self.dialect)

    @cached_property
    def error_names(self) -> list[str]:
        """Names the error points at: the engine's ``identifier`` then quoted words of the message."""
        names = [self.error.identifier] if self.error.identifier else []
        head = re.split(r"Candidate bindings|Did you mean|Maybe you meant|Candidate functions", self.error.message)[0]
        for match in _QUOTED.finditer(head):
            names.append(next(g for g in match.groups() if g is not None))
        return _unique(n for n in names if n)

    @cached_property
    def hints(self) -> list[str]:
        """The engine's suggested names, best first (from ``error.hints`` and the message)."""
        found = list(self.error.hints)
        for pattern in _HINT_PATTERNS:
            match = pattern.search(self.error.message)
            if match:
                found.extend(re.findall(r"[\w.]+", match.group(1).split("\n\n")[0].split("\n")[0]))
        return _unique(h.strip("\"'`[] ") for h in found if h.strip("\"'`[] "))

    @cached_property
    def aliases(self) -> dict[str, Table]:
        """Map every table alias (and table name) used in the query to its schema table."""
        mapping: dict[str, Table] = {}
        for name, alias in self._table_refs:
            table = self.schema.table(name)
            if table is not None:
                mapping[name.lower()] = table
                if alias:
                    mapping[alias.lower()] = table
        return mapping

    @cached_property
    def qualifiers(self) -> list[tuple[str, Table]]:
        """``(name to qualify columns with, table)`` for each table reference, in query order:
        the alias when the reference has one, else the table name as written."""
        found: dict[str, Table] = {}
        for name, alias in self._table_refs:
            table = self.schema.table(name)
            if table is not None:
                found.setdefault(alias or name, table)
        return list(found.items())

    @cached_property
    def query_tables(self) -> list[Table]:
        """Schema tables the query mentions, in order of first mention."""
        seen: dict[str, Table] = {}
        for name, _ in self._table_refs:
            table = self.schema.table(name)
            if table is not None:
                seen.setdefault(table.name, table)
        return list(seen.values())

    @cached_property
    def _table_refs(self) -> list[tuple[str, str | None]]:
        if self.tree is not None:
            return [(t.name, t.alias or None) for t in self.tree.find_all(exp.Table) if t.name]
        # Unparseable: any token naming a schema table, followed by an optional alias name.
        refs = []
        tokens = self.tokens or []
        for index, token in enumerate(tokens):
            if self.schema.table(token.text) is None:
                continue
            alias = None
            nxt = tokens[index + 1] if index + 1 < len(tokens) else None
            if nxt is not None and nxt.text.upper() == "AS" and index + 2 < len(tokens):
                nxt = tokens[index + 2]
            if nxt is not None and nxt.token_type.name in {"VAR", "IDENTIFIER"}:
                alias = nxt.text
            refs.append((token.text, alias))
        return refs

    @cached_property
    def cte_names(self) -> set[str]:
        """Lower-cased names of the query's CTEs and derived-table aliases."""
        if self.tree is None:
            return set()
        names = {cte.alias.lower() for cte in self.tree.find_all(exp.CTE) if cte.alias}
        names |= {sub.alias.lower() for sub in self.tree.find_all(exp.Subquery) if sub.alias}
        return names

    @cached_property
    def output_aliases(self) -> set[str]:
        """Lower-cased aliases the query defines for expressions and columns of CTEs/subqueries."""
        if self.tree is None:
            return set()
        names = {a.alias.lower() for a in self.tree.find_all(exp.Alias) if a.alias}
        for node in self.tree.find_all(exp.TableAlias):
            names |= {c.name.lower() for c in node.columns}
        return names

    @cached_property
    def error_index(self) -> int | None:
        """Index of the token the parser stopped at (from the error's position, or the
        ``position N`` of its message), or None when the error gives no position."""
        position = self.error.position
        if position is None:
            match = _POSITION.search(self.error.message)
            position = int(match.group(1)) - 1 if match else None
        if position is None or not self.tokens:
            return None
        return token_at(self.tokens, position)

    def keyword(self, words: str) -> str:
        """Spell SQL keywords in the query's own case (``GROUP BY`` or ``group by``)."""
        first = next((t.text for t in self.tokens or [] if t.text.isalpha()), "SELECT")
        return words.lower() if first.islower() else words.upper()

    def nearest(self, indexes: list[int]) -> int | None:
        """Of the token ``indexes``, the one closest to the error's position (None without one)."""
        if self.error.position is None or not indexes or not self.tokens:
            return None
        return min(indexes, key=lambda i: abs(self.tokens[i].start - self.error.position))

    def columns_in_scope(self) -> list[str]:
        """Column names of the tables the query mentions (all schema columns when it names none)."""
        tables = self.query_tables or self.schema.tables
        return _unique(c.name for t in tables for c in t.columns)

    def has_column(self, name: str) -> bool:
        """True when some schema table has column ``name`` (exact case on case-sensitive engines)."""
        if self.dialect in CASE_SENSITIVE_DIALECTS:
            return any(c.name == name for t in self.schema.tables for c in t.columns)
        return name.lower() in self.all_columns()

    def all_columns(self) -> set[str]:
        """Lower-cased names of every column in the schema."""
        return {c.name.lower() for t in self.schema.tables for c in t.columns}


def _unique(items) -> list[str]:
    seen, result = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result
