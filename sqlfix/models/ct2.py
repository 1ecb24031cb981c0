"""The quantized CPU runtime: an int8 CTranslate2 model behind the
:class:`~sqlfix.models.base.ChatModel` protocol.

Chosen by measurement on a 2-core CPU (``bench/bench_cpu_runtime.py``, ``docs/cpu_runtime.md``):
int8 weights take a quarter of float32's memory and bandwidth, and CTranslate2 keeps the KV
state of a *static prompt* (the head every prompt for one schema shares: system prompt,
dialect, schema) after computing it once, so a question only encodes its own tail.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from sqlfix.errors import SqlfixError
from sqlfix.models.answer import FENCE, chat_token_ids, cut_after_first_block, end_token_ids, load_error
from sqlfix.models.base import Generation, Message
from sqlfix.models.cache import TOKENIZER_DIR
from sqlfix.models.heads import PromptHeads, shared_head

TOP_P = 0.95
# CTranslate2 keeps every static prompt's state for the model's life (there is no eviction), so
# only this many distinct heads are cached: for the 1.5B model ~60 KB per token, 130 MB per head
# of a demo schema. Past the cap, prompts run without a static prompt (a full prefill).
PREFIX_CACHE_ENTRIES = 8


class CT2ChatModel:
    """An int8 CTranslate2 generator with its tokenizer, answering chat messages.

    Decoding matches :class:`~sqlfix.models.hf.HFChatModel`: greedy at temperature 0 (the
    ``n`` best beams when ``n`` > 1); otherwise ``n`` nucleus samples (top-p 0.95) decoded as
    one batch; an answer ends after its first complete fenced block.

    Prefix cache: a prompt that starts with a known head runs with that head as CTranslate2's
    static prompt, whose KV state is computed once and reused (copied per batch row). Heads
    become known through :meth:`warm` (the schema's head, computed ahead of the first question)
    or as the head shared with the previous, different prompt when at least 64 tokens long. The
    ``n`` sampled rows of a prompt with no kept head share one prefill of it. Unlike the
    float runtime's, these answers are not always those of a one-pass prefill: int8 rounding
    differs with how the prompt is split (the 135M model's greedy answer to one shop question
    changed from ``COUNT(DISTINCT order_id)`` to ``COUNT(*)``). Calls are serialized by a lock,
    so one instance is safe to share between threads.

    Args:
        model_dir: a CTranslate2 model folder with its tokenizer (:func:`~sqlfix.models.quantize.ensure_quantized`).
        name: the name reported to callers.
        threads: CPU threads per call (default: every core).
    """

    runtime = "ct2"

    def __init__(self, model_dir: str | Path, *, name: str, threads: int | None = None) -> None:
        import ctranslate2
        from transformers import AutoTokenizer

        self.name = name
        self.device = "cpu"
        try:
            self.generator = ctranslate2.Generator(
                str(model_dir), device="cpu", compute_type="int8", intra_threads=threads or os.cpu_count() or 1
            )
            self.tokenizer = AutoTokenizer.from_pretrained(str(Path(model_dir) / TOKENIZER_DIR))
        except (RuntimeError, ValueError, OSError) as exc:
            raise load_error(model_dir, exc) from exc
        self._end_ids = end_token_ids(self.tokenizer)
        self._lock = threading.Lock()
        self._heads = PromptHeads(PREFIX_CACHE_ENTRIES, evicts=False)

    def generate(
        self,
        messages: list[Message],
        *,
        n: int = 1,
        temperature: float = 0.0,
        max_tokens: int = 256,
    ) -> list[Generation]:
        """Return ``n`` completions of the chat ``messages`` (see the class docstring)."""
        if n < 1:
            raise SqlfixError(f"n must be at least 1, got {n}")
        prompt = self._prompt_ids(messages)
        with self._lock:
            rows = 1 if temperature == 0 else n
            head, _ = self._heads.head_for(prompt)
            keep = bool(head)
            if not head and rows > 1:
                # Rows of one prompt: its head computed once and tiled, not once per row (not
                # kept: CTranslate2 would hold it for the model's life).
                head = tuple(prompt[:-1])
            tail = prompt[len(head):]
            options = dict(
                max_length=max_tokens,
                include_prompt_in_result=False,
                end_token=self._end_ids,
                static_prompt=self._tokens(head) if head else None,
                cache_static_prompt=keep,
            )
            if temperature == 0 and n > 1:
                options.update(beam_size=n, num_hypotheses=n)
            elif temperature > 0:
                options.update(sampling_topk=0, sampling_topp=TOP_P, sampling_temperature=temperature)
            if options.get("beam_size", 1) == 1:
                options["callback"] = _FenceStop(self.tokenizer, rows)
            results = self.generator.generate_batch([self._tokens(tail)] * rows, **options)
        sequences = [seq for result in results for seq in result.sequences_ids]
        return [self._decode(ids, len(prompt)) for ids in sequences]

    def warm(self, chats: Sequence[list[Message]]) -> int:
        """Compute and keep the KV state of the head the rendered ``chats`` share (at least two
        chats that differ only after the shared part, e.g. one schema with two questions);
        return its length in tokens (0 when they share too little to be worth it)."""
        prompts = [self._prompt_ids(chat) for chat in chats]
        head = shared_head(prompts)
        with self._lock:
            if head and head not in self._heads and self._heads.add(head)[0]:
                self.generator.generate_batch([self._tokens(prompts[0][len(head):])], max_length=1,
                                              include_prompt_in_result=False, static_prompt=self._tokens(head))
        return len(head)

    @property
    def prefix_lengths(self) -> list[int]:
        """Token lengths of the prompt heads whose state is kept."""
        return self._heads.lengths

    def _prompt_ids(self, messages: list[Message]) -> list[int]:
        return chat_token_ids(self.tokenizer, messages)

    def _tokens(self, ids: Sequence[int]) -> list[str]:
        return self.tokenizer.convert_ids_to_tokens(list(ids))

    def _decode(self, ids: list[int], prompt_len: int) -> Generation:
        end = next((i for i, t in enumerate(ids) if t in self._end_ids), len(ids))
        text = cut_after_first_block(self.tokenizer.decode(ids[:end], skip_special_tokens=True))
        return Generation(text=text.strip(), prompt_tokens=prompt_len, completion_tokens=end)


class _FenceStop:
    """A CTranslate2 step callback that stops a row once its text holds a complete fenced
    block; only steps whose token has a backtick decode anything."""

    def __init__(self, tokenizer, rows: int) -> None:
        self.tokenizer = tokenizer
        self.ids: list[list[int]] = [[] for _ in range(rows)]

    def __call__(self, step) -> bool:
        row = self.ids[step.batch_id]
        row.append(step.token_id)
        if "`" not in step.token:
            return False
        return self.tokenizer.decode(row, skip_special_tokens=True).count(FENCE) >= 2
