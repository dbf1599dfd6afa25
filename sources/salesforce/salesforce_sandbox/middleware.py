"""ASGI middleware in front of the API: auth (access token), API usage, faults, stats, limit header.

Under ``/services/data/v…`` every request needs a valid access token (401 ``INVALID_SESSION_ID``
otherwise), spends one request of the daily allocation (403 ``REQUEST_LIMIT_EXCEEDED`` once spent)
and may get an injected fault; every API response carries ``Sforce-Limit-Info: api-usage=n/m``.
The OAuth token endpoint is not counted against the allocation, as in Salesforce.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from salesforce_sandbox.errors import SalesforceError, invalid_session, request_limit_exceeded
from salesforce_sandbox.state import SandboxState

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIX = "/services/data/v"
OAUTH_PATH = "/services/oauth2/token"


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (or ``OAuth <token>``)."""
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, credentials = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() in ("bearer", "oauth") and credentials.strip():
                return credentials.strip()
    return None


async def send_error(send: Send, error: SalesforceError) -> None:
    """Answer with a Salesforce error body."""
    body = error.body_bytes()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class SandboxMiddleware:
    """Wraps the app: auth, allocation, faults and stats for the API; the limit header on answers."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_api = path.startswith(API_PREFIX)
        if not is_api and path != OAUTH_PATH:
            await self.app(scope, receive, send)
            return
        state = self.state
        truncate = False
        cut_sent = False

        async def wrapped_send(message: Message) -> None:
            nonlocal cut_sent
            if message["type"] == "http.response.start":
                state.stats.record(path, int(message["status"]))
                if is_api:
                    headers = list(message.get("headers", []))
                    headers.append((b"sforce-limit-info", state.usage.header(state.store.clock).encode()))
                    message["headers"] = headers
            elif message["type"] == "http.response.body" and truncate:
                if cut_sent:
                    return
                body: bytes = message.get("body", b"")
                cut_sent = True
                # Content-Length promises the whole body; send half and never finish.
                await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
                return
            await send(message)

        if is_api:
            if not state.tokens.use(bearer_token(list(scope.get("headers", [])))):
                state.stats.record_event("invalid_session")
                await send_error(wrapped_send, invalid_session())
                return
            if not state.usage.try_spend(state.store.clock):
                state.stats.record_event("request_limit_exceeded")
                await send_error(wrapped_send, request_limit_exceeded())
                return
        decision = state.faults.decide(path)
        if decision.delay_seconds > 0:
            await asyncio.sleep(decision.delay_seconds)
        kind = decision.kind
        if kind is not None:
            state.stats.record_fault(kind)
            logger.debug("fault injected", extra={"source": "salesforce", "fault": kind, "path": path})
        if decision.error is not None:
            await send_error(wrapped_send, decision.error)
            return
        if decision.hang_seconds > 0:
            await asyncio.sleep(decision.hang_seconds)
        truncate = decision.truncate
        await self.app(scope, receive, wrapped_send)
