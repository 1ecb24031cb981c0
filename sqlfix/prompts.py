"""The chat prompts and output formats shared by training and inference.

Training (``sqlfix train``) and serving (``sqlfix fix`` / ``ask``) must build exactly the
same prompts, so both import them from here.

Two repair output formats:

* ``full``: the whole fixed query.
* ``edit``: a compact edit of the buggy query, one or more blocks of

  .. code-block:: text

      - <exact text of the buggy query>
      + <its replacement>

  Each ``-`` text occurs in the buggy query; the edit replaces its first occurrence.
  A line break inside either text is written ``\\n`` (and a backslash ``\\\\``).
  Example:
      >>> make_edit("SELEC name FROM users", "SELECT name FROM users")
      '- SELEC\\n+ SELECT'
      >>> apply_edit("SELEC name FROM users", "- SELEC name\\n+ SELECT name")
      'SELECT name FROM users'
"""

from __future__ import annotations

import difflib
import re
from typing import Literal

from sqlfix.errors import SqlfixError
from sqlfix.models.base import Message

OutputFormat = Literal["full", "edit"]

SYSTEM_REPAIR = (
    "You fix SQL queries. Given a schema, a failing query and the engine's error, "
    "reply with the corrected query only. Change as little as possible and keep the "
    "user's formatting, casing and dialect."
)
SYSTEM_REPAIR_EDIT = (
    "You fix SQL queries. Given a schema, a failing query and the engine's error, reply "
    "with a minimal edit: lines '- old text' then '+ new text', where old text is copied "
    "exactly from the query. Nothing else."
)
SYSTEM_ASK = (
    "You write SQL. Given a schema and a question, reply with one SQL query that answers it, "
    "and nothing else."
)

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def repair_messages(
    schema_prompt: str,
    sql: str,
    error: str | None,
    dialect: str,
    *,
    question: str | None = None,
    output: OutputFormat = "full",
) -> list[Message]:
    """Build the chat messages asking a model to repair ``sql``.

    Args:
        schema_prompt: ``Schema.to_prompt()`` text.
        sql: the buggy query.
        error: the engine's error message (None for a semantic repair with a question).
        dialect: sqlglot dialect name, told to the model.
        question: what the query should answer, when known.
        output: ``full`` for the whole fixed query, ``edit`` for a compact edit.
    """
    parts = [f"Dialect: {dialect}", f"Schema:\n{schema_prompt}"]
    if question:
        parts.append(f"Question: {question}")
    parts.append(f"Query:\n{sql.strip()}")
    parts.append(f"Error: {stable_error_text(error)}" if error else "Error: none, but the result does not answer the question")
    system = SYSTEM_REPAIR_EDIT if output == "edit" else SYSTEM_REPAIR
    return [Message("system", system), Message("user", "\n\n".join(parts))]


def ask_messages(schema_prompt: str, question: str, dialect: str) -> list[Message]:
    """Build the chat messages asking a model to write SQL for ``question``."""
    user = f"Dialect: {dialect}\n\nSchema:\n{schema_prompt}\n\nQuestion: {question.strip()}"
    return [Message("system", SYSTEM_ASK), Message("user", user)]


# Figures an engine measures anew on every run (ClickHouse's elapsed time of a query it stopped,
# the memory a query would have used, DuckDB's memory in use when an allocation failed): kept, they would make one failure a different prompt on
# each run, so a recorded answer or a cached fix would never match again.
_VOLATILE_FIGURES = (
    re.compile(r"\belapsed [\d.]+ (?:ms|sec|seconds?), "),
    re.compile(r"\bwould use [\d.]+ \w+ \(attempt to allocate chunk of [\d.]+ \w+\), "),
    re.compile(r" \([\d.]+ \w+/[\d.]+ \w+ used\)"),  # DuckDB's memory in use when an allocation failed
)


def stable_error_text(error: str) -> str:
    """``error`` as a prompt shows it: stripped, without the figures an engine measures anew
    on every run.

    Example:
        >>> stable_error_text("Timeout exceeded: elapsed 1004.695 ms, maximum: 1000.000 ms. (TIMEOUT_EXCEEDED)")
        'Timeout exceeded: maximum: 1000.000 ms. (TIMEOUT_EXCEEDED)'
    """
    for pattern in _VOLATILE_FIGURES:
        error = pattern.sub("", error)
    return error.strip()


