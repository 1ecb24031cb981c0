"""Final outputs of a run: the split JSONL files, ``manifest.json`` and ``report.md``."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

from datagen.config import DatagenConfig
from datagen.records import dumps
from datagen.splits import SPLITS, assign_split

TASKS = ("text2sql", "repair")


def write_splits(rows: list[dict[str, Any]], config: DatagenConfig) -> dict[str, dict[str, int]]:
    """Assign splits, write ``<split>/<task>.jsonl[.gz]``; return counts per split and task."""
    out = Path(config.out_dir)
    suffix = ".jsonl.gz" if config.gzip else ".jsonl"
    buckets: dict[tuple[str, str], list[str]] = {(s, t): [] for s in SPLITS for t in TASKS}
    for row in rows:
        split = assign_split(row, seed=config.seed, fractions=tuple(config.split_fractions), split_by=config.split_by,
                             holdout=config.holdout_schemas)
        row["split"] = split
        buckets[(split, row["task"])].append(dumps(row))
    counts: dict[str, dict[str, int]] = {s: {} for s in SPLITS}
    for (split, task), lines in buckets.items():
        folder = out / split
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"{task}.jsonl*"):
            stale.unlink()
        data = ("\n".join(lines) + "\n" if lines else "").encode("utf-8")
        path = folder / f"{task}{suffix}"
        # mtime=0 keeps gzip output byte-identical across reruns.
        path.write_bytes(gzip.compress(data, mtime=0) if config.gzip else data)
        counts[split][task] = len(lines)
    return counts


def build_manifest(rows: list[dict[str, Any]], config: DatagenConfig, stats: dict[str, Counter],
                   dropped: Counter, split_counts: dict[str, dict[str, int]], extra: dict[str, Any]) -> dict[str, Any]:
    """Counts per filter, error kind, operator, shape, generator, schema and split; seeds; config."""
    pairs = [r for r in rows if r["task"] == "text2sql"]
    triples = [r for r in rows if r["task"] == "repair"]
    return {
        "totals": {"text2sql": len(pairs), "repair": len(triples)},
        "splits": split_counts,
        "filters": dict(sorted(dropped.items())),
        "repair_by_error_kind": _count(triples, "error_kind"),
        "repair_by_operator": _count(triples, "operator"),
        "repair_by_generator": _count(triples, "generator"),
        "repair_by_schema": _count(triples, "schema_id", "dialect"),
        "text2sql_by_shape": _count(pairs, "shape"),
        "text2sql_by_generator": _count(pairs, "generator"),
        "text2sql_by_schema": _count(pairs, "schema_id", "dialect"),
        "repair_by_shape": _count(triples, "shape"),
        "operator_intended_vs_observed": dict(sorted(stats.get("kind_mismatch", Counter()).items())),
        "candidates": dict(stats.get("candidates", Counter())),
        "mutations_tried": dict(sorted(stats.get("mutations", Counter()).items())),
        "seed": config.seed,
        "config": config.to_dict(),
        **extra,
    }


def write_manifest(manifest: dict[str, Any], config: DatagenConfig) -> None:
    """Write ``manifest.json`` and ``report.md``."""
    out = Path(config.out_dir)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n",
                                       encoding="utf-8")
    (out / "report.md").write_text(render_report(manifest), encoding="utf-8")


def render_report(manifest: dict[str, Any]) -> str:
    """A short human-readable summary of a manifest."""
    totals = manifest["totals"]
    lines = [f"# datagen report ({manifest['config']['out_dir']})", "",
             f"- text-to-SQL pairs: **{totals['text2sql']}**", f"- repair triples: **{totals['repair']}**",
             f"- seed: {manifest['seed']}", ""]
    for title, key in (("Splits", "splits"), ("Repairs by error kind", "repair_by_error_kind"),
                       ("Repairs by operator", "repair_by_operator"), ("Pairs by shape", "text2sql_by_shape"),
                       ("Pairs by schema", "text2sql_by_schema"), ("Repairs by schema", "repair_by_schema"),
                       ("By generator (pairs)", "text2sql_by_generator"), ("By generator (repairs)", "repair_by_generator"),
                       ("Filtered out", "filters")):
        lines += [f"## {title}", "", "| key | count |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in manifest[key].items()]
        lines.append("")
    if manifest.get("llm"):
        lines += ["## LLM usage", "", "```", json.dumps(manifest["llm"], indent=2), "```", ""]
    if manifest.get("sources_skipped"):
        lines += ["## Input problems", ""] + [f"- {p}" for p in manifest["sources_skipped"]] + [""]
    return "\n".join(lines)


def _count(rows: list[dict[str, Any]], *keys: str) -> dict[str, int]:
    counter = Counter("/".join(str(r.get(k)) for k in keys) for r in rows)
    return dict(counter.most_common())
