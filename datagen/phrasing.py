"""English words for schema things: entity names, column phrases, filters, aggregates.

Every function takes the RNG and picks one of several phrasings, so that one SQL shape gets
many different questions. Column phrases come from the column name or from the head of its
description ("Current list price in USD" -> "current list price").
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from datagen.profile import ColumnProfile, TableProfile

_TIME_VERBS = {"created": "creation", "updated": "update", "shipped": "shipping", "started": "start",
               "ended": "end", "viewed": "view", "deleted": "deletion", "hired": "hire", "departed": "departure",
               "arrived": "arrival", "booked": "booking", "scheduled": "scheduled", "paid": "payment",
               "closed": "closing", "opened": "opening", "signed": "signing"}
_IRREGULAR = {"people": "person", "children": "child", "aircraft": "aircraft", "staff": "staff",
              "salary_history": "salary record", "status": "status", "series": "series", "analysis": "analysis"}
_DESCRIPTION_STOP = re.compile(r"[;:(,]| - | in the | when | of the order| once ")
_BAD_DESCRIPTION_START = ("true", "false", "null", "one ", "every ", "if ", "the ", "position", "when", "iso", "first",
                          "last", "self")

AGG_WORDS = {
    "AVG": ("average", "mean", "average"),
    "SUM": ("total", "sum of the", "combined"),
    "MIN": ("lowest", "smallest", "minimum"),
    "MAX": ("highest", "largest", "maximum"),
}


def humanize(name: str) -> str:
    """``signup_date`` -> ``signup date``; ``created_at`` -> ``creation time``; ``isActive`` -> ``is active``."""
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()
    parts = [p for p in name.split("_") if p]
    if len(parts) >= 2 and parts[-1] == "at":
        verb = " ".join(parts[:-1])
        return f"{_TIME_VERBS.get(verb, verb)} time"
    if parts and parts[-1] == "ms":
        return " ".join(parts[:-1]) + " in milliseconds"
    if parts and parts[0] == "is":
        parts = parts[1:]
    if parts and parts[-1] == "no":
        parts[-1] = "number"
    return " ".join(parts)


def singular(table: str) -> str:
    """``order_items`` -> ``order item``; ``categories`` -> ``category``."""
    if table.lower() in _IRREGULAR:
        return _IRREGULAR[table.lower()]
    words = humanize(table).split()
    last = words[-1]
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith(("sses", "xes", "ches", "shes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return " ".join(words[:-1] + [last])


def plural(table: str) -> str:
    """``order_items`` -> ``order items``; ``salary_history`` -> ``salary records``."""
    one = singular(table)
    if one in ("aircraft", "staff", "series"):
        return one
    if one.endswith("y") and not one.endswith(("ay", "ey", "oy")):
        return one[:-1] + "ies"
    if one.endswith(("s", "x", "ch", "sh")):
        return one + "es"
    if one.endswith("person"):
        return one[:-6] + "people"
    return one + "s"


def column_phrase(col: ColumnProfile, rng: random.Random) -> str:
    """A noun phrase for ``col``: its humanized name, or sometimes its description's head."""
    head = description_head(col.description)
    if head and rng.random() < 0.35:
        return head
    return humanize(col.name)


def description_head(description: str | None) -> str | None:
    """The first noun phrase of a column description, when it reads like one."""
    if not description:
        return None
    if re.search(r"\w, \w.* or \w", description):
        return None  # an enumeration of values ("pending, paid or shipped"), not a name
    head = _DESCRIPTION_STOP.split(description, maxsplit=1)[0].strip().rstrip(".")
    words = head.split()
    if not 1 <= len(words) <= 5 or head.lower().startswith(_BAD_DESCRIPTION_START) or any(c.isdigit() for c in head):
        return None
    return head[0].lower() + head[1:] if not head[:2].isupper() else head


def render_value(value: Any) -> str:
    """A value as it reads in a question (dates long-hand, strings quoted sometimes)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value:%B} {value.day}, {value.year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def quoted(value: str, rng: random.Random) -> str:
    """A string value, quoted in one of the ways people quote it."""
    return rng.choice((f"'{value}'", f'"{value}"', value, f"'{value}'"))


def pick(rng: random.Random, *options: str) -> str:
    """One of ``options``."""
    return rng.choice(options)


def agg_word(func: str, rng: random.Random) -> str:
    """``AVG`` -> ``average`` / ``mean``..."""
    return rng.choice(AGG_WORDS[func])


def entity(table: TableProfile, rng: random.Random, *, many: bool = True) -> str:
    """The table's rows as a noun: ``orders`` / ``order``, sometimes ``order records``."""
    if many:
        return plural(table.name) if rng.random() < 0.9 else f"{singular(table.name)} records"
    return singular(table.name)


def boolean_phrase(col: ColumnProfile, truth: bool, rng: random.Random) -> str:
    """``is_active = TRUE`` -> ``that are active``; ``in_stock = FALSE`` -> ``not in stock``."""
    word = humanize(col.name)
    if truth:
        return pick(rng, f"that are {word}", f"which are {word}", f"where {word} is true", f"flagged as {word}")
    return pick(rng, f"that are not {word}", f"which are not {word}", f"where {word} is false")


def sentence(text: str) -> str:
    """Capitalise, collapse spaces and fix the final punctuation."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([?.,])", r"\1", text)
    return text[0].upper() + text[1:] if text else text
