"""Stripe tap (singer-sdk): customers, subscriptions (+ items), invoices (+ lines), charges,
refunds, products, prices and events, incremental through the events API."""

from __future__ import annotations

import threading
import typing as t

from singer_sdk import typing as th

from .base import SourceStream, SourceTap
from .partitions import SplittingListing
from .settings import common_settings
from .streams import STREAMS

STRIPE_SETTINGS = [
    th.Property(
        "events_retention_days",
        th.IntegerType,
        default=30,
        description="How far back /v1/events reaches; older bookmarks fall back to a full read of the stream.",
    ),
    th.Property(
        "max_concurrent_requests",
        th.IntegerType,
        default=4,
        description=(
            "Parallel requests: created windows of a listing and re-fetches of changed objects "
            "(the request-rate cap still applies)."
        ),
    ),
    th.Property(
        "min_partition_seconds",
        th.IntegerType,
        default=3600,
        description="A listing's created window is not split below twice this width.",
    ),
    th.Property(
        "reconcile_partitions",
        th.IntegerType,
        default=7,
        description=(
            "Daily full reload of charges, invoices and refunds: older history is re-read in this many "
            "rotating partitions of created weeks (1 = re-read everything every day)."
        ),
    ),
    th.Property(
        "reconcile_recent_days",
        th.IntegerType,
        default=35,
        description="Daily full reload: objects created in this many recent days are re-read in full.",
    ),
    th.Property("api_version", th.StringType, description="Stripe-Version header (default: the account's)."),
    th.Property(
        "end_date",
        th.DateTimeType,
        description="Replays only: list objects created before this time (`acme replay --end`).",
    ),
]


class TapStripe(SourceTap):
    """Singer tap for the Stripe API."""

    name = "tap-stripe"
    source_name = "stripe"
    credential_setting = "api_key"

    config_jsonschema = th.PropertiesList(
        *common_settings(
            api_url="https://api.stripe.com",
            credential_setting="api_key",
            page_size=100,
        ),
        *STRIPE_SETTINGS,
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the tap; see :class:`singer_sdk.Tap`."""
        self._newest_event: int | None = None
        self._newest_event_known = False
        self._newest_event_lock = threading.Lock()
        #: Listings started ahead of their stream's sync (``prefetch_after``).
        self._listings: dict[str, SplittingListing] = {}
        self._prefetched: set[str] = set()
        self._listings_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def take_listing(self, stream_name: str) -> SplittingListing | None:
        """The listing started ahead for ``stream_name``, if any (handed over once)."""
        with self._listings_lock:
            return self._listings.pop(stream_name, None)

    def prefetch_after(self, stream_name: str) -> None:
        """Start the listing of the next selected top-level stream (full reloads), so the request
        budget stays in use across the end of one stream and the start of the next; the tap-wide
        rate cap spaces both streams' requests, and a bounded buffer holds what is read ahead."""
        if int(self.config.get("max_concurrent_requests", 4)) < 2:
            return  # one request at a time means one listing at a time
        order = [s for s in self.streams.values() if s.selected and s.parent_stream_type is None]
        names = [s.name for s in order]
        if stream_name not in names or names.index(stream_name) + 1 >= len(names):
            return
        following = order[names.index(stream_name) + 1]
        prefetch = getattr(following, "prefetch_listing", None)
        with self._listings_lock:
            if following.name in self._listings or following.name in self._prefetched:
                return
            self._prefetched.add(following.name)
        listing = prefetch() if prefetch is not None else None
        if listing is not None:
            with self._listings_lock:
                self._listings[following.name] = listing.start()
            self.logger.info("%s: listing started ahead, while %s is read", following.name, stream_name)

    def discover_streams(self) -> list[SourceStream]:
        """Every stream of the source."""
        return [stream_class(tap=self) for stream_class in STREAMS]

    def record_newest_event(self, events: list[dict[str, t.Any]]) -> None:
        """Remember the newest event's time (from the preflight request)."""
        with self._newest_event_lock:
            self._newest_event = int(events[0]["created"]) if events else None
            self._newest_event_known = True

    def high_water_mark(self) -> int | None:
        """``created`` of the newest event when the run started (the server's "now").

        Changes after it produce newer events, so a bookmark moved here misses nothing.
        Fetched once per run (by the credential check, or on first use).
        """
        if not self._newest_event_known:
            self.preflight_stream().preflight()
        return self._newest_event


if __name__ == "__main__":
    TapStripe.cli()
