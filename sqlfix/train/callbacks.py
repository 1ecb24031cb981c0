"""Trainer callbacks sqlfix adds to TRL's SFTTrainer."""

from __future__ import annotations

import time

from transformers import TrainerCallback


class TimeLimit(TrainerCallback):
    """Stop training once ``seconds`` have passed since the first step (then the trainer still
    evaluates, and restores the best checkpoint when it keeps one)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started: float | None = None

    def on_step_end(self, args, state, control, **kwargs):
        """Ask the trainer to stop when the time is up."""
        if self.started is None:
            self.started = time.monotonic()
        elif time.monotonic() - self.started > self.seconds:
            control.should_training_stop = True
        return control
