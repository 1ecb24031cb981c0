"""Foreign function names: a call spelled the way another dialect or a spreadsheet spells it
(``COUNTIF``, ``NVL``, ``ISNULL(a, b)``, ``LISTAGG``, ``quantile_cont``, ``COUNT_DISTINCT``,
``SUMIF``...) rewritten for the engine.

The map is not a hand list: each call is read as every dialect sqlglot knows and written back
in the engine's; a reading that drops or invents an argument is no translation. Names built
from an aggregate and a ClickHouse-style combinator (``If``, ``Distinct``) are taken apart and
written the engine's way: ``countIf``/``sumIf`` on ClickHouse, ``sum(x) FILTER (WHERE c)`` and
``count(DISTINCT x)`` on DuckDB. Every proposal is verified by execution like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel
from sqlglot.tokens import TokenType

from sqlfix.engines.function_names import is_aggregate_function, is_known_function, known_function_names
from sqlfix.errors import SQLGLOT_FAILURES, ErrorKind
from sqlfix.fix.rules.context import CASE_SENSITIVE_DIALECTS, RuleContext, RuleFix
from sqlfix.fix.text import Edit, matching_paren, splice, tokenize

# Function names → the sqlglot dialects that read them; regenerate with
# ``python -m sqlfix.fix.rules.foreign_functions`` after a sqlglot upgrade.
FOREIGN_NAMES = Path(__file__).with_name("foreign_names.tsv")
KINDS = {ErrorKind.UNKNOWN_FUNCTION, ErrorKind.DIALECT, ErrorKind.WRONG_ARITY}
# The longest call text worth reading in ~30 dialects (a call over this is not a slip of a name).
MAX_CALL_CHARS = 400
MAX_PER_CALL = 4
COMBINED = "combined"  # the source of a translation taken apart from a combinator name
_COMBINATOR = re.compile(r"^(?P<base>[a-z][a-z0-9_]*?)_?(?P<comb>if|distinct)$", re.I)
_DISTINCT_FIRST = re.compile(r"^(?P<base>count|sum|avg|uniq)_?(?P<comb>distinct)$", re.I)
_NO_TRANSLATION = (exp.Anonymous, exp.AnonymousAggFunc)
_LEAF_NAME_TYPES = {TokenType.VAR, TokenType.IDENTIFIER}
_LEAF_KINDS = {TokenType.VAR: "name", TokenType.IDENTIFIER: "name", TokenType.STRING: "string", TokenType.NUMBER: "number"}


@dataclass(frozen=True)
class Translation:
    """One way to write a foreign call for the engine: the call's new text, whether the
    arguments keep their order (a rename), and where the knowledge came from."""

    text: str
    keeps_order: bool
    source: str


def foreign_functions(ctx: RuleContext) -> list[RuleFix]:
    """Propose each foreign or unknown call rewritten as the engine spells it."""
    if ctx.error.kind not in KINDS or not ctx.tokens:
        return []
    tokens = ctx.tokens
    named = {name.split("(")[0].lower() for name in ctx.error_names}
    fixes = []
    for index, token in enumerate(tokens[:-1]):
        if tokens[index + 1].token_type != TokenType.L_PAREN or token.token_type in {TokenType.L_PAREN, TokenType.R_PAREN}:
            continue
        if ctx.out_of_time():
            break
        is_named = token.text.lower() in named
        if not is_named and is_known_function(token.text, ctx.dialect) is not False:
            continue
        close = matching_paren(tokens, index + 1)
        if close is None:
            continue
        start, end = token.start, tokens[close].end + 1
        if end - start > MAX_CALL_CHARS:
            continue
        call = ctx.sql[start:end]
        # A known name called with the wrong arguments is most often a foreign homonym
        # (T-SQL's ISNULL(a, b) on ClickHouse's isNull(a)); only renames keep its arguments.
        wrong_arity = ctx.error.kind == ErrorKind.WRONG_ARITY
        for translation in translate_call(call, ctx.dialect)[:MAX_PER_CALL]:
            if wrong_arity and not translation.keeps_order:
                continue
            text = _in_users_case(translation.text, token.text, ctx.dialect)
            written = text if len(text) <= 60 else text.split("(")[0].strip()
            if translation.source == COMBINED:
                explanation = f"`{token.text}` joins an aggregate and a condition or DISTINCT in one name; the engine writes `{written}`."
            else:
                explanation = f"`{token.text}` is {translation.source}'s spelling; the engine writes `{written}`."
            fixes.append(RuleFix(splice(ctx.sql, [Edit(start, end, text)]), explanation, "functions"))
    return fixes


@lru_cache(maxsize=1024)
def translate_call(call: str, target: str) -> tuple[Translation, ...]:
    """Return ways to write the function call ``call`` for ``target``, most trusted first:
    readings under other dialects, then combinator names taken apart; those that keep the
    arguments in order before rewrites that move them.

    Example:
        >>> [t.text for t in translate_call("COUNT_DISTINCT(x)", "duckdb")]
        ['count(DISTINCT x)']
        >>> translate_call("nvl(a, 0)", "duckdb")[0].text
        'COALESCE(a, 0)'
    """
    name, _, rest = call.partition("(")
    name = name.strip()
    args = rest[:-1] if rest.endswith(")") else rest
    found: dict[str, Translation] = {}
    for translation in (*_readings(call, name, target), *_combinators(name, args, target)):
        if _squeeze(translation.text, target) != _squeeze(call, target) and not _case_only(translation.text, call, target):
            found.setdefault(translation.text, translation)
    ordered = sorted(found.values(), key=lambda t: not t.keeps_order)
    return tuple(ordered)


def _readings(call: str, name: str, target: str) -> list[Translation]:
    """The call read by every dialect sqlglot knows that gives the name a meaning, written in
    ``target``. A rewrite must keep every argument; failing that, the engine's name for the
    same function with the user's arguments as written (a rename) is proposed instead."""
    wanted = _leaves(call, target)
    if wanted is None:
        return []
    votes: dict[str, list[str]] = {}
    order: dict[str, bool] = {}
    renames: dict[str, str] = {}
    # A name the engine reads as an aggregate keeps aggregating: PRQL's two-argument ``sum`` is
    # a coalesce, but ``sum(price, 2)`` on DuckDB is a sum with a stray argument.
    aggregate = _aggregates(f"{name}(x)", target)
    for source in _source_dialects(name, target):
        tree = _parse(call, source)
        if tree is None or isinstance(tree, _NO_TRANSLATION) or tree.find(*_NO_TRANSLATION) is not None:
            continue
        try:
            text = tree.sql(dialect=target, unsupported_level=ErrorLevel.RAISE)
        except SQLGLOT_FAILURES:
            continue
        if not _names_known(text, target) or (aggregate and not _aggregates(text, target)):
            continue
        renamed = _rename_only(text, name, call)
        leaves = _leaves(text, target)
        if renamed is None and leaves is not None and _covers(leaves, wanted):
            votes.setdefault(text, []).append(source)
            order[text] = _in_order(leaves, wanted)
        elif renamed is not None:
            votes.setdefault(renamed, []).append(source)
            order[renamed] = True
        elif isinstance(tree, exp.Func):
            head = text.partition("(")[0].strip()
            if head.replace("_", "").isalnum() and head.lower() != name.lower() and (not aggregate or _aggregates(f"{head}(x)", target)):
                renames.setdefault(f"{head}({call.partition('(')[2]}", source)
    ranked = sorted(votes, key=lambda t: (not order[t], -len(votes[t])))
    faithful = [Translation(t, order[t], _title(votes[t][0])) for t in ranked]
    kept, moved = [t for t in faithful if t.keeps_order], [t for t in faithful if not t.keeps_order]
    return kept + [Translation(t, True, _title(source)) for t, source in renames.items() if t not in votes] + moved


