"""An OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp server...) behind the
:class:`~sqlfix.models.base.ChatModel` protocol."""

from __future__ import annotations

import os

import openai

from sqlfix.errors import EndpointError
from sqlfix.models.base import Generation, Message

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_RETRIES = 2


class OpenAIChatModel:
    """Chat completions from an OpenAI-compatible server.

    Args:
        model: the served model's name.
        base_url: the API root (``http://127.0.0.1:8000/v1``); None: ``OPENAI_BASE_URL`` or OpenAI.
        api_key: None: ``OPENAI_API_KEY``, else a placeholder (local servers need none).
        timeout_s: seconds per request before it counts as failed.
        retries: extra attempts after a timeout, a refused connection or a 5xx/429 answer.

    Every failure left after the retries (and an answer with no text) raises
    :class:`~sqlfix.errors.EndpointError` naming the server. The client is thread-safe.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        self.name = f"openai:{model}"
        self.model = model
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        key = api_key or os.environ.get("OPENAI_API_KEY") or "sqlfix-no-key"
        self._client = openai.OpenAI(base_url=self.base_url, api_key=key, timeout=timeout_s, max_retries=retries)

    def generate(
        self,
        messages: list[Message],
        *,
        n: int = 1,
        temperature: float = 0.0,
        max_tokens: int = 256,
    ) -> list[Generation]:
        """Return ``n`` completions; asks again when a server returns fewer choices than ``n``."""
        chat = [{"role": m.role, "content": m.content} for m in messages]
        generations: list[Generation] = []
        while len(generations) < n:
            generations += self._complete(chat, n - len(generations), temperature, max_tokens)
        return generations[:n]

    def _complete(self, chat: list[dict], n: int, temperature: float, max_tokens: int) -> list[Generation]:
        try:
            response = self._client.chat.completions.create(
                model=self.model, messages=chat, n=n, temperature=temperature, max_tokens=max_tokens
            )
        except openai.APITimeoutError:
            raise EndpointError(f"model endpoint {self.base_url} timed out") from None
        except openai.APIConnectionError as exc:
            raise EndpointError(f"cannot reach model endpoint {self.base_url}: {exc}") from None
        except openai.APIStatusError as exc:
            raise EndpointError(f"model endpoint {self.base_url} answered HTTP {exc.status_code}: {_short(exc.message)}") from None
        except openai.OpenAIError as exc:
            raise EndpointError(f"model endpoint {self.base_url} failed: {_short(str(exc))}") from None
        choices = getattr(response, "choices", None)
        if not choices:
            raise EndpointError(f"model endpoint {self.base_url} returned no choices")
        usage = getattr(response, "usage", None)
        prompt_tokens = getattr(usage, "prompt_tokens", 0) or 0
        completion_tokens = (getattr(usage, "completion_tokens", 0) or 0) // len(choices)
        texts = [choice.message.content if choice.message else None for choice in choices]
        if any(text is None for text in texts):
            raise EndpointError(f"model endpoint {self.base_url} returned a choice with no text")
        return [Generation(text=text.strip(), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens) for text in texts]


def _short(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
