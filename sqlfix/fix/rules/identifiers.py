"""Identifier correction: misspelled or wrongly cased column and table names, fixed against
the schema (the engine's own suggestions first, then case-insensitive and fuzzy matches)."""

from __future__ import annotations

from rapidfuzz import fuzz, process
from sqlglot import exp
from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import CASE_SENSITIVE_DIALECTS, RuleContext, RuleFix
from sqlfix.fix.text import NAME_TYPES, Edit, splice

MAX_CHOICES = 3
MIN_SIMILARITY = 60
# Engines always suggest something ("Candidate bindings"); a suggestion unlike the name is noise.
MIN_HINT_SIMILARITY = 50
# Two fuzzy choices closer than this are a coin toss (``departure_time``: ``actual_departure``
# or ``scheduled_departure``?): no guess is proposed, since a wrong fix that runs is worse than none.
AMBIGUOUS_MARGIN = 8


def identifiers(ctx: RuleContext) -> list[RuleFix]:
    """Propose renamings of every unknown column or table name to its likely schema name, and
    a schema table read through a database or schema the engine does not have unqualified."""
    if not ctx.tokens:
        return []
    fixes: list[RuleFix] = _foreign_qualifiers(ctx)
    best_per_name: list[tuple[str | None, str, str, bool]] = []
    for qualifier, name, is_table in _unknown_names(ctx):
        choices = _choices(ctx, qualifier, name, is_table)
        for rank, good in enumerate(choices):
            occurrences = _occurrences(ctx, qualifier, name, is_table)
            if not occurrences:
                break
            if rank == 0:
                best_per_name.append((qualifier, name, good, is_table))
            what = "Table" if is_table else "Column"
            explanation = f"{what} `{name}` does not exist; the schema has `{good}`."
            fixes.append(RuleFix(splice(ctx.sql, _renames(ctx, occurrences, good)), explanation, "identifiers"))
            at_error = ctx.nearest(occurrences)
            if at_error is not None and len(occurrences) > 1:
                fixes.append(RuleFix(splice(ctx.sql, _renames(ctx, [at_error], good)), explanation, "identifiers"))
    if len(best_per_name) > 1:
        edits = []
        for qualifier, name, good, is_table in best_per_name:
            edits.extend(_renames(ctx, _occurrences(ctx, qualifier, name, is_table), good))
        renamed = ", ".join(f"`{name}` → `{good}`" for _, name, good, _ in best_per_name)
        fixes.append(RuleFix(splice(ctx.sql, _dedupe(edits)), f"Several names do not exist in the schema: {renamed}.", "identifiers"))
    return fixes


def _foreign_qualifiers(ctx: RuleContext) -> list[RuleFix]:
    """``shop.orders``, ``analytics.sessions``: the table exists, its qualifier does not."""
    if ctx.error.kind != ErrorKind.UNKNOWN_TABLE or ctx.tree is None:
        return []
    tokens, edits, names = ctx.tokens, [], []
    for table in ctx.tree.find_all(exp.Table):
        qualifier = table.args.get("db")
        if qualifier is None or table.args.get("catalog") is not None or not _has_table(ctx, table.name):
            continue
        for index in range(len(tokens) - 2):
            if (tokens[index].text == qualifier.name and tokens[index + 1].token_type == TokenType.DOT
                    and tokens[index + 2].text == table.name):
                edits.append(Edit(tokens[index].start, tokens[index + 1].end + 1, ""))
                names.append(f"{qualifier.name}.{table.name}")
    if not edits:
        return []
    why = f"The database has no `{names[0].split('.')[0]}`; `{names[0].split('.')[1]}` is its own table."
    return [RuleFix(splice(ctx.sql, _dedupe(edits)), why, "identifiers")]


def _unknown_names(ctx: RuleContext) -> list[tuple[str | None, str, bool]]:
    """``(qualifier, name, is_table)`` for names the error names and names the schema lacks."""
    is_table_error = ctx.error.kind == ErrorKind.UNKNOWN_TABLE
    found: list[tuple[str | None, str, bool]] = []
    for raw in ctx.error_names:
        parts = raw.split(".")
        name, qualifier = parts[-1], (parts[-2] if len(parts) > 1 else None)
        if qualifier and qualifier.lower() == "default":
            qualifier = None
        if not is_table_error and (name.lower() in ctx.aliases or ctx.schema.table(name)):
            continue  # the engine named the table of the failing reference, not the column
        known = _has_table(ctx, name) if is_table_error else _in_scope(ctx, name)
        if not known or (qualifier and not _qualifier_has(ctx, qualifier, name)):
            found.append((qualifier, name, is_table_error))
    for qualifier, name, is_table in _unresolved_in_tree(ctx):
        found.append((qualifier, name, is_table))
    unique: dict[tuple[str | None, str, bool], None] = {}
    for key in found:
        unique.setdefault(key, None)
    return list(unique)


def _has_table(ctx: RuleContext, name: str) -> bool:
    """The schema has table ``name`` (exactly so on case-sensitive engines)."""
    table = ctx.schema.table(name)
    return table is not None and (ctx.dialect not in CASE_SENSITIVE_DIALECTS or table.name == name)


def _in_scope(ctx: RuleContext, name: str) -> bool:
    """A table the query reads has column ``name`` (any schema table when it names none):
    ``seat`` is unknown in a query on ``aircraft`` even though ``bookings`` has one."""
    tables = ctx.query_tables or ctx.schema.tables
    names = {c.name for t in tables for c in t.columns}
    if ctx.dialect in CASE_SENSITIVE_DIALECTS:
        return name in names
    return name.lower() in {n.lower() for n in names}


def _qualifier_has(ctx: RuleContext, qualifier: str, name: str) -> bool:
    table = ctx.aliases.get(qualifier.lower())
    return table is None or table.column(name) is not None


