"""The charts of a report (matplotlib, written as PNG): accuracy per category, calibration."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from eval.metrics import Summary  # noqa: E402


def plot_accuracy(summaries: list[Summary], path: Path) -> Path:
    """Draw one panel per task with a bar per system for every category; return ``path``."""
    tasks = sorted({s.task for s in summaries}) or ["none"]
    most = max((len(s.per_category) for s in summaries), default=1)
    systems = len({s.system for s in summaries}) or 1
    width_in = min(40.0, max(9.0, most * (0.25 + 0.12 * systems)))
    figure, axes = plt.subplots(len(tasks), 1, figsize=(width_in, 4.0 * len(tasks)), squeeze=False)
    for axis, task in zip(axes[:, 0], tasks):
        rows = [s for s in summaries if s.task == task]
        categories = sorted({c for s in rows for c in s.per_category})
        positions = np.arange(len(categories))
        width = 0.8 / max(len(rows), 1)
        for number, summary in enumerate(rows):
            values = [summary.per_category[c].value if c in summary.per_category else 0.0 for c in categories]
            axis.bar(positions + number * width, values, width, label=f"{summary.system} ({summary.accuracy.value:.0%})")
        axis.set_xticks(positions + width * (len(rows) - 1) / 2, categories, rotation=30, ha="right", fontsize=8)
        axis.set_ylim(0, 1.05)
        axis.set_ylabel("accuracy (exact)")
        axis.set_title(f"{task}: accuracy per category")
        if rows:
            axis.legend(fontsize=8, loc="upper right")
        axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_calibration(summaries: list[Summary], path: Path) -> Path:
    """Draw a reliability diagram: share correct per confidence bucket for every system that
    reports a confidence (marker size grows with the bucket's answers); return ``path``."""
    figure, axis = plt.subplots(figsize=(6.5, 5.0))
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
    for summary in summaries:
        filled = [b for b in summary.calibration if b.correct.total]
        if not filled:
            continue
        centres = [(b.low + b.high) / 2 for b in filled]
        shares = [b.correct.value for b in filled]
        sizes = [20 + 4 * b.correct.total for b in filled]
        line = axis.plot(centres, shares, marker="", label=f"{summary.system} ({summary.task})")[0]
        axis.scatter(centres, shares, s=sizes, color=line.get_color(), zorder=3)
        for centre, share, bucket in zip(centres, shares, filled):
            axis.annotate(str(bucket.correct.total), (centre, share), textcoords="offset points", xytext=(6, -10), fontsize=7)
    axis.axvline(0.8, color="#a00", linewidth=0.8, linestyle=":")
    axis.set_xlim(0, 1.02)
    axis.set_ylim(0, 1.05)
    axis.set_xlabel("confidence (bucket centre; numbers: answers in the bucket)")
    axis.set_ylabel("share correct")
    axis.set_title("calibration")
    axis.legend(fontsize=8, loc="upper left")
    axis.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
