"""The org's daily API usage as Salesforce reports it (``Sforce-Limit-Info: api-usage=n/m``).

Every API response carries the header; the guard remembers the latest figures and refuses to send a
request that would take the org past ``max_api_usage_share`` of its daily allocation.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class Usage:
    """Requests used in the rolling 24 h and the org's allocation."""

    used: int
    limit: int

    def __str__(self) -> str:
        return f"api-usage={self.used}/{self.limit}"


def parse_limit_info(value: str | None) -> Usage | None:
    """``Usage`` from a ``Sforce-Limit-Info`` header value, if it carries ``api-usage``."""
    match = _API_USAGE.search(value or "")
    return Usage(int(match.group(1)), int(match.group(2))) if match else None


class UsageGuard:
    """Latest known API usage of the org, and the share of it this tap may take the org to."""

    def __init__(self, max_share: float) -> None:
        self.max_share = max_share
        self.latest: Usage | None = None
        self.first: Usage | None = None
        self.requests = 0
        self._lock = threading.Lock()

    def observe(self, header: str | None) -> None:
        """Remember the figures of one response."""
        usage = parse_limit_info(header)
        with self._lock:
            self.requests += 1
            if usage is not None:
                self.latest = usage
                self.first = self.first or usage

    def allows_another(self) -> bool:
        """Whether one more request keeps the org within ``max_share`` of its allocation."""
        usage = self.latest
        if usage is None or self.max_share <= 0 or self.max_share >= 1:
            return True
        return usage.used + 1 <= self.max_share * usage.limit

    @property
    def spent_by_run(self) -> int | None:
        """Requests the org used between the first and the latest response of this run."""
        if self.first is None or self.latest is None:
            return None
        return self.latest.used - self.first.used + 1
