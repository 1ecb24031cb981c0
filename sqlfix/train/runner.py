"""Run one LoRA fine-tuning: datagen rows → chat examples → TRL ``SFTTrainer`` → adapter folder."""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sqlfix.errors import SqlfixError
from sqlfix.train.card import write_loss_plot, write_model_card
from sqlfix.train.config import TrainConfig
from sqlfix.train.dataset_files import read_split
from sqlfix.train.examples import build_examples, schema_lookup

CHECKPOINTS = "checkpoints"
RESUME = "resume"  # <output_dir>/resume: where a run a limit stopped leaves its resume checkpoint
RESUME_FILES = ("adapter_config.json", "adapter_model.safetensors", "trainer_state.json", "scheduler.pt",
                "rng_state.pth", "resume.json")
# Rendering + tokenizing runs at ~100 long chat examples/s per process: parallel from here on.
PARALLEL_TOKENIZE_FROM = 2000


@dataclass(frozen=True)
class TrainResult:
    """What a run wrote: the adapter folder (with README.md, metrics.json, loss.png), the merged
    model folder when asked, and the metrics."""

    adapter_dir: Path
    merged_dir: Path | None
    metrics: dict[str, Any]
    main_process: bool = True


def prepare_examples(config: TrainConfig) -> tuple[list[dict], list[dict]]:
    """Return the (train, validation) chat examples of ``config``'s dataset, shuffled and capped."""
    schema_of = schema_lookup(config.data_dir, config.schema_sources)
    options = {
        "repair_formats": config.repair_formats,
        "text2sql": config.text2sql,
        "question_rate": config.repair_question_rate,
        "seed": config.seed,
    }
    splits = []
    for split, cap in (("train", config.max_train_examples), ("validation", config.max_validation_examples)):
        examples = build_examples(read_split(config.data_dir, split), schema_of, **options)
        random.Random(config.seed).shuffle(examples)
        splits.append(examples[:cap] if cap is not None else examples)
    return splits[0], splits[1]


