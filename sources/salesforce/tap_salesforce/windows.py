"""A large REST read in concurrent ``SystemModstamp`` windows that split while they are read.

A ``queryAll`` result is one cursor (``nextRecordsUrl`` pages one after another), so one query is
one request at a time. When a REST read turns out to hold more than one slice, the rest of it (after
the last record of the first slice) is cut into ``max_concurrent_requests`` windows of equal time up
to the newest ``SystemModstamp`` that matches, the last one open at the top (records modified while
the run reads are not lost). Each window is read as ordered slices by one thread; whenever a thread
is idle, the reader of a window that still holds more cuts the rest of its range into pieces (about
``SLICES_PER_PIECE`` slices wide at the density it just read, never under one second) and hands the
later ones over, so a window where the changes cluster does not end up read alone.

Objects from the windows interleave, so the stream's bookmark moves only at the end of the read (as
on Bulk): a run that fails leaves it where it was. At most ``buffer`` records wait in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .soql import MODSTAMP, Cursor, sf_datetime

_DONE = object()
#: Slices a piece handed to an idle thread is meant to hold, judged by the slice just read.
SLICES_PER_PIECE = 4
Record = dict[str, Any]


@dataclass(frozen=True)
class Window:
    """Records after ``start`` (strictly after it when it names an Id, else at or after its time)
    and before ``top`` (exclusive; None: open)."""

    start: Cursor
    top: dt.datetime | None


def equal_windows(
    start: Cursor, newest: dt.datetime, windows: int, parse: Callable[[str], dt.datetime]
) -> list[Window]:
    """Up to ``windows`` consecutive windows of equal whole-second spacing from ``start`` to
    ``newest``; the first starts strictly after ``start``, the last is open at the top."""
    low = parse(start.modstamp)
    return _cut(Window(start, None), low, newest, (newest - low) / max(1, windows), max(1, windows) - 1)


def _cut(window: Window, low: dt.datetime, high: dt.datetime, width: dt.timedelta, pieces: int) -> list[Window]:
    """``window`` cut at ``low + k * width`` (k = 1..pieces, whole seconds, below ``high``)."""
    cuts: list[dt.datetime] = []
    for k in range(1, pieces + 1):
        cut = (low + width * k).replace(microsecond=0)
        if cut > low and cut < high and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    starts = [window.start, *(Cursor(sf_datetime(cut)) for cut in cuts)]
    tops = [*cuts, window.top]
    return [Window(s, top) for s, top in zip(starts, tops, strict=True)]


class SplittingRead:
    """Every record of ``windows``, read by up to ``workers`` threads that split busy windows.

    ``read_slice(window)`` returns the next ordered slice (at most ``page`` records) of a window.
    """

    def __init__(
        self,
        read_slice: Callable[[Window], list[Record]],
        windows: list[Window],
        *,
        page: int,
        workers: int,
        newest: dt.datetime,
        parse: Callable[[str], dt.datetime],
        buffer: int = 2_000,
    ) -> None:
        """Read ``windows`` (in order of preference: the first is taken first)."""
        self._read_slice = read_slice
        self._pending = list(reversed(windows))
        self._page = page
        self._workers = max(1, workers)
        self._newest = newest
        self._parse = parse
        self._items: queue.Queue[Any] = queue.Queue(maxsize=max(1, buffer))
        self._cond = threading.Condition()
        self._active = 0
        self._stop = threading.Event()
        #: Windows read (the first ones and every split), for the run's log line.
        self.windows = len(windows)

    def __iter__(self) -> Iterator[Record]:
        """Records in the order they arrive; an error in any window is raised here."""
        threads = [
            threading.Thread(target=self._work, name=f"salesforce-window-{n}", daemon=True)
            for n in range(self._workers)
        ]
        for thread in threads:
            thread.start()
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

    def _next_window(self) -> Window | None:
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

    def _read(self, window: Window) -> None:
        while not self._stop.is_set():
            records = self._read_slice(window)
            for record in records:
                self._items.put(record)
            if len(records) < self._page:
                return
            last = Cursor.of(records[-1])
            window = Window(last, window.top)
            if idle := self._idle_threads():
                first = self._parse(str(records[0][MODSTAMP]))
                window = self._split(window, self._parse(last.modstamp) - first, idle)

    def _split(self, window: Window, slice_span: dt.timedelta, idle: int) -> Window:
        """Hand up to ``idle`` later pieces of the unread range to idle threads; keep the first."""
        low = self._parse(window.start.modstamp)
        high = window.top or max(self._newest, low)
        width = max(slice_span * SLICES_PER_PIECE, dt.timedelta(seconds=1))
        pieces = _cut(window, low, high, width, idle)
        if len(pieces) == 1:
            return window
        with self._cond:
            for piece in reversed(pieces[1:]):
                self._pending.append(piece)
                self.windows += 1
            self._cond.notify_all()
        return pieces[0]
