"""Object streams read with ``queryAll``, incremental on the (SystemModstamp, Id) cursor.

A run of a stream:

1. builds the schema from describe (new custom fields show up in this run's SCHEMA message);
2. picks its bounds: nothing on a first run or a ``full_reload`` (``start_date`` if set), else
   ``SystemModstamp >= bookmark - lookback_seconds``, or with no lookback strictly after the
   bookmarked (SystemModstamp, Id), so records that share the bookmark's second are never lost;
   replays of a window add ``SystemModstamp < end_date``;
3. picks the API: Bulk API 2.0 for streams in ``bulk_streams`` whose ``COUNT()`` exceeds
   ``bulk_threshold``, else REST ``queryAll`` in ``page_size`` slices ordered by
   (SystemModstamp, Id), each slice continuing strictly after the previous slice's last record;
   a REST read larger than one slice goes on in ``max_concurrent_requests`` concurrent
   ``SystemModstamp`` windows (``windows.py``);
4. emits every record, deleted ones (``IsDeleted``, from the recycle bin) with ``_sdc_deleted_at``;
5. moves the bookmark to the greatest (SystemModstamp, Id) read, never backwards: as it goes on
   a one-window REST read (ordered, so resumable), only at the end on Bulk and on concurrent windows
   (unordered). A run that fails
   (``QUERY_TIMEOUT``, quota, a bulk job that lost rows) leaves the stream's bookmark untouched.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t
from collections.abc import Iterable, Iterator

from singer_sdk import singerlib as singer

from .bulk import BulkQuery
from .client import SCHEMAS, SalesforceStream
from .describe import field_types, normalize_datetime, stream_schema, typed_value
from .soql import MODSTAMP, Cursor, after, at_or_after, before, both, count, newest, select, sf_datetime
from .windows import SplittingRead, Window, equal_windows

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

Record = dict[str, t.Any]
DELETED_AT = "_sdc_deleted_at"
BOOKMARK_ID = "replication_key_id"
INCREMENTAL = "INCREMENTAL"


class SalesforceObjectStream(SalesforceStream):
    """One Salesforce object, incremental on (SystemModstamp, Id), deletes through ``queryAll``."""

    #: API name of the object (``Account`` …).
    sobject: t.ClassVar[str]
    #: Endpoint named in request metrics and retry logs (queries go to ``/queryAll``).
    path = "/queryAll"
    primary_keys = ("Id",)
    replication_key = MODSTAMP
    is_sorted = False  # Bulk API results are unordered; REST progress is tracked by the cursor itself

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the stream; see :class:`singer_sdk.RESTStream`."""
        self._describe: dict[str, t.Any] | None = None
        self._run_max: Cursor | None = None
        self._ordered_read = False
        super().__init__(*args, **kwargs)

    # -- schema from describe ---------------------------------------------------------------

    def describe(self) -> dict[str, t.Any]:
        """``/sobjects/<object>/describe`` (once per run)."""
        if self._describe is None:
            self._describe = self.fetch_json(self.api_url(f"/sobjects/{self.sobject}/describe"))
        return self._describe

    @property
    def schema(self) -> dict[str, t.Any]:
        """The stream's schema: ``schemas/<stream>.json`` plus every extractable describe field."""
        if self._schema is None:
            base = json.loads((SCHEMAS / f"{self.name}.json").read_text())
            self._schema = stream_schema(self.describe(), base)
        return self._schema

    @property
    def field_types(self) -> dict[str, str]:
        """Extracted fields and their describe types."""
        return field_types(self.describe())

    def apply_catalog(self, catalog: singer.Catalog) -> None:
        """Take selection from the catalog, but the schema from today's describe (fields added since)."""
        super().apply_catalog(catalog)
        if self._input_schema is not None:
            added = sorted(set(self.schema["properties"]) - set(self._input_schema.get("properties", {})))
            if added:
                self.logger.info("fields added in Salesforce since the catalog was made: %s", ", ".join(added))
            self._input_schema = None

    # -- bookmark ---------------------------------------------------------------------------

    def bookmark(self, context: Context | None) -> Cursor | None:
        """The stream's (SystemModstamp, Id) bookmark from state, if any."""
        state = self.get_context_state(context)
        value = state.get("replication_key_value")
        if not value or state.get("replication_key") != MODSTAMP:
            return None
        return Cursor(normalize_datetime(str(value)), str(state.get(BOOKMARK_ID) or ""))

    def _store_cursor(self, cursor: Cursor, context: Context | None) -> None:
        """Move the bookmark to ``cursor`` unless it already is at or past it."""
        known = self.bookmark(context)
        if known is not None and cursor <= known:
            return
        state = self.get_context_state(context)
        state["replication_key"] = MODSTAMP
        state["replication_key_value"] = cursor.modstamp
        state[BOOKMARK_ID] = cursor.record_id

    def _increment_stream_state(self, latest_record: Record, *, context: Context | None = None) -> None:
        """Track the greatest cursor read; on an ordered (REST) read it is also the new bookmark."""
        if self.replication_method != INCREMENTAL:
            return
        cursor = Cursor.of(latest_record)
        if self._run_max is None or cursor > self._run_max:
            self._run_max = cursor
        if self._ordered_read:
            self._store_cursor(cursor, context)

    # -- planning ---------------------------------------------------------------------------

    def lower_bound(self, context: Context | None) -> tuple[str | None, str]:
        """The WHERE condition this run starts from, and why."""
        start_date = self.config.get("start_date")
        since_start = at_or_after(self._start_date_modstamp(str(start_date))) if start_date else None
        if self.full_reload:
            return since_start, "full_reload: every record, deleted ones in the recycle bin included"
        bookmark = self.bookmark(context)
        if bookmark is None:
            return since_start, "no bookmark yet: every record"
        lookback = int(self.config.get("lookback_seconds", 300))
        if lookback > 0:
            since = _shift(bookmark.modstamp, -lookback)
            return at_or_after(since), f"changes since {since} (bookmark {bookmark.modstamp} - {lookback}s lookback)"
        return after(bookmark), f"changes after ({bookmark.modstamp}, {bookmark.record_id or '-'})"

    def upper_bound(self) -> str | None:
        """``SystemModstamp < end_date`` on replays of a window (``acme replay --end``), else None."""
        end_date = self.config.get("end_date")
        return before(self._start_date_modstamp(str(end_date))) if end_date else None

    @staticmethod
    def _start_date_modstamp(value: str) -> str:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return sf_datetime(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))

    def choose_api(self, where: str | None) -> tuple[str, str]:
        """``bulk`` for a large read of a stream in ``bulk_streams``, else ``rest``; and why."""
        if self.name not in (self.config.get("bulk_streams") or []):
            return "rest", "not in bulk_streams"
        threshold = int(self.config.get("bulk_threshold", 10_000))
        expected = int(self.fetch_json(self.api_url("/queryAll"), {"q": count(self.sobject, where)})["totalSize"])
        api = "bulk" if expected > threshold else "rest"
        return api, f"{expected} records expected, bulk_threshold {threshold}"

    # -- records ----------------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Every record past the lower bound, then the bookmark moves to the greatest one read."""
        where, reason = self.lower_bound(context)
        if upper := self.upper_bound():
            where = both(where, upper)
            reason += f", up to end_date {self.config['end_date']}"
        api, why = self.choose_api(where)
        self.logger.info("%s read over %s (%s): %s", self.sobject, api, why, reason)
        self._run_max = None
        self._ordered_read = api == "rest"
        yield from self._rest_records(where) if api == "rest" else self._bulk_records(where)
        if self._run_max is not None and self.replication_method == INCREMENTAL:
            self._store_cursor(self._run_max, context)

    def _rest_records(self, where: str | None) -> Iterator[Record]:
        """The first slice; if there is more, the rest in concurrent windows (or slice after slice)."""
        page = max(1, int(self.config.get("page_size", 2_000)))
        workers = max(1, int(self.config.get("max_concurrent_requests", 4)))
        last: Record | None = None
        read = 0
        for record in self._slices(where, None, page, max_slices=1):
            read += 1
            last = record
            yield record
        if read < page or last is None:
            return
        start = Cursor.of(last)
        newest_modstamp = self._newest_modstamp(both(after(start), self.upper_bound())) if workers > 1 else None
        if newest_modstamp is None or _parse_modstamp(newest_modstamp) <= _parse_modstamp(start.modstamp):
            yield from self._slices(after(start), None, page)
            return
        windows = equal_windows(start, _parse_modstamp(newest_modstamp), workers, _parse_modstamp)
        self._ordered_read = False  # windows interleave: the bookmark moves at the end of the read
        reader = SplittingRead(
            lambda window: self._window_slice(window, page),
            windows,
            page=page,
            workers=workers,
            newest=_parse_modstamp(newest_modstamp),
            parse=_parse_modstamp,
        )
        yield from reader
        self.logger.info("%s: read on after the first slice in %d concurrent windows", self.sobject, reader.windows)

    def _window_slice(self, window: Window, page: int) -> list[Record]:
        """The next ordered slice of ``window`` (below its top and the run's upper bound)."""
        top = before(sf_datetime(window.top)) if window.top is not None else None
        condition = both(both(after(window.start), top), self.upper_bound())
        query = select(list(self.field_types), self.sobject, condition, limit=page)
        return [self.rest_record(raw) for raw in self._query_all(query)]

    def _slices(self, lower: str | None, top: str | None, page: int, max_slices: int | None = None) -> Iterator[Record]:
        """Ordered slices of ``page`` records from ``lower`` below ``top`` (and the run's upper
        bound); each continues strictly after the last record of the one before, so no tie on the
        second is lost."""
        fields = list(self.field_types)
        upper = both(top, self.upper_bound())
        condition = both(lower, upper)
        slices = 0
        while True:
            read = 0
            last: Record | None = None
            for raw in self._query_all(select(fields, self.sobject, condition, limit=page)):
                read += 1
                last = self.rest_record(raw)
                yield last
            slices += 1
            if read < page or last is None or (max_slices is not None and slices >= max_slices):
                return
            condition = both(after(Cursor.of(last)), upper)

    def _newest_modstamp(self, where: str | None) -> str | None:
        """The greatest SystemModstamp matching ``where`` (one request), or None."""
        body = self.fetch_json(self.api_url("/queryAll"), {"q": newest(self.sobject, where)})
        records = body.get("records") or []
        return normalize_datetime(str(records[0][MODSTAMP])) if records else None

    def _query_all(self, soql: str) -> Iterator[Record]:
        body = self.fetch_json(self.api_url("/queryAll"), {"q": soql})
        yield from body.get("records") or []
        while not body.get("done", True) and body.get("nextRecordsUrl"):
            body = self.fetch_json(self.api_url(str(body["nextRecordsUrl"])))
            yield from body.get("records") or []

    def _bulk_records(self, where: str | None) -> Iterator[Record]:
        types = self.field_types
        soql = select(list(types), self.sobject, where, ordered=False)
        for row in BulkQuery(self).rows(soql):
            yield self._with_deletion({name: typed_value(row.get(name), kind) for name, kind in types.items()})

    def rest_record(self, raw: Record) -> Record:
        """A REST record without ``attributes``, datetimes in one spelling, deletion flagged."""
        types = self.field_types
        record = {name: value for name, value in raw.items() if name != "attributes"}
        for name, value in record.items():
            if isinstance(value, str) and types.get(name) == "datetime":
                record[name] = normalize_datetime(value)
        return self._with_deletion(record)

    @staticmethod
    def _with_deletion(record: Record) -> Record:
        """``_sdc_deleted_at``: when the record went to the recycle bin (its SystemModstamp)."""
        record[DELETED_AT] = record.get(MODSTAMP) if record.get("IsDeleted") is True else None
        return record


def _parse_modstamp(modstamp: str) -> dt.datetime:
    return dt.datetime.strptime(normalize_datetime(modstamp), "%Y-%m-%dT%H:%M:%S.%f%z")


def _shift(modstamp: str, seconds: int) -> str:
    moment = dt.datetime.strptime(normalize_datetime(modstamp), "%Y-%m-%dT%H:%M:%S.%f%z")
    return sf_datetime(moment + dt.timedelta(seconds=seconds))
