"""Train/validation/test assignment with no SQL shared across splits.

Rows are grouped by their correct SQL (``normalize_sql`` of ``sql`` / ``fixed_sql``), and a
group's split is a seeded hash of the group key, so a pair and every triple built from it land
together, and reruns give the same assignment.
"""

from __future__ import annotations

import hashlib
from typing import Any

from datagen.canonical import cached_normalize

SPLITS = ("train", "validation", "test")


def group_key(row: dict[str, Any]) -> str:
    """The row's group: schema, dialect and its correct SQL, normalised."""
    correct = row["sql"] if row["task"] == "text2sql" else row["fixed_sql"]
    return f"{row['schema_id']}|{row['dialect']}|{cached_normalize(correct, row['dialect'])}"


def assign_split(row: dict[str, Any], *, seed: int, fractions: tuple[float, float, float], split_by: str = "question",
                 holdout: dict[str, str] | None = None) -> str:
    """Return the split of ``row``.

    ``split_by="schema"`` sends every row of a schema listed in ``holdout`` to that split (others
    to train); ``"question"`` hashes the row's group into the fractions.
    """
    if split_by == "schema":
        return (holdout or {}).get(row["schema_id"], "train")
    digest = hashlib.sha256(f"{seed}|{group_key(row)}".encode("utf-8")).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    train, validation, _ = fractions
    if point < train:
        return "train"
    return "validation" if point < train + validation else "test"
