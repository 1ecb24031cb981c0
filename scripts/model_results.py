"""The model comparison of the README (issue #6): every base model size, prompted and fine-tuned,
alone and inside the pipeline, on the golden set, plus the 135M learning curve and the ablation
"fine-tuned on offline data only" (``--ablation BASE``: an adapter in ``runs/ablation/BASE-offline``).

The models run on a GPU host, the evaluation here (see ``sqlfix.models.replay``):

    .venv/bin/python scripts/model_results.py record --icl-data DATA --curve   # -> runs/results/requests.jsonl.gz
    (GPU host, scripts/gpu/, or here: scripts/answer_requests.py) answers them  # -> answers JSONL files
    .venv/bin/python scripts/model_results.py report --icl-data DATA --curve --answers FILE...
        # -> runs/results/report/ (eval report), table.md, learning_curve.png

``DATA`` is the datagen run the adapters were trained on (the 5 in-context examples come from
its train split).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlfix.errors import SqlfixError  # noqa: E402
from sqlfix.jsonl import read_jsonl  # noqa: E402
from sqlfix.models.replay import NO_ANSWER  # noqa: E402

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


def ablation_adapter(base: str) -> str:
    """The path of ``base``'s adapter trained on offline data only (the ablation of the teacher data)."""
    return f"runs/ablation/{base}-offline"


def systems(icl_data: str, bases: Sequence[str], ablation: Sequence[str] = ()) -> list[tuple[str, str, str]]:
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
    for base in ablation:
        offline = f"{base}+{ablation_adapter(base)}"
        rows += [(f"model:{offline}", BASES[base], "fine-tuned on offline data only, full output"),
                 (f"model-edit:{offline}", BASES[base], "fine-tuned on offline data only, edit output")]
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
    parser.add_argument("--ablation", nargs="*", default=[], choices=list(BASES),
                        help="include these bases' adapters trained on offline data only")
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the requests, report and table")
    parser.add_argument("--plot", type=Path, default=None, help="learning-curve plot (report; default OUT/learning_curve.png)")
    parser.add_argument("--limit", type=int, default=0, help="at most N cases per task (a quick check; 0: all)")
    args = parser.parse_args()
    out_dir = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = systems(args.icl_data, args.bases, args.ablation)
    curve = curve_systems() if args.curve else []
    specs = [spec for spec, _, _ in rows] + [spec for spec, _ in curve]
    if args.action == "record":
        config = EvalConfig(systems=tuple(s for s in specs if s != "rules"), record=out_dir / "requests.jsonl.gz",
                            out=out_dir / "record-report", limit=args.limit)
        run_evaluation(config)
        print(f"wrote {out_dir / 'requests.jsonl.gz'}")
        return
    answers = [row for path in args.answers for _, row in read_jsonl(path)]
    answered = {row["model"] for row in answers}
    skipped = [spec for spec in specs if spec != "rules" and model_of(spec) not in answered]
    if skipped:
        print(f"no answers for {len(skipped)} system(s), left out: {', '.join(skipped)}")
    rows = [row for row in rows if row[0] not in skipped]
    curve = [point for point in curve if point[0] not in skipped]
    specs = [spec for spec in specs if spec not in skipped]
    merged = out_dir / "answers.jsonl.gz"
    with gzip.open(merged, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in answers)
    run = run_evaluation(EvalConfig(systems=tuple(specs), replay=merged, out=out_dir / "report", limit=args.limit))
    summaries = {(s.system, s.task): s for s in write_report(run, out_dir / "report")}
    table = results_table(rows, summaries, generation_ms(answers), unanswered_cases(run.results))
    (out_dir / "table.md").write_text(table)
    print(table)
    if curve:
        print(plot_curve(curve, summaries, args.plot or out_dir / "learning_curve.png"))


def model_of(spec: str) -> str | None:
    """The model spec inside an eval system spec (``icl:BASE@DATA`` -> ``BASE``); None for rules."""
    return spec.split(":", 1)[1].split("@")[0] if ":" in spec else None


def generation_ms(answers: list[dict]) -> dict[str, float]:
    """Mean milliseconds per request of each model, as measured where it was answered (a batch's
    time shared among its requests)."""
    totals: dict[str, list[float]] = {}
    for row in answers:
        totals.setdefault(row["model"], []).append(float(row.get("ms") or 0.0))
    return {model: sum(values) / len(values) for model, values in totals.items()}


def unanswered_cases(results: list) -> dict[tuple[str, str], int]:
    """(system, task) -> cases that failed because a request of theirs has no recorded answer."""
    counts: dict[tuple[str, str], int] = {}
    for result in results:
        if NO_ANSWER in (result.detail or ""):
            counts[(result.system, result.task)] = counts.get((result.system, result.task), 0) + 1
    return counts


def results_table(rows: list[tuple[str, str, str]], summaries: dict, ms: dict[str, float],
                  unanswered: dict[tuple[str, str], int]) -> str:
    """The README's markdown table: repair rate, text-to-SQL accuracy (with the cases counted as
    failures for want of an answer, where there are any), generation time."""
    lines = ["| model | system | repair rate | text-to-SQL accuracy | generation ms per request, where answered |",
             "|---|---|---|---|---|"]
    for spec, size, label in rows:
        model = model_of(spec)
        cells = [size, label, *(_cell(summaries.get((spec, task)), unanswered.get((spec, task), 0)) for task in ("repair", "text2sql")),
                 f"{ms[model]:.0f}" if model in ms else "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(summary, unanswered: int) -> str:
    if summary is None:
        return "-"
    return f"{summary.accuracy} ({unanswered} unanswered)" if unanswered else str(summary.accuracy)


def plot_curve(curve: list[tuple[str, int]], summaries: dict, target: Path) -> str:
    """Plot accuracy against training examples seen, each once (the shipped adapter, stopped by its
    time limit inside its first epoch, is the last point); return a text table of the points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = json.loads((ROOT / adapter_of(CURVE_BASE) / "metrics.json").read_text())
    full_size = round(metrics["epochs_done"] * metrics["train_examples"])  # a time-capped run saw part of its pool
    tuned = f"{CURVE_BASE}+{adapter_of(CURVE_BASE)}"
    points = [*curve, (f"model:{tuned}", full_size), (f"model-edit:{tuned}", full_size)]
    series = {"repair, edit output": ("model-edit:", "repair"), "repair, full output": ("model:", "repair"),
              "text-to-SQL": ("model:", "text2sql")}
    figure, axes = plt.subplots(figsize=(6, 3.5))
    text = ["| training examples seen | " + " | ".join(series) + " |", "|---|" + "---|" * len(series)]
    by_size: dict[int, list[str]] = {}
    for label, (prefix, task) in series.items():
        xy = sorted((size, summaries[(spec, task)].accuracy.value) for spec, size in points
                    if spec.startswith(prefix) and (spec, task) in summaries)
        axes.plot(*zip(*xy), marker="o", label=label)
        for size, value in xy:
            by_size.setdefault(size, []).append(f"{value:.1%}")
    text += [f"| {size} | " + " | ".join(values) + " |" for size, values in sorted(by_size.items())]
    axes.set_xscale("log")
    axes.set_xlabel("training examples seen, each once (log scale)")
    axes.set_ylabel("golden-set accuracy")
    axes.set_title(f"{CURVE_BASE} + LoRA, model alone")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(target, dpi=100)
    plt.close(figure)
    return "\n".join(text) + f"\nplot: {target}\n"


if __name__ == "__main__":
    try:
        main()
    except SqlfixError as exc:  # bad input: one line naming it, no traceback
        sys.exit(f"error: {exc}")
