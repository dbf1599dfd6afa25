"""Access tokens (OAuth) and the org's daily API request allocation.

Tokens expire after ``token_ttl_seconds`` of wall-clock time or ``token_max_uses`` API requests, or
when ``/_sandbox/tokens/expire`` says so; a request with an expired token gets 401
``INVALID_SESSION_ID``. API usage is counted per request on a rolling 24 h of the *sandbox clock*
(so advancing the clock a day frees the allocation), reported in ``Sforce-Limit-Info`` and
``/limits``, and refused with 403 ``REQUEST_LIMIT_EXCEEDED`` once spent.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

DAY = 86_400


@dataclass
class _Token:
    issued: float
    uses: int = 0


class TokenStore:
    """Issued access tokens and their expiry."""

    def __init__(self, ttl_seconds: float, max_uses: int) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_uses = max_uses
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self) -> str:
        """A new access token (``00D…!…``, like Salesforce session ids)."""
        token = "00DDn00000AcmeSB!" + secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = _Token(time.monotonic())
            self.issued += 1
        return token

    def use(self, token: str | None) -> bool:
        """Count one API request with ``token``; False when it is unknown or expired."""
        if not token:
            return False
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None:
                return False
            expired = (self.ttl_seconds and time.monotonic() - entry.issued > self.ttl_seconds) or (
                self.max_uses and entry.uses >= self.max_uses
            )
            if expired:
                del self._tokens[token]
                return False
            entry.uses += 1
            return True

    def expire_all(self) -> int:
        """Invalidate every token (an admin revoked the sessions); returns how many."""
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
        return count


class ApiUsage:
    """API requests on a rolling 24 h window of the sandbox clock."""

    def __init__(self, limit: int, used_at_start: int, clock: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._by_second: dict[int, int] = {clock: used_at_start} if used_at_start else {}

    def used(self, clock: int) -> int:
        """Requests counted in the 24 h up to ``clock``."""
        with self._lock:
            return sum(n for at, n in self._by_second.items() if clock - DAY < at <= clock)

    def try_spend(self, clock: int) -> bool:
        """Count one request at ``clock``; False (not counted) when the allocation is spent."""
        with self._lock:
            for at in [at for at in self._by_second if at <= clock - DAY]:
                del self._by_second[at]
            used = sum(n for at, n in self._by_second.items() if at <= clock)
            if used >= self.limit:
                return False
            self._by_second[clock] = self._by_second.get(clock, 0) + 1
            return True

    def set_used(self, clock: int, used: int) -> None:
        """Pretend ``used`` requests were made at ``clock`` (replaces the window)."""
        with self._lock:
            self._by_second = {clock: used} if used else {}

    def header(self, clock: int) -> str:
        """``Sforce-Limit-Info`` value."""
        return f"api-usage={self.used(clock)}/{self.limit}"
