"""Request counters and achieved rates for ``GET /_sandbox/stats`` (rate-utilisation benchmarks).

Per route (ids collapsed) and per rate-limit bucket (``export``, ``account``): counts by status,
the achieved rate of successful requests (``(n - 1) / (last - first)``, per minute: the pace
between the first and the last request, not biased by where the measurement starts), the busiest
window (most successful requests in any ``rate_limit_window_seconds``), and the utilisation of the
limit that applies (export routes: the export limit; every other route: the account limit).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from zendesk_sandbox.ratelimit import EXPORT_PREFIX

_ID_SEGMENT = re.compile(r"/\d+(?=/|\.json|$)")


def route_of(path: str) -> str:
    """``/api/v2/tickets/7/comments.json`` → ``/api/v2/tickets/{id}/comments.json``."""
    return _ID_SEGMENT.sub("/{id}", path)


@dataclass
class Series:
    """Answered requests of one route or bucket."""

    by_status: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    ok_times: list[float] = field(default_factory=list)

    def add(self, status: int, at: float) -> None:
        """Count one answered request."""
        self.by_status[status] += 1
        if 200 <= status < 300:
            self.ok_times.append(at)

    def summary(self, limit_per_minute: int, window: float) -> dict[str, Any]:
        """Counts, achieved rate, busiest window and utilisation."""
        times = self.ok_times
        total = sum(self.by_status.values())
        ok = len(times)
        span = times[-1] - times[0] if ok >= 2 else 0.0
        achieved = (ok - 1) / span * 60.0 if span > 0 else 0.0
        out: dict[str, Any] = {
            "requests": total,
            "ok": ok,
            "failed": total - ok,
            "rate_limited": self.by_status.get(429, 0),
            "by_status": {str(s): n for s, n in sorted(self.by_status.items())},
            "active_seconds": round(span, 3),
            "achieved_per_minute": round(achieved, 3),
            "peak_in_window": _peak(times, window),
        }
        if limit_per_minute > 0:
            out["limit_per_minute"] = limit_per_minute
            out["utilisation"] = round(achieved / limit_per_minute, 4)
        return out


def _peak(times: list[float], window: float) -> int:
    """Most timestamps in any half-open interval of ``window`` seconds."""
    best = 0
    low = 0
    for high, at in enumerate(times):
        while times[low] <= at - window:
            low += 1
        best = max(best, high - low + 1)
    return best


class RequestStats:
    """Counts of ``/api/v2`` requests since the last reset."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything."""
        self.started = time.time()
        self.routes: dict[str, Series] = defaultdict(Series)
        self.buckets: dict[str, Series] = {"export": Series(), "account": Series()}
        self.faults: dict[str, int] = defaultdict(int)
        self.in_flight: dict[str, int] = defaultdict(int)
        self.max_in_flight: dict[str, int] = defaultdict(int)
        #: The last answered requests: (monotonic seconds, route, status).
        self.recent: deque[tuple[float, str, int]] = deque(maxlen=1000)

    def begin(self, path: str) -> None:
        """A request to ``path`` is being served (concurrency per route)."""
        route = route_of(path)
        self.in_flight[route] += 1
        self.max_in_flight[route] = max(self.max_in_flight[route], self.in_flight[route])

    def end(self, path: str) -> None:
        """The request to ``path`` is done."""
        self.in_flight[route_of(path)] -= 1

    def record(self, path: str, status: int) -> None:
        """Count one answered request."""
        now = time.monotonic()
        route = route_of(path)
        self.recent.append((now, route, status))
        self.routes[route].add(status, now)
        self.buckets["account"].add(status, now)
        if path.startswith(EXPORT_PREFIX):
            self.buckets["export"].add(status, now)

    def record_fault(self, kind: str) -> None:
        """Count one injected fault by kind."""
        self.faults[kind] += 1

    def snapshot(self, export_limit: int, account_limit: int, window: float) -> dict[str, Any]:
        """JSON-ready stats."""
        account = self.buckets["account"]
        return {
            "total_requests": sum(account.by_status.values()),
            "by_status": {str(s): n for s, n in sorted(account.by_status.items())},
            "faults_injected": dict(self.faults),
            "elapsed_seconds": round(time.time() - self.started, 3),
            "rate_limit_window_seconds": window,
            "buckets": {
                "export": self.buckets["export"].summary(export_limit, window),
                "account": account.summary(account_limit, window),
            },
            "by_route": {
                route: {
                    **series.summary(export_limit if route.startswith(EXPORT_PREFIX) else account_limit, window),
                    "max_in_flight": self.max_in_flight.get(route, 0),
                }
                for route, series in sorted(self.routes.items())
            },
            "recent": [{"at": round(at, 4), "route": route, "status": status} for at, route, status in self.recent],
        }
