"""Fault injection: latency, 5xx errors, injected 429s, timeouts and truncated bodies.

Every ``/api/v2`` request draws the same five numbers from one seeded RNG, whatever is switched
on, so a given seed and request sequence always produce the same faults. Rate limits are not
faults: they live in :mod:`zendesk_sandbox.ratelimit`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fnmatch import fnmatchcase

from zendesk_sandbox.errors import ZendeskError, rate_limited, server_error
from zendesk_sandbox.settings import SandboxSettings


@dataclass
class FaultDecision:
    """What to do to one request."""

    delay_seconds: float = 0.0
    error: ZendeskError | None = None
    #: Sleep this long before answering (a "timeout"); 0 for none.
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
    """Decides the fault of each request from the settings and a seeded RNG."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.fail_counts: dict[str, int] = {}

    def configure(self, settings: SandboxSettings, reseed: bool = False) -> None:
        """Adopt new settings (runtime ``POST /_sandbox/faults``)."""
        if reseed:
            self.rng = random.Random(settings.seed)
        if settings.fail_first_n_requests != self.settings.fail_first_n_requests:
            self.fail_counts = {}
        self.settings = settings

    def decide(self, path: str) -> FaultDecision:
        """The fault for a request to ``path`` (called once per API request, after auth)."""
        s = self.settings
        r_jitter, r_error, r_status, r_timeout, r_truncate = (self.rng.random() for _ in range(5))
        decision = FaultDecision(delay_seconds=(s.latency_ms + r_jitter * s.latency_jitter_ms) / 1e3)
        for pattern, n in s.fail_first_n_requests.items():
            if fnmatchcase(path, pattern):
                seen = self.fail_counts.get(pattern, 0)
                self.fail_counts[pattern] = seen + 1
                if seen < n:
                    decision.error = (
                        rate_limited(s.fail_retry_after_seconds, export="/incremental/" in path)
                        if s.fail_first_status == 429
                        else server_error(s.fail_first_status)
                    )
                    return decision
        if r_error < s.error_rate:
            statuses = s.error_statuses
            decision.error = server_error(statuses[min(int(r_status * len(statuses)), len(statuses) - 1)])
        elif r_timeout < s.timeout_rate:
            decision.hang_seconds = s.timeout_seconds
        elif r_truncate < s.truncated_rate:
            decision.truncate = True
        return decision
