"""ASGI middleware in front of ``/v1``: Request-Id, auth, stats and fault injection."""

from __future__ import annotations

import asyncio
import base64
import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from stripe_sandbox.errors import StripeError, invalid_key, missing_key
from stripe_sandbox.state import SandboxState

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STRIPE_VERSION = b"2025-03-31.basil"


def new_request_id() -> str:
    """``req_`` plus 14 random characters, like Stripe."""
    return "req_" + uuid.uuid4().hex[:14]


def api_key_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The key from ``Authorization: Bearer <key>`` or HTTP basic (key as the user name)."""
    for name, value in headers:
        if name.lower() != b"authorization":
            continue
        text = value.decode("latin-1").strip()
        scheme, _, credentials = text.partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer":
            return credentials or None
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                return credentials or None
            return decoded.partition(":")[0] or None
        return text or None
    return None


async def send_error(send: Send, error: StripeError) -> None:
    """Answer with a Stripe error body."""
    body = error.body_bytes()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class SandboxMiddleware:
    """Wraps the app: every response gets ``Request-Id``; ``/v1`` gets auth, faults, stats."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        request_id = new_request_id()
        is_api = path == "/v1" or path.startswith("/v1/")
        stats = self.state.stats
        truncate = False
        cut_sent = False

        async def wrapped_send(message: Message) -> None:
            nonlocal cut_sent
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"request-id", request_id.encode()))
                headers.append((b"stripe-version", STRIPE_VERSION))
                message["headers"] = headers
                if is_api:
                    stats.record(path, int(message["status"]))
            elif message["type"] == "http.response.body" and truncate:
                if cut_sent:
                    return
                body: bytes = message.get("body", b"")
                cut_sent = True
                # Content-Length promises the whole body; send half and never finish.
                await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
                return
            await send(message)

        if not is_api:
            await self.app(scope, receive, wrapped_send)
            return

        key = api_key_of(list(scope.get("headers", [])))
        expected = self.state.settings.api_key
        if key is None:
            await send_error(wrapped_send, missing_key())
            return
        if not hmac.compare_digest(key.encode(), expected.encode()):
            await send_error(wrapped_send, invalid_key(key))
            return

        decision = self.state.faults.decide(path)
        if decision.delay_seconds > 0:
            await asyncio.sleep(decision.delay_seconds)
        kind = decision.kind
        if kind is not None:
            stats.record_fault(kind)
            logger.debug(
                "fault injected",
                extra={"source": "stripe", "fault": kind, "path": path, "request_id": request_id},
            )
        if decision.error is not None:
            await send_error(wrapped_send, decision.error)
            return
        if decision.hang_seconds > 0:
            await asyncio.sleep(decision.hang_seconds)
        truncate = decision.truncate
        await self.app(scope, receive, wrapped_send)
