"""SQL written in lower case, as many users write it: repairs drawn in both styles teach a
model to keep the user's style instead of upper-casing every query it fixes."""

from __future__ import annotations

import sqlglot
from sqlglot.tokens import TokenType

# Tokens whose text is a name or a value, never restyled.
_NAMES_AND_VALUES = {TokenType.STRING, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.VAR,
                     TokenType.NATIONAL_STRING, TokenType.RAW_STRING, TokenType.HEREDOC_STRING,
                     TokenType.BIT_STRING, TokenType.HEX_STRING, TokenType.BYTE_STRING}


def lower_case_sql(sql: str, dialect: str) -> str:
    """``sql`` with its keywords and upper-case function names in lower case.

    Identifiers, strings and mixed-case function names (ClickHouse's case-sensitive
    ``toStartOfMonth``) are left as written; SQL that does not tokenize comes back unchanged.
    """
    try:
        tokens = sqlglot.tokenize(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return sql
    text = list(sql)
    for index, token in enumerate(tokens):
        if not token.text.isupper():
            continue
        is_call = token.token_type == TokenType.VAR and index + 1 < len(tokens) \
            and tokens[index + 1].token_type == TokenType.L_PAREN
        if token.token_type in _NAMES_AND_VALUES and not is_call:
            continue
        text[token.start:token.end + 1] = sql[token.start:token.end + 1].lower()
    return "".join(text)
