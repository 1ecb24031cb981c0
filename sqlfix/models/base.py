"""The protocol every text generator implements: a local Hugging Face model or an
OpenAI-compatible endpoint. The fix/ask pipeline, datagen's LLM generator and eval systems
talk to models only through this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Message:
    """One chat message (``role`` is system, user or assistant)."""

    role: str
    content: str


@dataclass(frozen=True)
class Generation:
    """One sampled completion with its token accounting."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


@runtime_checkable
class ChatModel(Protocol):
    """Something that answers chat messages with ``n`` sampled completions."""

    name: str

    def generate(
        self,
        messages: list[Message],
        *,
        n: int = 1,
        temperature: float = 0.0,
        max_tokens: int = 256,
    ) -> list[Generation]:
        """Return ``n`` completions (greedy when temperature is 0 and n is 1)."""
        ...
