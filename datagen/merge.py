"""``sqlfix datagen merge``: one training folder from several datagen runs, mixed by weight.

``sqlfix train`` reads one folder; mixing offline and teacher data is done here:

    sqlfix datagen merge --data data/demo --data runs/teacher1:2 --out data/mix
    sqlfix datagen merge --data data/demo:text2sql=0.7,repair=0.14 --out data/offline-only

Each ``DIR[:WEIGHT]`` contributes its rows (every split) with a weight: below 1 a seeded sample
of that share, 1 all of them, above 1 all of them and, in the training split, the whole part
repeated (2 = each training row twice; 1.5 = once, plus a seeded half again). The weight may be
given per task instead (``DIR:text2sql=W,repair=W``; a task not named keeps weight 1), e.g. to
match another mix's share of each task in an ablation. Rows are pooled,
duplicates (same ``id``) kept once, splits assigned anew by the correct SQL (so no SQL is in two
splits, whichever run it came from), and every row whose SQL (a pair's, a triple's fixed or
broken query) matches a golden query is dropped (:func:`datagen.golden.leak_key`, the same test
as ``golden/tools/leakage.py``); the manifest records counts per source, the drops and
``golden_leaks`` (0 after the drop, checked again on the rows written).
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections import Counter
from pathlib import Path
from typing import Any

from datagen.config import DatagenConfig
from datagen.golden import golden_queries, leak_key
from datagen.output import TASKS, write_splits
from datagen.splits import SPLITS, assign_split
from sqlfix.errors import InputFormatError
from sqlfix.jsonl import read_jsonl


def parse_source(text: str) -> tuple[Path, dict[str, float]]:
    """``DIR[:WEIGHT]`` or ``DIR:TASK=WEIGHT,...`` as a folder and a weight per task (default 1);
    a bad weight or task is an error naming it."""
    folder, _, spec = text.rpartition(":") if ":" in text and not Path(text).exists() else (text, "", "1")
    weights = dict.fromkeys(TASKS, 1.0)
    for part in (spec or "1").split(","):
        task, _, weight = part.rpartition("=")
        if task and task not in TASKS:
            raise InputFormatError(f"--data {text}: unknown task {task!r} (use {' or '.join(TASKS)})")
        try:
            value = float(weight)
        except ValueError:
            raise InputFormatError(f"--data {text}: the weight after ':' must be a number or TASK=NUMBER") from None
        if value <= 0:
            raise InputFormatError(f"--data {text}: the weight must be above 0")
        weights.update({task: value} if task else dict.fromkeys(TASKS, value))
    path = Path(folder)
    if not path.is_dir():
        raise InputFormatError(f"--data {text}: {path} is not a folder")
    return path, weights


def read_run(folder: Path) -> list[dict[str, Any]]:
    """Every row of a datagen run folder (all splits, both tasks, plain or gzipped)."""
    rows = []
    for split in SPLITS:
        for task in TASKS:
            for suffix in (".jsonl", ".jsonl.gz"):
                path = folder / split / f"{task}{suffix}"
                if path.is_file():
                    rows += [row for _, row in read_jsonl(path)]
    if not rows:
        raise InputFormatError(f"{folder} holds no split files (train/text2sql.jsonl...): not a datagen run")
    return rows


def merge_runs(sources: list[tuple[Path, dict[str, float]]], out: Path, *, seed: int = 0, golden_dir: str = "golden"
               ) -> dict[str, Any]:
    """Mix ``sources`` (folder, weight per task) into ``out``; return the manifest written there."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # odd broken SQL makes it warn while normalising
    config = DatagenConfig(out_dir=str(out), gzip=True, seed=seed, golden_dir=golden_dir, progress=False)
    golden = golden_queries(golden_dir)
    pooled: list[tuple[dict[str, Any], float]] = []
    seen: set[str] = set()
    dropped: Counter = Counter()
    per_source: dict[str, dict[str, Any]] = {}
    for folder, weights in sources:
        rows = read_run(folder)
        read = len(rows)
        rows = _sample(rows, weights, random.Random(f"{seed}:merge:{folder}"))
        taken = 0
        for row in rows:
            if row.get("id") in seen:
                dropped["duplicate_id"] += 1
                continue
            seen.add(row.get("id"))
            if _leaks(row, golden):
                dropped["golden_leakage"] += 1
                continue
            pooled.append((row, weights[row["task"]]))
            taken += 1
        weight = weights["text2sql"] if len(set(weights.values())) == 1 else weights
        per_source[str(folder)] = {"weight": weight, "rows_read": read, "rows_taken": taken}
    rows_out: list[dict[str, Any]] = []
    for row, weight in pooled:
        split = assign_split(row, seed=seed, fractions=tuple(config.split_fractions))
        copies = 1
        if split == "train" and weight > 1:
            rng = random.Random(f"{seed}:copies:{row.get('id')}")
            copies = math.floor(weight) + (rng.random() < weight - math.floor(weight))
        rows_out += [dict(row) for _ in range(copies)]
    counts = write_splits(rows_out, config)
    leaks = sum(_leaks(row, golden) for row in rows_out)
    manifest = {"merged_from": per_source, "dropped": dict(dropped), "golden_leaks": leaks, "splits": counts,
                "totals": dict(Counter(r["task"] for r in rows_out)), "seed": seed,
                "by_generator": dict(Counter(f"{r['task']}/{r.get('generator')}" for r in rows_out))}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _sample(rows: list[dict[str, Any]], weights: dict[str, float], rng: random.Random) -> list[dict[str, Any]]:
    """A seeded sample of each task's rows at its weight below 1 (all of them at 1 and above)."""
    if all(weight >= 1 for weight in weights.values()):
        return rows
    if len(set(weights.values())) == 1:  # one weight: the sample earlier mixes were drawn with
        return rng.sample(rows, round(len(rows) * weights["text2sql"]))
    kept = []
    for task in TASKS:
        of_task = [row for row in rows if row["task"] == task]
        kept += rng.sample(of_task, round(len(of_task) * weights[task])) if weights[task] < 1 else of_task
    return kept


def _leaks(row: dict[str, Any], golden: set[str]) -> bool:
    dialect = row.get("dialect") or "duckdb"
    fields = ("sql",) if row.get("task") == "text2sql" else ("fixed_sql", "broken_sql")
    return any(isinstance(row.get(f), str) and leak_key(row[f], dialect) in golden for f in fields)
