"""Incremental export streams: where a run starts, paging with one page of read-ahead, state.

* **Cursor-based** (tickets, users: ``/incremental/<resource>/cursor.json``): the first request
  gives ``start_time``, every further one the previous page's ``after_cursor``; the last
  ``after_cursor`` is kept in state (``cursor``) and the next run continues from it, so objects
  changed in the same second are never lost nor repeated, whatever the page boundaries.
* **Time-based** (organizations: ``/incremental/organizations.json``): pages start at the previous
  page's ``end_time``, objects of that second come again and are dropped within the run; the last
  ``end_time`` is kept in state (``end_time``) and the next run starts there (objects of that
  second are read once more: harmless, silver keeps one version per key).

Without a position in state a stream starts at the bookmark minus ``lookback_seconds``, else at
``start_date``, else at 0 (everything). ``full_reload`` ignores state and reads everything.
Replays of a window (``end_date``) stop at the first object updated at or after ``end_date``.
While a page's records are emitted, the next page is already being requested (it waits for its
slot under the export limit), so the export limit, not record processing, sets the pace.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from .client import ZendeskStream, epoch

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

Record = dict[str, t.Any]
Params = dict[str, t.Any]


@dataclass
class Page:
    """One export response, with the request that produced it."""

    params: Params
    body: dict[str, t.Any]


class ExportStream(ZendeskStream):
    """Base of the incremental export streams."""

    primary_keys = ("id",)
    replication_key = "updated_at"
    is_sorted = True
    #: Key of the objects in a response (``tickets``, ``users``, ``organizations``).
    export_key: t.ClassVar[str]
    #: State key of the export position (``cursor`` or ``end_time``).
    position_key: t.ClassVar[str]

    def get_replication_key_signpost(self, context: Context | None = None) -> None:
        """No wall-clock cap: the bookmark is the export's own position (sandbox clocks may run ahead)."""
        return None

    # -- where to start -----------------------------------------------------------------------

    def start_time(self, context: Context | None) -> int:
        """``start_time`` of a run without an export position in state."""
        if not self.full_reload:
            bookmark = self.get_starting_replication_key_value(context)
            state = self.get_context_state(context)
            if bookmark is not None and state.get("replication_key_value") is not None:
                return max(0, epoch(bookmark) - int(self.config.get("lookback_seconds", 300)))
        start_date = self.config.get("start_date")
        return max(0, epoch(start_date)) if start_date else 0

    def saved_position(self, context: Context | None) -> t.Any | None:
        """The export position kept in state by the previous run (never in ``full_reload`` mode)."""
        if self.full_reload:
            return None
        return self.get_context_state(context).get(self.position_key)

    def first_params(self, context: Context | None) -> Params:
        """Query of the first request of this run."""
        raise NotImplementedError

    def next_params(self, page: Page) -> Params | None:
        """Query of the request after ``page``, or None at the end of the stream."""
        raise NotImplementedError

    def position_after(self, page: Page) -> t.Any | None:
        """The position to keep once every record of ``page`` has been emitted."""
        raise NotImplementedError

    def page_size_params(self) -> Params:
        """``per_page`` (setting ``export_page_size``, at most 1000)."""
        return {"per_page": max(1, min(1000, int(self.config.get("export_page_size") or 1000)))}

    # -- records ------------------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """Every object changed since the start position, page by page, then the new position."""
        params = self.first_params(context)
        self.logger.info("export from %s", {k: v for k, v in params.items() if k != "per_page"})
        url = self.get_url(context)
        end = self.config.get("end_date")
        end_at = epoch(end) if end else None
        pages = 0
        objects = 0
        for page in self._pages(url, params):
            pages += 1
            items = self.page_records(page)
            past_end = False
            if end_at is not None:  # exports run in update order: the window ends on this page
                inside = [item for item in items if epoch(item["updated_at"]) < end_at]
                past_end, items = len(inside) < len(items), inside
            self.on_page(items)
            for item in items:
                objects += 1
                yield self.shape(item)
            position = self.position_after(page)
            if position is not None and not self.full_reload and not past_end:
                # every record of the page (and its children) is out: a run interrupted from here
                # on resumes after this page
                self.get_context_state(context)[self.position_key] = position
                self._write_state_message()
            if past_end:
                self.logger.info("reached end_date %s", end)
                break
        self.logger.info("export done: %d pages, %d objects", pages, objects)

    def _pages(self, url: str, params: Params) -> Iterator[Page]:
        """Pages of the export, requesting each next page while the current one is processed."""
        ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"zendesk-{self.name}-export")
        try:
            future: Future[Page] | None = ahead.submit(self._fetch_page, url, params)
            while future is not None:
                page = future.result()
                following = self.next_params(page)
                future = ahead.submit(self._fetch_page, url, following) if following is not None else None
                yield page
        finally:
            ahead.shutdown(wait=False, cancel_futures=True)

    def _fetch_page(self, url: str, params: Params) -> Page:
        return Page(params, self.fetch_json(url, params))

    def page_records(self, page: Page) -> list[Record]:
        """The objects of a page that this run has not emitted yet."""
        return list(page.body.get(self.export_key) or [])

    def on_page(self, items: list[Record]) -> None:
        """Hook: a page of objects is about to be emitted (tickets prefetch their comments)."""

    def shape(self, item: Record) -> Record:
        """The record emitted for an exported object (deletions get ``_sdc_deleted_at``)."""
        return item