def train(config: TrainConfig, examples: tuple[list[dict], list[dict]] | None = None) -> TrainResult:
    """Fine-tune ``config.base`` with a LoRA adapter and write it to ``config.output_dir``.

    ``examples`` (train, validation) replaces reading ``config.data_dir`` (the GPU bundle ships
    examples prepared on the developer's machine). Returns the folders written and the metrics:
    losses, runtime, tokens seen, tokens per second and example counts per kind.

    Under ``accelerate launch`` / ``torchrun`` every process runs this, data-parallel: each
    takes ``batch_size`` examples per step, and only the main process writes the adapter, the
    card and the metrics (``TrainResult.main_process`` says which one this is).
    """
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, EarlyStoppingCallback
    from trl import SFTConfig, SFTTrainer

    from sqlfix.train.callbacks import Divergence, ResumePoint, RunLimit

    from sqlfix.models.hf import default_device
    from sqlfix.models.loader import resolve_base

    train_examples, validation_examples = examples or prepare_examples(config)
    schedule = _schedule(config, len(train_examples))
    resumed = _check_resume_point(config.resume_from, schedule) if config.resume_from else None
    device = config.device or default_device()
    on_gpu = device.startswith("cuda")
    if on_gpu:
        check_one_process_per_gpu(torch.cuda.device_count(), os.environ)
    base_dir = resolve_base(config.base)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=torch.bfloat16 if on_gpu else torch.float32,
                                                 **_attention(config.attn_implementation, base_dir))
    work_dir = config.output_dir / CHECKPOINTS
    has_validation = bool(validation_examples)
    args = SFTConfig(
        output_dir=str(work_dir),
        num_train_epochs=config.epochs,
        learning_rate=config.learning_rate,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        lr_scheduler_type="cosine",
        warmup_steps=config.warmup_ratio,
        max_length=config.max_length,
        completion_only_loss=True,
        **_checkpointing_off(SFTConfig),
        bf16=on_gpu,
        use_cpu=not on_gpu,
        seed=config.seed,
        logging_steps=config.logging_steps,
        eval_strategy="steps" if has_validation else "no",
        eval_steps=config.eval_steps,
        save_strategy="steps" if has_validation else "no",
        save_steps=config.eval_steps,
        save_total_limit=2,
        save_only_model=True,
        load_best_model_at_end=has_validation,
        metric_for_best_model="eval_loss",
        train_sampling_strategy="group_by_length",
        include_num_input_tokens_seen="non_padding",
        report_to="none",
        ddp_find_unused_parameters=False,
        dataset_num_proc=min(8, os.cpu_count() or 1) if len(train_examples) >= PARALLEL_TOKENIZE_FROM else None,
        disable_tqdm=False,
    )
    divergence = Divergence()
    limit = RunLimit(config.time_limit_minutes * 60 if config.time_limit_minutes is not None else None,
                     config.step_limit)
    resume_point = ResumePoint(limit)
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=config.target_modules,
        task_type="CAUSAL_LM",
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(_records(train_examples)),
        eval_dataset=Dataset.from_list(_records(validation_examples)) if has_validation else None,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=[*([EarlyStoppingCallback(config.early_stopping_patience)] if has_validation else []), limit,
                   resume_point, divergence],
    )
    checkpoint = _resume_checkpoint(trainer, config.resume_from, resumed, work_dir) if resumed else None
    started = time.perf_counter()
    output = trainer.train(resume_from_checkpoint=checkpoint)
    elapsed = time.perf_counter() - started
    if divergence.step is not None:
        if trainer.is_world_process_zero():
            shutil.rmtree(work_dir, ignore_errors=True)
        raise SqlfixError(f"training diverged at step {divergence.step} ({divergence.what}); nothing was saved. "
                          "Try a lower learning_rate, or attn_implementation = 'eager'")
    metrics = _metrics(trainer, output.metrics, elapsed, train_examples, validation_examples, device,
                       tokens_before=_tokens_at(config.resume_from) if resumed else 0)
    metrics["resumed_from_step"] = resumed["step"] if resumed else None
    if has_validation:
        metrics["eval_loss"] = trainer.evaluate()["eval_loss"]
    adapter_dir, main_process = config.output_dir, trainer.is_world_process_zero()
    trainer.accelerator.wait_for_everyone()
    if not main_process:
        return TrainResult(adapter_dir=adapter_dir, merged_dir=None, metrics=metrics, main_process=False)
    trainer.model.save_pretrained(str(adapter_dir))
    _finish_adapter(adapter_dir, config.base, config.adapter_dtype)
    metrics["resume_dir"] = _keep_resume_point(resume_point.step, work_dir, adapter_dir / RESUME, config.base,
                                               schedule, trainer.args.world_size)
    merged_dir = _merge(trainer.model, tokenizer, adapter_dir / "merged") if config.merge else None
    shutil.rmtree(work_dir, ignore_errors=True)
    history = trainer.state.log_history
    (adapter_dir / "metrics.json").write_text(json.dumps({**metrics, "log_history": history}, indent=2))
    write_loss_plot(history, adapter_dir / "loss.png")
    write_model_card(adapter_dir, config, metrics)
    return TrainResult(adapter_dir=adapter_dir, merged_dir=merged_dir, metrics=metrics)


def _records(examples: list[dict]) -> list[dict]:
    return [{"prompt": e["prompt"], "completion": e["completion"]} for e in examples]


def check_one_process_per_gpu(visible_gpus: int, environ: Any) -> None:
    """Refuse a lone process that sees several GPUs: transformers would wrap the model in
    ``nn.DataParallel``, which TRL does not support; data-parallel runs start one process a GPU."""
    if visible_gpus > 1 and "WORLD_SIZE" not in environ:
        raise SqlfixError(
            f"{visible_gpus} GPUs are visible to one training process. Train on all of them with "
            f"`accelerate launch --num_processes {visible_gpus} -m sqlfix train ...`, "
            "or on one with CUDA_VISIBLE_DEVICES=0.")