def _aggregates(text: str, dialect: str) -> bool:
    """True when ``text`` read in ``dialect`` holds an aggregate call (sqlglot's or the engine's)."""
    tree = _parse(text, dialect)
    if tree is None:
        return False
    return any(isinstance(f, exp.AggFunc) or is_aggregate_function(f.name if isinstance(f, exp.Anonymous) else f.sql_name(), dialect)
               for f in tree.find_all(exp.Func))


def _combinators(name: str, args: str, target: str) -> list[Translation]:
    """``SUMIF(x, c)``, ``COUNT_DISTINCT(x)``, ``string_agg_distinct(x, ',')``: an aggregate
    and a combinator in one name, written as the engine combines them."""
    match = _DISTINCT_FIRST.match(name) or _COMBINATOR.match(name)
    if match is None:
        return []
    base, combinator = match.group("base"), match.group("comb").lower()
    names = _engine_names(base, target)
    found = []
    for base_name in names:
        if combinator == "distinct":
            found.append(Translation(f"{base_name}(DISTINCT {args.strip()})", True, COMBINED))
        elif target == "clickhouse":
            found.append(Translation(f"{base_name}If({args.strip()})", True, COMBINED))
        else:
            found.extend(_filtered(base_name, args, target))
    return found


def _filtered(base: str, args: str, target: str) -> list[Translation]:
    """``base`` aggregated over rows where the last argument holds: ``FILTER (WHERE ...)``."""
    values = _split_args(args, target)
    if not values:
        return []
    measured = ", ".join(values[:-1]) or ("*" if base.lower() == "count" else "")
    if not measured:
        return []
    return [Translation(f"{base}({measured}) FILTER (WHERE {values[-1]})", True, COMBINED)]


