"""Request body limits as ASGI middleware, before any parsing: a body over the size limit gets
413, one that has not fully arrived within the time limit 408 (a client sending one byte a
second, or one that stops half-way, holds no worker: the wait is on the event loop)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyLimits:
    """Reject HTTP requests whose body is larger than ``max_bytes`` (413) or takes longer than
    ``timeout_s`` to arrive (408).

    Checks ``Content-Length`` up front, then reads the (possibly chunked) body itself,
    counting as it goes, and hands the app the buffered body only when it fits.
    """

    def __init__(self, app: Callable, *, max_bytes: int, timeout_s: float) -> None:
        """Wrap ``app``; bodies over ``max_bytes`` or slower than ``timeout_s`` are refused."""
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, 413, "too_large", f"request body is larger than {self.max_bytes} bytes")
            return
        body = bytearray()
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                await _refuse(send, 408, "body_timeout", f"the request body did not arrive within {self.timeout_s:g} s ({len(body)} bytes came)")
                return
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await _refuse(send, 413, "too_large", f"request body is larger than {self.max_bytes} bytes")
                return
            if not message.get("more_body", False):
                break
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, kind: str, message: str) -> None:
    # "connection: close": the rest of the body is not read, so the connection cannot carry
    # another request.
    body = json.dumps({"error": {"type": kind, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
