"""Punctuation and keyword repair for syntax errors: misspelled keywords, commas
(:mod:`.commas`), parentheses (:mod:`.parens`), unbalanced quotes, a missing keyword or a
stray punctuation mark at the parser's error position."""

from __future__ import annotations

import re

from rapidfuzz.distance import DamerauLevenshtein
from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.rules.commas import commas, gap_start
from sqlfix.fix.rules.parens import parens
from sqlfix.fix.text import Edit, splice

KEYWORDS = (
    "SELECT", "FROM", "WHERE", "GROUP", "ORDER", "BY", "HAVING", "LIMIT", "OFFSET", "JOIN", "LEFT",
    "RIGHT", "INNER", "OUTER", "FULL", "CROSS", "ON", "USING", "AS", "AND", "OR", "NOT", "DISTINCT",
    "UNION", "ALL", "CASE", "WHEN", "THEN", "ELSE", "END", "BETWEEN", "LIKE", "ILIKE", "IN", "IS",
    "NULL", "WITH", "ASC", "DESC", "EXISTS", "OVER", "PARTITION", "INTERVAL", "CAST", "QUALIFY",
)
_PUNCTUATION = {TokenType.COMMA, TokenType.DOT, TokenType.SEMICOLON, TokenType.L_PAREN, TokenType.R_PAREN, TokenType.COLON}
_CONTENT = {TokenType.VAR, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.STRING}


def punctuation(ctx: RuleContext) -> list[RuleFix]:
    """Propose keyword, comma (``commas``), parenthesis (``parens``) and quote repairs."""
    fixes = _quotes(ctx)
    if ctx.tokens:
        fixes += _keywords(ctx) + commas(ctx) + parens(ctx) + _at_position(ctx) + _string_identifiers(ctx)
    return fixes


def _keywords(ctx: RuleContext) -> list[RuleFix]:
    known = ctx.all_columns() | {t.name.lower() for t in ctx.schema.tables}
    # Outside a syntax error only the name the engine complains about may be a keyword typo
    # (``p.cost`` is a column name, not ``CAST``).
    named = None if ctx.error.kind in {ErrorKind.SYNTAX, ErrorKind.DIALECT} else {n.lower() for n in ctx.error_names}
    fixes, edits = [], []
    for index, token in enumerate(ctx.tokens):
        text = token.text
        if token.token_type != TokenType.VAR or len(text) < 3 or text.lower() in known:
            continue
        if named is not None and (text.lower() not in named or (index and ctx.tokens[index - 1].token_type == TokenType.DOT)):
            continue
        keyword = _closest_keyword(text.upper())
        if keyword is None:
            continue
        spelled = keyword.lower() if text.islower() else keyword.capitalize() if text.istitle() else keyword
        edit = Edit(token.start, token.end + 1, spelled)
        edits.append(edit)
        fixes.append(RuleFix(splice(ctx.sql, [edit]), f"`{text}` is a misspelling of the keyword {keyword}.", "punctuation"))
    for token, nxt in zip(ctx.tokens, ctx.tokens[1:]):
        if token.token_type == TokenType.NULL and nxt.text.upper() in {"FIRST", "LAST"}:
            edit = Edit(token.start, token.end + 1, token.text + ("s" if token.text.islower() else "S"))
            edits.append(edit)
            fixes.append(RuleFix(splice(ctx.sql, [edit]), f"The keyword is NULLS {nxt.text.upper()}, not NULL {nxt.text.upper()}.", "punctuation"))
    if len(edits) > 1:
        fixes.append(RuleFix(splice(ctx.sql, edits), "Several keywords were misspelled.", "punctuation"))
    return fixes


def _closest_keyword(word: str) -> str | None:
    if word in KEYWORDS:
        return None
    allowed = 1 if len(word) < 6 else 2
    best = min(KEYWORDS, key=lambda k: DamerauLevenshtein.distance(word, k))
    distance = DamerauLevenshtein.distance(word, best)
    return best if distance <= allowed and len(best) >= 4 else None


