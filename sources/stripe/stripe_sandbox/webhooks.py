"""Webhook delivery: POST each new event, in order, signed like Stripe, with bounded retries.

``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, f"{t}.{payload}")>``; ``t`` is the
wall-clock time of signing (as Stripe does), so receivers' tolerance checks work.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

#: How many recent deliveries ``status()`` reports.
RECENT = 50


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value for ``payload``."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(payload: bytes, header: str, secret: str, tolerance: int = 300) -> bool:
    """Check a ``Stripe-Signature`` header (what a receiver does; handy in tests)."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k == "t"]
    signatures = [v for k, v in parts if k == "v1"]
    if not stamps or not signatures:
        return False
    timestamp = int(stamps[0])
    if tolerance and abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(payload, secret, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, s) for s in signatures)


def _post(url: str, payload: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST synchronously; the HTTP status (0 when the connection failed)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"webhook url must be http(s): {url}")
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0


class WebhookDispatcher:
    """Queues events and delivers them one by one from a background asyncio task."""

    def __init__(
        self,
        url: str | None,
        secret: str | None,
        max_attempts: int = 3,
        backoff_seconds: float = 0.2,
        timeout_seconds: float = 5.0,
    ) -> None:
        self.url = url
        self.secret = secret
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.pending: deque[Mapping[str, Any]] = deque()
        self.delivered = 0
        self.failed = 0
        self.attempts = 0
        self.last_error: str | None = None
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._busy = False

    @property
    def enabled(self) -> bool:
        """Both a URL and a signing secret are configured."""
        return bool(self.url and self.secret)

    def configure(self, url: str | None, secret: str | None) -> None:
        """Change the endpoint (``POST /_sandbox/webhooks``)."""
        self.url, self.secret = url, secret

    def enqueue(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Queue events for delivery (call from the event loop); returns how many."""
        if not self.enabled:
            return 0
        before = len(self.pending)
        self.pending.extend(events)
        queued = len(self.pending) - before
        if queued:
            self._ensure_worker()
            assert self._wake is not None
            self._wake.set()
        return queued

    def status(self) -> dict[str, Any]:
        """Counters for ``GET /_sandbox/webhooks``."""
        return {
            "enabled": self.enabled,
            "url": self.url,
            "pending": len(self.pending) + (1 if self._busy else 0),
            "delivered": self.delivered,
            "failed": self.failed,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "recent": list(self.recent),
        }

    async def close(self) -> None:
        """Stop the worker (pending events are dropped)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _ensure_worker(self) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            if not self.pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            event = self.pending.popleft()
            self._busy = True
            try:
                await self._deliver(event)
            finally:
                self._busy = False

    async def _deliver(self, event: Mapping[str, Any]) -> None:
        """Deliver one event, retrying with exponential backoff up to ``max_attempts``."""
        payload = json.dumps(event, separators=(",", ":")).encode()
        status = 0
        attempt = 0
        for attempt in range(1, self.max_attempts + 1):
            url, secret = self.url, self.secret
            if not url or not secret:
                return
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                "Stripe-Signature": sign(payload, secret, int(time.time())),
            }
            self.attempts += 1
            status = await asyncio.to_thread(_post, url, payload, headers, self.timeout_seconds)
            if 200 <= status < 300:
                break
            if attempt < self.max_attempts:
                await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        ok = 200 <= status < 300
        record = {"event": event.get("id"), "type": event.get("type"), "status": status, "attempts": attempt, "ok": ok}
        self.recent.append(record)
        extra = {"source": "stripe", **{f"webhook_{k}": v for k, v in record.items()}}
        if ok:
            self.delivered += 1
            logger.debug("webhook delivered", extra=extra)
        else:
            self.failed += 1
            self.last_error = f"{event.get('id')}: status {status} after {attempt} attempts"
            logger.warning("webhook delivery failed", extra=extra)
