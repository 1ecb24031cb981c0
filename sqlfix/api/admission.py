"""A bounded queue in front of something that serves a few requests at a time: beyond its
length a request is refused at once (429 with ``Retry-After``) instead of piling up."""

from __future__ import annotations

import asyncio
import math
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator


class QueueFull(Exception):
    """The queue is full; ``retry_after_s`` estimates when a place frees up."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Admission:
    """At most ``running`` requests at a time, and ``waiting`` more queued behind them.

    Example:
        >>> async def demo():
        ...     queue = Admission("shop", running=1, waiting=0)
        ...     async with queue.turn():
        ...         try:
        ...             async with queue.turn():
        ...                 pass
        ...         except QueueFull as full:
        ...             return str(full)
        >>> asyncio.run(demo())
        'database shop is busy: 1 requests running and 0 waiting'
    """

    def __init__(self, name: str, *, running: int, waiting: int) -> None:
        """A queue for ``name`` (used in messages)."""
        self.name = name
        self.running = running
        self.waiting = waiting
        self._slots: asyncio.Semaphore | None = None  # made in the server's event loop
        self._inside = 0
        self._mean_s = 0.1  # running mean of a turn's duration, for Retry-After

    @property
    def inside(self) -> int:
        """Requests running or waiting now."""
        return self._inside

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for a turn, or raise :class:`QueueFull` at once when the queue is full."""
        if self._inside >= self.running + self.waiting:
            queued = self._inside - self.running
            raise QueueFull(f"database {self.name} is busy: {self.running} requests running and {queued} waiting", self._retry_after())
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.running)
        self._inside += 1
        try:
            async with self._slots:
                started = time.monotonic()
                try:
                    yield
                finally:
                    self._mean_s = 0.8 * self._mean_s + 0.2 * (time.monotonic() - started)
        finally:
            self._inside -= 1

    def _retry_after(self) -> float:
        """Seconds until the queue has likely drained by one place (at least 1)."""
        return max(1.0, math.ceil(self._mean_s * self._inside / self.running))
