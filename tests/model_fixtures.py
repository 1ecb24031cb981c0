"""A stand-in local model for the tests of a model in its own process: module-level, so the
child can unpickle its loader."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlfix.models.base import Generation, Message


class MarkingModel:
    """Answers at once, unless a call is to block (``block_all``, or a last message that reads
    ``block``): then it writes its process id to ``marker`` and blocks, as a long generation
    does; ``warm`` counts the chats it was given."""

    name = "marking"

    def __init__(self, marker: str, block_all: bool = False) -> None:
        self.marker = Path(marker)
        self.block_all = block_all
        self.warmed = 0

    def warm(self, chats: list) -> int:
        self.warmed += len(chats)
        return self.warmed

    def generate(self, messages: list[Message], **options) -> list[Generation]:
        if self.block_all or messages[-1].content == "block":
            self.marker.write_text(str(os.getpid()))
            time.sleep(300)
        return [Generation(f"warmed {self.warmed}")]


def marking(marker: str, block_all: bool = False) -> tuple:
    """A loader of :class:`MarkingModel` for ``ModelProcess.launch``."""
    return MarkingModel(marker, block_all), None


def wait_for_pid(marker: Path, timeout_s: float = 120) -> int:
    """The process id a blocked :class:`MarkingModel` wrote (waiting for it to be written)."""
    deadline = time.monotonic() + timeout_s
    while not (marker.exists() and marker.read_text()):
        assert time.monotonic() < deadline, "the model never started generating"
        time.sleep(0.05)
    return int(marker.read_text())
