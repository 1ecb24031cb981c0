"""The int4 CPU runtime: an ONNX Runtime GenAI model behind the
:class:`~sqlfix.models.base.ChatModel` protocol.

Chosen by measurement on a 2-core CPU (``bench/bench_cpu_runtime.py``, ``docs/cpu_runtime.md``):
int4 weights (``MatMulNBits``, accuracy level 4) read half of int8's bytes per generated token,
and a generator's KV state can be rewound, so the head every prompt for one schema shares
(system prompt, dialect, schema) is computed once and each question appends only its tail.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sqlfix.errors import SqlfixError
from sqlfix.models.answer import FENCE, chat_token_ids, cut_after_first_block, end_token_ids, load_error
from sqlfix.models.base import Generation, Message
from sqlfix.models.cache import TOKENIZER_DIR
from sqlfix.models.heads import Head, PromptHeads, shared_head

TOP_P = 0.95
# Each kept head holds a generator whose KV buffer is sized for the head plus TAIL_ROOM tokens
# (the 1.5B model: ~57 KB per token in float32, so ~230 MB for a 2,000-token schema head).
PREFIX_CACHE_ENTRIES = 4
TAIL_ROOM = 1536


class OrtChatModel:
    """An int4 ONNX Runtime GenAI model with its tokenizer, answering chat messages.

    Decoding matches the other runtimes: greedy at temperature 0; otherwise ``n`` nucleus
    samples (top-p 0.95); an answer ends after its first complete fenced block. The tokens are
    chosen here from the generator's logits, so one generator (one KV state) serves greedy and
    sampled rows alike. At temperature 0 with ``n`` > 1 the rows are the same greedy answer
    (there is no beam search).

    Prefix cache: a prompt that starts with a kept head rewinds that head's generator to the
    head's end and appends only its tail. Heads become known through :meth:`warm` or as the head
    shared with the previous, different prompt (64 tokens at least); at most
    :data:`PREFIX_CACHE_ENTRIES` are kept, the least recently used one is dropped for a new one.
    Sampled rows run one after another over one state. Calls are serialized by a lock, so one
    instance is safe to share between threads.

    Args:
        model_dir: an ONNX Runtime GenAI model folder with its tokenizer
            (:func:`~sqlfix.models.quantize.ensure_quantized` with runtime ``ort``).
        name: the name reported to callers.
        threads: CPU threads per call (default: every core).
    """

    runtime = "ort"

    def __init__(self, model_dir: str | Path, *, name: str, threads: int | None = None) -> None:
        import onnxruntime_genai as og
        from transformers import AutoTokenizer

        self.name = name
        self.device = "cpu"
        try:
            config = og.Config(str(model_dir))
            threads = threads or os.cpu_count() or 1
            config.overlay(json.dumps({"model": {"decoder": {"session_options": {"intra_op_num_threads": threads}}}}))
            self.model = og.Model(config)
            self.tokenizer = AutoTokenizer.from_pretrained(str(Path(model_dir) / TOKENIZER_DIR))
        except (RuntimeError, ValueError, OSError) as exc:
            raise load_error(model_dir, exc) from exc
        self._og = og
        self._end_ids = set(end_token_ids(self.tokenizer))
        self._lock = threading.Lock()
        self._heads = PromptHeads(PREFIX_CACHE_ENTRIES, evicts=True)
        self._generators: dict[Head, object] = {}
        self._rng = np.random.default_rng()

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
            head, evicted = self._heads.head_for(prompt)
            self._generators.pop(evicted, None)
            if head and len(prompt) - len(head) + max_tokens > TAIL_ROOM:
                head = ()  # the tail would not fit the kept state's buffer
            if head:
                generator = self._head_generator(head)
            else:  # rows of one prompt share one prefill of all but its last token
                head = tuple(prompt[:-1])
                generator = self._new_generator(len(prompt) + max_tokens)
                generator.append_tokens(list(head))
            rows = 1 if temperature == 0 else n
            answers = []
            for _ in range(rows):
                generator.rewind_to(len(head))
                answers.append(self._decode_row(generator, prompt[len(head):], temperature, max_tokens))
        answers *= n if rows == 1 else 1
        return [self._generation(ids, len(prompt)) for ids in answers]

    def warm(self, chats: Sequence[list[Message]]) -> int:
        """Compute and keep the KV state of the head the rendered ``chats`` share (at least two
        chats that differ only after the shared part, e.g. one schema with two questions);
        return its length in tokens (0 when they share too little to be worth it)."""
        head = shared_head([self._prompt_ids(chat) for chat in chats])
        if head:
            with self._lock:
                _, evicted = self._heads.add(head)
                self._generators.pop(evicted, None)
                self._head_generator(head)
        return len(head)

    @property
    def prefix_lengths(self) -> list[int]:
        """Token lengths of the prompt heads whose state is kept."""
        return self._heads.lengths

    def _head_generator(self, head: Head):
        """The generator holding ``head``'s state (computed now when new)."""
        generator = self._generators.get(head)
        if generator is None:
            generator = self._new_generator(len(head) + TAIL_ROOM)
            generator.append_tokens(list(head))
            self._generators[head] = generator
        return generator

    def _new_generator(self, max_length: int):
        params = self._og.GeneratorParams(self.model)
        params.set_search_options(max_length=max_length, do_sample=False)
        return self._og.Generator(self.model, params)

    def _decode_row(self, generator, tail: list[int], temperature: float, max_tokens: int) -> list[int]:
        """Append ``tail``, then choose up to ``max_tokens`` tokens; stop at an end token or
        after the first complete fenced block."""
        generator.append_tokens(tail)
        ids: list[int] = []
        while len(ids) < max_tokens:
            logits = np.asarray(generator.get_logits(), dtype=np.float32)
            token = self._choose(logits.reshape(-1, logits.shape[-1])[-1], temperature)
            if token in self._end_ids:
                break
            ids.append(token)
            if "`" in self.tokenizer.convert_ids_to_tokens(token) and self.tokenizer.decode(ids).count(FENCE) >= 2:
                break
            if len(ids) < max_tokens:
                generator.append_tokens([token])
        return ids

    def _choose(self, logits: np.ndarray, temperature: float) -> int:
        """Greedy at temperature 0, else a nucleus (top-p) sample."""
        if temperature == 0:
            return int(np.argmax(logits))
        scaled = (logits - logits.max()) / temperature
        probs = np.exp(scaled)
        probs /= probs.sum()
        order = np.argsort(-probs)
        keep = order[: int(np.searchsorted(np.cumsum(probs[order]), TOP_P)) + 1]
        return int(self._rng.choice(keep, p=probs[keep] / probs[keep].sum()))

    def _prompt_ids(self, messages: list[Message]) -> list[int]:
        return chat_token_ids(self.tokenizer, messages)

    def _generation(self, ids: list[int], prompt_len: int) -> Generation:
        text = cut_after_first_block(self.tokenizer.decode(ids, skip_special_tokens=True))
        return Generation(text=text.strip(), prompt_tokens=prompt_len, completion_tokens=len(ids))
