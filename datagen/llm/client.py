"""A chat-completions client for datagen: bounded concurrency, retries with exponential
backoff on 429 / 5xx / timeouts / dropped connections, an on-disk response cache keyed by the
request (model, messages, sampling parameters), and token and cost accounting.

The cache key leaves out the base URL and the API key: the same request to another host
serving the same model is the same request. A re-run of a finished run makes no HTTP calls.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai

from sqlfix.errors import EndpointError
from sqlfix.models.base import Message

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}


@dataclass
class ChatRequest:
    """One chat completion to make."""

    messages: list[Message]
    temperature: float
    max_tokens: int = 1024

    def payload(self, model: str) -> dict[str, Any]:
        """The request body (also the cache key's content)."""
        return {"model": model, "messages": [{"role": m.role, "content": m.content} for m in self.messages],
                "temperature": self.temperature, "max_tokens": self.max_tokens}


@dataclass
class ChatAnswer:
    """A completion's text (None when every attempt failed) and where it came from."""

    text: str | None
    cached: bool = False
    error: str | None = None


class CachedChatClient:
    """Make many chat requests against an OpenAI-compatible endpoint, cheaply and politely."""

    def __init__(self, *, base_url: str | None, model: str, cache_dir: str | Path, concurrency: int = 4,
                 max_retries: int = 4, backoff_s: float = 0.5, timeout_s: float = 60.0,
                 price_prompt_per_1k: float = 0.0, price_completion_per_1k: float = 0.0,
                 usage: Counter | None = None) -> None:
        """Configure the client; ``usage`` (a Counter) receives the token, call and cost counts."""
        if not model:
            raise EndpointError("the LLM generator needs --model (the model name at the endpoint)")
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        self.model = model
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.concurrency = max(1, concurrency)
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.prices = (price_prompt_per_1k, price_completion_per_1k)
        self.usage: Counter = usage if usage is not None else Counter()

    def complete_all(self, requests: list[ChatRequest]) -> list[ChatAnswer]:
        """Answer every request (in order); failures come back as answers with ``error`` set."""
        return asyncio.run(self._complete_all(requests))

    async def _complete_all(self, requests: list[ChatRequest]) -> list[ChatAnswer]:
        client = openai.AsyncOpenAI(base_url=self.base_url, api_key=os.environ.get("OPENAI_API_KEY") or "not-set",
                                    max_retries=0, timeout=self.timeout_s)
        gate = asyncio.Semaphore(self.concurrency)
        try:
            return list(await asyncio.gather(*(self._complete(client, gate, r) for r in requests)))
        finally:
            await client.close()

    async def _complete(self, client: openai.AsyncOpenAI, gate: asyncio.Semaphore, request: ChatRequest) -> ChatAnswer:
        payload = request.payload(self.model)
        key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()
        path = self.cache_dir / f"{key}.json"
        if path.exists():
            self.usage["cache_hits"] += 1
            return ChatAnswer(json.loads(path.read_text(encoding="utf-8"))["text"], cached=True)
        last_error = "no attempt made"
        for attempt in range(self.max_retries + 1):
            if attempt:
                await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
                self.usage["retries"] += 1
            try:
                async with gate:
                    self.usage["http_calls"] += 1
                    response = await client.chat.completions.create(**payload)
            except openai.APIStatusError as exc:
                last_error = f"HTTP {exc.status_code}"
                self.usage[f"http_{exc.status_code}"] += 1
                if exc.status_code not in RETRYABLE_STATUS:
                    break
                continue
            except openai.APITimeoutError:
                last_error = f"timed out after {self.timeout_s:g} s"
                self.usage["timeouts"] += 1
                continue
            except openai.APIConnectionError as exc:
                last_error = f"connection failed: {exc}"
                self.usage["connection_errors"] += 1
                continue
            text = response.choices[0].message.content if response.choices else None
            if text is None:
                last_error = "the answer holds no message"
                continue
            self._account(response)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"request": payload, "text": text}), encoding="utf-8")
            os.replace(tmp, path)
            return ChatAnswer(text)
        self.usage["failed_requests"] += 1
        return ChatAnswer(None, error=f"{self.base_url or 'the OpenAI API'}: {last_error}")

    def _account(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        prompt = getattr(usage, "prompt_tokens", 0) or 0
        completion = getattr(usage, "completion_tokens", 0) or 0
        self.usage["prompt_tokens"] += prompt
        self.usage["completion_tokens"] += completion
        self.usage["answered"] += 1
        cost = prompt / 1000 * self.prices[0] + completion / 1000 * self.prices[1]
        # Counted in micro-dollars so the Counter stays integral and JSON-exact.
        self.usage["cost_usd_micro"] += round(cost * 1_000_000)
