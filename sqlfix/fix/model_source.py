"""The model source: best-of-k repairs (full query and compact edit) or text-to-SQL answers
sampled from a :class:`~sqlfix.models.base.ChatModel`."""

from __future__ import annotations

import re

from sqlfix.errors import ExecError, SqlfixError
from sqlfix.fix.config import FixConfig
from sqlfix.fix.records import Candidate
from sqlfix.models.base import ChatModel, Generation, Message
from sqlfix.prompts import apply_edit, ask_messages, extract_sql, repair_messages
from sqlfix.schema.fit import fit_schema
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
    :func:`~sqlfix.schema.focus.focus_schema`) or all of it, cut to the tables ``sql`` is most
    about when that is too long for a prompt (:func:`~sqlfix.schema.fit.fit_schema`)."""
    return fit_schema(schema if tables == "all" else focus_schema(schema, sql), sql)


def ask_schema_prompt(schema: Schema, question: str) -> str:
    """The schema text of an ``ask`` prompt: all of ``schema`` when it fits a prompt (so every
    question on it shares one prefix), else the tables ``question`` is most about."""
    return fit_schema(schema, question).to_prompt()


def greedy_ask_proposal(model: ChatModel, schema: Schema, question: str, dialect: str, config: FixConfig) -> tuple[list[Candidate], list[Message]]:
    """The greedy text-to-SQL answer alone (a list of at most one candidate) and the messages
    that asked it, for :func:`more_ask_proposals` to sample the rest from when it does not do."""
    messages = ask_messages(ask_schema_prompt(schema, question), question, dialect)
    return _ask_candidates(model.generate(messages, n=1, temperature=0.0, max_tokens=config.max_tokens)), messages


def more_ask_proposals(model: ChatModel, messages: list[Message], config: FixConfig) -> list[Candidate]:
    """The ``k - 1`` sampled answers after the greedy one (priors from 1)."""
    return _ask_candidates(sample_rest(model, messages, config, config.max_tokens), first_prior=1)


def _ask_candidates(generations: list[Generation], first_prior: int = 0) -> list[Candidate]:
    proposals = []
    for prior, generation in enumerate(generations, start=first_prior):
        sql = extract_sql(generation.text)
        if sql:
            proposals.append(Candidate(sql=sql, source="model:ask", explanation=_explanation(generation.text), prior=prior))
    return proposals


def _sample(model: ChatModel, messages: list[Message], config: FixConfig, max_tokens: int) -> list[Generation]:
    """One greedy answer, then ``k - 1`` samples at the configured temperature."""
    return [*model.generate(messages, n=1, temperature=0.0, max_tokens=max_tokens), *sample_rest(model, messages, config, max_tokens)]


def sample_rest(model: ChatModel, messages: list[Message], config: FixConfig, max_tokens: int) -> list[Generation]:
    """The ``k - 1`` samples at the configured temperature, drawn in one batched call (a local
    model decodes them as rows of one batch over the prompt's cached prefix)."""
    if config.k <= 1:
        return []
    return list(model.generate(messages, n=config.k - 1, temperature=config.temperature, max_tokens=max_tokens))


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
