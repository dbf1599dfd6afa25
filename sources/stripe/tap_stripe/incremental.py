"""Stripe object streams: new objects by ``created``, changes and deletions through ``/v1/events``.

A delta run of an object stream (customers, invoices, …):

1. lists objects with ``created[gte]`` = bookmark - ``lookback_seconds``, in ``created`` windows
   read by up to ``max_concurrent_requests`` requests at once (:meth:`StripeStream.list_in_windows`);
2. reads ``/v1/events`` of the stream's event types since the same instant, keeps the newest
   event per object id, and re-fetches each changed object by id once (bounded concurrency);
   objects whose newest event is a deletion become records with ``deleted: true`` and
   ``_sdc_deleted_at`` plus the event's ``data.object`` fields;
3. moves the bookmark (``_sdc_cursor``) to the newest event seen when the run started.

Without a bookmark the stream is listed in full. A bookmark older than the events window
(``events_retention_days``) cannot be caught up through events, so that stream alone is read in
full, with a log line saying so. ``full_reload`` re-reads everything and ignores state, except for
streams reconciled by partition (charges, invoices, refunds: ``reconcile.py``), whose daily read is
the recent past plus a rolling share of the older history, announced as a scoped snapshot.
"""

from __future__ import annotations

import datetime as dt
import time
import typing as t
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .base import ResourceNotFoundError
from .client import StripeStream
from .partitions import SplittingListing
from .reconcile import PartitionPlan, oldest_week_start, plan_partitions

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

Record = dict[str, t.Any]
CURSOR = "_sdc_cursor"
DELETED_AT = "_sdc_deleted_at"
#: Margin for "how far back do events go": the newest event only approximates the server's now.
RETENTION_MARGIN_SECONDS = 3600


