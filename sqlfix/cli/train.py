"""``sqlfix train``: LoRA fine-tuning of a base model on a datagen dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from sqlfix.train.config import TrainConfig

console = Console()


def train(
    data: Path = typer.Argument(Path("data/demo"), help="datagen run folder (with train/ and validation/)."),
    base: str = typer.Option("smollm2-135m", help="base model: smollm2-135m, qwen2.5-coder-0.5b, qwen2.5-coder-1.5b or a folder."),
    out: Optional[Path] = typer.Option(None, help="adapter output folder (default runs/<base>-sqlfix)."),
    config: Optional[Path] = typer.Option(None, help="TOML file of TrainConfig settings; flags given here win."),
    epochs: Optional[float] = typer.Option(None, help="passes over the data (default 2)."),
    learning_rate: Optional[float] = typer.Option(None, "--lr", help="peak learning rate (default 2e-4)."),
    batch_size: Optional[int] = typer.Option(None, help="examples per device per step (default 16)."),
    max_length: Optional[int] = typer.Option(None, help="token cap per example (default 3072)."),
    max_examples: Optional[int] = typer.Option(None, help="use at most this many training examples (learning curves)."),
    formats: Optional[str] = typer.Option(None, help="repair output formats, comma-separated: full,edit (default both)."),
    text2sql: Optional[bool] = typer.Option(None, "--text2sql/--no-text2sql", help="also train question → SQL (default on)."),
    lora_r: Optional[int] = typer.Option(None, help="LoRA rank (default 16)."),
    eval_steps: Optional[int] = typer.Option(None, help="validate every this many steps (default 100)."),
    device: Optional[str] = typer.Option(None, help="cuda or cpu (default: cuda when available)."),
    merge: bool = typer.Option(False, "--merge", help="also write a merged full model to <out>/merged."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="stop after this many minutes, leaving a resume point in <out>/resume."),
    step_limit: Optional[int] = typer.Option(None, help="stop after this many optimizer steps, leaving a resume point."),
    resume: Optional[Path] = typer.Option(None, help="go on from a resume point an earlier run left (same data and settings)."),
) -> None:
    """Fine-tune a LoRA adapter (TRL SFTTrainer + PEFT) on a datagen dataset; writes the adapter,
    a model card, metrics.json and loss.png."""
    from sqlfix.train.runner import train as run_training

    flags = {
        "data_dir": data, "base": base, "output_dir": out, "epochs": epochs, "learning_rate": learning_rate,
        "batch_size": batch_size, "max_length": max_length, "max_train_examples": max_examples,
        "repair_formats": tuple(f.strip() for f in formats.split(",") if f.strip()) if formats else None,
        "text2sql": text2sql, "lora_r": lora_r, "eval_steps": eval_steps, "device": device, "merge": merge or None,
        "time_limit_minutes": time_limit, "step_limit": step_limit, "resume_from": resume,
    }
    given = {key: value for key, value in flags.items() if value is not None}
    if out is None:
        given["output_dir"] = Path("runs") / f"{Path(base).name}-sqlfix"
    settings = TrainConfig.from_toml(config, **given) if config else TrainConfig(**given)
    result = run_training(settings)
    if not result.main_process:  # in a data-parallel run the main process reports
        return
    metrics = result.metrics
    console.print(
        f"[green]adapter[/] {result.adapter_dir}  examples {metrics['train_examples']}  steps {metrics['steps']}  "
        f"loss {_figure(metrics['first_loss'])} → {_figure(metrics['last_loss'])}  eval {_figure(metrics.get('eval_loss'))}  "
        f"{_figure(metrics['tokens_per_second'], '.0f')} tokens/s  processes {metrics['processes']}",
        soft_wrap=True,  # one line whatever the terminal width: scripts and logs read it
    )
    if result.merged_dir:
        console.print(f"[green]merged model[/] {result.merged_dir}", soft_wrap=True)
    if metrics.get("resume_dir"):
        console.print(f"[yellow]stopped by its limit[/] at step {metrics['steps']}; go on with "
                      f"--resume {metrics['resume_dir']}", soft_wrap=True)


def _figure(value: float | None, spec: str = ".3f") -> str:
    """``value`` formatted, or ``-`` when the run logged none (fewer steps than logging_steps)."""
    return "-" if value is None else format(value, spec)
