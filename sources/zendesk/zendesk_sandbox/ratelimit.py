"""Zendesk's rate limits: sliding windows, ``Retry-After`` and the rate-limit headers.

Two buckets: ``account`` (every ``/api/v2`` request, e.g. 700 per minute) and ``export``
(``/api/v2/incremental/*``, 10 per minute). An export request takes a slot in both. A rejected
request takes none. Headers on every API response:

* ``X-Rate-Limit`` / ``ratelimit-limit``: the account's requests per minute;
* ``X-Rate-Limit-Remaining`` / ``ratelimit-remaining``: slots left in the window;
* ``ratelimit-reset``: seconds until a slot frees up;
* on exports, ``Zendesk-RateLimit-Incremental-Exports: total=10; remaining=9; resets=41``
  (in the format of Zendesk's documented ``zendesk-ratelimit-tickets-index``).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from zendesk_sandbox.settings import SandboxSettings

EXPORT_PREFIX = "/api/v2/incremental/"
EXPORT_HEADER = "Zendesk-RateLimit-Incremental-Exports"


class SlidingWindow:
    """At most ``limit`` requests in any ``window`` seconds (``limit <= 0``: unlimited)."""

    def __init__(self, per_minute: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.window = window
        self.limit = max(1, round(per_minute * window / 60.0)) if per_minute > 0 else 0
        self._clock = clock
        self._taken: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self._taken and self._taken[0] <= now - self.window:
            self._taken.popleft()

    def wait_seconds(self) -> float:
        """0 when a slot is free now, else the seconds until one is."""
        if self.limit <= 0:
            return 0.0
        now = self._clock()
        self._expire(now)
        if len(self._taken) < self.limit:
            return 0.0
        return max(self._taken[0] + self.window - now, 0.001)

    def take(self) -> None:
        """Use a slot (call after :meth:`wait_seconds` said 0)."""
        if self.limit > 0:
            self._taken.append(self._clock())

    def remaining(self) -> int:
        """Free slots now."""
        if self.limit <= 0:
            return 0
        self._expire(self._clock())
        return self.limit - len(self._taken)

    def reset_seconds(self) -> int:
        """Whole seconds until the oldest slot in the window frees up (0 when none is used)."""
        if self.limit <= 0 or not self._taken:
            return 0
        return max(1, math.ceil(self._taken[0] + self.window - self._clock()))


@dataclass
class Admission:
    """The rate-limit decision for one request."""

    retry_after: int = 0
    limited_by: str | None = None


class RateLimits:
    """The account and export windows of one sandbox."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.configure(settings)

    def configure(self, settings: SandboxSettings) -> None:
        """(Re)create the windows when the limits change."""
        window = settings.rate_limit_window_seconds
        current = getattr(self, "account", None)
        if current is None or (current.per_minute, current.window) != (settings.requests_per_minute, window):
            self.account = SlidingWindow(settings.requests_per_minute, window)
        current = getattr(self, "export", None)
        if current is None or (current.per_minute, current.window) != (settings.export_requests_per_minute, window):
            self.export = SlidingWindow(settings.export_requests_per_minute, window)

    def admit(self, path: str) -> Admission:
        """Take the request's slots, or say how long to wait (the export limit is checked first)."""
        is_export = path.startswith(EXPORT_PREFIX)
        windows = [("export", self.export), ("account", self.account)] if is_export else [("account", self.account)]
        for name, window in windows:
            wait = window.wait_seconds()
            if wait > 0:
                return Admission(retry_after=max(1, math.ceil(wait)), limited_by=name)
        for _, window in windows:
            window.take()
        return Admission()

    def headers(self, path: str) -> list[tuple[bytes, bytes]]:
        """Rate-limit headers of a response to ``path``."""
        out: list[tuple[bytes, bytes]] = []
        account = self.account
        if account.limit > 0:
            limit = str(account.per_minute).encode()
            remaining = str(max(account.remaining(), 0)).encode()
            out += [
                (b"x-rate-limit", limit),
                (b"x-rate-limit-remaining", remaining),
                (b"ratelimit-limit", limit),
                (b"ratelimit-remaining", remaining),
                (b"ratelimit-reset", str(account.reset_seconds()).encode()),
            ]
        export = self.export
        if path.startswith(EXPORT_PREFIX) and export.limit > 0:
            left = max(export.remaining(), 0)
            value = f"total={export.per_minute}; remaining={left}; resets={export.reset_seconds()}"
            out.append((EXPORT_HEADER.lower().encode(), value.encode()))
        return out
