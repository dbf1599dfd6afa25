"""Ticket comments: a child of tickets, fetched for every live ticket the run emits.

``GET /tickets/{id}/comments.json`` with cursor pagination (``page[size]``, ``meta.has_more``,
``links.next``). When the tickets stream receives an export page it hands the page's live ticket
ids to :meth:`TicketCommentsBase.prefetch`: up to ``max_concurrent_requests`` of them are
fetched at a time (each request still waits for its slot under the account rate limit), and
each ticket's comments are emitted right after it. Deleted tickets have no comments to read
(Zendesk answers 404); a ticket deleted between the export and the request is skipped.
"""

from __future__ import annotations

import threading
import typing as t
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from .base import ResourceNotFoundError
from .client import ZendeskStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

Record = dict[str, t.Any]
COMMENTS_PAGE_MAX = 100


class TicketCommentsBase(ZendeskStream):
    """Comments of the tickets emitted in this run (``ticket_id`` added to each)."""

    primary_keys = ("id",)
    path = "/tickets/{ticket_id}/comments.json"

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the stream; its state is not partitioned by ticket."""
        super().__init__(*args, **kwargs)
        self.state_partitioning_keys = []
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[int, Future[list[Record]]] = {}
        self._lock = threading.Lock()

    def _write_state_message(self) -> None:
        """No STATE per ticket: comments keep no state; the tickets stream writes it after each export page."""

    # -- concurrent prefetch ------------------------------------------------------------------

    def prefetch(self, ticket_ids: Iterable[int]) -> None:
        """Start fetching the comments of ``ticket_ids`` (bounded concurrency)."""
        with self._lock:
            if self._pool is None:
                workers = max(1, int(self.config.get("max_concurrent_requests", 4)))
                self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zendesk-comments")
            for ticket_id in ticket_ids:
                if ticket_id not in self._pending:
                    self._pending[ticket_id] = self._pool.submit(self.fetch_comments, ticket_id)

    def close(self) -> None:
        """Drop pending fetches and stop the workers (end of the tickets export)."""
        with self._lock:
            pool, self._pool = self._pool, None
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """The ticket's comments (prefetched when the tickets stream asked for them)."""
        if not context:
            return
        ticket_id = int(context["ticket_id"])
        with self._lock:
            future = self._pending.pop(ticket_id, None)
        comments = future.result() if future is not None else self.fetch_comments(ticket_id)
        for comment in comments:
            yield {**comment, "ticket_id": ticket_id}

    def fetch_comments(self, ticket_id: int) -> list[Record]:
        """Every comment of one ticket, following ``links.next`` while ``meta.has_more``."""
        size = max(1, min(COMMENTS_PAGE_MAX, int(self.config.get("page_size") or COMMENTS_PAGE_MAX)))
        url: str = f"{self.url_base}/tickets/{ticket_id}/comments.json"
        params: dict[str, t.Any] = {"page[size]": size}
        comments: list[Record] = []
        while True:
            try:
                body = self.fetch_json(url, params)
            except ResourceNotFoundError:
                self.logger.info("ticket %s is gone (404): no comments read", ticket_id)
                return comments
            comments.extend(body.get("comments") or [])
            next_url = (body.get("links") or {}).get("next")
            if not (body.get("meta") or {}).get("has_more") or not next_url:
                return comments
            url, params = str(next_url), {}
