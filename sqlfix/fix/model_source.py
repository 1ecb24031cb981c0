"""The model source: best-of-k repairs (full query and compact edit) or text-to-SQL answers
sampled from a :class:`~sqlfix.models.base.ChatModel`."""

from __future__ import annotations

import re

from sqlfix.errors import ExecError, SqlfixError
from sqlfix.fix.config import FixConfig
from sqlfix.fix.records import Candidate
from sqlfix.models.base import ChatModel, Generation, Message
from sqlfix.prompts import apply_edit, ask_messages, extract_sql, repair_messages
from sqlfix.schema.focus import focus_schema
from sqlfix.schema.model import Schema

_FENCE = re.compile(r"```.*?```", re.S)


def repair_proposals(
    model: ChatModel, schema: Schema, sql: str, error: ExecError | None, dialect: str, config: FixConfig, *, question: str | None = None
) -> list[Candidate]:
    """Sample repairs of ``sql`` in each configured output format (unverified candidates)."""
    proposals: list[Candidate] = []
    prompt = prompt_schema(schema, sql, config.prompt_tables).to_prompt()
    for output in config.output_formats:
        messages = repair_messages(prompt, sql, error.message if error else None, dialect, question=question, output=output)
        budget = min(config.max_tokens, _token_budget(sql, output))
        for prior, generation in enumerate(_sample(model, messages, config, budget)):
            fixed = _read_repair(sql, generation.text, output)
            if fixed and fixed.strip() != sql.strip():
                proposals.append(Candidate(sql=fixed, source=f"model:{output}", explanation=_explanation(generation.text), prior=prior))
    return proposals


def prompt_schema(schema: Schema, sql: str, tables: str) -> Schema:
    """The part of ``schema`` shown to the model: the focus of ``sql`` (``tables="focus"``, see
    :func:`~sqlfix.schema.focus.focus_schema`) or all of it."""
    return schema if tables == "all" else focus_schema(schema, sql)


def ask_proposals(model: ChatModel, schema: Schema, question: str, dialect: str, config: FixConfig) -> list[Candidate]:
    """Sample text-to-SQL answers to ``question`` (unverified candidates)."""
    messages = ask_messages(schema.to_prompt(), question, dialect)
    proposals = []
    for prior, generation in enumerate(_sample(model, messages, config, config.max_tokens)):
        sql = extract_sql(generation.text)
        if sql:
            proposals.append(Candidate(sql=sql, source="model:ask", explanation=_explanation(generation.text), prior=prior))
    return proposals


def _sample(model: ChatModel, messages: list[Message], config: FixConfig, max_tokens: int) -> list[Generation]:
    """One greedy answer, then ``k - 1`` samples at the configured temperature."""
    generations = list(model.generate(messages, n=1, temperature=0.0, max_tokens=max_tokens))
    if config.k > 1:
        generations += model.generate(messages, n=config.k - 1, temperature=config.temperature, max_tokens=max_tokens)
    return generations


def _token_budget(sql: str, output: str) -> int:
    """Completion tokens a repair of ``sql`` needs at most: about one token per 3 characters
    of the query (an edit needs a fraction of that), plus room for a fence or a sentence."""
    length = len(sql) // 3 + 1
    return (length // 2 if output == "edit" else length) + 48


def _read_repair(sql: str, text: str, output: str) -> str | None:
    if output == "edit":
        try:
            return apply_edit(sql, text.strip())
        except SqlfixError:
            return None
    return extract_sql(text) or None


def _explanation(text: str) -> str:
    """The model's own words around the SQL (explain-then-fix answers), first sentence only."""
    prose = _FENCE.sub(" ", text).strip() if "```" in text else ""
    sentence = re.split(r"(?<=[.!?])\s", " ".join(prose.split()), maxsplit=1)[0]
    return sentence[:300]
