"""Read-only rewrites of refused statements: a write becomes the query that previews what it
would touch (DELETE and ClickHouse's ``ALTER TABLE t DELETE`` → the rows it deletes, UPDATE and
``ALTER TABLE t UPDATE`` → keys and new values, CREATE TABLE AS / COPY / INSERT ... SELECT →
their SELECT, DROP and TRUNCATE → the table's row count), a refused ``SETTINGS`` clause goes
(the query runs under sqlfix's own settings), and a file read becomes the schema table of the
same name."""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.tokens import TokenType

from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import RuleContext, RuleFix
from sqlfix.fix.text import Edit, depths, matching_paren, parse, splice

_FILE_FUNCTIONS = {"read_csv", "read_csv_auto", "read_parquet", "read_json", "read_json_auto", "parquet_scan", "file", "s3", "url"}
_STEM = re.compile(r"([A-Za-z_][\w]*)\.(?:csv|parquet|json|tsv)\w*['\"]", re.I)
_PREVIEW = "The statement would change the database, which sqlfix never does; rewritten as the read-only query that shows what it would touch."


def read_only(ctx: RuleContext) -> list[RuleFix]:
    """Propose a read-only query in place of a refused write or file access."""
    if ctx.error.kind != ErrorKind.PERMISSION or not ctx.tokens:
        return []
    tree = ctx.tree
    text = None
    if isinstance(tree, exp.Delete):
        first = ctx.tokens[0]
        text = splice(ctx.sql, [Edit(first.start, first.end + 1, ctx.keyword("SELECT *"))])
    elif isinstance(tree, exp.Update):
        text = _update_preview(ctx, tree)
    elif isinstance(tree, (exp.Create, exp.Copy)) or (isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Query)):
        text = _inner_select(ctx)
    elif (isinstance(tree, exp.Drop) and str(tree.args.get("kind", "")).upper() == "TABLE") or isinstance(tree, exp.TruncateTable):
        dropped = tree.this or next(iter(tree.args.get("tables") or tree.expressions or []), None)
        if dropped is not None:
            text = f"{ctx.keyword('SELECT')} count(*) {ctx.keyword('FROM')} {dropped.sql(dialect=ctx.dialect)}"
    elif _is_alter_mutation(ctx):
        text = _mutation_preview(ctx)
    fixes = [RuleFix(text, _PREVIEW, "read_only")] if text else []
    return fixes + _without_settings(ctx) + _file_to_table(ctx)


def _is_alter_mutation(ctx: RuleContext) -> bool:
    """ClickHouse's mutations: ``ALTER TABLE t UPDATE ... WHERE`` and ``ALTER TABLE t DELETE WHERE``."""
    words = [t.text.upper() for t in ctx.tokens[:5]]
    return len(words) == 5 and words[:2] == ["ALTER", "TABLE"] and words[3] in {"UPDATE", "DELETE"}


def _mutation_preview(ctx: RuleContext) -> str | None:
    table, verb = ctx.tokens[2], ctx.tokens[3]
    if verb.text.upper() == "DELETE":
        where = ctx.tokens[4]
        return f"{ctx.keyword('SELECT * FROM')} {table.text} {ctx.sql[where.start:].strip()}" if where.token_type == TokenType.WHERE else None
    as_update = f"UPDATE {table.text} SET {ctx.sql[ctx.tokens[4].start:]}"
    tree = parse(as_update, ctx.dialect)
    return _update_preview(ctx, tree) if isinstance(tree, exp.Update) else None


def _without_settings(ctx: RuleContext) -> list[RuleFix]:
    """The query without its top-level ``SETTINGS`` clause, when that clause was refused."""
    if "settings" not in ctx.error.message.lower():
        return []
    levels = depths(ctx.tokens)
    at = next((i for i, t in enumerate(ctx.tokens) if t.token_type == TokenType.SETTINGS and levels[i] == 0), None)
    if at is None or at == 0:
        return []
    end = next((i for i in range(at + 1, len(ctx.tokens)) if ctx.tokens[i].token_type == TokenType.FORMAT), None)
    tail = f" {ctx.sql[ctx.tokens[end].start:].strip()}" if end is not None else ""
    text = ctx.sql[: ctx.tokens[at - 1].end + 1] + tail
    why = "A SETTINGS clause may not change the engine's limits; the query runs under sqlfix's own settings without it."
    return [RuleFix(text, why, "read_only")]


def _update_preview(ctx: RuleContext, tree: exp.Update) -> str | None:
    table = ctx.schema.table(tree.this.name) if isinstance(tree.this, exp.Table) else None
    if table is None:
        return None
    values = [f"{a.expression.sql(dialect=ctx.dialect)} AS {a.this.sql(dialect=ctx.dialect)}" for a in tree.expressions if isinstance(a, exp.EQ)]
    where = next((t for t in ctx.tokens if t.token_type == TokenType.WHERE), None)
    condition = f" {ctx.sql[where.start:].strip()}" if where is not None else ""
    columns = ", ".join([*table.primary_key, *values])
    return f"{ctx.keyword('SELECT')} {columns} {ctx.keyword('FROM')} {tree.this.sql(dialect=ctx.dialect)}{condition}"


def _inner_select(ctx: RuleContext) -> str | None:
    tokens = ctx.tokens
    start = next((i for i, t in enumerate(tokens) if t.token_type in {TokenType.SELECT, TokenType.WITH}), None)
    if start is None:
        return None
    if start and tokens[start - 1].token_type == TokenType.L_PAREN:
        close = matching_paren(tokens, start - 1)
        return ctx.sql[tokens[start].start : tokens[close - 1].end + 1] if close else None
    return ctx.sql[tokens[start].start :].strip().rstrip(";")


def _file_to_table(ctx: RuleContext) -> list[RuleFix]:
    fixes = []
    for index, token in enumerate(ctx.tokens[:-1]):
        if token.text.lower() not in _FILE_FUNCTIONS or ctx.tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        close = matching_paren(ctx.tokens, index + 1)
        stem = _STEM.search(ctx.sql[token.start : ctx.tokens[close].end + 1]) if close else None
        table = ctx.schema.table(stem.group(1)) if stem else None
        if table is not None:
            edit = Edit(token.start, ctx.tokens[close].end + 1, table.name)
            why = f"sqlfix never lets a query read files; the database's own `{table.name}` table holds that data."
            fixes.append(RuleFix(splice(ctx.sql, [edit]), why, "read_only"))
    return fixes
