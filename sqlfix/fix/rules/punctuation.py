"""Punctuation and keyword repair for syntax errors: misspelled keywords, stray or missing
commas, unbalanced parentheses and quotes, small edits at the parser's error position."""

from __future__ import annotations

import re

from rapidfuzz.distance import DamerauLevenshtein
from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import CLAUSE_STARTS, Edit, depths, splice, token_at

KEYWORDS = (
    "SELECT", "FROM", "WHERE", "GROUP", "ORDER", "BY", "HAVING", "LIMIT", "OFFSET", "JOIN", "LEFT",
    "RIGHT", "INNER", "OUTER", "FULL", "CROSS", "ON", "USING", "AS", "AND", "OR", "NOT", "DISTINCT",
    "UNION", "ALL", "CASE", "WHEN", "THEN", "ELSE", "END", "BETWEEN", "LIKE", "ILIKE", "IN", "IS",
    "NULL", "WITH", "ASC", "DESC", "EXISTS", "OVER", "PARTITION", "INTERVAL", "CAST", "QUALIFY",
)
_POSITION = re.compile(r"position (\d+)")
_BOUNDARY = {TokenType.COMMA, TokenType.AND, TokenType.OR, TokenType.R_PAREN} | CLAUSE_STARTS
MAX_CLOSE_POINTS = 5
_CONTENT = {TokenType.VAR, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.STRING}


def punctuation(ctx: RuleContext) -> list[RuleFix]:
    """Propose keyword, comma, parenthesis and quote repairs."""
    fixes = _quotes(ctx)
    if ctx.tokens:
        fixes += _keywords(ctx) + _commas(ctx) + _parens(ctx) + _at_position(ctx) + _string_identifiers(ctx)
    return fixes


def _keywords(ctx: RuleContext) -> list[RuleFix]:
    known = ctx.all_columns() | {t.name.lower() for t in ctx.schema.tables}
    fixes, edits = [], []
    for token in ctx.tokens:
        text = token.text
        if token.token_type != TokenType.VAR or len(text) < 3 or text.lower() in known:
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


def _commas(ctx: RuleContext) -> list[RuleFix]:
    tokens, fixes = ctx.tokens, []
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.COMMA:
            continue
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        prev = tokens[index - 1] if index else None
        stray = (
            nxt is None
            or nxt.token_type in CLAUSE_STARTS | {TokenType.COMMA, TokenType.R_PAREN}
            or (prev is not None and prev.token_type in {TokenType.SELECT, TokenType.L_PAREN})
        )
        if stray:
            edit = Edit(_gap_start(ctx, index), token.end + 1, "")
            fixes.append(RuleFix(splice(ctx.sql, [edit]), "A stray comma was removed.", "punctuation"))
    return fixes


def _gap_start(ctx: RuleContext, index: int) -> int:
    """Start of the whitespace before token ``index`` (so deleting it leaves no double space)."""
    start = ctx.tokens[index].start
    return ctx.tokens[index - 1].end + 1 if index and ctx.sql[start - 1 : start].isspace() else start


def _parens(ctx: RuleContext) -> list[RuleFix]:
    tokens, stack, unmatched_close = ctx.tokens, [], []
    for index, token in enumerate(tokens):
        if token.token_type == TokenType.L_PAREN:
            stack.append(index)
        elif token.token_type == TokenType.R_PAREN:
            if stack:
                stack.pop()
            else:
                unmatched_close.append(index)
    fixes = []
    for index in unmatched_close[:1]:
        edit = Edit(tokens[index].start, tokens[index].end + 1, "")
        fixes.append(RuleFix(splice(ctx.sql, [edit]), "An unmatched `)` was removed.", "punctuation"))
    if stack:
        opened, levels = stack[-1], depths(tokens)
        is_call = opened > 0 and tokens[opened - 1].token_type not in CLAUSE_STARTS | {TokenType.AND, TokenType.OR, TokenType.IN, TokenType.COMMA, TokenType.EQ}
        boundaries = [
            j for j in range(opened + 2, len(tokens))
            if levels[j] == levels[opened] + 1 and tokens[j].token_type in _BOUNDARY
        ]
        # A call's ``)`` most likely belongs before the next clause; a grouping ``(`` wraps
        # an OR and closes before the AND that follows it.
        preferred = CLAUSE_STARTS if is_call else {TokenType.AND}
        boundaries.sort(key=lambda j: (tokens[j].token_type not in preferred, -j if not is_call else j))
        points = [tokens[j - 1].end + 1 for j in boundaries] + [tokens[-1].end + 1]
        for at in list(dict.fromkeys(points))[:MAX_CLOSE_POINTS]:
            fixes.append(RuleFix(splice(ctx.sql, [Edit(at, at, ")")]), "A `(` was never closed; added the `)`.", "punctuation"))
    return fixes


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
    position = ctx.error.position
    if position is None:
        match = _POSITION.search(ctx.error.message)
        position = int(match.group(1)) - 1 if match else None
    if position is None:
        return []
    index = token_at(ctx.tokens, position)
    if index is None:
        return []
    tokens, fixes = ctx.tokens, []
    token = tokens[index]
    if index:
        at = tokens[index - 1].end + 1
        fixes.append(RuleFix(splice(ctx.sql, [Edit(at, at, ",")]), f"A comma was missing before `{token.text}`.", "punctuation"))
        for keyword in _missing_keywords(tokens, index):
            spelled = ctx.keyword(keyword)
            edit = Edit(token.start, token.start, f"{spelled} ")
            fixes.append(RuleFix(splice(ctx.sql, [edit]), f"The keyword {keyword} was missing before `{token.text}`.", "punctuation"))
    # Only punctuation and keywords are deleted: dropping a name or a value changes the meaning.
    for stray in (index, index - 1):
        if stray >= 0 and tokens[stray].token_type not in _CONTENT:
            edit = Edit(_gap_start(ctx, stray), tokens[stray].end + 1, "")
            fixes.append(RuleFix(splice(ctx.sql, [edit]), f"Removed the unexpected `{tokens[stray].text}`.", "punctuation"))
    return fixes


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
