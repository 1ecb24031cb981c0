"""Generation latency of a chat model on fix prompts: ms per fix, p50 / p95.

Prompts are the golden repair cases (``golden/**/*.jsonl`` rows with ``broken_sql``) rendered
with ``sqlfix.prompts.repair_messages`` and the focus of the demo schema
(``sqlfix.schema.focus``), as ``sqlfix fix`` renders them.

    .venv/bin/python bench/bench_generate.py --model default --cases 20 --output edit
    .venv/bin/python bench/bench_generate.py --model smollm2-135m --device cuda --static-cache

The GPU run (scripts/gpu/train_remote.py) imports :func:`measure` and times the same way.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(model, prompts: list, *, max_tokens: int = 96, warmup: int = 2, n: int = 1,
            temperature: float = 0.0) -> dict:
    """Time ``model.generate`` (greedy n=1 by default; ``n`` samples at ``temperature`` in one
    batched call otherwise) on each prompt after ``warmup`` untimed calls; return p50/p95/mean
    ms per call and mean prompt/completion tokens (of the first answer)."""
    for messages in prompts[:warmup]:
        model.generate(messages, n=n, temperature=temperature, max_tokens=max_tokens)
    times, prompt_tokens, completion_tokens = [], [], []
    for messages in prompts:
        started = time.perf_counter()
        generation = max(model.generate(messages, n=n, temperature=temperature, max_tokens=max_tokens),
                         key=lambda g: g.completion_tokens)  # the call lasts as long as its longest answer
        times.append((time.perf_counter() - started) * 1000)
        prompt_tokens.append(generation.prompt_tokens)
        completion_tokens.append(generation.completion_tokens)
    times.sort()
    return {
        "calls": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        "mean_ms": round(statistics.fmean(times), 1),
        "mean_prompt_tokens": round(statistics.fmean(prompt_tokens), 1),
        "mean_completion_tokens": round(statistics.fmean(completion_tokens), 1),
        "ms_per_completion_token": round(sum(times) / max(1, sum(completion_tokens)), 2),
    }


def golden_prompts(limit: int, output: str) -> list:
    """Render up to ``limit`` golden repair cases as repair prompts (``output``: full or edit)."""
    from sqlfix.demo import demo_schema
    from sqlfix.prompts import repair_messages
    from sqlfix.schema.focus import focus_schema

    prompts, schemas = [], {}
    for path in sorted((ROOT / "golden").rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line) if line.strip() else {}
            if not row.get("broken_sql") or row.get("dialect") != "duckdb":
                continue
            schema = schemas.setdefault(row["schema"], demo_schema(row["schema"]))
            prompts.append(repair_messages(focus_schema(schema, row["broken_sql"]).to_prompt(), row["broken_sql"], row.get("error"), row["dialect"],
                                           question=row.get("question"), output=output))
            if len(prompts) >= limit:
                return prompts
    return prompts


def main() -> None:
    """Load the model, time it on golden prompts, print one JSON line of results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default", help="a load_model spec")
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--output", choices=("full", "edit"), default="edit")
    parser.add_argument("--device", default=None)
    parser.add_argument("--static-cache", action="store_true")
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    import torch

    from sqlfix.models import load_model

    started = time.perf_counter()
    model = load_model(args.model, device=args.device, static_cache=args.static_cache)
    load_s = time.perf_counter() - started
    result = measure(model, golden_prompts(args.cases, args.output), max_tokens=args.max_tokens)
    result.update(model=args.model, output=args.output, device=getattr(model, "device", "?"),
                  threads=torch.get_num_threads(), load_s=round(load_s, 1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
