"""A local Hugging Face causal LM behind the :class:`~sqlfix.models.base.ChatModel` protocol."""

from __future__ import annotations

import copy
import inspect
import threading
import warnings
from collections import OrderedDict
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteria, StoppingCriteriaList
from transformers.utils import logging as hf_logging

from sqlfix.errors import SqlfixError
from sqlfix.models.answer import FENCE, chat_token_ids, common_length, cut_after_first_block, end_token_ids
from sqlfix.models.attention import ATTENTION
from sqlfix.models.base import Generation, Message

TOP_P = 0.95
PREFIX_MIN_TOKENS = 64
PREFIX_CACHE_ENTRIES = 8
STATIC_CACHE_TOKENS = 4096  # static KV caches are sized in steps of this many tokens


def default_device() -> str:
    """Return ``cuda`` when a GPU is usable, else ``cpu``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


class HFChatModel:
    """A chat model run in-process with transformers, optionally with a LoRA adapter.

    Greedy decoding when ``temperature`` is 0 (with ``n`` > 1: the ``n`` best beams, still
    deterministic); otherwise ``n`` samples drawn in one batched call (``num_return_sequences``),
    nucleus ``top_p`` 0.95. Calls are serialized by a lock, so one instance is safe to share
    between threads.

    An answer ends after its first complete fenced code block: what a model writes after it
    (explanations) is never read (``extract_sql`` takes the first block, and a bullet list
    there would read as edit lines), so greedy and sampled decoding stop there, and beam
    answers are cut there.

    Prefix cache: prompts for one schema share a long head (system prompt, dialect, schema
    text: about 2,000 tokens for a demo schema). When a prompt shares at least 64 tokens with
    the previous one, the KV cache of that shared head is computed once, kept (8 entries, least
    recently used dropped) and reused, so later calls only encode their own tail. Outputs are
    those of a full prefill up to floating-point rounding.

    Args:
        model_dir: a plain Hugging Face model folder (config, safetensors, tokenizer).
        adapter_dir: a PEFT LoRA adapter folder to apply, or None.
        merge: fold the adapter into the weights (faster generation, same outputs).
        device: ``cuda``, ``cpu`` or None for :func:`default_device`.
        name: the name reported to callers (defaults to the folder names).
        static_cache: decode :meth:`generate` calls into a static KV cache that outlives the
            call (one per batch size, 4,096 tokens, grown in such steps for longer calls), so
            generate() compiles the decoder step once and replays it as CUDA graphs: on a GPU,
            where per-token launch overhead dominates, that is the fast path once warm. The
            first calls compile (tens of seconds); off by default. :meth:`generate_batch`
            keeps the dynamic cache.
        prefix_cache: reuse the KV cache of prompt heads shared between calls (see above), and
            encode the head a batch shares once (:meth:`generate_batch`); ignored with
            ``static_cache``.
    """

    runtime = "torch"

    def __init__(
        self,
        model_dir: str | Path,
        *,
        adapter_dir: str | Path | None = None,
        merge: bool = True,
        device: str | None = None,
        name: str | None = None,
        static_cache: bool = False,
        prefix_cache: bool = True,
    ) -> None:
        self.device = device or default_device()
        self.name = name or (f"{Path(model_dir).name}+{Path(adapter_dir).name}" if adapter_dir else Path(model_dir).name)
        dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        # A local load takes about a second: its weight-loading bar and peft's deprecation
        # notice would only clutter the fix printed under them.
        hf_logging.disable_progress_bar()
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=dtype, attn_implementation=ATTENTION)
        if adapter_dir is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                model = with_adapter(model, Path(adapter_dir), merge=merge)
        self.model = model.to(self.device).eval()
        self._cache_arg = _cache_argument(self.model)
        self._eos_ids = end_token_ids(self.tokenizer)
        self._pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self._eos_ids[0]
        # A finished sequence in a batch is padded: the answer ends at its first end or pad token.
        self._answer_end_ids = set(self._eos_ids) | {self._pad_id}
        if self.tokenizer.pad_token is None:  # batched prompts need one to pad with
            self.tokenizer.pad_token = self.tokenizer.convert_ids_to_tokens(self._pad_id)
        self.static_cache = static_cache
        self.prefix_cache = prefix_cache and not static_cache
        self._static_caches: dict[int, object] = {}
        self._lock = threading.Lock()
        self._prefixes: OrderedDict[tuple[int, ...], object] = OrderedDict()
        self._last_prompt: list[int] = []

    def generate(
        self,
        messages: list[Message],
        *,
        n: int = 1,
        temperature: float = 0.0,
        max_tokens: int = 256,
    ) -> list[Generation]:
        """Return ``n`` completions of the chat ``messages`` (see the class docstring)."""
        options = _decoding_options(n, temperature, max_tokens)
        chat = [{"role": m.role, "content": m.content} for m in messages]
        inputs = self.tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.device)
        prompt_len = inputs["input_ids"].shape[1]
        self._stop_after_fence(options, prompt_len)
        with self._lock, torch.inference_mode():
            if self.static_cache:
                options[self._cache_arg] = self._static_cache(n, prompt_len + max_tokens)
            elif self.prefix_cache:
                options[self._cache_arg] = self._prefix_cache(inputs["input_ids"][0].tolist(), n if n > 1 else 1)
            output = self.model.generate(**inputs, eos_token_id=self._eos_ids, pad_token_id=self._pad_id, **options)
        return [self._decode(row[prompt_len:].tolist(), prompt_len) for row in output]

    def generate_batch(
        self,
        chats: list[list[Message]],
        *,
        n: int = 1,
        temperature: float = 0.0,
        max_tokens: list[int] | int = 256,
    ) -> list[list[Generation]]:
        """Answer several chats in one batch (``n`` completions each, decoded as :meth:`generate`
        does); each chat's completion is cut at its own ``max_tokens``. Greedy answers equal
        one-at-a-time ones up to floating-point rounding.

        With the prefix cache on, the head every chat shares (at least 64 tokens: one schema's
        system prompt and schema text) is encoded once and its KV cache copied to every row, so
        only the tails are prefilled; each tail is padded on its left, after the head."""
        if not chats:
            return []
        budgets = [max_tokens] * len(chats) if isinstance(max_tokens, int) else list(max_tokens)
        options = _decoding_options(n, temperature, max(budgets))
        prompts = [self._prompt_ids(chat) for chat in chats]
        with self._lock, torch.inference_mode():
            head = self._batch_head(prompts)
            ids, mask = self._padded_after_head(prompts, head)
            if head:
                cache = self._encode(head)
                cache.batch_repeat_interleave(len(prompts) * n)
                options[self._cache_arg] = cache
            width = ids.shape[1]
            self._stop_after_fence(options, width)
            output = self.model.generate(input_ids=ids, attention_mask=mask, eos_token_id=self._eos_ids,
                                         pad_token_id=self._pad_id, **options)
        rows = output[:, width:].tolist()
        return [
            [self._decode(rows[i * n + j][: budgets[i]], len(prompts[i])) for j in range(n)]
            for i in range(len(chats))
        ]

    def _prompt_ids(self, chat: list[Message]) -> list[int]:
        return chat_token_ids(self.tokenizer, chat)

    def _batch_head(self, prompts: list[list[int]]) -> tuple[int, ...]:
        """The head all ``prompts`` share, leaving each at least its last token to run (that
        token gives the first logits); empty when under 64 tokens, for one prompt, or with the
        prefix cache off."""
        if len(prompts) < 2 or not self.prefix_cache:
            return ()
        length = min(min(common_length(prompts[0], other) for other in prompts[1:]), min(map(len, prompts)) - 1)
        return tuple(prompts[0][:length]) if length >= PREFIX_MIN_TOKENS else ()

    def _padded_after_head(self, prompts: list[list[int]], head: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """Input ids and attention mask: ``head``, then each prompt's tail padded on its left."""
        tail_width = max(len(prompt) for prompt in prompts) - len(head)
        width = len(head) + tail_width
        ids = torch.full((len(prompts), width), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        if head:
            ids[:, : len(head)] = torch.tensor(head, dtype=torch.long)
            mask[:, : len(head)] = 1
        for row, prompt in enumerate(prompts):
            tail = prompt[len(head):]
            ids[row, width - len(tail):] = torch.tensor(tail, dtype=torch.long)
            mask[row, width - len(tail):] = 1
        return ids.to(self.device), mask.to(self.device)

    def warm(self, chats: list[list[Message]]) -> int:
        """Compute and keep the KV cache of the head the rendered ``chats`` share (at least two
        chats that differ only after it, e.g. one schema with two questions); return its length
        in tokens (0 when shorter than the 64 worth keeping, or with ``static_cache``)."""
        prompts = [self._prompt_ids(chat) for chat in chats]
        length = min(common_length(prompts[0], other) for other in prompts[1:]) if len(prompts) > 1 else 0
        if length < PREFIX_MIN_TOKENS or not self.prefix_cache:
            return 0
        head = tuple(prompts[0][:length])
        with self._lock, torch.inference_mode():
            if head not in self._prefixes:
                self._prefixes[head] = self._encode(head)
                while len(self._prefixes) > PREFIX_CACHE_ENTRIES:
                    self._prefixes.popitem(last=False)
        return length

    def _static_cache(self, batch: int, tokens: int):
        """The kept static cache for ``batch`` rows, emptied; a new one (recompiling the decoder
        step) only for a first batch size or a call longer than the kept one holds."""
        from transformers import StaticCache

        cache = self._static_caches.get(batch)
        if cache is None or cache.get_max_length() < tokens:
            size = -(-tokens // STATIC_CACHE_TOKENS) * STATIC_CACHE_TOKENS
            cache = self._static_caches[batch] = StaticCache(config=self.model.config, max_cache_len=size)
        cache.reset()
        return cache

    def _prefix_cache(self, prompt: list[int], copies: int):
        """Return a private copy of a KV cache covering the longest head ``prompt`` shares with
        a kept prefix (cropped to it), else one made from the head shared with the previous
        prompt, else None."""
        limit = len(prompt) - 1  # the last prompt token must still run, to give the first logits
        best, best_length = None, 0
        for prefix in self._prefixes:
            length = min(common_length(prompt, prefix), limit)
            if length > best_length:
                best, best_length = prefix, length
        if best_length < PREFIX_MIN_TOKENS:
            best_length = min(common_length(prompt, self._last_prompt), limit)
            best = tuple(prompt[:best_length]) if best_length >= PREFIX_MIN_TOKENS else None
            if best is not None:
                self._prefixes[best] = self._encode(best)
                while len(self._prefixes) > PREFIX_CACHE_ENTRIES:
                    self._prefixes.popitem(last=False)
        self._last_prompt = prompt
        if best is None:
            return None
        self._prefixes.move_to_end(best)
        cache = copy.deepcopy(self._prefixes[best])
        if best_length < len(best):
            cache.crop(best_length - len(best))  # a negative count: tokens to drop
        if copies > 1:
            cache.batch_repeat_interleave(copies)
        return cache

    def _encode(self, tokens: tuple[int, ...]):
        from transformers import DynamicCache

        cache = DynamicCache(config=self.model.config)
        ids = torch.tensor([tokens], device=self.device)
        self.model(input_ids=ids, use_cache=True, **{self._cache_arg: cache})
        return cache

    def _stop_after_fence(self, options: dict, prompt_len: int) -> None:
        """Add the fence stop to generate() ``options`` (not to beam search, which finishes
        beams by its own rules; :meth:`_decode` cuts those answers instead)."""
        if options.get("num_beams", 1) == 1:
            options["stopping_criteria"] = StoppingCriteriaList([_FenceStop(self.tokenizer, prompt_len)])

    def _decode(self, token_ids: list[int], prompt_len: int) -> Generation:
        end = next((i for i, t in enumerate(token_ids) if t in self._answer_end_ids), len(token_ids))
        text = cut_after_first_block(self.tokenizer.decode(token_ids[:end], skip_special_tokens=True))
        return Generation(text=text.strip(), prompt_tokens=prompt_len, completion_tokens=end)


class _FenceStop(StoppingCriteria):
    """Finish each sequence once its generated text holds a complete fenced block; only
    sequences whose newest token has a backtick are decoded, so most steps cost nothing."""

    def __init__(self, tokenizer, prompt_len: int) -> None:
        self.tokenizer, self.prompt_len = tokenizer, prompt_len

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        if input_ids.shape[1] <= self.prompt_len:
            return done
        newest = self.tokenizer.convert_ids_to_tokens(input_ids[:, -1].tolist())
        for row, token in enumerate(newest):
            if token and "`" in token:
                text = self.tokenizer.decode(input_ids[row, self.prompt_len :], skip_special_tokens=True)
                done[row] = text.count(FENCE) >= 2
        return done


def _decoding_options(n: int, temperature: float, max_new_tokens: int) -> dict:
    """generate() options: ``n`` samples at ``temperature``, or the ``n`` best beams when it is 0."""
    if n < 1:
        raise SqlfixError(f"n must be at least 1, got {n}")
    options: dict = {"max_new_tokens": max_new_tokens, "num_return_sequences": n}
    if temperature > 0:
        options.update(do_sample=True, temperature=temperature, top_p=TOP_P)
    else:
        options.update(do_sample=False, num_beams=n, temperature=None, top_p=None, top_k=None)
    return options


def _cache_argument(model: torch.nn.Module) -> str:
    """The name the model's ``forward`` and ``generate`` take a KV cache under: ``cache`` from
    transformers 5.2x on (``past_key_values`` is deprecated there), ``past_key_values`` before."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def with_adapter(model: torch.nn.Module, adapter_dir: Path, *, merge: bool) -> torch.nn.Module:
    """Apply the LoRA adapter in ``adapter_dir`` to ``model``, folded into its weights when ``merge``."""
    from peft import PeftModel

    if not (adapter_dir / "adapter_config.json").is_file():
        raise SqlfixError(f"{adapter_dir} is not a LoRA adapter folder (no adapter_config.json)")
    model = PeftModel.from_pretrained(model, str(adapter_dir))
    return model.merge_and_unload() if merge else model
