"""Fault injection: latency, a token-bucket rate limit (429), 5xx errors, timeouts, truncated bodies.

Every API request draws the same five numbers from one seeded RNG, whatever is switched on, so a
given seed and request sequence always produces the same faults.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from fnmatch import fnmatchcase

from salesforce_sandbox.errors import SalesforceError, rate_limited, server_error
from salesforce_sandbox.settings import SandboxSettings


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved."""

    def __init__(self, rate: float, burst: int = 0) -> None:
        self.rate = rate
        self.capacity = float(burst or max(1.0, rate))
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def take(self) -> float:
        """Take a token; 0 on success, else seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass
class FaultDecision:
    """What to do to one request."""

    delay_seconds: float = 0.0
    error: SalesforceError | None = None
    hang_seconds: float = 0.0
    truncate: bool = False

    @property
    def kind(self) -> str | None:
        """Short name of the injected fault (stats and logs)."""
        if self.error is not None:
            return "rate_limit" if self.error.status == 429 else f"error_{self.error.status}"
        if self.hang_seconds:
            return "timeout"
        if self.truncate:
            return "truncated"
        return None


class FaultInjector:
    """Decides the fault of each API request from the settings and a seeded RNG."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.bucket: TokenBucket | None = None
        self.fail_counts: dict[str, int] = {}
        self.configure(settings)

    def configure(self, settings: SandboxSettings, reseed: bool = False) -> None:
        """Adopt new settings (runtime ``POST /_sandbox/faults``)."""
        rate_changed = (settings.rate_limit_rps, settings.rate_limit_burst) != (
            self.settings.rate_limit_rps,
            self.settings.rate_limit_burst,
        )
        if reseed:
            self.rng = random.Random(settings.seed)
        if settings.fail_first_n_requests != self.settings.fail_first_n_requests:
            self.fail_counts = {}
        if self.bucket is None or rate_changed:
            self.bucket = (
                TokenBucket(settings.rate_limit_rps, settings.rate_limit_burst) if settings.rate_limit_rps > 0 else None
            )
        self.settings = settings

    def decide(self, path: str) -> FaultDecision:
        """The fault for one request to ``path``."""
        s = self.settings
        r_jitter, r_error, r_status, r_timeout, r_truncate = (self.rng.random() for _ in range(5))
        decision = FaultDecision(delay_seconds=(s.latency_ms + r_jitter * s.latency_jitter_ms) / 1e3)
        if self.bucket is not None:
            wait = self.bucket.take()
            if wait > 0:
                decision.error = rate_limited(max(1, math.ceil(wait)))
                return decision
        for pattern, n in s.fail_first_n_requests.items():
            if fnmatchcase(path, pattern):
                seen = self.fail_counts.get(pattern, 0)
                self.fail_counts[pattern] = seen + 1
                if seen < n:
                    status = s.fail_first_status
                    decision.error = rate_limited(1) if status == 429 else server_error(status)
                    return decision
        if r_error < s.error_rate:
            statuses = s.error_statuses
            decision.error = server_error(statuses[min(int(r_status * len(statuses)), len(statuses) - 1)])
        elif r_timeout < s.timeout_rate:
            decision.hang_seconds = s.timeout_seconds
        elif r_truncate < s.truncated_rate:
            decision.truncate = True
        return decision
