"""Start-up settings of the Stripe sandbox (API key, faults, webhooks, clock).

`SandboxSettings` is a plain dataclass: build it from keyword arguments (what the `acme` CLI does),
or from environment variables with :meth:`SandboxSettings.from_env`. The fault fields can also be
changed while the server runs through ``POST /_sandbox/faults``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_API_KEY = "sk_test_acme_sandbox"
ENV_PREFIX = "STRIPE_SANDBOX_"

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
    "seed",
)


@dataclass
class SandboxSettings:
    """Everything the sandbox can be told at start-up. All fields have defaults.

    Faults are off by default. Rates are probabilities per ``/v1`` request in ``[0, 1]``.
    """

    #: Secret key clients must send (``Authorization: Bearer <key>`` or HTTP basic user).
    api_key: str = DEFAULT_API_KEY
    #: Fixed latency added to every ``/v1`` response, in milliseconds.
    latency_ms: float = 0.0
    #: Extra uniform random latency in ``[0, latency_jitter_ms]`` milliseconds.
    latency_jitter_ms: float = 0.0
    #: Token-bucket rate limit in requests per second; ``0`` disables it.
    rate_limit_rps: float = 0.0
    #: Bucket size (burst); ``0`` means ``max(1, rate_limit_rps)``.
    rate_limit_burst: int = 0
    #: Probability of answering with a 500/502/503 ``api_error``.
    error_rate: float = 0.0
    #: Statuses drawn from (uniformly) when an error is injected.
    error_statuses: tuple[int, ...] = (500, 502, 503)
    #: Probability of sleeping ``timeout_seconds`` before answering (longer than a client timeout).
    timeout_rate: float = 0.0
    #: How long a "timeout" request sleeps, in seconds.
    timeout_seconds: float = 30.0
    #: Probability of sending only part of the body (``Content-Length`` promises more).
    truncated_rate: float = 0.0
    #: Deterministic failures: ``{path pattern: n}`` fails the first ``n`` matching requests.
    #: Patterns are fnmatch-style against the request path, e.g. ``/v1/customers`` or ``/v1/*``.
    fail_first_n_requests: dict[str, int] = field(default_factory=dict)
    #: Status returned by ``fail_first_n_requests`` failures (429 gives a rate-limit body).
    fail_first_status: int = 500
    #: Seed of the fault RNG; the same seed and request sequence gives the same faults.
    seed: int = 0
    #: Start the clock here (epoch seconds) instead of at ``world.anchor``.
    start_clock: int | None = None
    #: Events older than this (relative to the clock) are not listed, like Stripe.
    event_retention_days: int = 30
    #: POST new events here when the clock advances (needs ``webhook_secret``).
    webhook_url: str | None = None
    #: Signing secret for ``Stripe-Signature`` (``whsec_…``).
    webhook_secret: str | None = None
    #: Delivery attempts per event before giving up.
    webhook_max_attempts: int = 3
    #: Seconds before the first retry; doubles on each further retry.
    webhook_retry_backoff_seconds: float = 0.2
    #: Per-attempt HTTP timeout for webhook deliveries.
    webhook_timeout_seconds: float = 5.0
    #: Emit one uvicorn access-log line per request (off by default: benchmarks are noisy).
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
        for name in ("latency_ms", "latency_jitter_ms", "rate_limit_rps", "timeout_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.rate_limit_burst < 0:
            raise ValueError("rate_limit_burst must be >= 0")
        if not self.error_statuses:
            raise ValueError("error_statuses must not be empty")
        if self.webhook_max_attempts < 1:
            raise ValueError("webhook_max_attempts must be >= 1")

    def fault_dict(self) -> dict[str, Any]:
        """The runtime-changeable fault fields as JSON-friendly data."""
        out = {name: getattr(self, name) for name in FAULT_FIELDS}
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
        """Settings from ``STRIPE_SANDBOX_<FIELD>`` variables, then keyword ``overrides``.

        ``STRIPE_SANDBOX_FAIL_FIRST_N_REQUESTS`` takes ``path=n,path=n`` or JSON;
        ``STRIPE_SANDBOX_ERROR_STATUSES`` takes ``500,503``.
        """
        env = os.environ if environ is None else environ
        names = [f.name for f in dataclasses.fields(cls)]
        changes: dict[str, Any] = {}
        for name in names:
            key = prefix + name.upper()
            if key in env:
                changes[name] = env[key]
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
    if name in ("start_clock", "webhook_url", "webhook_secret"):
        if text == "" or text.lower() == "none":
            return None
        return int(text) if name == "start_clock" else text
    if isinstance(current, bool):
        return text.lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(text)
    if isinstance(current, float):
        return float(text)
    return text
