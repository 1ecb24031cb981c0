"""Function-name correction: an unknown function renamed to the engine's suggestion or to a
close function name the dialect knows."""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz, process
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

from sqlfix.engines.function_names import known_function_names
from sqlfix.errors import ErrorKind
from sqlfix.fix.rules.context import CASE_SENSITIVE_DIALECTS, RuleContext, RuleFix
from sqlfix.fix.text import Edit, splice

MAX_CHOICES = 3
MIN_SIMILARITY = 75
# The engines always suggest something; a suggestion unlike the name is another function.
MIN_HINT_SIMILARITY = 60


def functions(ctx: RuleContext) -> list[RuleFix]:
    """Propose the unknown function's likely intended name."""
    if ctx.error.kind not in {ErrorKind.UNKNOWN_FUNCTION, ErrorKind.DIALECT} or not ctx.tokens:
        return []
    wanted = {name.lower() for name in ctx.error_names}
    fixes = []
    for index, token in enumerate(ctx.tokens[:-1]):
        if token.text.lower() not in wanted or ctx.tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        for choice in _choices(ctx, token.text):
            spelled = choice.lower() if token.text.islower() and ctx.dialect not in CASE_SENSITIVE_DIALECTS else choice
            edit = Edit(token.start, token.end + 1, spelled)
            explanation = f"There is no function `{token.text}`; the engine has `{spelled}`."
            fixes.append(RuleFix(splice(ctx.sql, [edit]), explanation, "functions"))
    return fixes


def _choices(ctx: RuleContext, name: str) -> list[str]:
    exact = [n for n in known_function_names(ctx.dialect) if n.lower() == name.lower() and n != name]
    if exact:
        return exact[:1]  # only the letter case was wrong: nothing else is as likely
    choices = [h for h in ctx.hints if h.replace("_", "").isalnum() and _related(name, h)]
    if ctx.dialect not in CASE_SENSITIVE_DIALECTS:
        known = _known_functions(ctx.dialect)
        for match, _score, _ in process.extract(name.upper(), known, scorer=fuzz.ratio, limit=MAX_CHOICES, score_cutoff=MIN_SIMILARITY):
            if _related(name, match):
                choices.append(match)
    return list(dict.fromkeys(choices))[:MAX_CHOICES]


def _related(name: str, other: str) -> bool:
    """``other`` could be what ``name`` misspells: close in spelling or its abbreviation
    (``averge`` → ``avg``), and not ``name`` with a meaningful part cut off (``countif`` is
    not ``count``, ``string_agg_distinct`` not ``string_agg``: ``foreign_functions`` keeps
    what the lost part means) or added (``approx_count_distinct`` is another function). A
    doubled letter (``maxx``) is a slip, not a part."""
    a, b = name.lower(), other.lower()
    if a == b:
        return False
    longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
    if longer.startswith(shorter):
        return len(longer) - len(shorter) < 2  # a suffix is a combinator (If, Distinct) or a slip
    if longer.endswith(shorter):
        return len(longer.removesuffix(shorter).strip("_")) <= 2  # ``toYear`` is ``year``; ``approx_`` is not
    if shorter in longer:
        return False
    if fuzz.ratio(a, b) >= MIN_HINT_SIMILARITY:
        return True
    return len(b) >= 3 and b[0] == a[0] and _subsequence(b, a)


def _subsequence(short: str, full: str) -> bool:
    letters = iter(full)
    return all(char in letters for char in short)


@lru_cache(maxsize=8)
def _known_functions(dialect: str) -> tuple[str, ...]:
    return tuple(sorted(Dialect.get_or_raise(dialect).parser_class.FUNCTIONS))
