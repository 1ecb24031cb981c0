"""Training throughput of a ``sqlfix train`` run: tokens per second and the fraction of the
GPU's bf16 dense peak it reaches, from the run's ``metrics.json``.

FLOPs are counted as 6 x parameters x tokens (the usual model-FLOPs convention; LoRA skips the
frozen weights' gradients, so about 4 x parameters x tokens is what actually runs, and that
fraction is printed too). Peak: 989 TFLOP/s for H100/H200 SXM bf16 dense (datasheet); the
workplace measured about 798 TFLOP/s for an 8192^3 bf16 matmul on its H100, printed as well.

    .venv/bin/python bench/bench_train.py sqlfix/adapters/smollm2-135m-sqlfix/metrics.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DATASHEET_BF16_TFLOPS = 989.0
MEASURED_MATMUL_TFLOPS = 798.0


def throughput(metrics: dict, peak_tflops: float = DATASHEET_BF16_TFLOPS) -> dict:
    """Return tokens/s, achieved TFLOP/s (6N and 4N counts) and their fractions of the peak of
    the GPUs used (``peak_tflops`` each; a data-parallel run reports ``processes``)."""
    tokens_per_s = metrics["tokens_seen"] / metrics["train_seconds"]
    params = metrics["total_parameters"] - metrics["trainable_parameters"]
    model_tflops = 6 * params * tokens_per_s / 1e12
    executed_tflops = 4 * params * tokens_per_s / 1e12
    gpus = metrics.get("processes", 1)
    peak_tflops *= gpus
    return {
        "device": metrics.get("device"),
        "gpus": gpus,
        "train_examples": metrics["train_examples"],
        "epochs_done": metrics.get("epochs_done"),
        "train_seconds": metrics["train_seconds"],
        "tokens_seen": metrics["tokens_seen"],
        "tokens_per_second": round(tokens_per_s),
        "examples_per_second": round(metrics["train_examples"] * (metrics.get("epochs_done") or 1) / metrics["train_seconds"], 1),
        "model_tflops_6n": round(model_tflops, 2),
        "mfu_6n_vs_datasheet": round(model_tflops / peak_tflops, 4),
        "mfu_6n_vs_measured_matmul": round(model_tflops / (MEASURED_MATMUL_TFLOPS * gpus), 4),
        "executed_fraction_4n_vs_datasheet": round(executed_tflops / peak_tflops, 4),
        "seconds_for_10k_examples_one_epoch": round(10_000 * metrics["train_seconds"] / (metrics["train_examples"] * (metrics.get("epochs_done") or 1)), 1),
    }


def main() -> None:
    """Print the throughput of each metrics.json given."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("metrics", nargs="+", type=Path)
    parser.add_argument("--peak-tflops", type=float, default=DATASHEET_BF16_TFLOPS)
    args = parser.parse_args()
    for path in args.metrics:
        print(json.dumps({"metrics": str(path), **throughput(json.loads(path.read_text()), args.peak_tflops)}))


if __name__ == "__main__":
    main()
