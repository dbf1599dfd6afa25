"""Client-side request-rate cap shared by every stream (and thread) of one tap run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Throttle:
    """Spaces requests at least ``1 / max_per_second`` apart; ``0`` or less disables it."""

    def __init__(
        self,
        max_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Create a throttle allowing ``max_per_second`` requests per second."""
        self.interval = 1.0 / max_per_second if max_per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def acquire(self) -> float:
        """Block until the next request may go out; return the seconds waited."""
        if self.interval <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)
