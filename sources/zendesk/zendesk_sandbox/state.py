"""The mutable state of one sandbox app: settings, store (clock), rate limits, faults, stats."""

from __future__ import annotations

from dataclasses import dataclass

from zendesk_sandbox.faults import FaultInjector
from zendesk_sandbox.ratelimit import RateLimits
from zendesk_sandbox.settings import SandboxSettings
from zendesk_sandbox.stats import RequestStats
from zendesk_sandbox.store import SandboxStore


@dataclass
class SandboxState:
    """Shared by the middleware, the API routes and the admin routes (one event loop)."""

    settings: SandboxSettings
    store: SandboxStore
    limits: RateLimits
    faults: FaultInjector
    stats: RequestStats
    #: The start-up settings (``POST /_sandbox/faults {"reset": true}`` returns to them).
    initial_settings: SandboxSettings

    def stats_snapshot(self) -> dict[str, object]:
        """``GET /_sandbox/stats``."""
        s = self.settings
        return self.stats.snapshot(s.export_requests_per_minute, s.requests_per_minute, s.rate_limit_window_seconds)