def _split_args(args: str, dialect: str) -> list[str]:
    """The argument texts of a call as written (split at its top-level commas)."""
    tokens = tokenize(args, dialect)
    if not tokens:
        return []
    pieces, start, depth = [], 0, 0
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif token.token_type == TokenType.COMMA and depth == 0:
            pieces.append(args[start : token.start].strip())
            start = token.end + 1
    pieces.append(args[start:].strip())
    return pieces if all(pieces) else []


def _engine_names(base: str, target: str) -> list[str]:
    """How ``target``'s engine spells the aggregate ``base`` (as is, or read from another dialect)."""
    names = []
    spelled = _known_spelling(base, target)
    if spelled:
        names.append(spelled)
    for translation in _readings(f"{base}(x)", base, target):
        head = translation.text.split("(")[0].strip()
        if translation.text.endswith("(x)") and head.isidentifier() and is_known_function(head, target) is not False:
            names.append(_known_spelling(head, target) or head)
    return list(dict.fromkeys(names))[:2]


def _known_spelling(name: str, target: str) -> str | None:
    if is_known_function(name, target) is False:
        return None
    spellings = {n.lower(): n for n in known_function_names(target)}
    return spellings.get(name.lower(), name)


def _squeeze(text: str, target: str) -> str:
    text = text.replace(" ", "")
    return text if target in CASE_SENSITIVE_DIALECTS else text.lower()


def _case_only(text: str, call: str, target: str) -> bool:
    """``text`` is ``call`` with the name in other letters, not the engine's own spelling."""
    head = text.partition("(")[0].strip()
    return text.replace(" ", "").lower() == call.replace(" ", "").lower() and not is_known_function(head, target)


def _rename_only(text: str, name: str, call: str) -> str | None:
    """``text`` when it only renames the call (same arguments as written), as the new name
    followed by the user's own argument text; else None."""
    head, paren, rest = text.partition("(")
    if not paren or not head.strip().replace("_", "").isalnum():
        return None
    user_args = call.partition("(")[2]
    if rest.replace(" ", "").lower() != user_args.replace(" ", "").lower():
        return None
    return f"{head.strip()}({user_args}" if head.strip().lower() != name.lower() else None


def _leaves(call: str, dialect: str) -> list[tuple[str, str]] | None:
    """Names, strings and numbers of ``call`` in reading order, function names left out:
    what a translation must keep. Read from tokens, because a dialect's parser may already
    reinterpret an argument (BigQuery's ``TIMESTAMP_DIFF`` takes a column for the unit).
    A date part (``MINUTE`` or ``'minute'``) counts as a unit however it is quoted."""
    tokens = tokenize(call, dialect)
    if tokens is None:
        return None
    found = []
    for token, following in zip(tokens, [*tokens[1:], None]):
        if following is not None and following.token_type == TokenType.L_PAREN:
            continue
        kind = _LEAF_KINDS.get(token.token_type)
        if kind == "name" and token.text.upper() in _date_parts() or kind == "string" and token.text.upper() in _date_parts():
            kind = "unit"
        if kind:
            found.append((kind, token.text.lower()))
    return found


