"""Salesforce tap (singer-sdk)."""

from __future__ import annotations

from functools import cached_property

from singer_sdk import singerlib as singer
from singer_sdk import typing as th

from .auth import SalesforceSession
from .base import SourceStream, SourceTap
from .settings import common_settings
from .streams import STREAMS
from .throttle import Throttle
from .usage import UsageGuard


class TapSalesforce(SourceTap):
    """Singer tap for the Salesforce API (REST queryAll and Bulk API 2.0, OAuth 2.0)."""

    name = "tap-salesforce"
    source_name = "salesforce"
    credential_setting = "client_secret"

    config_jsonschema = th.PropertiesList(
        *common_settings(
            api_url="https://login.salesforce.com",
            credential_setting="client_secret",
            page_size=2000,
        ),
        th.Property("client_id", th.StringType, required=True, description="Connected app consumer key."),
        th.Property(
            "refresh_token",
            th.StringType,
            secret=True,
            description="OAuth refresh token (refresh_token grant); without it: password, else client_credentials.",
        ),
        th.Property("username", th.StringType, description="Integration user (password grant)."),
        th.Property("password", th.StringType, secret=True, description="Password + security token (password grant)."),
        th.Property("api_version", th.StringType, default="62.0", description="REST API version, e.g. 62.0."),
        th.Property(
            "max_api_usage_share",
            th.CustomType({"type": ["number", "string"], "pattern": r"^\s*(0(\.\d+)?|1(\.0+)?)\s*$"}),
            default=0.5,
            description=(
                "Stop (and fail) before a request would take the org's API usage past this share of its "
                "daily allocation (from Sforce-Limit-Info); 0 or 1 = no stop."
            ),
        ),
        th.Property(
            "bulk_streams",
            th.ArrayType(th.StringType),
            default=["accounts", "contacts"],
            description="Streams read with Bulk API 2.0 when a run expects more than bulk_threshold records.",
        ),
        th.Property(
            "bulk_threshold",
            th.IntegerType,
            default=10_000,
            description="Expected records (COUNT() of the run's query) above which a bulk stream uses Bulk API 2.0.",
        ),
        th.Property(
            "max_concurrent_requests",
            th.IntegerType,
            default=4,
            description=(
                "A REST read larger than one slice goes on in this many concurrent SystemModstamp windows "
                "(the request-rate cap still applies; 1 = slice after slice)."
            ),
        ),
        th.Property("bulk_poll_interval_seconds", th.NumberType, default=2.0, description="First wait between polls."),
        th.Property(
            "bulk_poll_timeout_seconds", th.NumberType, default=3600, description="Give up on a job after this long."
        ),
        th.Property("bulk_page_records", th.IntegerType, default=50_000, description="maxRecords per results page."),
        th.Property(
            "end_date",
            th.DateTimeType,
            description="Replays only: read records last modified before this time (`acme replay --end`).",
        ),
    ).to_dict()

    # Discovery (describe) already makes requests while singer-sdk's Tap.__init__ runs, before
    # SourceTap.__init__ creates the rate cap; this makes the cap exist from the first request.
    @property
    def throttle(self) -> Throttle:
        """The run's request-rate cap (setting ``max_requests_per_second``)."""
        existing: Throttle | None = self.__dict__.get("_throttle")
        if existing is None:
            existing = Throttle(float(self.config.get("max_requests_per_second") or 0))
            self.__dict__["_throttle"] = existing
        return existing

    @throttle.setter
    def throttle(self, value: Throttle) -> None:
        if "_throttle" not in self.__dict__:
            self.__dict__["_throttle"] = value

    @cached_property
    def session(self) -> SalesforceSession:
        """The run's OAuth session (access token and instance URL)."""
        return SalesforceSession(self)

    @cached_property
    def usage(self) -> UsageGuard:
        """The org's API usage as the responses report it."""
        return UsageGuard(float(self.config.get("max_api_usage_share", 0.5)))

    @property
    def catalog(self) -> singer.Catalog:
        """The working catalog: a given catalog's streams and selection, with today's describe schemas.

        Meltano (or a user) may pass a catalog made before an admin added a field; the SCHEMA
        messages (and so ``bronze._schema_history``) must still show the field, as the records do.
        """
        if self._catalog is None:
            given = self.input_catalog
            if given is None:
                self._catalog = self._singer_catalog
            else:
                working = singer.Catalog.from_dict(given.to_dict())
                for entry in working.streams:
                    stream = self.streams.get(entry.tap_stream_id)
                    if stream is not None:
                        entry.schema = singer.Schema.from_dict(stream.schema)
                self._catalog = working
        return self._catalog

    def discover_streams(self) -> list[SourceStream]:
        """Every stream; schemas come from describe when first needed."""
        return [stream_class(tap=self) for stream_class in STREAMS]


if __name__ == "__main__":
    TapSalesforce.cli()
