"""Converting a shipped adapter to a quantized CPU model: the adapter merged in float32 (the
old path) against bfloat16 (now), each in a fresh process into a temporary folder.

Prints per merge dtype the wall time, the peak RSS of the converting process and of its
children (ONNX Runtime GenAI's builder runs in one), and then how many of the first ``--cases``
shop text-to-SQL golden questions the two quantized models answer with the same greedy SQL.

    .venv/bin/python bench/bench_convert.py                                       # the 135M, int4
    .venv/bin/python bench/bench_convert.py --model qwen2.5-coder-1.5b-sqlfix --cases 20
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

console = Console()


def convert_worker(spec: str, runtime: str, dtype: str, target: Path) -> dict:
    """Convert ``spec`` for ``runtime`` with the adapter merged in ``dtype`` into ``target``;
    return the wall time and peak RSS (this process, its children) in MB."""
    from sqlfix.models.loader import resolve_base
    from sqlfix.models.quantize import convert
    from sqlfix.models.specs import parse_model_spec

    parsed = parse_model_spec(spec)
    base = resolve_base(parsed.base or "")  # converted from GGUF before the clock starts
    started = time.perf_counter()
    convert(base, parsed.adapter_dir, target, runtime, merge_dtype=dtype)
    return {"seconds": round(time.perf_counter() - started, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "peak_child_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}


def answers(folder: Path, runtime: str, cases: int) -> list[str]:
    """Greedy SQL of the converted model in ``folder`` for the first ``cases`` shop questions."""
    from sqlfix.demo import demo_schema
    from sqlfix.models.quantize import _model_class
    from sqlfix.prompts import ask_messages, extract_sql

    schema = demo_schema("shop")
    rows = [json.loads(line) for line in (ROOT / "golden" / "text2sql" / "shop_duckdb.jsonl").read_text().splitlines() if line.strip()]
    model = _model_class(runtime)(folder, name="bench")
    return [extract_sql(model.generate(ask_messages(schema.to_prompt(), row["question"], "duckdb"), max_tokens=160)[0].text)
            for row in rows[:cases]]


def main() -> None:
    """Convert once per merge dtype, print the table and the agreement of the two models."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="default", help="a local model spec with an adapter")
    parser.add_argument("--runtime", default="ort", choices=("ort", "ct2"))
    parser.add_argument("--dtypes", default="float32,bfloat16", help="merge dtypes, the old path first")
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--worker", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(convert_worker(args.model, args.runtime, args.worker[0], Path(args.worker[1]))))
        return
    dtypes = args.dtypes.split(",")
    table = Table(title=f"converting {args.model} to {args.runtime}, adapter merged in each dtype")
    for column in ("merge dtype", "seconds", "peak RSS, converter", "peak RSS, its children"):
        table.add_column(column)
    with tempfile.TemporaryDirectory(prefix="sqlfix-bench-convert-") as scratch:
        results, said = {}, {}
        for dtype in dtypes:
            target = Path(scratch) / dtype
            done = subprocess.run([sys.executable, __file__, "--model", args.model, "--runtime", args.runtime,
                                   "--worker", dtype, str(target)], capture_output=True, text=True)
            if done.returncode != 0:
                console.print(f"[red]{dtype}: the conversion failed[/red]: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
                return
            results[dtype] = json.loads(done.stdout.strip().splitlines()[-1])
            said[dtype] = answers(target, args.runtime, args.cases)
            r = results[dtype]
            table.add_row(dtype, f"{r['seconds']:.1f}", f"{r['peak_rss_mb']:,} MB", f"{r['peak_child_rss_mb']:,} MB")
        console.print(table)
    old, new = dtypes[0], dtypes[-1]
    same = sum(a == b for a, b in zip(said[old], said[new]))
    peak = {d: max(r["peak_rss_mb"], r["peak_child_rss_mb"]) for d, r in results.items()}
    console.print(f"peak RSS {new} / {old}: {peak[new] / peak[old]:.2f}; the same greedy SQL on {same} of "
                  f"{len(said[old])} shop questions")


if __name__ == "__main__":
    main()
