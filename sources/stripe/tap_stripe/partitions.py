"""Concurrent, partitioned list reads: a listing split into ``created`` windows read in parallel.

Stripe lists newest first with no way to sort or to jump into the middle of a list, so one listing is
one request after another. Windows of ``created`` (``created[gte]`` / ``created[lt]``) are independent
listings: reading ``max_concurrent_requests`` of them at once brings a large read up to the request
budget the run is given (the tap-wide ``max_requests_per_second`` cap still spaces every request).
Windows are made by splitting as the read goes (:class:`SplittingListing`), so no start date or
data distribution has to be known in advance and a small listing costs no extra request.

Objects are handed over through a bounded queue, so memory holds at most ``buffer`` objects plus one
page per thread, whatever the size of the account.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CreatedWindow:
    """``gte <= created < lt``; ``lt`` None means open-ended (objects created during the run too)."""

    gte: int
    lt: int | None

    def params(self) -> dict[str, int]:
        """List parameters of the window."""
        params = {"created[gte]": self.gte}
        if self.lt is not None:
            params["created[lt]"] = self.lt
        return params


_DONE = object()
#: Pages a slice is meant to hold, judged by the density of the page that was just read.
PAGES_PER_SLICE = 4
Page = dict[str, Any]


class SplittingListing:
    """Every object of one Stripe list, read by up to ``workers`` threads over ``created`` windows.

    It starts as one window. Whenever a window turns out to hold more than a page and threads are
    idle, the reader cuts slices off the range it has not read yet (``created`` from the window's
    start up to the oldest object read), hands the older ones to the idle threads and goes on with the
    newest from its cursor. Ties cannot be lost: the listing that continues keeps every object at or
    above its new start, each slice every object in its own range. Slices are sized from the density
    of the page just read (see :meth:`_split`) and never narrower than ``min_split_seconds``.

    ``fetch_page(params)`` returns one list page (``data``, ``has_more``).
    """

    def __init__(
        self,
        fetch_page: Callable[[dict[str, Any]], Page],
        params: dict[str, Any],
        window: CreatedWindow | list[CreatedWindow],
        *,
        workers: int,
        min_split_seconds: int = 3600,
        buffer: int = 1_000,
    ) -> None:
        """Read ``window`` (or every window of a list, e.g. a reconciliation's partition) with the
        list parameters ``params`` (limit, filters)."""
        self._fetch_page = fetch_page
        self._params = {k: v for k, v in params.items() if not k.startswith("created[")}
        self._pending = list(window) if isinstance(window, list) else [window]
        self._workers = max(1, workers)
        self._min_split = max(1, min_split_seconds)
        self._items: queue.Queue[Any] = queue.Queue(maxsize=max(buffer, 1))
        self._cond = threading.Condition()
        self._active = 0
        self._stop = threading.Event()
        #: Windows read (the given ones and every split), for the run's log line.
        self.windows = len(self._pending)
        self._threads: list[threading.Thread] | None = None

    def start(self) -> SplittingListing:
        """Start reading now (the bounded buffer fills until the objects are taken); idempotent."""
        if self._threads is None:
            self._threads = [
                threading.Thread(target=self._work, name=f"stripe-list-{n}", daemon=True) for n in range(self._workers)
            ]
            for thread in self._threads:
                thread.start()
        return self

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Objects in the order they arrive; an error in any window is raised here."""
        threads = self.start()._threads or []
        running = len(threads)
        try:
            while running:
                item = self._items.get()
                if item is _DONE:
                    running -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            self._stop.set()
            with self._cond:
                self._cond.notify_all()
            while any(thread.is_alive() for thread in threads):  # unblock readers waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    self._items.get_nowait()
                for thread in threads:
                    thread.join(timeout=0.01)

    def _work(self) -> None:
        try:
            while (window := self._next_window()) is not None:
                try:
                    self._read(window)
                finally:
                    with self._cond:
                        self._active -= 1
                        self._cond.notify_all()
        except BaseException as exc:  # handed to the consumer, which raises it
            self._stop.set()
            self._items.put(exc)
        finally:
            self._items.put(_DONE)

    def _next_window(self) -> CreatedWindow | None:
        with self._cond:
            while not self._pending and self._active and not self._stop.is_set():
                self._cond.wait()
            if self._stop.is_set() or not self._pending:
                return None
            self._active += 1
            return self._pending.pop()

    def _idle_threads(self) -> int:
        with self._cond:
            return max(0, self._workers - self._active - len(self._pending))

    def _split(self, window: CreatedWindow, page_span: int, oldest_read: int, slices: int) -> CreatedWindow:
        """Hand up to ``slices`` older slices of the unread range to idle threads; keep the newest.

        A slice is ``PAGES_PER_SLICE`` times as wide as the page just read (at least
        ``min_split_seconds``), so where the list is as dense as here each slice holds about that
        many pages; the oldest slice takes everything down to the window's start and splits again
        when it turns out to hold more.
        """
        width = max(page_span * PAGES_PER_SLICE, self._min_split)
        cuts = [oldest_read - n * width for n in range(1, slices + 1)]
        cuts = [cut for cut in cuts if cut > window.gte]
        if not cuts:
            return window
        with self._cond:
            for lo, hi in itertools.pairwise([*cuts, window.gte][::-1]):
                self._pending.append(CreatedWindow(lo, hi))
                self.windows += 1
            self._cond.notify_all()
        return CreatedWindow(cuts[0], window.lt)

    def _read(self, window: CreatedWindow) -> None:
        params = {**self._params, **window.params()}
        while not self._stop.is_set():
            page = self._fetch_page(dict(params))
            data = page.get("data") or []
            for obj in data:
                self._items.put(obj)
            if not page.get("has_more") or not data:
                return
            params["starting_after"] = data[-1]["id"]
            oldest_read = int(data[-1]["created"])
            if (idle := self._idle_threads()) and oldest_read - window.gte > self._min_split:
                window = self._split(window, int(data[0]["created"]) - oldest_read, oldest_read, idle)
                params["created[gte]"] = window.gte