def extract_sql(text: str) -> str:
    """Pull the SQL out of a model answer: the first fenced block if any, else the text,
    without a trailing semicolon or surrounding whitespace.

    Example:
        >>> extract_sql("Here:\\n```sql\\nSELECT 1;\\n```")
        'SELECT 1'
    """
    fence = re.search(r"```(?:sql|SQL)?\s*\n?(.*?)```", text, re.S)
    body = fence.group(1) if fence else text
    return body.strip().rstrip(";").strip()


def make_edit(broken: str, fixed: str) -> str:
    """Return the compact edit that turns ``broken`` into ``fixed``.

    Changed token spans are widened with neighbouring tokens until each ``-`` text is
    non-empty, has no whitespace at its ends and occurs exactly once in ``broken``; spans that
    would then overlap are merged, so applying the edit is unambiguous.
    """
    if broken == fixed:
        return ""
    a, b = _TOKEN.findall(broken), _TOKEN.findall(fixed)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    raw = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    while True:
        spans = [_widen(a, b, *change, broken) for change in raw]
        clash = next((k for k in range(len(spans) - 1) if spans[k][1] >= spans[k + 1][0]), None)
        if clash is None:
            break
        # Tokens between two changes are equal on both sides, so one span covering both maps cleanly.
        raw[clash : clash + 2] = [(raw[clash][0], raw[clash + 1][1], raw[clash][2], raw[clash + 1][3])]
    blocks = ("- " + _escape("".join(a[lo:hi])) + "\n+ " + _escape("".join(b[jlo:jhi])) for lo, hi, jlo, jhi in spans)
    return "\n".join(blocks)


def apply_edit(broken: str, edit: str) -> str:
    """Apply a compact edit to ``broken``; raise :class:`SqlfixError` if it does not apply.

    Blocks apply in order, each to the first occurrence of its old text after the previous block.
    """
    pairs = parse_edit(edit)
    if not pairs:
        raise SqlfixError("the edit holds no '- old' / '+ new' pair")
    pieces, cursor = [], 0
    for old, new in pairs:
        found = broken.find(old, cursor) if old else -1
        if found < 0:
            raise SqlfixError(f"the edit's text {old!r} does not occur in the query")
        pieces += [broken[cursor:found], new]
        cursor = found + len(old)
    pieces.append(broken[cursor:])
    return "".join(pieces)


def parse_edit(edit: str) -> list[tuple[str, str]]:
    """Parse ``- old`` / ``+ new`` line pairs; a ``-`` line with no ``+`` deletes the text."""
    pairs: list[tuple[str, str]] = []
    pending: str | None = None
    for line in edit.strip("\n`").splitlines():
        if line.startswith("- "):
            if pending is not None:
                pairs.append((pending, ""))
            pending = _unescape(line[2:])
        elif line.startswith("+ ") or line == "+":
            if pending is None:
                continue
            pairs.append((pending, _unescape(line[2:])))
            pending = None
    if pending is not None:
        pairs.append((pending, ""))
    return pairs


def _widen(a: list[str], b: list[str], i1: int, i2: int, j1: int, j2: int, broken: str) -> tuple[int, int, int, int]:
    # Grow the span one token at a time, right first, until the old text is unique in the
    # query and neither text starts or ends in whitespace (so the edit keeps the user's
    # formatting and survives copy-paste).
    left, right = 0, 0
    while True:
        old = "".join(a[i1 - left : i2 + right])
        new = "".join(b[j1 - left : j2 + right])
        unique = old.strip() and broken.find(old) == broken.rfind(old)
        trimmed = _edges_solid(old) and (not new or _edges_solid(new))
        can_left = i1 - left > 0 and j1 - left > 0
        can_right = i2 + right < len(a) and j2 + right < len(b)
        if (unique and trimmed) or (not can_left and not can_right):
            return i1 - left, i2 + right, j1 - left, j2 + right
        if can_right and (right <= left or not can_left):
            right += 1
        else:
            left += 1


def _edges_solid(text: str) -> bool:
    return bool(text) and not text[0].isspace() and not text[-1].isspace()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _unescape(text: str) -> str:
    return re.sub(r"\\(\\|n)", lambda m: "\n" if m.group(1) == "n" else "\\", text)
