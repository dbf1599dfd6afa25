"""Proactive pacing under Zendesk's rate limits (shared by every stream and thread of a run).

Zendesk limits incremental exports (10 requests per minute by default) and every request of the
account (e.g. 700 per minute). The tap never relies on 429s to find those limits:

* each limit is a :class:`RateBucket` that spaces requests ``60 / (limit x share)`` seconds apart
  (``share``: setting ``rate_limit_share_percent``), so in any minute the tap sends at most the
  share of the limit, whatever the concurrency;
* an export request takes a slot in the export bucket and in the account bucket;
* responses teach the buckets: a lower limit reported by ``X-Rate-Limit`` / ``ratelimit-limit``
  (account) or ``Zendesk-RateLimit-Incremental-Exports: total=…`` (exports) replaces the
  configured one, and ``remaining=0`` pauses the bucket until the window resets;
* a 429 (someone else used the budget) pauses the bucket for ``Retry-After`` seconds, so every
  thread waits, not just the one that was refused; the request itself is retried by the base
  stream's backoff, which also honours ``Retry-After``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests

from .base import retry_after_seconds

EXPORT_PATH = "/incremental/"
EXPORT_HEADER = "Zendesk-RateLimit-Incremental-Exports"
_FIELD = re.compile(r"(\w+)=(\d+)")


class RateBucket:
    """Spaces requests to a share of a per-minute limit; can be paused (``Retry-After``, reset)."""

    def __init__(
        self,
        name: str,
        per_minute: float,
        share: float,
        *,
        logger: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """A bucket allowing ``per_minute x share`` requests per minute (``per_minute <= 0``: no limit)."""
        self.name = name
        self.share = share
        self.per_minute = float(per_minute)
        self.logger = logger or logging.getLogger(__name__)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self.waited_seconds = 0.0
        self.requests = 0

    @property
    def interval(self) -> float:
        """Seconds between two requests of this bucket."""
        allowed = self.per_minute * self.share
        return 60.0 / allowed if allowed > 0 else 0.0

    def acquire(self) -> float:
        """Block until the next request may go out; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + self.interval
            self.requests += 1
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
            with self._lock:
                self.waited_seconds += wait
        return max(wait, 0.0)

    def pause(self, seconds: float, reason: str) -> None:
        """Send nothing for ``seconds`` (every thread waits)."""
        if seconds <= 0:
            return
        with self._lock:
            until = self._clock() + seconds
            if until <= self._paused_until:
                return
            self._paused_until = until
        self.logger.info("%s rate limit: pausing %.1fs (%s)", self.name, seconds, reason)

    def adopt_limit(self, reported: float) -> None:
        """Use the server's limit when it is lower than the configured one."""
        if reported <= 0 or (0 < self.per_minute <= reported):
            return
        with self._lock:
            previous, self.per_minute = self.per_minute, float(reported)
        self.logger.info(
            "%s rate limit: the API reports %g requests/minute (configured %g); pacing to %.1f/minute",
            self.name,
            reported,
            previous,
            reported * self.share,
        )


class ZendeskRateLimits:
    """The export and account buckets of one tap run."""

    def __init__(
        self,
        export_per_minute: float,
        account_per_minute: float,
        share: float,
        logger: logging.Logger | None = None,
    ) -> None:
        """Buckets for the configured limits; ``share`` in (0, 1]."""
        self.export = RateBucket("export", export_per_minute, share, logger=logger)
        self.account = RateBucket("account", account_per_minute, share, logger=logger)

    @staticmethod
    def is_export(url: str) -> bool:
        """Whether ``url`` is an incremental export endpoint."""
        return EXPORT_PATH in urlsplit(url).path

    def buckets_for(self, url: str) -> list[RateBucket]:
        """The buckets a request to ``url`` takes a slot in (export first)."""
        return [self.export, self.account] if self.is_export(url) else [self.account]

    def acquire(self, url: str) -> float:
        """Wait for a slot in every bucket of ``url``; return the seconds waited."""
        return sum(bucket.acquire() for bucket in self.buckets_for(url))

    def observe(self, response: requests.Response) -> None:
        """Learn from a response's rate-limit headers (and a 429's ``Retry-After``)."""
        headers = response.headers
        export = self.is_export(response.request.url or "") if response.request is not None else False
        limit = headers.get("X-Rate-Limit") or headers.get("ratelimit-limit")
        if limit and limit.isdigit():
            self.account.adopt_limit(float(limit))
        remaining = headers.get("X-Rate-Limit-Remaining") or headers.get("ratelimit-remaining")
        reset = headers.get("ratelimit-reset")
        if remaining is not None and remaining.strip() == "0" and reset and reset.isdigit():
            self.account.pause(float(reset), "no requests left in the account window")
        if export and (value := headers.get(EXPORT_HEADER)):
            fields = {k: int(v) for k, v in _FIELD.findall(value)}
            if "total" in fields:
                self.export.adopt_limit(float(fields["total"]))
            if fields.get("remaining") == 0 and fields.get("resets"):
                self.export.pause(float(fields["resets"]), "no export requests left in the window")
        if response.status_code == requests.codes.too_many_requests:
            wait = retry_after_seconds(response) or 1.0
            bucket = self.export if export and self._export_limit_hit(response) else self.account
            bucket.pause(wait, f"HTTP 429, Retry-After {wait:g}s")

    @staticmethod
    def _export_limit_hit(response: requests.Response) -> bool:
        """Whether a 429 on an export request is the export limit (not the account's)."""
        try:
            description = str(response.json().get("description", ""))
        except (ValueError, AttributeError):
            return True
        return "incremental" in description.lower()
