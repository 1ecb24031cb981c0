"""Trainer callbacks sqlfix adds to TRL's SFTTrainer."""

from __future__ import annotations

import math
import time

import torch
from transformers import TrainerCallback


class RunLimit(TrainerCallback):
    """Stop training once ``seconds`` have passed since this run's first step, or after ``steps``
    optimizer steps in this run (then the trainer still evaluates, and restores the best
    checkpoint when it keeps one); ``stopped`` says whether it did. In a data-parallel run the
    main process's clock decides for all, so every process stops at the same step."""

    def __init__(self, seconds: float | None = None, steps: int | None = None) -> None:
        self.seconds, self.steps = seconds, steps
        self.started: float | None = None
        self.first_step: int | None = None
        self.stopped = False

    def on_step_end(self, args, state, control, **kwargs):
        """Ask the trainer to stop when the time or the step count is up."""
        if self.first_step is None:
            self.started, self.first_step = time.monotonic(), state.global_step - 1
        over_time = self.seconds is not None and time.monotonic() - self.started > self.seconds
        over_steps = self.steps is not None and state.global_step - self.first_step >= self.steps
        if _main_process_says(over_time or over_steps, args.device) and state.global_step < state.max_steps:
            control.should_training_stop = self.stopped = True
        return control


class ResumePoint(TrainerCallback):
    """When ``limit`` stops training, have the trainer save a full checkpoint of that step
    (weights, optimizer, learning-rate schedule, random state, trainer state and that step's
    log) so a later run can go on from it; ``step`` is the step saved (``checkpoint-<step>`` in
    the trainer's output folder)."""

    def __init__(self, limit: RunLimit) -> None:
        self.limit = limit
        self.step: int | None = None
        self._only_model: bool | None = None

    def on_step_end(self, args, state, control, **kwargs):
        """Ask for a full checkpoint at the step the limit stopped."""
        if self.limit.stopped and self._only_model is None:
            self._only_model, args.save_only_model = args.save_only_model, False
            control.should_save = True
        return control

    def on_save(self, args, state, control, **kwargs):
        """Note the step saved and put the checkpointing setting back."""
        if self._only_model is not None and self.step is None:
            args.save_only_model = self._only_model
            self.step = state.global_step
        return control


class Divergence(TrainerCallback):
    """Stop training at the first logged loss or gradient norm that is NaN or infinite (the
    weights are then lost: going on only burns GPU time); ``step`` and ``what`` say where."""

    def __init__(self) -> None:
        self.step: int | None = None
        self.what = ""

    def on_log(self, args, state, control, logs=None, **kwargs):
        """Ask the trainer to stop when a logged training value is not finite."""
        for key in ("grad_norm", "loss"):
            value = (logs or {}).get(key)
            if value is not None and not math.isfinite(float(value)) and self.step is None:
                self.step, self.what = state.global_step, f"{key} {value}"
                control.should_training_stop = True
        return control


def _main_process_says(flag: bool, device: torch.device) -> bool:
    """``flag`` as the main process has it (broadcast from rank 0 when several processes train)."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return flag
    value = torch.tensor([int(flag)], device=device)
    torch.distributed.broadcast(value, src=0)
    return bool(value.item())
