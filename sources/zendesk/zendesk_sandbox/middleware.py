"""ASGI middleware in front of ``/api/v2``: request id, auth, rate limits, faults and stats."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from zendesk_sandbox.errors import ZendeskError, rate_limited, unauthenticated
from zendesk_sandbox.state import SandboxState

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIX = "/api/v2"


def basic_credentials(headers: list[tuple[bytes, bytes]]) -> tuple[str, str] | None:
    """``(user, password)`` from an ``Authorization: Basic`` header."""
    for name, value in headers:
        if name.lower() != b"authorization":
            continue
        scheme, _, encoded = value.decode("latin-1").strip().partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None
        user, _, password = decoded.partition(":")
        return user, password
    return None


def authenticated(state: SandboxState, headers: list[tuple[bytes, bytes]]) -> bool:
    """API-token auth: user ``{email}/token``, password the token."""
    credentials = basic_credentials(headers)
    if credentials is None:
        return False
    user, password = credentials
    expected_user = f"{state.settings.email}/token"
    return hmac.compare_digest(user.lower().encode(), expected_user.lower().encode()) and hmac.compare_digest(
        password.encode(), state.settings.api_token.encode()
    )


async def send_error(send: Send, error: ZendeskError) -> None:
    """Answer with a Zendesk error body."""
    body = error.body_bytes()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class Exchange:
    """One request's response path: adds headers, counts the answer, can cut the body short."""

    def __init__(self, state: SandboxState, send: Send, path: str, is_api: bool) -> None:
        self.state = state
        self.downstream = send
        self.path = path
        self.is_api = is_api
        self.request_id = uuid.uuid4().hex
        self.truncate = False
        self._cut_sent = False

    async def send(self, message: Message) -> None:
        """The ``send`` handed to the app."""
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"x-zendesk-request-id", self.request_id.encode()))
            if self.is_api:
                headers += self.state.limits.headers(self.path)
                self.state.stats.record(self.path, int(message["status"]))
            message["headers"] = headers
        elif message["type"] == "http.response.body" and self.truncate:
            if self._cut_sent:
                return
            body: bytes = message.get("body", b"")
            self._cut_sent = True
            # Content-Length promises the whole body: send half and never finish.
            await self.downstream({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            return
        await self.downstream(message)


class SandboxMiddleware:
    """Every response gets a request id; ``/api/v2`` gets auth, rate limits, faults and stats."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_api = path == API_PREFIX or path.startswith(API_PREFIX + "/")
        exchange = Exchange(self.state, send, path, is_api)
        if not is_api:
            await self.app(scope, receive, exchange.send)
            return
        if not authenticated(self.state, list(scope.get("headers", []))):
            await send_error(exchange.send, unauthenticated())
            return
        self.state.stats.begin(path)
        try:
            await self._serve_api(scope, receive, exchange)
        finally:
            self.state.stats.end(path)

    async def _serve_api(self, scope: Scope, receive: Receive, exchange: Exchange) -> None:
        """Rate limits (at arrival), then faults, then the route."""
        state = self.state
        path = exchange.path
        admission = state.limits.admit(path)
        decision = state.faults.decide(path)
        if decision.delay_seconds > 0:
            await asyncio.sleep(decision.delay_seconds)
        if admission.limited_by is not None:
            bucket = admission.limited_by
            logger.debug(
                "rate limited",
                extra={"source": "zendesk", "bucket": bucket, "path": path, "request_id": exchange.request_id},
            )
            await send_error(exchange.send, rate_limited(admission.retry_after, export=bucket == "export"))
            return
        if decision.kind is not None:
            state.stats.record_fault(decision.kind)
            logger.debug(
                "fault injected",
                extra={"source": "zendesk", "fault": decision.kind, "path": path, "request_id": exchange.request_id},
            )
        if decision.error is not None:
            await send_error(exchange.send, decision.error)
            return
        if decision.hang_seconds > 0:
            await asyncio.sleep(decision.hang_seconds)
        exchange.truncate = decision.truncate
        await self.app(scope, receive, exchange.send)