def iso(epoch: int) -> str:
    """``2025-06-01T00:00:00+00:00`` from epoch seconds."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()


@dataclass(frozen=True)
class ReadPlan:
    """How one stream is read in this run."""

    #: ``full``: list everything (from ``since`` if set); ``delta``: new objects + events.
    mode: t.Literal["full", "delta"]
    #: Lower bound (epoch seconds) of ``created`` for the listing and the events.
    since: int | None = None
    #: Why the stream is read this way (logged).
    reason: str = ""


class StartDateAsEpoch:
    """Replay windows (``acme replay --start``): Stripe bookmarks are epoch seconds, but with no
    state singer-sdk hands back ``start_date`` (ISO text) as the starting value; make it epoch too."""

    def get_starting_replication_key_value(self, context: Context | None) -> t.Any:
        """The bookmark, or ``start_date`` as epoch seconds when there is no bookmark."""
        value = super().get_starting_replication_key_value(context)  # type: ignore[misc]
        return _epoch(value) if isinstance(value, str) else value

    def compare_start_date(self, value: t.Any, start_date_value: str) -> t.Any:
        """The later of a bookmark (epoch seconds) and ``start_date``."""
        return max(int(value), _epoch(start_date_value))


def _epoch(value: str) -> int:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return int((moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp())


class StripeObjectStream(StartDateAsEpoch, StripeStream):
    """A listable Stripe object, incremental on ``_sdc_cursor`` through the events API."""

    primary_keys = ("id",)
    replication_key = CURSOR
    is_sorted = False

    #: Stripe ``object`` value of the stream's records (filters the events).
    object_type: t.ClassVar[str]
    #: Event types that change objects of this stream (``types[]`` takes up to 20).
    event_types: t.ClassVar[tuple[str, ...]]
    #: Event types that mean the object is gone (e.g. ``customer.deleted``).
    deletion_event_types: t.ClassVar[tuple[str, ...]] = ()
    #: Extra list parameters (e.g. ``status=all`` for subscriptions).
    list_params: t.ClassVar[dict[str, str]] = {}

    #: Embedded lists handed to child streams (``items``, ``lines``).
    embedded_lists: t.ClassVar[tuple[str, ...]] = ()
    #: Large, nearly immutable lists: the daily full read is partitioned (``reconcile.py``).
    reconciled_by_partition: t.ClassVar[bool] = False

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the stream; see :class:`singer_sdk.RESTStream`."""
        self._plan: ReadPlan | None = None
        self._partition_plan: PartitionPlan | None = None
        self._partition_planned = False
        #: The embedded lists of the record whose children are being synced.
        self.embedded: dict[str, dict[str, t.Any]] = {}
        super().__init__(*args, **kwargs)

    # -- listing ----------------------------------------------------------------------------

    def get_url_params(self, context: Context | None, next_page_token: str | None) -> dict[str, t.Any]:
        """List parameters plus the ``created[gte]`` window of this run."""
        params = {**super().get_url_params(context, next_page_token), **self.list_params}
        since = self._plan.since if self._plan is not None else None
        if since is not None:
            params["created[gte]"] = since
        # replay windows (`acme replay --end`): list only objects created before `end_date`
        if end_date := self.config.get("end_date"):
            params["created[lt]"] = _epoch(str(end_date))
        return params

    # -- planning ---------------------------------------------------------------------------

    def plan(self, context: Context | None) -> ReadPlan:
        """Decide between a full read and a delta for this run."""
        start_date = self._start_date()
        if self.full_reload:
            return ReadPlan("full", start_date, "full_reload")
        bookmark = self.get_starting_replication_key_value(context)
        if bookmark is None:
            return ReadPlan("full", start_date, "no bookmark yet")
        since = max(0, int(bookmark) - int(self.config.get("lookback_seconds", 300)))
        newest = self.stripe_tap.high_water_mark()
        retention = int(self.config.get("events_retention_days", 30)) * 86_400
        if newest is not None and since < newest - retention + RETENTION_MARGIN_SECONDS:
            return ReadPlan(
                "full",
                start_date,
                f"bookmark {iso(int(bookmark))} is older than the "
                f"{retention // 86_400}-day events window (newest event {iso(newest)}); "
                "falling back to a full reload of this stream",
            )
        return ReadPlan("delta", since, f"changes since {iso(since)}")

    def partition_plan(self) -> PartitionPlan | None:
        """This run's partitioned reconciliation, or None (not a full reload, not a partitioned
        stream, or ``reconcile_partitions`` < 2). Worked out once per run."""
        if self._partition_planned:
            return self._partition_plan
        self._partition_planned = True
        partitions = int(self.config.get("reconcile_partitions", 7))
        if not (self.full_reload and self.reconciled_by_partition and partitions > 1):
            return None
        now = self.stripe_tap.high_water_mark() or int(time.time())
        recent_days = int(self.config.get("reconcile_recent_days", 35))
        end_date = self.config.get("end_date")
        end = _epoch(str(end_date)) if end_date else None
        history_from = self._start_date()
        if history_from is None:
            history_from = oldest_week_start(
                self._any_created_before,
                now - recent_days * 86_400,
                probes=min(4, int(self.config.get("max_concurrent_requests", 4))),
            )
        self._partition_plan = plan_partitions(
            now, recent_days=recent_days, partitions=partitions, history_from=history_from, end=end
        )
        self.logger.info("partitioned reconciliation: %s", self._partition_plan.describe())
        return self._partition_plan

    def prefetch_listing(self) -> SplittingListing | None:
        """A full reload's listing, started while the stream before this one is still read (a full
        read depends on no state, so it is the same listing the sync would make)."""
        if not self.full_reload:
            return None
        self._plan = self.plan(None)
        partitioned = self.partition_plan()
        return self.new_listing(None, None if partitioned is None else list(partitioned.windows))

    def _any_created_before(self, moment: int) -> bool:
        page = self.fetch_json(self.get_url(None), {"limit": 1, **self.list_params, "created[lt]": moment})
        return bool(page.get("data"))

    def snapshot_scope(self) -> dict[str, t.Any] | None:
        """The ``created`` ranges of a partitioned reconciliation; None for a whole-stream read."""
        plan = self.partition_plan()
        return None if plan is None else plan.scope()

    def _start_date(self) -> int | None:
        value = self.config.get("start_date")
        if not value:
            return None
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return int(moment.timestamp())

    # -- records ----------------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Listed objects, then (delta) changed and deleted ones; finally advance the bookmark."""
        self._plan = self.plan(context)
        log = self.logger.warning if self._plan.reason.startswith("bookmark") else self.logger.info
        log("%s read: %s", self._plan.mode, self._plan.reason)
        newest_at_start = None if self.full_reload else self.stripe_tap.high_water_mark()
        bookmark = self.get_starting_replication_key_value(context)
        if bookmark is not None and not self.full_reload:
            self._keep_bookmark_at_least(int(bookmark), context)

        listed: set[str] = set()
        partitioned = self.partition_plan()
        windows = None if partitioned is None else list(partitioned.windows)
        for obj in self.list_in_windows(context, windows):
            listed.add(str(obj["id"]))
            yield {**obj, CURSOR: obj["created"]}
        if self._plan.mode == "delta" and self._plan.since is not None:
            yield from self._changes(self._plan.since, listed, newest_at_start)
        if newest_at_start is not None:
            self._keep_bookmark_at_least(newest_at_start, context)

    def _keep_bookmark_at_least(self, value: int, context: Context | None) -> None:
        """Never let the bookmark move back (a window may only re-read older objects)."""
        self._increment_stream_state({CURSOR: value}, context=context)

    def _changes(self, since: int, listed: set[str], newest_at_start: int | None) -> Iterator[Record]:
        """Records for objects changed or deleted since ``since``, one per object id."""
        latest = self.latest_events(since)
        to_fetch: list[tuple[str, dict[str, t.Any]]] = []
        deletions = 0
        for object_id, event in latest.items():
            if event["type"] in self.deletion_event_types:
                deletions += 1
                yield self.deleted_record(event)
            elif object_id in listed and (newest_at_start is None or event["created"] <= newest_at_start):
                continue  # the listed version already reflects this change
            else:
                to_fetch.append((object_id, event))
        self.logger.info(
            "events since %s: %d changed objects, %d deleted, %d to re-fetch",
            iso(since),
            len(latest),
            deletions,
            len(to_fetch),
        )
        for event, obj in self._refetch(to_fetch):
            if obj is None:
                continue
            if obj.get("deleted"):
                yield self.deleted_record(event, obj)
            else:
                yield {**obj, CURSOR: event["created"]}

    def latest_events(self, since: int) -> dict[str, dict[str, t.Any]]:
        """Newest event per object id of this stream's objects since ``since``."""
        params = {"types[]": list(self.event_types), "created[gte]": since}
        latest: dict[str, dict[str, t.Any]] = {}
        for event in self.iter_list("/v1/events", params):
            obj = (event.get("data") or {}).get("object") or {}
            object_id = obj.get("id")
            if obj.get("object") != self.object_type or not object_id:
                continue
            known = latest.get(object_id)
            if known is None or int(event["created"]) > int(known["created"]):
                latest[str(object_id)] = event
        return latest

    def _refetch(self, wanted: list[tuple[str, dict[str, t.Any]]]) -> Iterator[tuple[dict[str, t.Any], Record | None]]:
        """Current version of each changed object, in order, with bounded concurrency."""
        workers = max(1, int(self.config.get("max_concurrent_requests", 4)))
        if not wanted:
            return
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"stripe-{self.name}") as pool:
            objects = pool.map(self.fetch_object, [object_id for object_id, _ in wanted])
            yield from zip((event for _, event in wanted), objects, strict=True)

    def fetch_object(self, object_id: str) -> Record | None:
        """``GET /v1/<resource>/<id>``; None when the object no longer exists."""
        try:
            return self.fetch_json(f"{self.get_url(None)}/{object_id}")
        except ResourceNotFoundError:
            self.logger.warning("%s %s changed but is gone; skipped", self.object_type, object_id)
            return None

    def deleted_record(self, event: dict[str, t.Any], current: Record | None = None) -> Record:
        """Record for a deleted object: the event's object, flagged, with the deletion time."""
        obj = dict((event.get("data") or {}).get("object") or {})
        obj.update(current or {})
        obj.update({"deleted": True, DELETED_AT: iso(int(event["created"])), CURSOR: event["created"]})
        return obj

    # -- child streams ----------------------------------------------------------------------

    def generate_child_contexts(self, record: Record, context: Context | None) -> Iterable[Context | None]:
        """One context per live parent (deleted objects have no children to read)."""
        if record.get("deleted") or not self.child_streams:
            return
        self.embedded = {name: record.get(name) or {} for name in self.embedded_lists}
        yield {self.object_type: record["id"]}
