"""Pull JSON objects out of a model's answer, whatever it wrapped them in.

Models answer with fenced blocks, prose around the JSON, trailing commas, or a truncated last
object. ``json_items`` tries the strict readings first and falls back to scanning for balanced
``{...}`` objects, so one broken item never loses the others.

Example:
    >>> json_items('Sure!\\n```json\\n[{"question": "q1", "sql": "SELECT 1"},]\\n```')
    [{'question': 'q1', 'sql': 'SELECT 1'}]
    >>> json_items('{"question": "a", "sql": "SELECT 1"} junk {"question": "b", "sql": "SELE')
    [{'question': 'a', 'sql': 'SELECT 1'}]
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def json_items(text: str) -> list[dict[str, Any]]:
    """Every JSON object in ``text`` (top-level objects, or the objects of a top-level list)."""
    for chunk in [m.group(1) for m in _FENCE.finditer(text)] + [text]:
        found = _loads(chunk.strip())
        if found is not None:
            return found
    return _scan_objects(text)


def string_fields(item: dict[str, Any], *names: str) -> dict[str, str] | None:
    """``item``'s fields ``names`` as stripped strings, or None when one is missing or empty."""
    values = {}
    for name in names:
        value = item.get(name)
        if not isinstance(value, str) or not value.strip():
            return None
        values[name] = value.strip()
    return values


def _loads(text: str) -> list[dict[str, Any]] | None:
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            nested = next((v for v in data.values() if isinstance(v, list)), None)
            return [d for d in nested if isinstance(d, dict)] if nested is not None and len(data) == 1 else [data]
        if isinstance(data, list):
            return [d for d in data if isinstance(d, dict)]
    return None


def _scan_objects(text: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    depth, start, in_string, escaped = 0, -1, False, False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"' and depth > 0:
            in_string = True
        elif char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                found = _loads(text[start : index + 1])
                if found:
                    items.extend(found)
    return items
