"""A chat model loaded on first use or in a background thread, so a surface never waits for a
model it does not need (a fix the rules find in milliseconds, an editor's first page)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from sqlfix.errors import ModelUnavailableError, SqlfixError
from sqlfix.models.base import ChatModel, Generation, Message

Loader = Callable[[], tuple[ChatModel | None, str | None]]

# How much lower the background load runs than the threads that serve requests (Linux nice
# steps). The threads a model's runtime starts while it loads (CTranslate2's pool) inherit it,
# so on a small CPU a rules fix or a page is not slowed by a model loading or computing beside it.
# SQLFIX_LOAD_NICENESS overrides it (0: the caller's priority; bench/bench_ui_first_fix.py compares).
BACKGROUND_NICENESS = 10
NICENESS_VARIABLE = "SQLFIX_LOAD_NICENESS"


class LazyModel:
    """Holds a ``loader`` that returns ``(model, warning)``; loads it on the first
    :meth:`generate` (or at once in a daemon thread after :meth:`start`) and then answers with
    it. Safe to share between threads: one load, the others wait for it.

    ``name`` is what the model is called until it has loaded (then the model's own name);
    ``resolve``, when given, finds the name sooner (:meth:`settled_name`): for ``auto``, the
    spec the machine's default stands for, so a request naming that spec is served while the
    model still loads."""

    def __init__(self, loader: Loader, *, name: str, resolve: Callable[[], str] | None = None) -> None:
        self.name = name
        self._loader = loader
        self._resolve = resolve
        self._name_lock = threading.Lock()
        self._lock = threading.Lock()
        self._loaded = threading.Event()
        self._model: ChatModel | None = None
        self.warning: str | None = None

    def start(self) -> "LazyModel":
        """Begin loading in a daemon thread (once); return self."""
        threading.Thread(target=self._load, name=f"sqlfix-load-{self.name}", daemon=True).start()
        return self

    def _load(self) -> None:
        lower_thread_priority(background_niceness())
        self.settled_name()
        self.get_or_none()

    def settled_name(self) -> str:
        """The model's name without waiting for the load: the loaded model's, else what
        ``resolve`` finds (once; a quick look at the machine), else ``name``."""
        with self._name_lock:
            if self._resolve is not None and not self._loaded.is_set():
                self.name, self._resolve = self._resolve(), None
            return self.name

    def ready(self) -> bool:
        """True once loading has finished (with a model or with a warning)."""
        return self._loaded.is_set()

    def loaded(self) -> ChatModel | None:
        """The model when it has loaded, else None (never waits)."""
        return self._model if self._loaded.is_set() else None

    def get_or_none(self) -> ChatModel | None:
        """The model, loading it now (or waiting for the load under way); None when it could
        not load (:attr:`warning` says why)."""
        with self._lock:
            if not self._loaded.is_set():
                try:
                    self._model, self.warning = self._loader()
                except SqlfixError as exc:
                    self._model, self.warning = None, str(exc)
                self._loaded.set()
                if self._model is not None:
                    self.name = self._model.name
        return self._model

    def get(self) -> ChatModel:
        """The model (see :meth:`get_or_none`); raises :class:`ModelUnavailableError` when it could
        not load (a load is not tried again: no retry time)."""
        model = self.get_or_none()
        if model is None:
            raise ModelUnavailableError(f"the model did not load: {self.warning}", 0.0)
        return model

    def generate(self, messages: list[Message], *, n: int = 1, temperature: float = 0.0, max_tokens: int = 256) -> list[Generation]:
        """Answer with the loaded model (loading it first)."""
        return self.get().generate(messages, n=n, temperature=temperature, max_tokens=max_tokens)

    def warm(self, chats: list[list[Message]]) -> int:
        """Warm the loaded model's prefix cache when it keeps one (see ``sqlfix.fix.prefix``)."""
        warm = getattr(self.get(), "warm", None)
        return warm(chats) if warm is not None else 0


def background_niceness() -> int:
    """The nice steps of a background load: ``$SQLFIX_LOAD_NICENESS`` when it is a whole number,
    else :data:`BACKGROUND_NICENESS`."""
    value = os.environ.get(NICENESS_VARIABLE, "")
    return int(value) if value.isdigit() else BACKGROUND_NICENESS


def lower_thread_priority(niceness: int) -> None:
    """Lower the calling thread's CPU priority by ``niceness`` steps (Linux: nice is per thread,
    and threads it starts inherit it); nothing where the platform cannot."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + niceness))
    except OSError:
        pass  # a priority is a courtesy: the load goes on at the caller's
