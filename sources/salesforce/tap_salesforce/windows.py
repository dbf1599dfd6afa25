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

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .concurrent_windows import WindowedRead
from .soql import MODSTAMP, Cursor, sf_datetime

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


class SplittingRead(WindowedRead[Window]):
    """Every record of ``windows``, read by up to ``workers`` threads that split busy windows
    (threads, bounded buffer and errors: the template's ``WindowedRead``).

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
        """Read ``windows`` (the first is taken first)."""
        super().__init__(windows, workers=workers, buffer=buffer, name="salesforce-window")
        self._read_slice = read_slice
        self._page = page
        self._newest = newest
        self._parse = parse

    def read_window(self, window: Window) -> None:
        """Ordered slices of ``window``, splitting it while threads are idle."""
        while not self.stopped:
            records = self._read_slice(window)
            for record in records:
                self.emit(record)
            if len(records) < self._page:
                return
            last = Cursor.of(records[-1])
            window = Window(last, window.top)
            if idle := self.idle_threads():
                first = self._parse(str(records[0][MODSTAMP]))
                window = self._split(window, self._parse(last.modstamp) - first, idle)

    def _split(self, window: Window, slice_span: dt.timedelta, idle: int) -> Window:
        """Hand up to ``idle`` later pieces of the unread range to idle threads; keep the first."""
        low = self._parse(window.start.modstamp)
        high = window.top or max(self._newest, low)
        width = max(slice_span * SLICES_PER_PIECE, dt.timedelta(seconds=1))
        pieces = _cut(window, low, high, width, idle)
        if len(pieces) > 1:
            self.hand_over(pieces[1:])
        return pieces[0]