def _unresolved_in_tree(ctx: RuleContext) -> list[tuple[str | None, str, bool]]:
    if ctx.tree is None:
        return []
    found = []
    for table in ctx.tree.find_all(exp.Table):
        if table.name and ctx.schema.table(table.name) is None and table.name.lower() not in ctx.cte_names:
            if not table.args.get("db") or str(table.args["db"]).lower() == "default":
                found.append((None, table.name, True))
    for column in ctx.tree.find_all(exp.Column):
        name, qualifier = column.name, column.table or None
        if not name or isinstance(column.this, exp.Star):
            continue
        if qualifier and qualifier.lower() in ctx.cte_names:
            continue
        if name.lower() in ctx.output_aliases:
            continue
        if not ctx.has_column(name) or (qualifier and not _qualifier_has(ctx, qualifier, name)):
            found.append((qualifier, name, False))
    return found


def _choices(ctx: RuleContext, qualifier: str | None, name: str, is_table: bool) -> list[str]:
    if is_table:
        same = ctx.schema.table(name)
        if same is not None and same.name != name:
            return [same.name]  # only the letter case was wrong
        # A misspelled table is another table than those the query already reads (no self-join).
        present = {t.name.lower() for t in ctx.query_tables}
        pool = [t.name for t in ctx.schema.tables if t.name.lower() not in present] or [t.name for t in ctx.schema.tables]
    elif qualifier and qualifier.lower() in ctx.aliases:
        pool = [c.name for c in ctx.aliases[qualifier.lower()].columns]
    else:
        pool = ctx.columns_in_scope()
    by_lower = {p.lower(): p for p in pool}
    # The engine's suggestions are about the name its error is about, not about other names.
    hinted = ctx.error_names and ctx.error_names[0].split(".")[-1].lower() == name.lower()
    hints = ctx.hints if hinted else []
    if name.lower() in by_lower and by_lower[name.lower()] != name:
        return [by_lower[name.lower()]]  # only the letter case was wrong
    sure = [by_lower[c] for c in by_lower if _abbreviates(name.lower(), c) or _prefixed(ctx, name.lower(), c)]
    scored: dict[str, float] = {}
    for hint in hints:
        key = hint.split(".")[-1].lower()
        score = fuzz.WRatio(name.lower(), key)
        if key in by_lower and score >= MIN_HINT_SIMILARITY:
            scored[by_lower[key]] = max(scored.get(by_lower[key], 0.0), score)
    rivals = {by_lower[m]: score for m, score, _ in process.extract(name.lower(), list(by_lower), scorer=fuzz.WRatio, limit=None, score_cutoff=MIN_HINT_SIMILARITY)}
    for match, score in rivals.items():
        if score >= MIN_SIMILARITY:
            scored[match] = max(scored.get(match, 0.0), score)
    guesses = sorted(scored, key=lambda c: -scored[c])
    if not sure and guesses and any(r != guesses[0] and scored[guesses[0]] - score < AMBIGUOUS_MARGIN for r, score in rivals.items()):
        guesses = []
    choices = sure + [g for g in guesses if g not in sure]
    unique = [c for i, c in enumerate(choices) if c not in choices[:i] and c != name]
    return unique[:MAX_CHOICES]


def _abbreviates(short: str, full: str) -> bool:
    """``dept_id`` abbreviates ``department_id``: part by part, same first letter, letters in order."""
    short_parts, full_parts = short.split("_"), full.split("_")
    if len(short_parts) != len(full_parts) or short == full:
        return False
    return all(s and f and s[0] == f[0] and _subsequence(s, f) for s, f in zip(short_parts, full_parts))


def _subsequence(short: str, full: str) -> bool:
    letters = iter(full)
    return all(char in letters for char in short)


def _prefixed(ctx: RuleContext, name: str, column: str) -> bool:
    """``product_name`` is ``name`` prefixed with its table's name (``products``)."""
    prefix, _, rest = name.partition("_")
    return rest == column and any(t.name.lower().startswith(prefix) for t in ctx.query_tables)


def _occurrences(ctx: RuleContext, qualifier: str | None, name: str, is_table: bool) -> list[int]:
    """Indexes of tokens that spell ``name`` as a column (or table) reference."""
    tokens = ctx.tokens or []
    found = []
    for index, token in enumerate(tokens):
        if token.text.lower() != name.lower() or not (token.token_type in NAME_TYPES or _bare_keyword(ctx, token)):
            continue
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        if nxt is not None and nxt.token_type == TokenType.L_PAREN:
            continue
        after_dot = index >= 2 and tokens[index - 1].token_type == TokenType.DOT
        if qualifier and not (after_dot and tokens[index - 2].text.lower() == qualifier.lower()):
            continue
        if is_table and nxt is not None and nxt.token_type == TokenType.DOT:
            continue
        found.append(index)
    return found


def _bare_keyword(ctx: RuleContext, token) -> bool:
    """A keyword written where a name goes (a table called ``session``): unquoted letters, no literal."""
    return token.text.isidentifier() and ctx.sql[token.start : token.end + 1] == token.text


def _renames(ctx: RuleContext, indexes: list[int], good: str) -> list[Edit]:
    tokens = ctx.tokens or []
    edits = []
    for index in indexes:
        token = tokens[index]
        start, end = token.start, token.end + 1
        quote = ctx.sql[start] if token.token_type == TokenType.IDENTIFIER else ""
        edits.append(Edit(start, end, f"{quote}{good}{quote}"))
    return edits


def _dedupe(edits: list[Edit]) -> list[Edit]:
    by_start = {}
    for edit in edits:
        by_start.setdefault(edit.start, edit)
    return list(by_start.values())
