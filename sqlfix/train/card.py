"""The model card (README.md) and loss plot written next to a trained adapter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlfix.train.config import TrainConfig


def write_model_card(adapter_dir: Path, config: TrainConfig, metrics: dict[str, Any]) -> Path:
    """Write ``README.md`` in ``adapter_dir``: base model, data, settings, metrics and usage."""
    manifest = _manifest_summary(config.data_dir)
    shown = {k: v for k, v in metrics.items() if k != "log_history"}
    where = _relative(adapter_dir)
    spec = _model_spec(config.base, adapter_dir, where)
    settings = {**config.to_dict(), "data_dir": str(_relative(config.data_dir)), "output_dir": str(where)}
    lines = [
        f"# {adapter_dir.name}",
        "",
        f"LoRA adapter for `{config.base}` trained by `sqlfix train` (TRL SFTTrainer + PEFT) to repair",
        "failing SQL (full query or compact edit output) and to write SQL from questions.",
        "",
        "## Use",
        "",
        "```",
        f"sqlfix fix --model {spec} ...",
        "```",
        "",
        "```python",
        "from sqlfix.models import load_model",
        f'model = load_model("{spec}")',
        "```",
        "",
        "## Data",
        "",
        f"- dataset: `{settings['data_dir']}`" + (f" ({manifest})" if manifest else ""),
        f"- training examples: {metrics.get('train_examples')} ({_kinds(metrics.get('train_examples_by_kind', {}))})",
        f"- validation examples: {metrics.get('validation_examples')}",
        "- prompts: `sqlfix.prompts.repair_messages` with the focus of the broken query",
        "  (`sqlfix.schema.focus.focus_schema`, as `sqlfix fix` shows it) and `ask_messages` with the whole",
        "  `Schema.to_prompt()`",
        "",
        "## Settings",
        "",
        "```json",
        json.dumps(settings, indent=2),
        "```",
        "",
        "## Metrics",
        "",
        "| metric | value |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in shown.items() if not isinstance(value, dict)],
        "",
        "![loss](loss.png)",
        "",
    ]
    card = adapter_dir / "README.md"
    card.write_text("\n".join(lines))
    return card


def write_loss_plot(log_history: list[dict[str, Any]], target: Path) -> Path:
    """Plot training and validation loss against the step into ``target`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5))
    for key, label in (("loss", "train"), ("eval_loss", "validation")):
        points = [(entry["step"], entry[key]) for entry in log_history if key in entry]
        if points:
            axes.plot(*zip(*points), marker="o" if key == "eval_loss" else None, label=label)
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("loss (completion tokens)")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(target, dpi=90)
    plt.close(figure)
    return target


def _relative(path: Path) -> Path:
    """``path`` relative to the working directory when inside it (cards travel between hosts)."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return Path(path)


def _model_spec(base: str, adapter_dir: Path, where: Path) -> str:
    """The ``--model`` spec of the adapter: its shipped name when it is the one shipped for ``base``."""
    from sqlfix.models.specs import SHIPPED_SUFFIX, bundled_adapter_dir

    shipped = bundled_adapter_dir(base + SHIPPED_SUFFIX)
    return base + SHIPPED_SUFFIX if adapter_dir.resolve() == shipped.resolve() else f"{base}+{where}"


def _manifest_summary(data_dir: Path) -> str:
    manifest = data_dir / "manifest.json"
    if not manifest.is_file():
        return ""
    try:
        data = json.loads(manifest.read_text())
    except json.JSONDecodeError:
        return ""
    counts = data.get("counts") or data.get("splits")
    return f"manifest counts: {json.dumps(counts)}" if counts else ""


def _kinds(kinds: dict[str, int]) -> str:
    return ", ".join(f"{kind}: {count}" for kind, count in sorted(kinds.items()))
