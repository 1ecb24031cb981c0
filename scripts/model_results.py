"""The model comparison of the README (issue #6): every base model size, prompted and fine-tuned,
alone and inside the pipeline, on the golden set, plus the 135M learning curve.

The models run on a GPU host, the evaluation here (see ``sqlfix.models.replay``):

    .venv/bin/python scripts/model_results.py record --icl-data DATA   # -> runs/results/requests.jsonl.gz
    (GPU host) scripts/gpu/answer_remote.py answers them                 # -> runs/results/answers-*.jsonl.gz
    .venv/bin/python scripts/model_results.py report --icl-data DATA   # -> runs/results/report + table.md

``DATA`` is the datagen run the adapters were trained on (the 5 in-context examples come from
its train split).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.config import EvalConfig  # noqa: E402
from eval.report import write_report  # noqa: E402
from eval.runner import run_evaluation  # noqa: E402

BASES = {"smollm2-135m": "135M", "qwen2.5-coder-0.5b": "0.5B", "qwen2.5-coder-1.5b": "1.5B"}
CURVE_BASE, CURVE_SIZES = "smollm2-135m", (250, 1000, 4000)
OUT = ROOT / "runs" / "results"


def adapter_of(base: str) -> str:
    """The repository path of the shipped adapter of ``base``."""
    return f"sqlfix/adapters/{base}-sqlfix"


def curve_adapter(base: str, size: int) -> str:
    """The path of the learning-curve adapter of ``base`` trained on ``size`` examples."""
    return f"runs/curve/{base}-{size}"


def systems(icl_data: str, bases: list[str]) -> list[tuple[str, str, str]]:
    """(spec, model size, row label) of every system compared."""
    rows = [("rules", "-", "rules only")]
    for base in bases:
        tuned = f"{base}+{adapter_of(base)}"
        rows += [
            (f"model:{base}", BASES[base], "base, zero-shot"),
            (f"icl:{base}@{icl_data}", BASES[base], "base, 5 retrieved examples"),
            (f"model:{tuned}", BASES[base], "fine-tuned, full output"),
            (f"model-edit:{tuned}", BASES[base], "fine-tuned, edit output"),
            (f"pipeline:{tuned}", BASES[base], "rules + fine-tuned, best-of-4 + ranker"),
        ]
    return rows


def curve_systems() -> list[tuple[str, int]]:
    """(spec, training examples) of the learning-curve systems (the 'all' point is the shipped adapter)."""
    return [(f"{kind}:{CURVE_BASE}+{curve_adapter(CURVE_BASE, size)}", size) for size in CURVE_SIZES for kind in ("model", "model-edit")]


def main() -> None:
    """record | report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("record", "report"))
    parser.add_argument("--icl-data", required=True, help="datagen run of the in-context examples")
    parser.add_argument("--bases", nargs="+", default=list(BASES), choices=list(BASES))
    parser.add_argument("--answers", nargs="*", type=Path, default=[], help="answers files (report)")
    parser.add_argument("--curve", action="store_true", help="include the learning-curve systems")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    specs = [spec for spec, _, _ in systems(args.icl_data, args.bases)]
    if args.curve:
        specs += [spec for spec, _ in curve_systems()]
    if args.action == "record":
        config = EvalConfig(systems=tuple(s for s in specs if s != "rules"), record=OUT / "requests.jsonl.gz", out=OUT / "record-report")
        run_evaluation(config)
        print(f"wrote {OUT / 'requests.jsonl.gz'}")
        return
    merged = OUT / "answers.jsonl.gz"
    with gzip.open(merged, "wt", encoding="utf-8") as out:
        for path in args.answers:
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                out.writelines(lines)
    run = run_evaluation(EvalConfig(systems=tuple(specs), replay=merged, out=OUT / "report"))
    summaries = write_report(run, OUT / "report")
    (OUT / "summaries.json").write_text(json.dumps([s.to_dict() if hasattr(s, "to_dict") else s.__dict__ for s in summaries], default=str, indent=1))
    print(f"report: {OUT / 'report'}")


if __name__ == "__main__":
    main()
