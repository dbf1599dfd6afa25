"""Request counters for ``GET /_sandbox/stats`` (rate-utilisation benchmarks, test assertions)."""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from typing import Any

_LOCATOR = re.compile(r"^(/services/data/v[\d.]+/(?:query|queryAll))/[^/]+$")
_JOB = re.compile(r"^(/services/data/v[\d.]+/jobs/query)/[^/]+")


def route_of(path: str) -> str:
    """Collapse ids: ``/…/query/01g…-2000`` → ``/…/query/{locator}``, ``/…/jobs/query/750…`` → ``{id}``."""
    path = _LOCATOR.sub(r"\1/{locator}", path)
    return _JOB.sub(r"\1/{id}", path, count=1)


class RequestStats:
    """Counts of API requests by route and status, faults and Salesforce events since the last reset."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget everything; the rate clock restarts now."""
        self.started = time.time()
        self.by_path: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.by_status: dict[int, int] = defaultdict(int)
        self.faults: dict[str, int] = defaultdict(int)
        self.events: dict[str, int] = defaultdict(int)
        self.total = 0
        self.first: float | None = None
        self.last: float | None = None

    def record(self, path: str, status: int) -> None:
        """Count one answered request."""
        now = time.time()
        with self._lock:
            self.by_path[route_of(path)][status] += 1
            self.by_status[status] += 1
            self.total += 1
            if self.first is None:
                self.first = now
            self.last = now

    def record_fault(self, kind: str) -> None:
        """Count one injected fault by kind."""
        with self._lock:
            self.faults[kind] += 1

    def record_event(self, kind: str) -> None:
        """Count a Salesforce-side event (token issued, invalid session, query timeout …)."""
        with self._lock:
            self.events[kind] += 1

    def snapshot(self, rate_limit_rps: float = 0.0) -> dict[str, Any]:
        """JSON-ready stats with achieved request rates."""
        now = time.time()
        elapsed = max(now - self.started, 1e-9)
        ok = sum(n for status, n in self.by_status.items() if 200 <= status < 300)
        span = (self.last - self.first) if self.first is not None and self.last is not None else 0.0
        active_ok_rps = ok / span if span > 0 else 0.0
        out: dict[str, Any] = {
            "total_requests": self.total,
            "by_path": {
                path: {str(status): n for status, n in sorted(counts.items())}
                for path, counts in sorted(self.by_path.items())
            },
            "by_status": {str(status): n for status, n in sorted(self.by_status.items())},
            "faults_injected": dict(self.faults),
            "events": dict(self.events),
            "elapsed_seconds": round(elapsed, 3),
            "active_seconds": round(span, 3),
            "requests_per_second": round(self.total / elapsed, 3),
            "active_requests_per_second": round(self.total / span, 3) if span > 0 else 0.0,
            "active_ok_requests_per_second": round(active_ok_rps, 3),
            "rate_limit_rps": rate_limit_rps,
        }
        if rate_limit_rps > 0:
            out["rate_utilisation"] = round(active_ok_rps / rate_limit_rps, 4)
        return out
