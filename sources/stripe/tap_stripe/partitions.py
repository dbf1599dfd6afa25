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

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .concurrent_windows import WindowedRead


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


#: Pages a slice is meant to hold, judged by the density of the page that was just read.
PAGES_PER_SLICE = 4
Page = dict[str, Any]


class SplittingListing(WindowedRead[CreatedWindow]):
    """Every object of one Stripe list, read by up to ``workers`` threads over ``created`` windows.

    It starts as one window. Whenever a window turns out to hold more than a page and threads are
    idle, the reader cuts slices off the range it has not read yet (``created`` from the window's
    start up to the oldest object read), hands the older ones to the idle threads and goes on with the
    newest from its cursor. Ties cannot be lost: the listing that continues keeps every object at or
    above its new start, each slice every object in its own range. Slices are sized from the density
    of the page just read (see :meth:`_split`) and never narrower than ``min_split_seconds``. The
    threads, the bounded buffer and error handling are the template's ``WindowedRead``.

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
        windows = list(window) if isinstance(window, list) else [window]
        super().__init__(windows, workers=workers, buffer=buffer, name="stripe-list")
        self._fetch_page = fetch_page
        self._params = {k: v for k, v in params.items() if not k.startswith("created[")}
        self._min_split = max(1, min_split_seconds)

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
        # newest slice first: (cut_2, cut_1), (cut_3, cut_2), ..., (gte, cut_n)
        self.hand_over([CreatedWindow(lo, hi) for hi, lo in itertools.pairwise([*cuts, window.gte])])
        return CreatedWindow(cuts[0], window.lt)

    def read_window(self, window: CreatedWindow) -> None:
        """Page through ``window`` newest first, splitting it while threads are idle."""
        params = {**self._params, **window.params()}
        while not self.stopped:
            page = self._fetch_page(dict(params))
            data = page.get("data") or []
            for obj in data:
                self.emit(obj)
            if not page.get("has_more") or not data:
                return
            params["starting_after"] = data[-1]["id"]
            oldest_read = int(data[-1]["created"])
            if (idle := self.idle_threads()) and oldest_read - window.gte > self._min_split:
                window = self._split(window, int(data[0]["created"]) - oldest_read, oldest_read, idle)
                params["created[gte]"] = window.gte
