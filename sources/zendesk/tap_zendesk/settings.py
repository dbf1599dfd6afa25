"""Settings every source tap has (template-owned); ``tap.py`` adds the source's own."""

from __future__ import annotations

from singer_sdk import typing as th


def common_settings(*, api_url: str, credential_setting: str, page_size: int) -> list[th.Property]:
    """Credential, endpoint, replication and HTTP-behaviour settings."""
    return [
        th.Property(
            credential_setting,
            th.StringType,
            required=True,
            secret=True,
            description="API credential.",
        ),
        th.Property("api_url", th.StringType, default=api_url, description="API base URL."),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="Earliest creation time to read on a first sync (default: everything).",
        ),
        th.Property(
            "full_reload",
            th.BooleanType,
            default=False,
            description=(
                "Ignore state, read every stream in full (FULL_TABLE) and emit ACTIVATE_VERSION "
                "messages so the loader knows a complete snapshot was taken."
            ),
        ),
        th.Property(
            "lookback_seconds",
            th.IntegerType,
            default=300,
            description="Incremental windows start this much before the bookmark.",
        ),
        th.Property(
            "max_requests_per_second",
            th.NumberType,
            default=20,
            description="Client-side request-rate cap for the whole run (0 = no cap).",
        ),
        th.Property(
            "max_retries",
            th.IntegerType,
            default=6,
            description="Retries per request on 429, 5xx, timeouts and broken bodies.",
        ),
        th.Property(
            "retry_backoff_seconds",
            th.NumberType,
            default=1.0,
            description="First retry wait; doubles on every further retry.",
        ),
        th.Property(
            "retry_max_wait_seconds",
            th.NumberType,
            default=60.0,
            description="Upper bound of any single retry wait, Retry-After included.",
        ),
        th.Property(
            "request_timeout_seconds",
            th.NumberType,
            default=60,
            description="Timeout of one HTTP request.",
        ),
        th.Property("page_size", th.IntegerType, default=page_size, description="Records per page."),
    ]
