"""Whether a fix changes only what its error needs.

A candidate that runs can still answer a different question: a comma put in the wrong place
turns a function call into an alias, a repair drops a DISTINCT or a condition, a follow-up
repair adds a bogus GROUP BY item. :func:`overreach` compares the candidate with the input
token by token (sqlglot's tokenizer, which also reads the broken input that no parser
accepts) and names every change outside the error's region that the error does not require.
A candidate with reasons is *unsure*: it ranks below minimal ones and caps the confidence.

Example:
    >>> from sqlfix.errors import ErrorKind, ExecError
    >>> error = ExecError(ErrorKind.SYNTAX, 'syntax error at or near "AS"', "duckdb", identifier="AS", position=45)
    >>> broken = "SELECT airline_id, round(avg(distance_km), 1 AS avg_km FROM flights GROUP BY airline_id"
    >>> overreach(broken, "SELECT airline_id, round(avg(distance_km), 1) AS avg_km FROM flights GROUP BY airline_id", error, "duckdb")
    ()
    >>> overreach(broken, "SELECT airline_id, round(avg(distance_km)), 1 AS avg_km FROM flights GROUP BY airline_id", error, "duckdb")
    ('adds a select item',)

The check is :mod:`sqlfix.fix.minimality.check`; the other modules each name one kind of change
(:mod:`.keywords`, :mod:`.names`, :mod:`.calls`, :mod:`.values`, :mod:`.lists`,
:mod:`.self_comparisons`) from what :mod:`.profile` reads of a query and what :mod:`.region`
allows a fix of the error to rewrite.
"""

from __future__ import annotations

from sqlfix.fix.minimality.check import mark_overreach, overreach

__all__ = ["mark_overreach", "overreach"]
