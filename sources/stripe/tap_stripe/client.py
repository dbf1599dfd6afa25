"""Stripe REST client: base URL, authentication, cursor pagination and list walking."""

from __future__ import annotations

import typing as t
from importlib import resources

from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.pagination import BaseAPIPaginator
from singer_sdk.schema.source import SchemaDirectory

from .base import SourceStream, response_body
from .partitions import CreatedWindow, SplittingListing

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    import requests
    from singer_sdk.helpers.types import Context

    from .tap import TapStripe

#: JSON schemas, one ``<stream name>.json`` per stream.
SCHEMAS = SchemaDirectory(resources.files(__package__) / "schemas")
API_PATH_PREFIX = "/v1"


class CursorPaginator(BaseAPIPaginator[str | None]):
    """``{"data": [...], "has_more": true}`` pages, continued with ``starting_after=<last id>``."""

    def has_more(self, response: requests.Response) -> bool:
        """Whether the API says another page follows."""
        return bool(response_body(response).get("has_more"))

    def get_next(self, response: requests.Response) -> str | None:
        """Id of the last object on this page."""
        data = response_body(response).get("data") or []
        return str(data[-1]["id"]) if data else None


class StripeStream(SourceStream):
    """Base stream of the Stripe API."""

    records_jsonpath = "$.data[*]"

    @property
    def url_base(self) -> str:
        """API root including the version prefix."""
        return str(self.config["api_url"]).rstrip("/") + API_PATH_PREFIX

    @property
    def authenticator(self) -> BearerTokenAuthenticator:
        """Credential from setting ``api_key``."""
        return BearerTokenAuthenticator(token=str(self.config["api_key"]))

    @property
    def http_headers(self) -> dict[str, str]:
        """Headers of every request (``Stripe-Version`` when setting ``api_version`` is set)."""
        headers = {"User-Agent": "acme-cdp-tap-stripe", "Accept": "application/json"}
        if api_version := self.config.get("api_version"):
            headers["Stripe-Version"] = str(api_version)
        return headers

    @property
    def stripe_tap(self) -> TapStripe:
        """The tap, typed."""
        return t.cast("TapStripe", self._tap)

    def get_new_paginator(self) -> CursorPaginator:
        """Cursor pagination over ``starting_after``."""
        return CursorPaginator(None)

    def get_url_params(
        self,
        context: Context | None,
        next_page_token: str | None,
    ) -> dict[str, t.Any]:
        """Page size and cursor."""
        params: dict[str, t.Any] = {"limit": int(self.config.get("page_size", 100))}
        if next_page_token:
            params["starting_after"] = next_page_token
        return params

    def iter_list(self, url: str, params: Mapping[str, t.Any] | None = None) -> Iterator[dict[str, t.Any]]:
        """Every object of a Stripe list endpoint (absolute URL or ``/v1/...`` path), newest first."""
        if url.startswith("/"):
            url = str(self.config["api_url"]).rstrip("/") + url
        query: dict[str, t.Any] = {"limit": int(self.config.get("page_size", 100)), **(params or {})}
        while True:
            page = self.fetch_json(url, query)
            data = page.get("data") or []
            yield from data
            if not page.get("has_more") or not data:
                return
            query["starting_after"] = data[-1]["id"]

    def list_in_windows(
        self, context: Context | None, windows: list[CreatedWindow] | None = None
    ) -> Iterator[dict[str, t.Any]]:
        """Every object of this stream's listing (``get_url_params``), in ``created`` windows read by
        up to ``max_concurrent_requests`` concurrent requests (see ``partitions.py``); ``windows``
        replaces the listing's own ``created`` bounds (a partitioned reconciliation).

        The listing may already be running (started while the stream before it was read, see
        ``TapStripe.prefetch_after``); the next selected stream's listing starts now."""
        listing = self.stripe_tap.take_listing(self.name) or self.new_listing(context, windows)
        self.stripe_tap.prefetch_after(self.name)
        yield from listing
        if listing.windows > 1:
            self.logger.info("listed in %d created windows", listing.windows)

    def new_listing(self, context: Context | None, windows: list[CreatedWindow] | None = None) -> SplittingListing:
        """This run's listing of the stream, not started yet."""
        params = self.get_url_params(context, None)
        if windows is None:
            end = params.get("created[lt]")
            windows = [CreatedWindow(int(params.get("created[gte]") or 0), None if end is None else int(end))]
        url = self.get_url(context)
        return SplittingListing(
            lambda page_params: self.fetch_json(url, page_params),
            params,
            windows,
            workers=int(self.config.get("max_concurrent_requests", 4)),
            min_split_seconds=int(self.config.get("min_partition_seconds", 3600)),
        )

    def prefetch_listing(self) -> SplittingListing | None:
        """The listing this stream's next sync will read, to start ahead of it (None: not prefetched)."""
        return None

    def preflight(self) -> dict[str, t.Any]:
        """Credential check that also fixes the run's high-water mark (the newest event)."""
        newest = self.fetch_json(f"{self.url_base}/events", {"limit": 1})
        self.stripe_tap.record_newest_event(newest.get("data") or [])
        return newest
