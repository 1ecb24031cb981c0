"""The teacher's requests, round by round, and the reading of its answers.

Pure functions of their inputs: no engine, no DuckDB, no chDB. The GPU host (torch,
transformers and the carried wheels only) imports this module to build round 2 from round 1's
answers in the same call that answered round 1; the CPU side imports it to build the same
rows for an endpoint, or to match answers to requests when it finishes a run.

A request row is what :mod:`sqlfix.models.replay` answers (``model``, ``key``, ``messages``,
``n``, ``temperature``, ``max_tokens``) plus ``meta``: the recipe and what the next step needs
(source, dialect, schema id, the sampled SQL and its shape...). Schema prompts are not repeated
in every row: ``plan`` maps each source to its ``schema_prompt`` and ``dialect``.

Example:
    >>> plan = {"sources": {"s/duckdb": {"dialect": "duckdb", "schema_prompt": "CREATE TABLE t (x INT)"}},
    ...         "k": 4, "ask_temperature": 0.7, "ask_max_tokens": 256}
    >>> row = question_request("m", plan, "s/duckdb", "SELECT x FROM t", voice="terse", meta={"shape": "select"})
    >>> [r["meta"]["question"] for r in round2_requests(plan, [row], {row["key"]: ['{"question": "All x?"}']})[0]]
    ['All x?']
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from datagen.llm.parse import json_items
from sqlfix.models.base import Message
from sqlfix.models.replay import request_key
from sqlfix.prompts import ask_messages

BACKTRANSLATE, PROPOSE, MISTAKE = "backtranslate", "propose", "mistake"
RECIPES = (BACKTRANSLATE, PROPOSE, MISTAKE)

VOICES = {
    "terse": "Write it tersely, the way a busy analyst types into a search box (at most 15 words).",
    "business": "Use business wording, as a manager would ask it: say what the numbers mean, not the column names.",
    "explicit": "Spell out every detail the answer depends on: the filters, the grouping, which columns to show, "
                "the order of the rows, how ties are broken and how many rows to show.",
}
ORDER_NOTE = " The query orders its rows: say in the question how the rows are ordered, how ties are broken, and how many to show."

SYSTEM_QUESTION = ("You write the question an analyst would ask to get exactly the result of a given SQL query. The "
                   "question asks for the same rows and columns (same filters, grouping, order and limit) in plain "
                   "English, without SQL words or table aliases. Reply with JSON only: {\"question\": \"...\"}.")
SYSTEM_PROPOSE = ("You propose realistic questions that analysts ask about a database. Each question can be answered "
                  "by one SQL query on the schema. Reply with JSON only: a list of strings.")
SYSTEM_MISTAKE = ("You reproduce the mistakes people really make when typing SQL by hand. Given a correct query, you "
                  "write the query as a person might have typed it with one mistake. Reply with JSON only.")
PROPOSE_FOCUS = ("joins over two or three tables", "GROUP BY with HAVING", "window functions (ranks, running totals)",
                 "CTEs", "nested subqueries", "monthly or yearly trends", "ratios and percentages",
                 "top-N lists with a tie rule", "missing (NULL) values", "distinct values", "CASE buckets",
                 "filters on specific values from the samples")
QUESTIONS_PER_PROPOSAL = 5
_SQL_IN_TEXT = re.compile(r"\bSELECT\b[\s\S]*\bFROM\b", re.I)
_PROMPT_ECHO = re.compile(r"^(Dialect|Schema|SQL|Voice|Question)\s*:|CREATE TABLE", re.I | re.M)


def _row(model: str, messages: list[Message], n: int, temperature: float, max_tokens: int, meta: dict[str, Any]
         ) -> dict[str, Any]:
    return {"model": model, "key": request_key(messages, n, temperature, max_tokens),
            "messages": [[m.role, m.content] for m in messages], "n": n, "temperature": temperature,
            "max_tokens": max_tokens, "meta": meta}


def question_request(model: str, plan: dict[str, Any], source: str, sql: str, *, voice: str,
                     meta: dict[str, Any], temperature: float = 0.7) -> dict[str, Any]:
    """Round 1, back-translation: ask for the question ``sql`` answers, in ``voice`` (a key of
    :data:`VOICES`); an ordering query is also asked to state its order, ties and limit."""
    info = plan["sources"][source]
    ordered = bool(meta.get("ordered"))
    user = (f"Dialect: {info['dialect']}\n\nSchema:\n{info['schema_prompt']}\n\nSQL:\n{sql}\n\n"
            f"Voice: {VOICES[voice]}{ORDER_NOTE if ordered else ''}")
    messages = [Message("system", SYSTEM_QUESTION), Message("user", user)]
    return _row(model, messages, 1, temperature, 160,
                {**meta, "recipe": BACKTRANSLATE, "source": source, "sql": sql, "voice": voice})


def propose_request(model: str, plan: dict[str, Any], source: str, focus: str, *, number: int,
                    temperature: float = 0.9) -> dict[str, Any]:
    """Round 1, teacher questions: ask for :data:`QUESTIONS_PER_PROPOSAL` questions about the
    schema (its sample values shown), favouring ``focus``; ``number`` tells identical asks apart."""
    info = plan["sources"][source]
    user = (f"Dialect: {info['dialect']}\n\nSchema:\n{info['schema_prompt']}\n\n"
            f"Write {QUESTIONS_PER_PROPOSAL} different questions about this data (set {number}), favouring {focus}. "
            f"Each must be answerable by one SQL query on this schema and return at most a few dozen rows. Use "
            f"concrete values from the samples when a filter needs one. When the answer is a ranked list, say how many "
            f"rows to show and how ties are broken. Reply with a JSON list of strings.")
    messages = [Message("system", SYSTEM_PROPOSE), Message("user", user)]
    return _row(model, messages, 1, temperature, 512, {"recipe": PROPOSE, "source": source, "focus": focus,
                                                       "number": number})


def mistake_request(model: str, plan: dict[str, Any], source: str, sql: str, mistake: str, *,
                    meta: dict[str, Any], temperature: float = 0.7) -> dict[str, Any]:
    """Round 1, teacher mistakes: ask for ``sql`` typed with one ``mistake`` (a description
    from :data:`datagen.llm.generator.MISTAKES`) and a one-sentence explanation; ``sql`` is the fix."""
    info = plan["sources"][source]
    user = (f"Dialect: {info['dialect']}\n\nSchema:\n{info['schema_prompt']}\n\nCorrect query:\n{sql}\n\n"
            f"Write this query as a person might have typed it with ONE realistic mistake: {mistake}. Change only "
            f"what the mistake needs and keep everything else (formatting, casing) as in the correct query, so that "
            f"the correct query is its fix. Reply with JSON: {{\"broken_sql\": \"...\", \"explanation\": \"one "
            f"sentence saying what is wrong in the broken query and how to fix it\"}}.")
    messages = [Message("system", SYSTEM_MISTAKE), Message("user", user)]
    return _row(model, messages, 1, temperature, 400, {**meta, "recipe": MISTAKE, "source": source, "sql": sql,
                                                       "mistake": mistake})


def ask_request(model: str, plan: dict[str, Any], source: str, question: str, meta: dict[str, Any]) -> dict[str, Any]:
    """Round 2: ``k`` samples of SQL for ``question``, with exactly the prompt ``sqlfix ask`` sends."""
    info = plan["sources"][source]
    messages = ask_messages(info["schema_prompt"], question, info["dialect"])
    return _row(model, messages, int(plan["k"]), float(plan["ask_temperature"]), int(plan["ask_max_tokens"]),
                {**meta, "source": source, "question": question})


def round2_requests(plan: dict[str, Any], round1: list[dict[str, Any]], texts: dict[str, list[str]],
                    model: str | None = None) -> tuple[list[dict[str, Any]], Counter]:
    """The round-2 requests built from round 1's answers (``texts``: request key -> completions).

    Back-translations give one question each, proposals several; every readable question gets
    one :func:`ask_request` (the same question asked twice of one source is asked once). Returns
    the rows, in round-1 order, and the count of round-1 outcomes by ``<recipe>:<reason>``
    (``ok``, ``unanswered``, and why an answer gave no question: ``empty``, ``not_json``,
    ``truncated``, ``sql_not_question``, ``repeats_prompt``...).
    """
    rows: list[dict[str, Any]] = []
    outcomes: Counter = Counter()
    seen: set[tuple[str, str]] = set()
    for request in round1:
        meta = request["meta"]
        recipe = meta["recipe"]
        if recipe == MISTAKE:
            continue
        answer = texts.get(request["key"])
        if answer is None:
            outcomes[f"{recipe}:unanswered"] += 1
            continue
        if recipe == BACKTRANSLATE:
            question, reason = read_question(answer[0] if answer else "")
            found = [question] if question else []
            if reason:
                outcomes[f"{recipe}:{reason}"] += 1
        else:
            found, reasons = read_questions(answer[0] if answer else "")
            outcomes.update(f"{recipe}:{r}" for r in reasons)
        for question in found:
            unit = (meta["source"], question.strip().lower())
            if unit in seen:
                outcomes[f"{recipe}:duplicate_question"] += 1
                continue
            seen.add(unit)
            outcomes[f"{recipe}:ok"] += 1
            keep = {k: v for k, v in meta.items() if k not in ("source", "question")}
            rows.append(ask_request(model or request["model"], plan, meta["source"], question,
                                    {**keep, "parent": request["key"]}))
    return rows, outcomes


def read_question(text: str) -> tuple[str | None, str | None]:
    """The question in a back-translation answer, or None and why there is none.

    Accepts ``{"question": ...}`` (fenced, with prose around it) or a bare one-line question.
    """
    text = (text or "").strip()
    if not text:
        return None, "empty"
    items = json_items(text)
    if items:
        value = items[0].get("question")
        if not isinstance(value, str) or not value.strip():
            return None, "no_question_field"
        return check_question(value)
    if "{" in text or text.startswith("["):
        return None, "truncated" if text.count("{") > text.count("}") or text.count('"') % 2 else "not_json"
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        return None, "not_json"
    return check_question(lines[0])


def read_questions(text: str) -> tuple[list[str], list[str]]:
    """The questions of a proposal answer (a JSON list of strings, or of ``{"question": ...}``
    objects, or numbered lines ending in ``?``), and the reasons the others were dropped."""
    text = (text or "").strip()
    if not text:
        return [], ["empty"]
    values: list[Any] | None = None
    for chunk in re.findall(r"```(?:json|JSON)?\s*\n?(.*?)```", text, re.S) + [text]:
        try:
            data = json.loads(chunk.strip())
        except ValueError:
            continue
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), [data])
        if isinstance(data, list):
            values = data
            break
    if values is None:
        lines = [re.sub(r"^\s*(?:\d+[.)]|[-*])\s*", "", line).strip().strip('",') for line in text.splitlines()]
        values = [line for line in lines if line.endswith("?")]
        if not values:
            return [], ["truncated" if text.count("[") > text.count("]") else "not_json"]
    found, reasons = [], []
    for value in values:
        if isinstance(value, dict):
            value = value.get("question")
        if not isinstance(value, str):
            reasons.append("not_a_string")
            continue
        question, reason = check_question(value)
        if question:
            found.append(question)
        else:
            reasons.append(reason or "unreadable")
    return found, reasons


def check_question(text: str) -> tuple[str | None, str | None]:
    """``text`` as a question, or None and why it is not one (empty, SQL, an echo of the prompt, too long)."""
    question = " ".join(text.split()).strip().strip('"')
    if len(question) < 8:
        return None, "empty"
    if _SQL_IN_TEXT.search(question):
        return None, "sql_not_question"
    if _PROMPT_ECHO.search(text):
        return None, "repeats_prompt"
    if len(question) > 400:
        return None, "too_long"
    return question, None


def answer_texts(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """``{key: texts}`` of answer rows (:mod:`sqlfix.models.replay`'s layout); the first answer of a key wins."""
    texts: dict[str, list[str]] = {}
    for row in rows:
        texts.setdefault(row["key"], list(row.get("texts") or []))
    return texts
