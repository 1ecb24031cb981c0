"""Lexical bugs, made on the text: commas, parentheses, quotes, misspelled keywords."""

from __future__ import annotations

import re

from datagen.mutations.registry import MutationContext, operator

_STRING = re.compile(r"'(?:[^']|'')*'")
# A comma whose next item cannot be read as an alias of the previous one: a call, a qualified
# name, a parenthesis or a literal.
_BREAKING_NEXT = re.compile(r"\s*(\w+\s*\(|\w+\.\w|\(|\d|')")
_KEYWORD_TYPOS = {
    "SELECT": ("SELCT", "SLECT", "SELET"),
    "FROM": ("FORM", "FRON", "FRO"),
    "WHERE": ("WHRE", "WERE", "WHER"),
    "GROUP BY": ("GRUOP BY", "GROUPBY", "GROUP BT"),
    "ORDER BY": ("ODER BY", "ORDERBY", "ORDER BUY"),
    "HAVING": ("HAVNG", "HAVIN"),
    "JOIN": ("JION", "JOIN JOIN"),
    "LIMIT": ("LIMT", "LIMITT"),
    "DISTINCT": ("DISTINT", "DISTICT"),
}


def _outside_strings(sql: str, char: str) -> list[int]:
    masked = _STRING.sub(lambda m: " " * len(m.group(0)), sql)
    return [i for i, c in enumerate(masked) if c == char]


@operator("missing_comma", "syntax")
def missing_comma(ctx: MutationContext) -> str | None:
    """Drop a comma between two list items whose second item cannot pass for an alias."""
    spots = [i for i in _outside_strings(ctx.sql, ",") if _BREAKING_NEXT.match(ctx.sql, i + 1)]
    if not spots:
        return None
    at = ctx.rng.choice(spots)
    return ctx.sql[:at] + ctx.sql[at + 1:]


@operator("extra_comma", "syntax")
def extra_comma(ctx: MutationContext) -> str | None:
    """Separate WHERE conditions with a comma instead of AND, or (ClickHouse) leave a comma
    dangling before LIMIT. (DuckDB accepts trailing commas in lists, so not those.)"""
    where = re.search(r" WHERE (.*?)(?= GROUP BY | ORDER BY | HAVING | LIMIT |\)|$)", ctx.sql, re.I)
    if where:
        ands = [m.start(0) + where.start(1) for m in re.finditer(r" AND ", where.group(1), re.I)
                if not re.search(r"BETWEEN \S+$", where.group(1)[: m.start(0)], re.I)]
        if ands:
            at = ctx.rng.choice(ands)
            return ctx.sql[:at] + ", " + ctx.sql[at + len(" AND "):]
    limit = re.search(r" LIMIT \d+$", ctx.sql, re.I)
    if ctx.dialect == "clickhouse" and limit and re.search(" ORDER BY ", ctx.sql, re.I):
        return ctx.sql[: limit.start()] + "," + ctx.sql[limit.start():]
    return None


@operator("missing_paren", "syntax")
def missing_paren(ctx: MutationContext) -> str | None:
    """Drop a closing (or, sometimes, an opening) parenthesis."""
    closing = _outside_strings(ctx.sql, ")")
    opening = _outside_strings(ctx.sql, "(")
    spots = closing if closing and (ctx.rng.random() < 0.75 or not opening) else opening
    if not spots:
        return None
    at = ctx.rng.choice(spots)
    return ctx.sql[:at] + ctx.sql[at + 1:]


@operator("extra_paren", "syntax")
def extra_paren(ctx: MutationContext) -> str | None:
    """Close one parenthesis too many."""
    closing = _outside_strings(ctx.sql, ")")
    if not closing:
        return None
    at = ctx.rng.choice(closing)
    return ctx.sql[:at] + "))" + ctx.sql[at + 1:]


@operator("unclosed_quote", "syntax")
def unclosed_quote(ctx: MutationContext) -> str | None:
    """Forget the closing quote of a string literal."""
    strings = list(_STRING.finditer(ctx.sql))
    if not strings:
        return None
    found = ctx.rng.choice(strings)
    return ctx.sql[: found.end() - 1] + ctx.sql[found.end():]


@operator("keyword_typo", "syntax")
def keyword_typo(ctx: MutationContext) -> str | None:
    """Misspell a keyword (``FORM``, ``GRUOP BY``, ``WHRE``...)."""
    present = [k for k in _KEYWORD_TYPOS if re.search(rf"\b{k}\b", ctx.sql, re.I)]
    if ctx.dialect == "clickhouse":
        # ClickHouse reads a leading ``SELEC x`` as an implicit SELECT of identifier ``SELEC``.
        present = [k for k in present if k != "SELECT"]
    if not present:
        return None
    keyword = ctx.rng.choice(present)
    spots = [m for m in re.finditer(rf"\b{keyword}\b", ctx.sql, re.I)]
    spot = ctx.rng.choice(spots)
    typo = ctx.rng.choice(_KEYWORD_TYPOS[keyword])
    typo = typo.lower() if spot.group(0).islower() else typo  # in the query's own case
    return ctx.sql[:spot.start()] + typo + ctx.sql[spot.end():]


@operator("missing_keyword", "syntax")
def missing_keyword(ctx: MutationContext) -> str | None:
    """Leave out half of a two-word keyword (``GROUP city``, ``BETWEEN 1 5``)."""
    options = [(m.start(), m.group(0)) for m in re.finditer(r"\b(GROUP BY|ORDER BY|PARTITION BY)\b", ctx.sql, re.I)]
    options += [(m.start(1), m.group(1)) for m in re.finditer(r"BETWEEN \S+ (AND) ", ctx.sql, re.I)]
    if not options:
        return None
    at, text = ctx.rng.choice(options)
    replacement = text.split()[0] if " " in text else ""
    return ctx.sql[:at] + replacement + ctx.sql[at + len(text):].lstrip(" " if not replacement else "")


@operator("double_quoted_string", "unknown_column")
def double_quoted_string(ctx: MutationContext) -> str | None:
    """Write a string literal in double quotes, as MySQL allows (it reads as an identifier)."""
    strings = [m for m in _STRING.finditer(ctx.sql) if "%" not in m.group(0) and '"' not in m.group(0)
               and ctx.sql[: m.start()].rstrip().endswith(("=", "<>", "IN (", ","))]
    if not strings:
        return None
    found = ctx.rng.choice(strings)
    inner = found.group(0)[1:-1].replace("''", "'")
    return ctx.sql[: found.start()] + f'"{inner}"' + ctx.sql[found.end():]