def _tokens_at(resume_point: Path) -> int:
    """Tokens the run had read when ``resume_point`` was saved (its trainer state)."""
    state = json.loads((Path(resume_point) / "trainer_state.json").read_text())
    return int(state.get("num_input_tokens_seen") or 0)


def _metrics(trainer, train_metrics: dict, elapsed: float, train_examples: list, validation_examples: list, device: str,
             *, tokens_before: int = 0) -> dict[str, Any]:
    """The run's numbers; ``tokens_seen`` counts from the first step, ``train_seconds`` and
    ``tokens_per_second`` only this call's part (after ``tokens_before`` tokens, when resumed)."""
    tokens = int(trainer.state.num_input_tokens_seen)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    kinds: dict[str, int] = {}
    for example in train_examples:
        kinds[example["kind"]] = kinds.get(example["kind"], 0) + 1
    return {
        "device": device,
        "processes": trainer.accelerator.num_processes,
        "train_examples": len(train_examples),
        "validation_examples": len(validation_examples),
        "train_examples_by_kind": kinds,
        "steps": trainer.state.global_step,
        "epochs_done": round(float(trainer.state.epoch or 0), 3),
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "train_loss": train_metrics.get("train_loss"),
        "best_eval_loss": trainer.state.best_metric,
        "train_seconds": round(elapsed, 2),
        "tokens_seen": tokens,
        "tokens_per_second": round((tokens - tokens_before) / elapsed, 1) if elapsed else None,
        "trainable_parameters": sum(p.numel() for p in trainer.model.parameters() if p.requires_grad),
        "total_parameters": sum(p.numel() for p in trainer.model.parameters()),
    }


def _attention(choice: str, base_dir: Path) -> dict:
    """``from_pretrained`` options for the attention kernel ``choice`` (see TrainConfig)."""
    if choice != "auto":
        return {"attn_implementation": choice}
    model_type = json.loads((Path(base_dir) / "config.json").read_text()).get("model_type", "")
    return {"attn_implementation": "eager"} if model_type.startswith("qwen2") else {}


def _checkpointing_off(config_class: type) -> dict[str, bool]:
    """Turn activation checkpointing off (TRL turns it on by default) under the name the
    installed transformers takes: ``activation_checkpointing`` from 5.2x, ``gradient_checkpointing`` before."""
    names = {field.name for field in fields(config_class)}
    return {"activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing": False}


def _schedule(config: TrainConfig, train_examples: int) -> dict[str, Any]:
    """What fixes a run's steps and learning-rate schedule: a resume point records it, and a run
    resuming from one must match it."""
    return {"train_examples": train_examples, "batch_size": config.batch_size, "grad_accum": config.grad_accum,
            "epochs": config.epochs, "learning_rate": config.learning_rate}


def _keep_resume_point(step: int | None, work_dir: Path, target: Path, base: str, schedule: dict[str, Any],
                       processes: int) -> str | None:
    """Copy the checkpoint the run limit made (``step``'s, in ``work_dir``) to ``target``,
    without the optimizer's moments (4x the adapter's size, too much to carry between GPU calls)
    and with the adapter in bfloat16; None, and no stale ``target``, when the run was not
    stopped by its limit."""
    shutil.rmtree(target, ignore_errors=True)
    if step is None:
        return None
    saved = work_dir / f"checkpoint-{step}"
    target.mkdir(parents=True)
    for name in RESUME_FILES:
        if (saved / name).is_file():
            shutil.copy2(saved / name, target / name)
    _finish_adapter(target, base, "bfloat16")
    (target / "resume.json").write_text(json.dumps({
        "step": step, **schedule, "processes": processes,
        "note": "go on with TrainConfig(resume_from=this folder) and the same data and settings "
                "(batch_size x grad_accum may be split another way)"}, indent=2))
    return str(target)


