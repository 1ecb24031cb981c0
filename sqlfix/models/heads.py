"""Which prompt heads a local runtime keeps the computed state of.

Every prompt about one schema starts with the same head (system prompt, dialect, schema:
about 2,000 tokens for a demo). A runtime that keeps the head's KV state encodes only a
question's own tail. :class:`PromptHeads` decides which heads are kept: those warmed ahead of
the first question, and the head a prompt shares with the previous, different one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlfix.models.answer import common_length

# A shared head shorter than this is not worth keeping (a system prompt alone).
PREFIX_MIN_TOKENS = 64
Head = tuple[int, ...]


def shared_head(prompts: Sequence[Sequence[int]]) -> Head:
    """The head all ``prompts`` (two at least) share, or ``()`` when shorter than
    :data:`PREFIX_MIN_TOKENS`.

    Example:
        >>> shared_head([[1, 2, 3], [1, 2, 4]])
        ()
    """
    length = min(common_length(prompts[0], other) for other in prompts[1:]) if len(prompts) > 1 else 0
    return tuple(prompts[0][:length]) if length >= PREFIX_MIN_TOKENS else ()


class PromptHeads:
    """The kept heads (token id tuples), most recently used last.

    Args:
        capacity: at most this many heads are kept.
        evicts: when full, a new head replaces the least recently used one (the runtime frees
            its state: :meth:`add` returns the evicted head); otherwise new heads are refused
            (CTranslate2 keeps a static prompt's state for the model's life).
    """

    def __init__(self, capacity: int, *, evicts: bool) -> None:
        self.capacity, self.evicts = capacity, evicts
        self._heads: list[Head] = []
        self._last_prompt: list[int] = []

    @property
    def lengths(self) -> list[int]:
        """Token lengths of the kept heads."""
        return [len(head) for head in self._heads]

    def __contains__(self, head: object) -> bool:
        return head in self._heads

    def add(self, head: Head) -> tuple[bool, Head | None]:
        """Keep ``head``; return whether it is kept and the head evicted for it (or None)."""
        if head in self._heads:
            self._touch(head)
            return True, None
        evicted = None
        if len(self._heads) >= self.capacity:
            if not self.evicts:
                return False, None
            evicted = self._heads.pop(0)
        self._heads.append(head)
        return True, evicted

    def head_for(self, prompt: Sequence[int]) -> tuple[Head, Head | None]:
        """The head to run ``prompt`` with, and a head evicted to keep it (or None).

        That is the longest kept head ``prompt`` starts with (and is longer than), else the head
        it shares with the previous, *different* prompt when at least
        :data:`PREFIX_MIN_TOKENS` long (kept from now on: a head two prompts share is one more
        are likely to), else none (``()``)."""
        prompt = list(prompt)
        self._last_prompt, previous = prompt, self._last_prompt
        known = [h for h in self._heads if len(h) < len(prompt) and tuple(prompt[: len(h)]) == h]
        if known:
            head = max(known, key=len)
            self._touch(head)
            return head, None
        shared = common_length(prompt, previous)
        if shared < PREFIX_MIN_TOKENS or shared >= min(len(prompt), len(previous)):
            return (), None
        head = tuple(prompt[:shared])
        kept, evicted = self.add(head)
        return (head if kept else ()), evicted

    def _touch(self, head: Head) -> None:
        self._heads.remove(head)
        self._heads.append(head)
