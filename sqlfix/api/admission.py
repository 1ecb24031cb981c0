"""A bounded queue in front of something that serves a few requests at a time: beyond its
length a request is refused at once, and one that waited too long in it gives up (429 with
``Retry-After`` either way) instead of piling up. The wait bound keeps the latency of the
requests served near their service time whatever the machine's load."""

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
    """At most ``running`` requests at a time, ``waiting`` more queued behind them, each
    queued for ``max_wait_s`` at most.

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

    def __init__(self, name: str, *, running: int, waiting: int, max_wait_s: float = 60.0) -> None:
        """A queue for ``name`` (used in messages)."""
        self.name = name
        self.running = running
        self.waiting = waiting
        self.max_wait_s = max_wait_s
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
            try:
                await asyncio.wait_for(self._slots.acquire(), timeout=self.max_wait_s)
            except asyncio.TimeoutError:
                raise QueueFull(f"database {self.name} is busy: no turn within {self.max_wait_s:g} s", self._retry_after()) from None
            started = time.monotonic()
            try:
                yield
            finally:
                self._slots.release()
                self._mean_s = 0.8 * self._mean_s + 0.2 * (time.monotonic() - started)
        finally:
            self._inside -= 1

    def _retry_after(self) -> float:
        """Seconds after which a place has likely freed up: a request waits ``max_wait_s`` at
        most and then takes about the mean turn (at least 1, ``Retry-After``'s unit)."""
        return max(1.0, math.ceil(min(self.max_wait_s, self._mean_s * self._inside / self.running) + self._mean_s))
