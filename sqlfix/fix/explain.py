"""One sentence on what was wrong, for the winning candidate."""

from __future__ import annotations

from sqlfix.errors import ErrorKind, ExecError
from sqlfix.fix.records import Candidate

_KIND_WORDS = {
    ErrorKind.SYNTAX: "a syntax error",
    ErrorKind.UNKNOWN_COLUMN: "an unknown column",
    ErrorKind.UNKNOWN_TABLE: "an unknown table",
    ErrorKind.UNKNOWN_FUNCTION: "an unknown function",
    ErrorKind.AMBIGUOUS_COLUMN: "an ambiguous column",
    ErrorKind.GROUP_BY: "a GROUP BY mistake",
    ErrorKind.TYPE_MISMATCH: "a type mismatch",
    ErrorKind.WRONG_ARITY: "a function called with the wrong number of arguments",
    ErrorKind.DIALECT: "syntax from another SQL dialect",
    ErrorKind.TIMEOUT: "a query that ran too long",
    ErrorKind.RESOURCE_LIMIT: "a query that needed too much memory",
    ErrorKind.PERMISSION: "a statement that is not allowed",
    ErrorKind.OTHER: "an error",
}


def explain(error: ExecError | None, winner: Candidate | None) -> str:
    """Say what was wrong: the rule's own sentence, the model's explanation, or the error kind."""
    if winner is None:
        if error is None:
            return "The query runs without error."
        return f"No verified fix was found for {_KIND_WORDS[error.kind]}: {_first_line(error.message)}"
    if winner.source == "original":
        return "The query runs without error."
    if winner.explanation:
        return winner.explanation
    if error is None:
        return "The query ran but did not answer the question; the model rewrote it."
    return f"The query had {_KIND_WORDS[error.kind]} ({_first_line(error.message)}); the model's fix runs."


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= 160 else line[:157] + "..."
