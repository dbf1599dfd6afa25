"""Start-up settings of the Zendesk sandbox (credentials, rate limits, faults, clock).

`SandboxSettings` is a plain dataclass: build it from keyword arguments (what the `acme` CLI and
the orchestrator do) or from ``ZENDESK_SANDBOX_<FIELD>`` environment variables with
:meth:`SandboxSettings.from_env`. Rate limits and faults can also be changed while the server runs
(``POST /_sandbox/faults``).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_EMAIL = "integration@acmecloud.com"
DEFAULT_API_TOKEN = "test_zendesk_sandbox"  # noqa: S105 (a sandbox test token, never a real one)
ENV_PREFIX = "ZENDESK_SANDBOX_"

#: Settings that ``POST /_sandbox/faults`` may change at runtime.
RUNTIME_FIELDS = (
    "latency_ms",
    "latency_jitter_ms",
    "export_requests_per_minute",
    "requests_per_minute",
    "rate_limit_window_seconds",
    "error_rate",
    "error_statuses",
    "timeout_rate",
    "timeout_seconds",
    "truncated_rate",
    "fail_first_n_requests",
    "fail_first_status",
    "fail_retry_after_seconds",
    "seed",
)


@dataclass
class SandboxSettings:
    """Everything the sandbox can be told at start-up; every field has a default.

    Rate limits are Zendesk's: incremental exports 10 requests per minute, and an account-wide
    limit (700 per minute is the Enterprise plan's). Both are sliding windows of
    ``rate_limit_window_seconds`` holding ``limit x window / 60`` requests, so tests can use a
    short window with the same per-minute rate. Faults are off by default.
    """

    #: Agent email of the API token (basic auth user ``{email}/token``).
    email: str = DEFAULT_EMAIL
    #: API token (basic auth password).
    api_token: str = DEFAULT_API_TOKEN
    #: Incremental export requests allowed per minute (``/api/v2/incremental/*``); 0 = no limit.
    export_requests_per_minute: int = 10
    #: Account-wide requests allowed per minute (every ``/api/v2`` request); 0 = no limit.
    requests_per_minute: int = 700
    #: Length of the sliding rate-limit window, in seconds.
    rate_limit_window_seconds: float = 60.0
    #: Items per incremental export page when the client does not ask (Zendesk: 1000, also the max).
    export_page_size: int = 1000
    #: Changes younger than this (relative to the clock) are left out of incremental exports.
    export_lag_seconds: int = 60
    #: Fixed latency added to every ``/api/v2`` response, in milliseconds.
    latency_ms: float = 0.0
    #: Extra uniform random latency in ``[0, latency_jitter_ms]`` milliseconds.
    latency_jitter_ms: float = 0.0
    #: Probability of answering with a 500/502/503.
    error_rate: float = 0.0
    #: Statuses drawn from (uniformly) when an error is injected.
    error_statuses: tuple[int, ...] = (500, 502, 503)
    #: Probability of sleeping ``timeout_seconds`` before answering.
    timeout_rate: float = 0.0
    #: How long a "timeout" request sleeps, in seconds.
    timeout_seconds: float = 30.0
    #: Probability of sending only half of the body (``Content-Length`` promises all of it).
    truncated_rate: float = 0.0
    #: Deterministic failures: ``{path pattern: n}`` fails the first ``n`` matching requests
    #: (fnmatch patterns against the path, e.g. ``/api/v2/incremental/*``).
    fail_first_n_requests: dict[str, int] = field(default_factory=dict)
    #: Status of ``fail_first_n_requests`` failures (429 gives a rate-limit body and ``Retry-After``).
    fail_first_status: int = 500
    #: ``Retry-After`` seconds of an injected 429.
    fail_retry_after_seconds: int = 1
    #: Seed of the fault RNG; the same seed and request sequence give the same faults.
    seed: int = 0
    #: Start the clock here (epoch seconds) instead of at ``world.anchor``.
    start_clock: int | None = None
    #: Emit one uvicorn access-log line per request.
    access_log: bool = False

    def __post_init__(self) -> None:
        self.error_statuses = tuple(int(s) for s in self.error_statuses)
        self.fail_first_n_requests = {str(k): int(v) for k, v in self.fail_first_n_requests.items()}
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` when a field is out of range."""
        for name in ("error_rate", "timeout_rate", "truncated_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        for name in (
            "latency_ms",
            "latency_jitter_ms",
            "timeout_seconds",
            "export_requests_per_minute",
            "requests_per_minute",
            "export_lag_seconds",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.rate_limit_window_seconds <= 0:
            raise ValueError("rate_limit_window_seconds must be > 0")
        if not 1 <= self.export_page_size <= 1000:
            raise ValueError("export_page_size must be within [1, 1000]")
        if not self.error_statuses:
            raise ValueError("error_statuses must not be empty")

    def runtime_dict(self) -> dict[str, Any]:
        """The runtime-changeable fields as JSON-friendly data."""
        out = {name: getattr(self, name) for name in RUNTIME_FIELDS}
        out["error_statuses"] = list(self.error_statuses)
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
        """Settings from ``ZENDESK_SANDBOX_<FIELD>`` variables, then keyword ``overrides``."""
        env = os.environ if environ is None else environ
        keys = {f.name: prefix + f.name.upper() for f in dataclasses.fields(cls)}
        changes = {name: env[key] for name, key in keys.items() if key in env}
        return cls().updated(changes).updated(overrides)


def _coerce(name: str, current: Any, value: Any) -> Any:
    """Convert ``value`` (possibly a string) to the type of the field's current value."""
    if not isinstance(value, str):
        if name == "error_statuses":
            return tuple(int(v) for v in value)
        return value
    text = value.strip()
    if name == "fail_first_n_requests":
        if text.startswith("{"):
            return {str(k): int(v) for k, v in json.loads(text).items()}
        pairs = [p for p in text.split(",") if p.strip()]
        return {p.rsplit("=", 1)[0].strip(): int(p.rsplit("=", 1)[1]) for p in pairs}
    if name == "error_statuses":
        return tuple(int(p) for p in text.split(",") if p.strip())
    if name == "start_clock":
        return None if text.lower() in ("", "none") else int(text)
    if isinstance(current, bool):
        return text.lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(text)
    if isinstance(current, float):
        return float(text)
    return text