# A batch split another way (e.g. 8 x 1 on an H200, 4 x 2 on an H100 that 8 would not fit)
# takes the same examples in each optimizer step: a resume may change the split, not the batch.
_BATCH_SPLIT = ("batch_size", "grad_accum")


def _optimizer_batches(batch_size: Any, grad_accum: Any, train_examples: int) -> tuple[int, int] | None:
    """The examples per optimizer step and the steps per epoch of a split (None: not recorded)."""
    if not isinstance(batch_size, int) or not isinstance(grad_accum, int):
        return None
    micro_batches = -(-train_examples // batch_size)
    return batch_size * grad_accum, -(-micro_batches // grad_accum)


def _check_resume_point(source: Path, schedule: dict[str, Any]) -> dict[str, Any]:
    """The record (``resume.json``: step, schedule, processes) of the resume point ``source``;
    an error naming what is missing or does not match this run's data and settings (checked
    before any model loads). The batch may be split another way (``batch_size`` x
    ``grad_accum``) when the examples per optimizer step and the steps per epoch stay the same."""
    missing = [name for name in RESUME_FILES if not (Path(source) / name).is_file()]
    if missing:
        raise SqlfixError(f"{source} is not a resume point (missing {', '.join(missing)})")
    try:
        recorded = json.loads((Path(source) / "resume.json").read_text())
        recorded["step"] = int(recorded["step"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SqlfixError(f"{source}/resume.json is not a resume record ({exc!r})") from None
    differ = [f"{key} {recorded.get(key)} there, {value} here" for key, value in schedule.items()
              if key not in _BATCH_SPLIT and recorded.get(key) != value]
    there, here = (recorded.get("batch_size"), recorded.get("grad_accum")), (schedule["batch_size"], schedule["grad_accum"])
    if there != here and _optimizer_batches(*there, schedule["train_examples"]) != _optimizer_batches(*here, schedule["train_examples"]):
        differ.append(f"batch_size {there[0]} x grad_accum {there[1]} there, {here[0]} x {here[1]} here "
                      "(another split of the same batch resumes)")
    if differ:
        raise SqlfixError(f"{source} was made with other data or settings ({'; '.join(differ)}): "
                          "resume with the same ones")
    return recorded


def _resume_checkpoint(trainer, source: Path, recorded: dict[str, Any], work_dir: Path) -> str:
    """A checkpoint folder the trainer resumes from, made of the resume point ``source``: its
    files, plus the state of a fresh optimizer (the moments start again; the weights, the
    learning-rate schedule, the random state and the place in the data go on). An error when the
    run has another number of processes than the one that made it."""
    import torch

    made_by = recorded.get("processes", 1)
    if made_by != trainer.args.world_size:
        raise SqlfixError(f"{source} was made by {made_by} training process(es), this run has "
                          f"{trainer.args.world_size}: resume with as many")
    target = work_dir / f"checkpoint-{recorded['step']}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    torch.save(trainer.create_optimizer().state_dict(), target / "optimizer.pt")
    return str(target)


def _finish_adapter(adapter_dir: Path, base: str, dtype: str) -> None:
    # PEFT records the cache folder the base was loaded from; the spec name keeps the adapter
    # loadable on another machine (load_model resolves and converts it there).
    import torch
    from safetensors.torch import load_file, save_file

    config_path = adapter_dir / "adapter_config.json"
    config = json.loads(config_path.read_text())
    config["base_model_name_or_path"] = base
    config_path.write_text(json.dumps(config, indent=2))
    weights_path = adapter_dir / "adapter_model.safetensors"
    weights = load_file(str(weights_path))
    cast = {k: v.to(getattr(torch, dtype)).contiguous() for k, v in weights.items()}
    save_file(cast, str(weights_path), metadata={"format": "pt"})


def _merge(peft_model, tokenizer, target: Path) -> Path:
    merged = peft_model.merge_and_unload()
    merged.save_pretrained(str(target))
    tokenizer.save_pretrained(str(target))
    return target