def _quotes(ctx: RuleContext) -> list[RuleFix]:
    sql = ctx.sql
    quotes = [m.start() for m in re.finditer(r"'", sql.replace("''", "\0\0"))]
    if len(quotes) % 2 == 0:
        return []
    last = quotes[-1]
    fixes = []
    after = [m.end() + last + 1 for m in re.finditer(r"\w+", sql[last + 1 :])][:4]
    for at in after:
        fixes.append(RuleFix(splice(sql, [Edit(at, at, "'")]), "A string literal was not closed; added the closing quote.", "punctuation"))
    before = [m.start() for m in re.finditer(r"\w+", sql[:last])][-3:]
    for at in before:
        fixes.append(RuleFix(splice(sql, [Edit(at, at, "'")]), "A string literal had no opening quote; added it.", "punctuation"))
    return fixes


def _at_position(ctx: RuleContext) -> list[RuleFix]:
    if ctx.error.kind not in {ErrorKind.SYNTAX, ErrorKind.DIALECT}:
        return []  # editing tokens near a semantic error only hides it
    index = ctx.error_index
    if index is None:
        return []
    tokens, fixes = ctx.tokens, []
    token = tokens[index]
    if _is_call_name(tokens, index):
        return []  # the parser stopped at a function it does not know: a name problem, not punctuation
    if index:
        for keyword in _missing_keywords(tokens, index):
            spelled = ctx.keyword(keyword)
            edit = Edit(token.start, token.start, f"{spelled} ")
            fixes.append(RuleFix(splice(ctx.sql, [edit]), f"The keyword {keyword} was missing before `{token.text}`.", "punctuation"))
    # Only punctuation and doubled keywords are deleted: dropping a name, a value or a keyword
    # that carries meaning (DISTINCT, NOT, a function) changes what the query asks.
    for stray in (index, index - 1):
        if stray >= 0 and _deletable(tokens, stray):
            edit = Edit(gap_start(ctx, stray), tokens[stray].end + 1, "")
            fixes.append(RuleFix(splice(ctx.sql, [edit]), f"Removed the unexpected `{tokens[stray].text}`.", "punctuation"))
    return fixes


def _is_call_name(tokens, index: int) -> bool:
    return index + 1 < len(tokens) and tokens[index + 1].token_type == TokenType.L_PAREN and tokens[index].token_type not in _PUNCTUATION


def _deletable(tokens, index: int) -> bool:
    """Punctuation, or a keyword written twice in a row (``AND AND``)."""
    token = tokens[index]
    if token.token_type in _PUNCTUATION:
        return True
    neighbours = [tokens[i] for i in (index - 1, index + 1) if 0 <= i < len(tokens)]
    return token.token_type not in _CONTENT and any(n.token_type == token.token_type and n.text.upper() == token.text.upper() for n in neighbours)


def _missing_keywords(tokens, index: int) -> list[str]:
    """Keywords that may be missing right before the token at ``index``."""
    before = tokens[index - 1].text.upper()
    if before in {"ORDER", "GROUP", "PARTITION"}:
        return ["BY"]
    found = []
    if any(t.token_type == TokenType.JOIN for t in tokens[:index]):
        found.append("ON")
    return found + ["AS", "AND"]


def _string_identifiers(ctx: RuleContext) -> list[RuleFix]:
    """Double-quoted words that name nothing in the schema were meant as string literals."""
    known = ctx.all_columns() | {t.name.lower() for t in ctx.schema.tables} | set(ctx.aliases) | ctx.output_aliases
    fixes = []
    for token in ctx.tokens:
        if token.token_type != TokenType.IDENTIFIER or ctx.sql[token.start] != '"' or token.text.lower() in known:
            continue
        literal = "'" + token.text.replace("'", "''") + "'"
        edit = Edit(token.start, token.end + 1, literal)
        fixes.append(RuleFix(splice(ctx.sql, [edit]), f'"{token.text}" is a string, which takes single quotes in SQL.', "punctuation"))
    return fixes