class CursorExportStream(ExportStream):
    """A cursor-based incremental export; state keeps the last ``after_cursor``."""

    position_key = "cursor"

    def first_params(self, context: Context | None) -> Params:
        """The saved cursor, else ``start_time``."""
        cursor = self.saved_position(context)
        if cursor:
            return {"cursor": cursor, **self.page_size_params()}
        return {"start_time": self.start_time(context), **self.page_size_params()}

    def next_params(self, page: Page) -> Params | None:
        """The ``after_cursor``, until ``end_of_stream``."""
        cursor = page.body.get("after_cursor")
        if page.body.get("end_of_stream") or not cursor:
            return None
        return {"cursor": cursor, **self.page_size_params()}

    def position_after(self, page: Page) -> str | None:
        """The page's ``after_cursor`` (also at the end of the stream: the next run goes on from it)."""
        cursor = page.body.get("after_cursor")
        return str(cursor) if cursor else page.params.get("cursor")


class TimeExportStream(ExportStream):
    """A time-based incremental export; state keeps the last ``end_time``."""

    position_key = "end_time"

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the stream; see :class:`singer_sdk.RESTStream`."""
        super().__init__(*args, **kwargs)
        #: (second, ids emitted with that ``updated_at``) of the last page: its duplicates come again.
        self._boundary: tuple[int, set[int]] = (-1, set())

    def first_params(self, context: Context | None) -> Params:
        """``start_time``: the saved ``end_time``, else the bookmark or ``start_date``."""
        self._boundary = (-1, set())
        saved = self.saved_position(context)
        start = int(saved) if saved is not None else self.start_time(context)
        return {"start_time": start, **self.page_size_params()}

    def next_params(self, page: Page) -> Params | None:
        """``start_time`` = the page's ``end_time`` (one second later if the page made no progress)."""
        if page.body.get("end_of_stream"):
            return None
        start = int(page.params["start_time"])
        end_time = int(page.body.get("end_time") or start)
        if end_time <= start:
            self.logger.warning("export page ended at its own start_time %d: continuing at %d", start, start + 1)
            end_time = start + 1
        return {"start_time": end_time, **self.page_size_params()}

    def position_after(self, page: Page) -> int | None:
        """The page's ``end_time``."""
        end_time = page.body.get("end_time")
        return int(end_time) if end_time is not None else None

    def page_records(self, page: Page) -> list[Record]:
        """The page without the objects already emitted from the previous page's last second."""
        second, seen = self._boundary
        fresh: list[Record] = []
        for item in page.body.get(self.export_key) or []:
            stamp = epoch(item["updated_at"])
            if stamp == second and item["id"] in seen:
                continue
            fresh.append(item)
        last = epoch(fresh[-1]["updated_at"]) if fresh else second
        at_last = {item["id"] for item in fresh if epoch(item["updated_at"]) == last}
        self._boundary = (last, at_last | (seen if last == second else set()))
        return fresh
