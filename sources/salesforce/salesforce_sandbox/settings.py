"""Start-up settings of the Salesforce sandbox (OAuth client, limits, faults, clock, schema drift).

`SandboxSettings` is a plain dataclass: build it from keyword arguments (what the `acme` CLI and the
main job do), or from environment variables with :meth:`SandboxSettings.from_env`. The fault fields
can also be changed while the server runs through ``POST /_sandbox/faults``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_PREFIX = "SALESFORCE_SANDBOX_"
API_VERSION = "62.0"

#: Settings that `POST /_sandbox/faults` may change at runtime.
FAULT_FIELDS = (
    "latency_ms",
    "latency_jitter_ms",
    "rate_limit_rps",
    "rate_limit_burst",
    "error_rate",
    "error_statuses",
    "timeout_rate",
    "timeout_seconds",
    "truncated_rate",
    "fail_first_n_requests",
    "fail_first_status",
    "query_timeout_objects",
    "seed",
)
_OPTIONAL_INTS = ("start_clock", "health_score_after_hours", "recycle_bin_days")
_TUPLES = ("error_statuses", "query_timeout_objects")


@dataclass
class SandboxSettings:
    """Everything the sandbox can be told at start-up. All fields have defaults; faults are off."""

    #: Connected app the OAuth endpoint accepts (``client_id`` / ``client_secret``).
    client_id: str = "acme_sandbox_client_id"
    client_secret: str = "acme_sandbox_client_secret"  # noqa: S105 (a local test credential)
    #: Refresh token accepted by ``grant_type=refresh_token``.
    refresh_token: str = "acme_sandbox_refresh_token"  # noqa: S105 (a local test credential)
    #: Integration user accepted by ``grant_type=password``.
    username: str = "integration@acmecloud.example"
    password: str = "acme_sandbox_password"  # noqa: S105 (a local test credential)
    #: Access tokens expire this many (wall-clock) seconds after they were issued.
    token_ttl_seconds: float = 7200.0
    #: Access tokens expire after this many API requests (0 = never); makes expiry deterministic.
    token_max_uses: int = 0
    #: Org-wide API requests allowed per rolling 24 h of the sandbox clock (``DailyApiRequests``).
    daily_api_limit: int = 15_000
    #: Requests already spent in the current window when the sandbox starts.
    api_usage_start: int = 0
    #: Largest REST query page (``Sforce-Query-Options: batchSize`` may ask for 200 to 2,000).
    query_page_size: int = 2_000
    #: Bulk API 2.0: status polls a query job answers ``InProgress`` before it completes.
    bulk_polls_until_complete: int = 1
    #: Bulk API 2.0: records per results page when the client sends no ``maxRecords``.
    bulk_results_page_records: int = 50_000
    #: Deleted records leave the recycle bin (and ``queryAll``) this many days after deletion
    #: (Salesforce purges after 15 days); ``None`` keeps them for ever.
    recycle_bin_days: int | None = 15
    #: Schema drift switch: serve the world rebuilt with ``WorldConfig.health_score_after_hours``
    #: set to this (``Health_Score__c`` on Account from anchor + N hours); ``None`` = as built.
    health_score_after_hours: int | None = None
    #: Start the clock here (epoch seconds) instead of at ``world.anchor``.
    start_clock: int | None = None
    #: Fixed latency added to every API response, in milliseconds.
    latency_ms: float = 0.0
    #: Extra uniform random latency in ``[0, latency_jitter_ms]`` milliseconds.
    latency_jitter_ms: float = 0.0
    #: Token-bucket rate limit in requests per second (429 with ``Retry-After``); ``0`` disables it.
    rate_limit_rps: float = 0.0
    #: Bucket size (burst); ``0`` means ``max(1, rate_limit_rps)``.
    rate_limit_burst: int = 0
    #: Probability of answering with a 5xx from ``error_statuses``.
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    #: Probability of sleeping ``timeout_seconds`` before answering (longer than a client timeout).
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    #: Probability of sending only part of the body (``Content-Length`` promises more).
    truncated_rate: float = 0.0
    #: Deterministic failures: ``{path pattern: n}`` fails the first ``n`` matching API requests.
    fail_first_n_requests: dict[str, int] = field(default_factory=dict)
    fail_first_status: int = 503
    #: SOQL objects (``Account`` …) whose queries run too long: REST answers 400 ``QUERY_TIMEOUT``,
    #: Bulk API 2.0 jobs end ``Failed`` (and their results endpoint answers 200 with zero rows).
    query_timeout_objects: tuple[str, ...] = ()
    #: Seed of the fault RNG; the same seed and request sequence gives the same faults.
    seed: int = 0
    #: Emit one uvicorn access-log line per request.
    access_log: bool = False

    def __post_init__(self) -> None:
        self.error_statuses = tuple(int(s) for s in self.error_statuses)
        self.query_timeout_objects = tuple(str(s) for s in self.query_timeout_objects)
        self.fail_first_n_requests = {str(k): int(v) for k, v in self.fail_first_n_requests.items()}
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` when a field is out of range."""
        for name in ("error_rate", "timeout_rate", "truncated_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        for name in ("latency_ms", "latency_jitter_ms", "rate_limit_rps", "timeout_seconds", "token_ttl_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        for name in ("rate_limit_burst", "token_max_uses", "api_usage_start", "bulk_polls_until_complete"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.daily_api_limit < 1:
            raise ValueError("daily_api_limit must be >= 1")
        if not 1 <= self.query_page_size <= 2_000:
            raise ValueError("query_page_size must be within [1, 2000]")
        if self.bulk_results_page_records < 1:
            raise ValueError("bulk_results_page_records must be >= 1")
        if not self.error_statuses:
            raise ValueError("error_statuses must not be empty")

    def fault_dict(self) -> dict[str, Any]:
        """The runtime-changeable fault fields as JSON-friendly data."""
        out = {name: getattr(self, name) for name in FAULT_FIELDS}
        out["error_statuses"] = list(self.error_statuses)
        out["query_timeout_objects"] = list(self.query_timeout_objects)
        return out

    def updated(self, changes: Mapping[str, Any]) -> SandboxSettings:
        """A copy with ``changes`` applied (values may be strings, as from env or a CLI)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        coerced = {name: _coerce(name, getattr(self, name), value) for name, value in changes.items()}
        return dataclasses.replace(self, **coerced)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, prefix: str = ENV_PREFIX, **overrides: Any
    ) -> SandboxSettings:
        """Settings from ``SALESFORCE_SANDBOX_<FIELD>`` variables, then keyword ``overrides``."""
        env = os.environ if environ is None else environ
        changes = {
            f.name: env[prefix + f.name.upper()] for f in dataclasses.fields(cls) if prefix + f.name.upper() in env
        }
        return cls().updated(changes).updated(overrides)


def _coerce(name: str, current: Any, value: Any) -> Any:
    """Convert ``value`` (possibly a string) to the type of the field's current value."""
    if not isinstance(value, str):
        if name in _TUPLES:
            return tuple(int(v) if name == "error_statuses" else str(v) for v in value)
        return value
    text = value.strip()
    if name == "fail_first_n_requests":
        if text.startswith("{"):
            return {str(k): int(v) for k, v in json.loads(text).items()}
        pairs = [p for p in text.split(",") if p.strip()]
        return {p.rsplit("=", 1)[0].strip(): int(p.rsplit("=", 1)[1]) for p in pairs}
    if name in _TUPLES:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return tuple(int(p) for p in parts) if name == "error_statuses" else tuple(parts)
    if name in _OPTIONAL_INTS:
        return None if text == "" or text.lower() == "none" else int(text)
    if isinstance(current, bool):
        return text.lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(text)
    if isinstance(current, float):
        return float(text)
    return text
