"""The settings of one training run."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlfix.errors import InputFormatError

REPAIR_FORMATS = ("full", "edit")


@dataclass
class TrainConfig:
    """Settings of a LoRA fine-tuning run (``sqlfix train`` builds one; so can Python or TOML).

    Data:
        data_dir: a datagen run folder (``data/<run>`` with ``train/`` and ``validation/``).
        repair_formats: repair output formats to train, each repair row giving one example per
            format (``full`` query, compact ``edit``); the model then follows the system prompt.
        text2sql: also train question → SQL examples.
        repair_question_rate: share of repair examples (with an engine error) that show the
            row's question; the rest train repairs from the error alone, as the fix pipeline
            usually sees them. Semantic repairs always show it.
        max_train_examples: cap on training examples after shuffling (learning curves); None: all.
        max_validation_examples: cap on validation examples (evaluation cost); None: all.
        schema_sources: extra ``schema_id -> source`` (anything ``load_schema`` reads) for
            schemas that are neither demos nor stored in ``<data_dir>/schemas/<id>.json``.

    Model:
        base: base model spec (``smollm2-135m``, ``qwen2.5-coder-1.5b``...) or a model folder.
        lora_r / lora_alpha / lora_dropout: LoRA rank, scale and dropout (PEFT defaults are 8/8/0;
            rank 16, alpha 32 learn the new output formats faster at a few MB).
        target_modules: modules given adapters; ``all-linear`` (attention + MLP) as in QLoRA.
        attn_implementation: attention kernel for training (``eager``, ``sdpa``...); ``auto``:
            ``eager`` for Qwen2-family bases, whose LoRA gradients turned NaN within 20 steps
            under bf16 SDPA on an H100 (padded batches; a known Qwen2 problem), else the
            transformers default. Generation is unaffected.

    Training:
        output_dir: where the adapter, model card, metrics and loss plot go.
        epochs: passes over the training examples (early stopping may end sooner).
        learning_rate: peak AdamW rate (2e-4, the usual LoRA rate; transformers' default is 5e-5).
        batch_size: examples per device per step; grad_accum: steps per optimizer update.
        max_length: token cap per example (longer ones are truncated from the right, losing
            the answer: the demo schemas make prompts of about 2,300 SmolLM2 tokens).
        warmup_ratio: share of steps with a linear warm-up; then cosine decay.
        eval_steps: evaluate (and checkpoint) every this many optimizer steps.
        early_stopping_patience: evaluations without a better validation loss before stopping.
        time_limit_minutes: stop training (keeping the best checkpoint so far) after this many
            minutes; None: no limit. Lets a run fit a fixed GPU lease. A run this (or
            ``step_limit``) stops before its last step leaves a resume point in
            ``<output_dir>/resume`` (weights, schedule, random state, place in the data: a few MB
            besides the adapter; not the optimizer's moments, 4x the adapter's size).
        step_limit: stop after this many optimizer steps in this run, like ``time_limit_minutes``.
        resume_from: a resume point left by an earlier run (same data and settings): training
            goes on from its step, weights, learning-rate schedule and place in the data, so
            several GPU calls make one run; the optimizer's moments start afresh.
        adapter_dtype: dtype the adapter weights are saved in (``bfloat16`` halves the shipped
            size of float32 LoRA weights; ``float32`` keeps them exact).
        seed: seeds shuffling, LoRA init and dropout.
        merge: also write a merged full model to ``<output_dir>/merged``.
        device: ``cuda`` or ``cpu``; None: cuda when available (bf16 there, float32 on cpu).
        logging_steps: log the training loss every this many steps.
    """

    data_dir: Path = Path("data/demo")
    repair_formats: tuple[str, ...] = REPAIR_FORMATS
    text2sql: bool = True
    repair_question_rate: float = 0.5
    max_train_examples: int | None = None
    max_validation_examples: int | None = 600
    schema_sources: dict[str, str] = field(default_factory=dict)
    base: str = "smollm2-135m"
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: str = "all-linear"
    attn_implementation: str = "auto"
    output_dir: Path = Path("runs/smollm2-135m-sqlfix")
    epochs: float = 2.0
    learning_rate: float = 2e-4
    batch_size: int = 16
    grad_accum: int = 1
    max_length: int = 3072
    warmup_ratio: float = 0.03
    eval_steps: int = 100
    early_stopping_patience: int = 3
    time_limit_minutes: float | None = None
    step_limit: int | None = None
    resume_from: Path | None = None
    adapter_dtype: str = "bfloat16"
    seed: int = 0
    merge: bool = False
    device: str | None = None
    logging_steps: int = 10

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        self.output_dir = Path(self.output_dir)
        self.resume_from = Path(self.resume_from) if self.resume_from is not None else None
        self.repair_formats = tuple(self.repair_formats)
        unknown = set(self.repair_formats) - set(REPAIR_FORMATS)
        if unknown:
            raise InputFormatError(f"unknown repair format(s) {sorted(unknown)}; use {', '.join(REPAIR_FORMATS)}")
        if not self.repair_formats and not self.text2sql:
            raise InputFormatError("nothing to train: no repair format and text2sql off")

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as JSON-ready values (paths as strings)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(data_dir=str(self.data_dir), output_dir=str(self.output_dir), repair_formats=list(self.repair_formats),
                    resume_from=str(self.resume_from) if self.resume_from is not None else None)
        return data

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: Any) -> "TrainConfig":
        """Read settings from a TOML file (keys as the field names), then apply ``overrides``."""
        try:
            values = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputFormatError(f"cannot read train config {path}: {exc}") from None
        known = {f.name for f in fields(cls)}
        extra = set(values) - known
        if extra:
            raise InputFormatError(f"{path}: unknown train setting(s) {sorted(extra)}")
        return cls(**{**values, **overrides})