def _covers(leaves: list[tuple[str, str]], wanted: list[tuple[str, str]]) -> bool:
    """Every name, string, number and unit of the original is still there, and no name is invented."""
    have = list(leaves)
    for leaf in wanted:
        if leaf not in have:
            return False
        have.remove(leaf)
    return not any(kind == "name" for kind, _ in have)


@lru_cache(maxsize=1)
def _date_parts() -> frozenset[str]:
    """Date-part words sqlglot knows (``MINUTE``, ``DAY``, ``DD``...)."""
    mapping = Dialect.get_or_raise("").DATE_PART_MAPPING
    return frozenset({str(k).upper() for k in mapping} | {str(v).upper() for v in mapping.values()})


def _in_order(leaves: list[tuple[str, str]], wanted: list[tuple[str, str]]) -> bool:
    return [leaf for leaf in leaves if leaf in wanted] == [leaf for leaf in wanted if leaf in leaves]


def _names_known(text: str, target: str) -> bool:
    """False when ``text`` calls a function the engine is known not to have."""
    tokens = tokenize(text, target) or []
    return not any(
        following.token_type == TokenType.L_PAREN and token.token_type in _LEAF_NAME_TYPES and is_known_function(token.text, target) is False
        for token, following in zip(tokens, tokens[1:])
    )


def _in_users_case(text: str, written: str, target: str) -> str:
    """Lower-case the new name when the user wrote theirs in lower case (case-insensitive engines)."""
    if target in CASE_SENSITIVE_DIALECTS or not written.islower():
        return text
    head, paren, rest = text.partition("(")
    return head.lower() + paren + rest.replace("DISTINCT ", "distinct ").replace("FILTER (WHERE ", "filter (where ")


def _parse(sql: str, dialect: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(sql, read=dialect, error_level=ErrorLevel.RAISE)
    except SQLGLOT_FAILURES:
        return None


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, ...]]:
    index = {}
    for line in FOREIGN_NAMES.read_text(encoding="utf-8").splitlines():
        name, _, dialects = line.partition("\t")
        index[name] = tuple(dialects.split(","))
    return index


def _source_dialects(name: str, target: str) -> tuple[str, ...]:
    """The dialects whose parser gives function ``name`` a meaning (``""``: sqlglot's
    generic SQL, which most dialects share), the target left out."""
    return tuple(d for d in _index().get(name.upper(), ()) if d != target)


def write_index(path: Path = FOREIGN_NAMES) -> int:
    """Regenerate the index of function names → dialects that read them from the installed
    sqlglot (run after upgrading it); return the number of names.

    Loading every dialect takes a second or more, which a repair should not pay: the index
    lets it load only the dialects that know the name at hand.
    """
    base = Dialect.get_or_raise("").parser_class
    index: dict[str, set[str]] = {}
    for name in (*base.FUNCTIONS, *base.FUNCTION_PARSERS):
        index.setdefault(name.upper(), set()).add("")
    for dialect in sorted(d for d in Dialect.classes if d):
        parser = Dialect.get_or_raise(dialect).parser_class
        for table, shared in ((parser.FUNCTIONS, base.FUNCTIONS), (parser.FUNCTION_PARSERS, base.FUNCTION_PARSERS)):
            for name, reader in table.items():
                if shared.get(name) is not reader:
                    index.setdefault(name.upper(), set()).add(dialect)
    lines = [f"{name}\t{','.join(sorted(dialects))}" for name, dialects in sorted(index.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def _title(name: str) -> str:
    return {"": "another dialect", "duckdb": "DuckDB", "clickhouse": "ClickHouse", "postgres": "PostgreSQL", "mysql": "MySQL", "tsql": "T-SQL",
            "bigquery": "BigQuery", "snowflake": "Snowflake", "sqlite": "SQLite", "prql": "PRQL"}.get(name, name.capitalize())


if __name__ == "__main__":
    print(f"wrote {write_index()} names to {FOREIGN_NAMES}")
