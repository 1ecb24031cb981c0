"""The part of the input a fix of an error may rewrite: the names the engine reported (its
identifier and the names its message quotes), the tokens next to the position it points at and,
for a function from another dialect, the whole call.

Example:
    >>> from sqlfix.errors import ErrorKind, ExecError
    >>> from sqlfix.fix.text import tokenize
    >>> error = ExecError(ErrorKind.UNKNOWN_COLUMN, 'column "nme" not found', "duckdb", identifier="nme")
    >>> sorted(Region.of(tokenize("SELECT nme FROM users", "duckdb"), error).names)
    ['nme']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from sqlfix.errors import ErrorKind, ExecError
from sqlfix.fix.text import depths

_QUOTED = re.compile(r"\"([^\"]+)\"|`([^`]+)`|'([^']+)'")


@dataclass(frozen=True)
class Region:
    """The part of the input a fix of the error may rewrite: names and keyword kinds."""

    names: frozenset[str]
    kinds: frozenset[TokenType]

    @classmethod
    def of(cls, tokens: list[Token], error: ExecError, later: tuple[ExecError, ...] = ()) -> "Region":
        """The engines' identifiers and the names they quote, the tokens next to the position
        ``error`` points at (``later`` errors point into other texts) and, for a function from
        another dialect, the whole call."""
        names = set()
        for name in [name for e in (error, *later) for name in (e.identifier or "", *_quoted_names(e.message))]:
            if name:
                names.add(name.lower())
                names.update(part.lower().strip('"`') for part in name.split("."))
        at = [i for i, t in enumerate(tokens) if error.position is not None and t.end >= error.position][:1]
        near = range(max(0, at[0] - 1), min(len(tokens), at[0] + 2)) if at else range(0)
        names.update(tokens[i].text.lower() for i in near)
        kinds = {tokens[i].token_type for i in near}
        if any(e.kind == ErrorKind.DIALECT for e in (error, *later)):
            levels = depths(tokens)
            for index, token in enumerate(tokens[:-1]):
                if token.text.lower() in names and tokens[index + 1].token_type == TokenType.L_PAREN:
                    inner = index + 2
                    while inner < len(tokens) and levels[inner] > levels[index]:
                        names.add(tokens[inner].text.lower())
                        inner += 1
        return cls(frozenset(names), frozenset(kinds))


def _quoted_names(message: str) -> list[str]:
    head = re.split(r"Candidate bindings|Did you mean|Maybe you meant|Candidate functions", message)[0]
    return [next(g for g in match.groups() if g is not None) for match in _QUOTED.finditer(head)]

