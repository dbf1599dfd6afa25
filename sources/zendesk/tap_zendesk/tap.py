"""Zendesk tap (singer-sdk): organizations, users, tickets and ticket comments through the
incremental export API, paced under Zendesk's rate limits."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from .base import SourceStream, SourceTap, env_var
from .pacing import ZendeskRateLimits
from .settings import common_settings
from .streams import STREAMS

ZENDESK_SETTINGS = [
    th.Property(
        "email",
        th.StringType,
        required=True,
        description="Email of the agent who owns the API token (basic auth user `{email}/token`).",
    ),
    th.Property(
        "subdomain",
        th.StringType,
        description="Zendesk subdomain: shorthand for api_url https://<subdomain>.zendesk.com (api_url wins when set).",
    ),
    th.Property(
        "export_requests_per_minute",
        th.IntegerType,
        default=10,
        description="The account's incremental export limit (Zendesk: 10/minute; 30 with High Volume API).",
    ),
    th.Property(
        "requests_per_minute",
        th.IntegerType,
        default=700,
        description="The account-wide request limit of the plan (e.g. 400 Professional, 700 Enterprise).",
    ),
    th.Property(
        "rate_limit_share_percent",
        th.IntegerType,
        default=95,
        description="Share of both limits this tap may use; the rest is headroom for timing jitter and other clients.",
    ),
    th.Property(
        "max_concurrent_requests",
        th.IntegerType,
        default=4,
        description="Ticket comment requests in flight at once (each still waits for its rate-limit slot).",
    ),
    th.Property(
        "export_page_size",
        th.IntegerType,
        default=1000,
        description="Objects per incremental export page (per_page, at most 1000).",
    ),
    th.Property(
        "end_date",
        th.DateTimeType,
        description="Replays only: stop the exports at objects updated at or after this time (`acme replay --end`).",
    ),
]


class TapZendesk(SourceTap):
    """Singer tap for the Zendesk Support API."""

    name = "tap-zendesk"
    source_name = "zendesk"
    credential_setting = "api_token"

    config_jsonschema = th.PropertiesList(
        *common_settings(
            api_url="https://acmecloud.zendesk.com",
            credential_setting="api_token",
            page_size=100,
        ),
        *ZENDESK_SETTINGS,
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the tap; see :class:`singer_sdk.Tap`."""
        super().__init__(*args, **kwargs)
        share = min(max(int(self.config.get("rate_limit_share_percent") or 95), 1), 100) / 100
        self.limits = ZendeskRateLimits(
            export_per_minute=float(self.config.get("export_requests_per_minute") or 0),
            account_per_minute=float(self.config.get("requests_per_minute") or 0),
            share=share,
            logger=self.logger,
        )

    def discover_streams(self) -> list[SourceStream]:
        """Every stream of the source."""
        return [stream_class(tap=self) for stream_class in STREAMS]

    def credentials_message(self, status: int) -> str:
        """Name both halves of the API token credential."""
        return f"{super().credentials_message(status)} and setting `email` (env {env_var(self.name, 'email')})"


if __name__ == "__main__":
    TapZendesk.cli()
