"""A shared model behind a bounded queue that rests after failures: what a server puts in
front of the one model all its requests use.

``ModelGuard`` is itself a :class:`~sqlfix.models.base.ChatModel`: generation runs one call at
a time; a call that finds ``max_waiting`` others already waiting is refused at once
(:class:`~sqlfix.errors.ModelBusyError`) instead of piling up. A call that fails in any way (an
exception, out of memory, an endpoint that is down) marks the model down: calls during the
rest that follows are refused at once (:class:`~sqlfix.errors.ModelUnavailableError`), and the
first call after it tries the model again. The rest doubles with every failure in a row, from
``backoff_s`` up to ``max_backoff_s``; one success ends it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlfix.errors import ModelBusyError, ModelUnavailableError, failure_line
from sqlfix.models.base import ChatModel, Generation, Message

log = logging.getLogger("sqlfix.model")


@dataclass(frozen=True)
class ModelHealth:
    """The model's state as ``GET /healthz`` reports it.

    Attributes:
        state: ``ok`` (answering, or not tried yet) or ``down`` (failed; resting until the retry).
        error: the last failure, one line (None once a call succeeded again).
        failures: failures in a row.
        retry_in_s: seconds until the model is tried again (0 when it is up or due).
        waiting: calls queued for the model now.
    """

    state: str
    error: str | None
    failures: int
    retry_in_s: float
    waiting: int


class ModelGuard:
    """Serialise, bound and back off calls to one shared ``model`` (see the module docstring).

    Example:
        >>> class Broken:
        ...     name = "broken"
        ...     def generate(self, messages, **kwargs):
        ...         raise MemoryError("out of memory")
        >>> guard = ModelGuard(Broken(), backoff_s=5)
        >>> try:
        ...     guard.generate([Message("user", "hi")])
        ... except ModelUnavailableError as exc:
        ...     print(exc)
        model broken failed: MemoryError: out of memory
        >>> guard.health().state
        'down'
    """

    def __init__(self, model: ChatModel, *, max_waiting: int = 4, wait_s: float = 30.0, backoff_s: float = 1.0, max_backoff_s: float = 60.0) -> None:
        """Guard ``model``: at most ``max_waiting`` queued calls, each waiting ``wait_s`` at most."""
        self.model = model
        self.max_waiting = max_waiting
        self.wait_s = wait_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._turn = threading.Lock()
        self._state = threading.Lock()
        self._inside = 0  # calls running or waiting
        self._failures = 0
        self._error: str | None = None
        self._retry_at = 0.0
        self._call_s = 1.0  # running mean of a call's duration, for Retry-After

    @property
    def name(self) -> str:
        """The model's name (a model loading in the background names itself once loaded)."""
        return self.model.name

    def generate(self, messages: list[Message], *, n: int = 1, temperature: float = 0.0, max_tokens: int = 256) -> list[Generation]:
        """Generate with the model, or raise :class:`ModelUnavailableError` (down, or busy)."""
        self._refuse_if_down()
        with self._state:
            if self._inside > self.max_waiting:
                raise ModelBusyError(f"model {self.name} is busy: {self._inside - 1} calls already wait for it", self._retry_after(self._inside))
            self._inside += 1
        try:
            if not self._turn.acquire(timeout=self.wait_s):
                raise ModelBusyError(f"model {self.name} is busy: no turn within {self.wait_s:g} s", self._retry_after(self._inside))
        except BaseException:
            with self._state:
                self._inside -= 1
            raise
        try:
            self._refuse_if_down()  # it may have failed for the call before this one
            started = time.monotonic()
            try:
                generations = self.model.generate(messages, n=n, temperature=temperature, max_tokens=max_tokens)
            except Exception as exc:  # any failure of the model makes the rules answer alone
                raise self._failed(exc) from None
            self._succeeded(time.monotonic() - started)
            return generations
        finally:
            self._turn.release()
            with self._state:
                self._inside -= 1

    def health(self) -> ModelHealth:
        """The model's state now."""
        with self._state:
            retry_in = max(0.0, self._retry_at - time.monotonic()) if self._failures else 0.0
            state = "down" if self._failures else "ok"
            return ModelHealth(state=state, error=self._error, failures=self._failures, retry_in_s=round(retry_in, 1), waiting=max(0, self._inside - 1))

    def _refuse_if_down(self) -> None:
        with self._state:
            rest = self._retry_at - time.monotonic()
            if self._failures and rest > 0:
                raise ModelUnavailableError(f"model {self.name} is unavailable ({self._error}); next try in {rest:.0f} s", rest)

    def _failed(self, exc: BaseException) -> ModelUnavailableError:
        error = failure_line(exc)
        with self._state:
            self._failures += 1
            rest = min(self.max_backoff_s, self.backoff_s * 2 ** (self._failures - 1))
            self._retry_at = time.monotonic() + rest
            self._error = error
        log.warning("model %s failed (%s); rules only for %.0f s", self.name, error, rest)
        return ModelUnavailableError(f"model {self.name} failed: {error}", rest)

    def _succeeded(self, elapsed_s: float) -> None:
        with self._state:
            if self._failures:
                log.warning("model %s answers again after %d failures", self.name, self._failures)
            self._failures, self._error = 0, None
            self._call_s = 0.8 * self._call_s + 0.2 * elapsed_s

    def _retry_after(self, inside: int) -> float:
        return max(1.0, self._call_s * (inside + 1))
