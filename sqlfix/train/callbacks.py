"""Trainer callbacks sqlfix adds to TRL's SFTTrainer."""

from __future__ import annotations

import math
import time

import torch
from transformers import TrainerCallback


class TimeLimit(TrainerCallback):
    """Stop training once ``seconds`` have passed since the first step (then the trainer still
    evaluates, and restores the best checkpoint when it keeps one). In a data-parallel run the
    main process's clock decides for all, so every process stops at the same step."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started: float | None = None

    def on_step_end(self, args, state, control, **kwargs):
        """Ask the trainer to stop when the time is up."""
        if self.started is None:
            self.started = time.monotonic()
        elif _main_process_says(time.monotonic() - self.started > self.seconds, args.device):
            control.should_training_stop = True
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
